import { AppError } from '../lib/errors.js';

// Opaque keyset cursors: base64url of JSON. A cursor that does not decode is a 400 on the
// `cursor` field, never a 500 and never a silently restarted listing.

export function encodeCursor(value: Record<string, unknown> | null): string | null {
  return value ? Buffer.from(JSON.stringify(value)).toString('base64url') : null;
}

export function decodeCursor<T extends Record<string, unknown>>(
  cursor: string | undefined,
  check: (v: Record<string, unknown>) => v is T,
): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && typeof v === 'object' && check(v)) return v;
  } catch {
    // fall through to the 400 below
  }
  throw new AppError('validation', 'the cursor is not valid; use nextCursor from a previous page', {
    fields: [{ field: 'cursor', message: 'invalid cursor' }],
  });
}

// PostgreSQL's timestamptz text form, e.g. 2026-12-03 20:11:28.123456+00
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The common cursor shape: a timestamp text and a uuid. */
export const isTsIdCursor = (v: Record<string, unknown>): v is { ts: string; id: string } =>
  typeof v.ts === 'string' && TIMESTAMP.test(v.ts) && typeof v.id === 'string' && UUID.test(v.id);

/** If-Match: `"7"`, `W/"7"` or `7` -> 7; absent -> null; anything else -> 412 (it can't match). */
export function parseIfMatch(header: string | undefined): number | null {
  if (header === undefined || header.trim() === '' || header.trim() === '*') return null;
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!m) {
    throw new AppError('precondition_failed', `If-Match ${JSON.stringify(header)} is not an ETag this service issued`);
  }
  return Number(m[1]);
}

export const etagOf = (version: number) => `"${version}"`;
