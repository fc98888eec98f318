import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type FakeS3Server } from '../../test/fakes/s3-server.js';
import { AppError } from '../lib/errors.js';
import { makeObjectStore } from './make-store.js';
import type { ObjectStore } from './object-store.js';
import { failingAfter, minimalPdf, readAll, streamOf } from './test-files.js';
import { guardUpload } from './upload-guard.js';

// One contract, two drivers: every test runs against the local directory store and against a
// real S3 endpoint (s3rver on 127.0.0.1), through the same factory the service uses.

const MiB = 1024 * 1024;

interface Harness {
  store: ObjectStore;
  /** Traces a failed upload can leave: S3 incomplete multipart uploads, local temp files. */
  leftovers(prefix: string): Promise<string[]>;
  /** How many multipart parts were sent for `key`, or null where multipart does not exist. */
  partsSent(key: string): number | null;
  close(): Promise<void>;
}

async function localHarness(): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'local-store-'));
  return {
    store: makeObjectStore({ driver: 'local', dir }),
    async leftovers() {
      const files = await readdir(dir, { recursive: true });
      return files.filter((f) => /\.tmp(\.meta)?$/.test(f));
    },
    partsSent: () => null,
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

async function s3Harness(): Promise<Harness> {
  const s3: FakeS3Server = await startS3Server();
  const config = { ...s3, forcePathStyle: true, checksumWhenRequired: true };
  const inspector = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  return {
    store: makeObjectStore({ driver: 's3', s3: config }),
    async leftovers(prefix) {
      const out = await inspector.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }));
      return (out.Uploads ?? []).map((u) => `${u.Key} (${u.UploadId})`);
    },
    partsSent: (key) =>
      s3.requests.filter(
        (r) => r.method === 'PUT' && r.url.startsWith(`/${s3.bucket}/${key}?`) && r.url.includes('partNumber='),
      ).length,
    async close() {
      inspector.destroy();
      await s3.close();
    },
  };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const keyIn = (tenant: string) => `tenant/${tenant}/attachments/${randomUUID()}`;

async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys.sort();
}

