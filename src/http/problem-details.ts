import type { FastifyError, FastifyRequest } from 'fastify';

// Messages that tell the caller what to send instead, for errors whose default text only says
// that something is wrong (zod's "Invalid input" for a union, Fastify's bare 413 and 415).

type Issue = { code?: string; values?: unknown[]; expected?: string; errors?: Issue[][] };

/** The allowed values named by an enum issue, or by any branch of a union (e.g. one or a list). */
function allowedValues(keyword: string, params: Issue): unknown[] {
  if (keyword === 'invalid_value' && Array.isArray(params.values)) return params.values;
  if (keyword !== 'invalid_union' || !Array.isArray(params.errors)) return [];
  const found = new Set<unknown>();
  for (const branch of params.errors) {
    for (const issue of branch) for (const v of allowedValues(issue.code ?? '', issue)) found.add(v);
  }
  return [...found];
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

/**
 * What a schema takes, from the issue of a value of the wrong kind (or none): its values, its
 * type, or those of every branch of a union. [] when a branch objected to something else (a
 * string too short is not "must be an array").
 */
function takes(keyword: string, params: Issue): string[] {
  const values = allowedValues(keyword, params);
  if (values.length > 0) return [`one of ${values.map(String).join(', ')}`];
  if (keyword === 'invalid_type' && params.expected) return [TYPE_NAMES[params.expected] ?? params.expected];
  if (keyword !== 'invalid_union' || !Array.isArray(params.errors)) return [];
  const found = new Set<string>();
  for (const branch of params.errors) {
    const kinds = branch.length === 1 ? takes(branch[0].code ?? '', branch[0]) : [];
    if (kinds.length === 0) return [];
    for (const k of kinds) found.add(k);
  }
  return [...found];
}

/**
 * "must be one of A, B, C" for an enum (or a union of enums), "must be a string or an array"
 * for a union of types (where zod says only "Invalid input"); undefined for any other issue.
 */
export function expectedMessage(keyword: string, params: unknown): string | undefined {
  if (keyword !== 'invalid_value' && keyword !== 'invalid_union') return undefined;
  const what = takes(keyword, (params ?? {}) as Issue);
  return what.length > 0 ? `must be ${what.join(' or ')}` : undefined;
}

/**
 * The message for a value that is missing altogether: "required" and what it takes, where zod 4
 * says "Invalid input" (a union) or "expected string, received undefined".
 */
export function requiredMessage(keyword: string, params: unknown): string {
  const what = takes(keyword, (params ?? {}) as Issue);
  return what.length > 0 ? `required: ${what.join(' or ')}` : 'required';
}

/** The detail of one of Fastify's own 4xx errors, with the limit or the accepted types. */
export function clientErrorDetail(err: FastifyError, request: FastifyRequest): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return `The body is not valid JSON: ${err.message}`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit;
      // Routes with their own limit (file uploads) are not governed by the server-wide variable.
      const own = limit !== request.server.initialConfig.bodyLimit;
      return `The request body is larger than this endpoint's limit of ${limit} bytes` +
        (own ? '' : ' (set by BODY_LIMIT_BYTES)');
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const consumes = (request.routeOptions.schema as { consumes?: string[] } | undefined)?.consumes ?? ['application/json'];
      const takes = request.routeOptions.config?.takes ?? consumes.join(' or ');
      const sent = request.headers['content-type']?.split(';')[0]?.trim() || 'none';
      return `This endpoint takes ${takes}; the request's Content-Type is ${sent}`;
    }
    default:
      return err.name === 'SyntaxError' ? `The body is not valid JSON: ${err.message}` : err.message;
  }
}
