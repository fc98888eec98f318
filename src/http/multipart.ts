import type { Multipart } from '@fastify/multipart';
import { AppError, validationError } from '../lib/errors.js';

// What the multipart endpoints (channel configs with an attachment, contact imports) answer for
// a body that is not the form they take. The parser's own errors are plain Errors (a 500 once),
// so they are recognised by their text here, the one place that knows it.

/** busboy's errors for a body that is not well-formed multipart, with what to send instead. */
const MALFORMED: { test: RegExp; field: string; message: string }[] = [
  {
    // "Unexpected end of multipart data", "Part terminated early due to unexpected end of multipart data"
    test: /unexpected end of multipart data$/i,
    field: 'body',
    message: 'the multipart/form-data body is cut off: it ends inside a part or without its closing boundary (--boundary--)',
  },
  {
    test: /^Multipart: Boundary not found$/,
    field: 'content-type',
    message: 'multipart/form-data needs its boundary: multipart/form-data; boundary=…',
  },
  {
    // The boundary becomes the parser's search needle, which may not exceed 256 bytes.
    test: /^The needle cannot/,
    field: 'content-type',
    message: 'the multipart boundary is too long (RFC 2046 allows 70 characters)',
  },
];

/** The 400 for a multipart parser error; undefined for any other error. */
export function malformedMultipart(err: unknown): AppError | undefined {
  if (!(err instanceof Error) || err instanceof AppError || (err as { statusCode?: number }).statusCode) return undefined;
  const known = MALFORMED.find((m) => m.test.test(err.message));
  if (!known) return undefined;
  return new AppError('validation', `The request is not well-formed multipart/form-data: ${known.message}`, {
    fields: [{ field: known.field, message: known.message }],
    cause: err,
  });
}

/**
 * The 400 for a part the endpoint does not take where it stands (a second copy of a part it
 * takes once, an unknown part...), named by the part. A file part is drained: nothing is kept.
 */
export function partError(part: Multipart, message: string): AppError {
  if (part.type === 'file') part.file.resume();
  return validationError([{ field: part.fieldname, message }], `The multipart part "${part.fieldname}" ${message}`);
}

/** The message for a part an endpoint does not know, listing the ones it does. */
export const unknownPart = (accepted: string) => `is not a part this endpoint takes; it takes ${accepted}`;

/** The message for a second copy of a part an endpoint takes once. */
export const onlyOnce = (name: string) => `appears twice; only one "${name}" part is allowed`;
