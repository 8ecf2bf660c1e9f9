/** Which token rows of a prompt a capture reads. */
import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";

/**
 * - "last": the last prompt token (the state the next token is predicted from)
 * - "all": every prompt token
 * - "mean": the mean over all prompt tokens (one row)
 * - number[]: explicit token indices; negative indices count from the end (-1 = last)
 */
export type CapturePositions = "last" | "all" | "mean" | readonly number[];

export function validateCapturePositions(name: string, positions: unknown): asserts positions is CapturePositions {
  if (positions === "last" || positions === "all" || positions === "mean") return;
  if (Array.isArray(positions) && positions.length > 0 && positions.every((p) => Number.isInteger(p))) return;
  throw invalidArgument(name, '"last", "all", "mean" or a non-empty array of integer token indices', positions);
}

/** Token indices to read for a prompt of `length` tokens ("mean" reads all of them and averages). */
export function capturedIndices(positions: CapturePositions, length: number, promptIndex: number): number[] {
  if (positions === "last") return [length - 1];
  if (positions === "all" || positions === "mean") return Array.from({ length }, (_, i) => i);
  return positions.map((p) => {
    const index = p < 0 ? length + p : p;
    if (index < 0 || index >= length) {
      throw new SteerError(
        ErrorCodes.POSITION_OUT_OF_RANGE,
        `Capture position ${p} is outside prompt ${promptIndex}, which has ${length} tokens`,
        { prompt: promptIndex, position: p, length },
      );
    }
    return index;
  });
}
