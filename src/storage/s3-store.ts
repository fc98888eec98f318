import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { pipeline, Readable, Transform } from 'node:stream';
import { AppError, isAppError, notFound } from '../lib/errors.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { contentDispositionAttachment } from './file-name.js';
import {
  assertValidKey,
  assertValidPrefix,
  type ListedObject,
  type ObjectStore,
  type PutOptions,
} from './object-store.js';
import { encodeKeyPath, presignGetUrl } from './sigv4-presign.js';

export interface S3StoreConfig {
  /** Omit for AWS itself; set for MinIO, DigitalOcean Spaces, test servers. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /**
   * Only for test servers such as s3rver that do not understand the SDK's default streamed
   * (aws-chunked) checksums and would store corrupted bytes: compute and validate checksums only
   * when an operation requires them.
   */
  checksumWhenRequired?: boolean;
  clock?: Clock;
  /** pino-compatible; told when clean-up after a failed upload itself fails. */
  log?: { warn(obj: object, msg: string): void };
}

// 5 MiB is S3's smallest allowed part; 4 parts in flight bounds memory at ~20 MiB per upload.
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 4;

export function makeS3Store(config: S3StoreConfig): ObjectStore {
  const { bucket } = config;
  const clock = config.clock ?? systemClock;
  const client = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    ...(config.checksumWhenRequired
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });

  async function put(key: string, body: Readable, opts: PutOptions): Promise<{ size: number }> {
    assertValidKey(key);
    let size = 0;
    let bodyError: unknown;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        cb(null, chunk);
      },
    });
    // Remember the body's own error (e.g. payload_too_large from the upload guard): the SDK
    // rethrows it wrapped or replaced, and the caller must see the original.
    body.once('error', (e) => (bodyError ??= e));
    pipeline(body, counter, () => {}); // errors surface through the Upload reading `counter`

    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: counter, ContentType: opts.contentType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      // We abort ourselves below, so that a failing abort cannot mask the real error.
      leavePartsOnError: true,
    });
    try {
      await upload.done();
    } catch (e) {
      body.destroy();
      if (upload.uploadId) await abortMultipart(key, upload.uploadId);
      throw bodyError ?? asStoreError('upload', e);
    }
    if (opts.contentLength !== undefined && opts.contentLength !== size) {
      await del(key);
      throw new AppError('validation', `body has ${size} bytes but its declared length is ${opts.contentLength}`);
    }
    return { size };
  }

  async function abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch (e) {
      // NoSuchUpload means it is already gone. Anything else leaves parts behind: the bucket's
      // lifecycle rule for incomplete multipart uploads is the last line of defence.
      if (errorName(e) !== 'NoSuchUpload') {
        config.log?.warn({ err: e, key, uploadId }, 'could not abort a failed multipart upload');
      }
    }
  }

  async function get(key: string) {
    assertValidKey(key);
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!(out.Body instanceof Readable)) throw new Error('S3 GetObject returned no Node stream');
      return {
        body: out.Body,
        size: out.ContentLength ?? 0,
        contentType: out.ContentType ?? 'application/octet-stream',
      };
    } catch (e) {
      throw isMissing(e) ? notFound('object') : asStoreError('get', e);
    }
  }

  async function del(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (e) {
      if (!isMissing(e)) throw asStoreError('delete', e); // S3 answers 204 anyway; some clones 404
    }
  }

  async function exists(key: string): Promise<boolean> {
    assertValidKey(key);
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw asStoreError('head', e);
    }
  }

  async function* list(prefix: string): AsyncIterable<ListedObject> {
    assertValidPrefix(prefix);
    let token: string | undefined;
    do {
      const page = await client
        .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
        .catch((e: unknown) => {
          throw asStoreError('list', e);
        });
      for (const o of page.Contents ?? []) {
        if (o.Key) yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async function presignedGetUrl(key: string, ttlSeconds: number, fileName: string): Promise<string> {
    assertValidKey(key);
    const path = encodeKeyPath(key);
    // Same addressing rules as the SDK: path style puts the bucket in the path, otherwise in the
    // host name (AWS, DigitalOcean Spaces).
    let url: URL;
    if (config.endpoint) {
      const base = new URL(config.endpoint);
      url = config.forcePathStyle
        ? new URL(`${base.origin}/${bucket}/${path}`)
        : new URL(`${base.protocol}//${bucket}.${base.host}/${path}`);
    } else {
      url = config.forcePathStyle
        ? new URL(`https://s3.${config.region}.amazonaws.com/${bucket}/${path}`)
        : new URL(`https://${bucket}.s3.${config.region}.amazonaws.com/${path}`);
    }
    return presignGetUrl({
      url,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      now: clock.now(),
      expiresInSeconds: ttlSeconds,
      query: { 'response-content-disposition': contentDispositionAttachment(fileName) },
    });
  }

  return { put, get, delete: del, exists, list, presignedGetUrl };
}

function errorName(e: unknown): string | undefined {
  return (e as { name?: string } | null)?.name;
}

function isMissing(e: unknown): boolean {
  const name = errorName(e);
  const status = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  // A missing bucket is also a 404, but it is a broken configuration, not a missing object.
  return name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket');
}

// The store being down or misconfigured is the service's problem, not the client's: 503.
function asStoreError(op: string, e: unknown): AppError {
  if (isAppError(e)) return e;
  return new AppError('unavailable', `object store ${op} failed`, { cause: e });
}
