import type { FastifyError, FastifyRequest } from 'fastify';

// Messages that tell the caller what to send instead, for errors whose default text only says
// that something is wrong (zod's "Invalid input" for a union, Fastify's bare 413 and 415).

type Issue = { code?: string; values?: unknown[]; errors?: Issue[][] };

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

/** "must be one of A, B, C" for an enum (or union of enums) issue; undefined for any other. */
export function allowedValuesMessage(keyword: string, params: unknown): string | undefined {
  const values = allowedValues(keyword, (params ?? {}) as Issue);
  if (values.length === 0) return undefined;
  return `must be one of ${values.map(String).join(', ')}`;
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
