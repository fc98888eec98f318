import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isAppError, type AppError, type ErrorCode, type FieldError } from '../lib/errors.js';
import { NUL_MESSAGE } from './input-guard.js';
import { malformedMultipart } from './multipart.js';
import { clientErrorDetail, expectedMessage, requiredMessage } from './problem-details.js';

// The only place that turns errors into HTTP answers: RFC 9457 problem+json with the field
// errors listed. Domain code throws AppError with a code and never knows the status; 5xx
// details are logged, never returned.

const STATUS: Record<ErrorCode, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  incomplete: 422,
  rate_limited: 429,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export interface ProblemInput {
  status: number;
  code?: string;
  detail?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, p: ProblemInput) {
  const { code, ...rest } = p;
  const body: Problem = {
    ...rest,
    type: code ? `urn:problem:${code}` : 'about:blank',
    title: TITLES[p.status] ?? 'Error',
    status: p.status,
    instance: request.url.split('?')[0],
    requestId: String(request.id),
  };
  return reply.status(p.status).type('application/problem+json').send(body);
}

// The issues zod raises for a value that is not there at all (a type, an enum, a union).
const MISSING_KEYWORDS = new Set(['invalid_type', 'invalid_value', 'invalid_union']);

const pathField = (instancePath: string, context?: string) => {
  const field = instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (field) return field;
  return context === 'body' ? 'body' : (context ?? 'request');
};

/** The part of the request a validation context names (what the schema was given). */
function validatedData(request: FastifyRequest, context: string | undefined): unknown {
  if (context === 'body') return request.body;
  if (context === 'querystring') return request.query;
  if (context === 'params') return request.params;
  if (context === 'headers') return request.headers;
  return {};
}

/** Whether nothing stands at an issue's path ("/a/b"): the key is absent, or the body is. */
function isMissing(data: unknown, instancePath: string): boolean {
  let value = data;
  for (const key of instancePath.split('/').slice(1).filter((k) => k !== '')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return true;
    value = (value as Record<string, unknown>)[key];
  }
  return value === undefined;
}

/** Zod validation errors become a 400 naming every field (unknown keys by their own name). */
function fieldErrorsOf(err: FastifyError, request: FastifyRequest): FieldError[] {
  const out: FieldError[] = [];
  const context = (err as { validationContext?: string }).validationContext;
  const data = validatedData(request, context);
  for (const v of err.validation ?? []) {
    const params = (v.params ?? {}) as { keys?: string[] };
    if (v.keyword === 'unrecognized_keys' && params.keys) {
      const base = pathField(v.instancePath, context);
      for (const key of params.keys) {
        out.push({ field: base === 'body' ? key : `${base}.${key}`, message: 'unknown field' });
      }
    } else if (MISSING_KEYWORDS.has(v.keyword) && isMissing(data, v.instancePath)) {
      out.push({ field: pathField(v.instancePath, context), message: requiredMessage(v.keyword, v.params) });
    } else {
      const allowed = expectedMessage(v.keyword, v.params);
      out.push({ field: pathField(v.instancePath, context), message: allowed ?? v.message ?? 'invalid value' });
    }
  }
  return out;
}

export function errorHandler(raw: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  // A multipart body its parser cannot read is the caller's error wherever it surfaces (a part,
  // a file stream half read into the store, an import), not a crash.
  const err: FastifyError | AppError = malformedMultipart(raw) ?? raw;
  if (isAppError(err)) {
    const status = STATUS[err.code];
    if (status >= 500) request.log.error({ err }, 'request failed');
    return sendProblem(reply, request, {
      status,
      code: err.code,
      detail: err.message,
      ...(err.fields.length > 0 ? { errors: err.fields } : {}),
      ...err.details,
    });
  }
  if (hasZodFastifySchemaValidationErrors(err) || err.validation) {
    const errors = fieldErrorsOf(err, request);
    return sendProblem(reply, request, {
      status: 400,
      code: 'validation',
      detail: `Invalid ${(err as { validationContext?: string }).validationContext ?? 'request'}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      errors,
    });
  }
  // Fastify's own client errors (malformed JSON, body too large, bad content type...).
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const detail = clientErrorDetail(err, request);
    // A refused media type is the Content-Type header's fault: name it like any other field.
    const errors = status === 415 ? [{ field: 'content-type', message: detail }] : undefined;
    return sendProblem(reply, request, { status, code: err.code, detail, ...(errors ? { errors } : {}) });
  }
  // Unique violations that escaped the domain are conflicts, not crashes.
  if ((err as { code?: string }).code === '23505') {
    return sendProblem(reply, request, { status: 409, code: 'conflict', detail: 'a conflicting record already exists' });
  }
  // NULs the input guard could not see (e.g. inside an imported file) are the caller's input,
  // not a crash: PostgreSQL refuses U+0000 in jsonb (22P05) and in text (22021).
  const sqlState = (err as { code?: string }).code;
  if (sqlState === '22P05' || sqlState === '22021') {
    request.log.warn({ err }, 'database refused NUL in input');
    return sendProblem(reply, request, { status: 400, code: 'validation', detail: `The request contains a NUL character: ${NUL_MESSAGE}` });
  }
  request.log.error({ err }, 'unhandled error');
  return sendProblem(reply, request, { status: 500, detail: 'An internal error occurred; the request id identifies it in the logs.' });
}
