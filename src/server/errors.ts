/**
 * Errors as the OpenAI API writes them: `{"error": {"message", "type", "param", "code"}}` with a 4xx status for
 * anything the client can fix and 5xx for the server's own failures. Typed library errors map to statuses here,
 * once, so a request handler only ever throws or catches `HttpError`.
 */
import { ErrorCodes, describeValue, isSteerError } from "../errors.js";

export type OpenAiErrorType = "invalid_request_error" | "authentication_error" | "not_found_error" | "rate_limit_error" | "server_error";

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly type: OpenAiErrorType = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  body(): { error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 naming the parameter, what was expected and what came (the library's `invalidArgument` wording). */
export function badParam(param: string, expected: string, received: unknown, code = "invalid_value"): HttpError {
  return new HttpError(400, `Expected ${expected} for ${param} but received ${describeValue(received)}`, "invalid_request_error", param, code);
}

/** Library errors the client caused (its messages, steering, grammar, length) are 400; anything else is 500. */
export function toHttpError(e: unknown, param: string | null = null): HttpError {
  if (e instanceof HttpError) return e;
  if (isSteerError(e)) {
    const name = typeof e.details.name === "string" ? e.details.name : param;
    switch (e.code) {
      case ErrorCodes.INVALID_ARGUMENT:
      case ErrorCodes.VECTOR_SIZE:
      case ErrorCodes.NOT_FINITE:
      case ErrorCodes.LAYER_OUT_OF_RANGE:
      case ErrorCodes.POSITION_OUT_OF_RANGE:
      case ErrorCodes.EMPTY_PROMPT:
      case ErrorCodes.GRAMMAR_INVALID:
      case ErrorCodes.TEMPLATE_FAILED:
        return new HttpError(400, e.message, "invalid_request_error", name, e.code);
      case ErrorCodes.PROMPT_TOO_LONG:
        return new HttpError(400, e.message, "invalid_request_error", "messages", "context_length_exceeded");
      default:
        return new HttpError(500, `The server failed: ${e.message}`, "server_error", null, e.code);
    }
  }
  return new HttpError(500, `The server failed: ${e instanceof Error ? e.message : String(e)}`, "server_error");
}
