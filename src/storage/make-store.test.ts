import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/errors.js';
import { makeObjectStore, type ObjectStoreConfig } from './make-store.js';
import { streamOf } from './test-files.js';

describe('makeObjectStore', () => {
  it('builds a local store that writes under its directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'make-store-'));
    try {
      const store = makeObjectStore({ driver: 'local', dir });
      await store.put('tenant/x/attachments/1', streamOf(Buffer.from('hi')), { contentType: 'text/plain' });
      expect(await readFile(path.join(dir, 'tenant/x/attachments/1'), 'utf8')).toBe('hi');
      expect(store.presignedGetUrl).toBeUndefined(); // callers stream through the API instead
      // Tenants' files are the service's alone: no other user of the machine may list or read them.
      expect((await stat(path.join(dir, 'tenant/x/attachments/1'))).mode & 0o077).toBe(0);
      expect((await stat(path.join(dir, 'tenant/x/attachments'))).mode & 0o077).toBe(0);
      expect((await stat(path.join(dir, 'tenant'))).mode & 0o077).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('builds an S3 store that can presign', () => {
    const store = makeObjectStore({
      driver: 's3',
      s3: { region: 'us-east-1', bucket: 'b', accessKeyId: 'a', secretAccessKey: 's', forcePathStyle: false },
    });
    expect(typeof store.presignedGetUrl).toBe('function');
  });

  it.each([
    [{ driver: 'local' }, 'storage.dir'],
    [{ driver: 's3' }, 'storage.s3'],
    [{ driver: 'ftp' }, 'storage.driver'],
  ])('names the missing setting: %j', (config, field) => {
    let err: unknown;
    try {
      makeObjectStore(config as ObjectStoreConfig);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).fields.map((f) => f.field)).toEqual([field]);
  });
});
