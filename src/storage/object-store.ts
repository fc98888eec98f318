import type { Readable } from 'node:stream';
import { AppError } from '../lib/errors.js';

// The one seam between the service and wherever attachment bytes live. Two implementations:
// a local directory (the embedded default) and any S3-compatible endpoint. Callers never learn
// which one they talk to, except that only S3 can hand out a presigned URL.

export interface PutOptions {
  contentType: string;
  /** When given, a body of any other length is rejected and nothing is stored. */
  contentLength?: number;
}

export interface StoredObject {
  body: Readable;
  size: number;
  contentType: string;
}

export interface ListedObject {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ObjectStore {
  /**
   * Streams `body` to `key`, replacing any object already there. Either the whole object is
   * stored or nothing is: a body that errors (size limit, type check, client gone) leaves no
   * object and no partial upload behind, and the body's own error is what rejects.
   */
  put(key: string, body: Readable, opts: PutOptions): Promise<{ size: number }>;
  /** Rejects with AppError('not_found') when the key holds nothing. */
  get(key: string): Promise<StoredObject>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Every object whose key starts with `prefix`, in no promised order (for orphan clean-up). */
  list(prefix: string): AsyncIterable<ListedObject>;
  /**
   * A time-limited URL that downloads the object directly from the store, saved as `fileName`.
   * Only stores that can sign URLs have it; callers fall back to streaming `get` through the API.
   */
  presignedGetUrl?(key: string, ttlSeconds: number, fileName: string): Promise<string>;
}

// Segments start with a letter or digit, so "..", "." and hidden names can never be keys; this is
// what lets the local store keep its temp and metadata files (dot-names) beside objects safely,
// and it keeps both drivers accepting exactly the same keys.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._=-]*$/;
const MAX_KEY_BYTES = 1024; // S3's own limit

export function assertValidKey(key: string): void {
  const ok =
    typeof key === 'string' &&
    key.length > 0 &&
    Buffer.byteLength(key) <= MAX_KEY_BYTES &&
    key.split('/').every((segment) => SEGMENT.test(segment));
  if (!ok) {
    throw new AppError('validation', `invalid object key: ${JSON.stringify(key)}`, {
      fields: [{ field: 'key', message: 'segments of letters, digits, ".", "_", "-", "=" separated by "/"' }],
    });
  }
}

/** A list prefix is a key, or the start of one: it may end with "/" or in the middle of a segment. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  assertValidKey(trimmed);
}
