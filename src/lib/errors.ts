// One application error type. The domain throws AppError with a code; only the HTTP layer maps
// codes to statuses (src/http/errors.ts), so domain code never knows about HTTP.
export type ErrorCode =
  | 'validation' // 400: a field is wrong; `fields` names it
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not_found' // 404: also another tenant's id
  | 'conflict' // 409: state or uniqueness conflict
  | 'invalid_transition' // 409: status machine refused; `details` has current + allowed
  | 'precondition_failed' // 412: stale If-Match
  | 'payload_too_large' // 413
  | 'unsupported_media_type' // 415
  | 'incomplete' // 422: the campaign lacks pieces to leave DRAFT; `fields` lists them all
  | 'rate_limited' // 429
  | 'unavailable'; // 503

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldError[];
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { fields?: FieldError[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.fields = opts.fields ?? [];
    this.details = opts.details ?? {};
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);

export const validationError = (fields: FieldError[], message = 'The request has invalid fields') =>
  new AppError('validation', message, { fields });

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
