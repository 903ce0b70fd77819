/** Named errors; `app.onError` in app.ts maps them to status codes. */
export class NotFoundError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NotFoundError";
  }
}

export class BadRequestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BadRequestError";
  }
}

export class ConflictError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConflictError";
  }
}

export class UnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnavailableError";
  }
}

export class BadGatewayError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BadGatewayError";
  }
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
  constructor(message: string, readonly retryAfter: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "TooManyRequestsError";
  }
}