async function errorOf(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe.each([
  ['local directory', localHarness],
  ['S3 (s3rver)', s3Harness],
])('object store: %s', (_name, makeHarness) => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness();
  });
  afterAll(() => h?.close());

  it('streams a 12,000,000-byte file in and out byte-identical', async () => {
    const data = randomBytes(12_000_000);
    const key = keyIn('big');
    expect(await h.store.put(key, streamOf(data), { contentType: 'application/octet-stream' })).toEqual({
      size: 12_000_000,
    });
    const parts = h.partsSent(key);
    if (parts !== null) expect(parts).toBe(3); // 5 MiB + 5 MiB + the rest: a real multipart upload

    const got = await h.store.get(key);
    expect(got.size).toBe(12_000_000);
    expect(got.contentType).toBe('application/octet-stream');
    expect(sha256(await readAll(got.body))).toBe(sha256(data));
  });

  it('deletes idempotently; a deleted key is not_found', async () => {
    const key = keyIn('del');
    await h.store.put(key, streamOf(Buffer.from('bye')), { contentType: 'text/plain' });
    expect(await h.store.exists(key)).toBe(true);
    await h.store.delete(key);
    await h.store.delete(key);
    expect(await h.store.exists(key)).toBe(false);
    expect((await errorOf(h.store.get(key))).code).toBe('not_found');
    expect((await errorOf(h.store.get(keyIn('never')))).code).toBe('not_found');
  });

  it('lists by prefix, recursively, with sizes and dates', async () => {
    const keys = ['tenant/L1/attachments/a1', 'tenant/L1/attachments/a2', 'tenant/L1/other/b1', 'tenant/L2/attachments/c1'];
    for (const [i, key] of keys.entries()) {
      await h.store.put(key, streamOf(Buffer.alloc(i + 1, 0x61)), { contentType: 'text/plain' });
    }
    expect(await keysUnder(h.store, 'tenant/L1/')).toEqual(keys.slice(0, 3));
    expect(await keysUnder(h.store, 'tenant/L1/attachments/a')).toEqual(keys.slice(0, 2));
    expect(await keysUnder(h.store, 'tenant/L')).toEqual(keys);
    expect(await keysUnder(h.store, 'tenant/L3/')).toEqual([]);
    const listed = [];
    for await (const o of h.store.list('tenant/L2/')) listed.push(o);
    expect(listed).toEqual([{ key: keys[3], size: 4, lastModified: expect.any(Date) }]);
    expect(Math.abs(listed[0].lastModified.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('rejects an upload over maxBytes with payload_too_large and keeps nothing', async () => {
    const prefix = 'tenant/big1/';
    const body = guardUpload(streamOf(Buffer.alloc(3 * MiB, 0x41)), { maxBytes: MiB, declaredFileName: 'a.txt' });
    const err = await errorOf(h.store.put(`${prefix}x`, body, { contentType: 'text/plain' }));
    expect(err.code).toBe('payload_too_large');
    expect(await keysUnder(h.store, prefix)).toEqual([]);
    expect(await h.leftovers(prefix)).toEqual([]);
  });

  it('aborts a multipart upload that fails after parts were sent', async () => {
    const prefix = 'tenant/big2/';
    const key = `${prefix}x`;
    const pdf = Buffer.concat([minimalPdf(), randomBytes(12_000_000)]);
    const body = guardUpload(streamOf(pdf), { maxBytes: 6 * MiB, declaredFileName: 'a.pdf' });
    expect((await errorOf(h.store.put(key, body, { contentType: 'application/pdf' }))).code).toBe('payload_too_large');
    const parts = h.partsSent(key);
    if (parts !== null) expect(parts).toBeGreaterThanOrEqual(1); // so there was something to abort
    expect(await keysUnder(h.store, prefix)).toEqual([]);
    expect(await h.leftovers(prefix)).toEqual([]);
  });

  it('keeps the previous object when a replacing upload fails midway', async () => {
    const key = keyIn('replace');
    await h.store.put(key, streamOf(Buffer.from('version 1')), { contentType: 'text/plain' });
    const failing = h.store.put(key, failingAfter(Buffer.alloc(100_000, 0x42)), { contentType: 'text/plain' });
    await expect(failing).rejects.toThrow('client went away');
    expect((await readAll((await h.store.get(key)).body)).toString()).toBe('version 1');
    await h.store.put(key, streamOf(Buffer.from('version 2')), { contentType: 'text/csv' });
    const v2 = await h.store.get(key);
    expect([(await readAll(v2.body)).toString(), v2.contentType, v2.size]).toEqual(['version 2', 'text/csv', 9]);
    expect(await h.leftovers('tenant/')).toEqual([]);
  });

  it('stores what the upload guard accepted, with the detected type', async () => {
    const key = keyIn('pdf');
    const body = guardUpload(streamOf(minimalPdf()), { maxBytes: MiB, declaredFileName: 'a.pdf' });
    // The intended order: learn the type (the guard reads ahead), then stream into the store.
    const detected = await body.detected;
    const { size } = await h.store.put(key, body, { contentType: detected.contentType });
    expect(detected.contentType).toBe('application/pdf');
    expect(size).toBe(minimalPdf().length);
    expect((await h.store.get(key)).contentType).toBe('application/pdf');
  });

  it('rejects a body whose length differs from the declared one, keeping nothing', async () => {
    const key = keyIn('len');
    const err = await errorOf(h.store.put(key, streamOf(Buffer.alloc(10)), { contentType: 'text/plain', contentLength: 11 }));
    expect(err.code).toBe('validation');
    expect(await h.store.exists(key)).toBe(false);
  });

  it.each(['../etc/passwd', '/abs/key', 'a//b', 'a/./b', 'a/../b', '', 'a/.hidden', 'a/b/', 'a\\b'])(
    'refuses the key %j',
    async (key) => {
      expect((await errorOf(h.store.get(key))).code).toBe('validation');
      expect((await errorOf(h.store.put(key, streamOf(Buffer.from('x')), { contentType: 'text/plain' }))).code).toBe(
        'validation',
      );
    },
  );
});
