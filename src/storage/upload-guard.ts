import { pipeline, Transform, type Readable } from 'node:stream';
import { AppError } from '../lib/errors.js';
import { extensionOf, sanitizeFileName } from './file-name.js';
import { KINDS, kindOfExtension, sniff, SNIFF_BYTES, type Kind } from './sniff.js';

export { sanitizeFileName } from './file-name.js';

// Sits between the request body and the object store: it enforces the size limit while bytes
// flow (nothing is buffered beyond the first 8 KiB) and checks that the content is what the file
// name claims before a single byte reaches the store. Any failure errors the stream, and the
// stores guarantee that an errored body leaves no object behind.

export interface GuardOptions {
  maxBytes: number;
  declaredFileName: string;
  /**
   * What the client said. Never trusted (browsers send CSV as application/vnd.ms-excel, curl
   * sends octet-stream); the type always comes from the bytes. Reported in error details only.
   */
  declaredContentType?: string;
}

export interface DetectedType {
  /** The type to store and serve, from the bytes, e.g. 'application/pdf'. */
  contentType: string;
  /** The declared name's extension, lower-cased with its dot, e.g. '.jpeg'. */
  extension: string;
  /** The sanitised file name to store. */
  fileName: string;
}

export type GuardedUpload = Readable & { detected: Promise<DetectedType> };

const ALLOWED = (Object.keys(KINDS) as Kind[]).flatMap((k) => KINDS[k].extensions).join(', ');

export function guardUpload(source: Readable, opts: GuardOptions): GuardedUpload {
  const fileName = sanitizeFileName(opts.declaredFileName);
  const extension = extensionOf(fileName);
  const expected = kindOfExtension(extension);

  let resolveDetected!: (t: DetectedType) => void;
  let rejectDetected!: (e: unknown) => void;
  const detected = new Promise<DetectedType>((resolve, reject) => {
    resolveDetected = resolve;
    rejectDetected = reject;
  });
  // Callers usually await the stream's consumer, not this promise: never an unhandled rejection.
  detected.catch(() => {});

  const rejectType = (message: string, detectedLabel: string | null) =>
    new AppError('unsupported_media_type', message, {
      fields: [{ field: 'file', message }],
      details: { detected: detectedLabel, extension, declaredContentType: opts.declaredContentType ?? null },
    });

  /** Returns the error to fail with, or undefined when the content matches its name. */
  function decide(sample: Buffer, complete: boolean): AppError | undefined {
    if (sample.length === 0) {
      return new AppError('validation', 'attachment is empty', { fields: [{ field: 'file', message: 'is empty' }] });
    }
    if (!expected) {
      return rejectType(`file name must end with one of ${ALLOWED}`, null);
    }
    const s = sniff(sample, complete);
    let kind: Kind;
    switch (s.family) {
      case 'exact':
        kind = s.kind;
        break;
      case 'ooxml':
        if (!s.kind && expected !== 'docx' && expected !== 'xlsx') {
          return rejectType(`file content is an Office document but the name says ${extension}`, 'OOXML');
        }
        // Entry names did not tell Word from Excel within the sample: the extension decides.
        kind = s.kind ?? expected;
        break;
      case 'text':
        kind = expected === 'csv' ? 'csv' : 'txt';
        break;
      case 'zip':
        return rejectType('file content is a ZIP archive, which is not an allowed type', 'ZIP');
      case 'unknown':
        return rejectType(`file content is not one of the allowed types (${ALLOWED})`, null);
    }
    if (kind !== expected) {
      return rejectType(`file content is ${KINDS[kind].label} but the name says ${extension}`, KINDS[kind].label);
    }
    resolveDetected({ contentType: KINDS[kind].contentType, extension, fileName });
    return undefined;
  }

  let total = 0;
  let head: Buffer[] = [];
  let headBytes = 0;
  let decided = false;

  const guard = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      total += chunk.length;
      if (total > opts.maxBytes) {
        return cb(new AppError('payload_too_large', `attachment exceeds ${opts.maxBytes} bytes`, {
          details: { maxBytes: opts.maxBytes },
        }));
      }
      if (decided) return cb(null, chunk);
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes < SNIFF_BYTES) return cb();
      // Release what was held back only once the type is known to be fine.
      const sample = Buffer.concat(head);
      head = [];
      decided = true;
      const err = decide(sample.subarray(0, SNIFF_BYTES), false);
      return err ? cb(err) : cb(null, sample);
    },
    flush(cb) {
      if (decided) return cb();
      decided = true;
      const sample = Buffer.concat(head);
      head = [];
      const err = decide(sample, true);
      return err ? cb(err) : cb(null, sample);
    },
  });

  // pipeline, not pipe: the source's errors (client gone) reach the consumer, and a consumer
  // that gives up destroys the source.
  pipeline(source, guard, (err) => {
    if (err) rejectDetected(err);
  });
  return Object.assign(guard, { detected });
}
