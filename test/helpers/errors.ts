import { SteerError } from "../../src/errors.js";

/** Resolves to the SteerError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function steerErrorOf(promise: Promise<unknown>): Promise<SteerError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof SteerError) return e;
    throw new Error(`expected a SteerError but got ${String(e)}`, { cause: e });
  }
  throw new Error("expected a SteerError but the call succeeded");
}
