/** Named errors (Error's own constructor, a fixed name); `app.onError` in app.ts maps them to status codes. */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

export class BadRequestError extends Error {
  override name = "BadRequestError";
}

export class ConflictError extends Error {
  override name = "ConflictError";
}

export class UnavailableError extends Error {
  override name = "UnavailableError";
}

export class BadGatewayError extends Error {
  override name = "BadGatewayError";
}

export const STATUS_BY_ERROR: Record<string, 400 | 401 | 403 | 404 | 409 | 429 | 502 | 503> = {
  TooManyRequestsError: 429,
  BadRequestError: 400,
  AuthError: 401,
  ForbiddenError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  BadGatewayError: 502,
  UnavailableError: 503,
};

export class TooManyRequestsError extends Error {
  override name = "TooManyRequestsError";
  constructor(message: string, readonly retryAfter: number, options?: ErrorOptions) {
    super(message, options);
  }
}
