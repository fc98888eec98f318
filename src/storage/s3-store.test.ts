import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type FakeS3Server } from '../../test/fakes/s3-server.js';
import { makeManualClock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { makeS3Store } from './s3-store.js';
import { minimalPdf, streamOf } from './test-files.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const clock = makeManualClock('2030-01-02T03:04:05Z');

describe('S3 store: presigned download URLs', () => {
  let s3: FakeS3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(() => s3?.close());

  it('downloads the object straight from the endpoint, saved under the given name', async () => {
    const store = makeS3Store({ ...s3, forcePathStyle: true, checksumWhenRequired: true });
    const pdf = minimalPdf();
    await store.put('tenant/t1/attachments/f1', streamOf(pdf), { contentType: 'application/pdf' });
    const url = await store.presignedGetUrl!('tenant/t1/attachments/f1', 300, 'Überweisung März.pdf');
    expect(url.startsWith(`${s3.endpoint}/${s3.bucket}/tenant/t1/attachments/f1?`)).toBe(true);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(pdf)).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="Uberweisung Marz.pdf"; filename*=UTF-8''%C3%9Cberweisung%20M%C3%A4rz.pdf`,
    );
  });

  it.each([
    [{ forcePathStyle: false }, 'https://files.s3.eu-west-1.amazonaws.com/k/1?'],
    [{ forcePathStyle: true }, 'https://s3.eu-west-1.amazonaws.com/files/k/1?'],
    [{ forcePathStyle: false, endpoint: 'https://fra1.digitaloceanspaces.com' }, 'https://files.fra1.digitaloceanspaces.com/k/1?'],
    [{ forcePathStyle: true, endpoint: 'http://minio:9000' }, 'http://minio:9000/files/k/1?'],
  ])('addresses the bucket like the SDK does: %j', async (addressing, start) => {
    const store = makeS3Store({ ...CREDENTIALS, region: 'eu-west-1', bucket: 'files', clock, ...addressing });
    const url = await store.presignedGetUrl!('k/1', 600, 'a.pdf');
    expect(url.startsWith(start)).toBe(true);
    expect(url).toContain('X-Amz-Date=20300102T030405Z&X-Amz-Expires=600&');
    expect(url).toContain('X-Amz-Credential=AKIDEXAMPLE%2F20300102%2Feu-west-1%2Fs3%2Faws4_request');
  });

  it('reports an unreachable endpoint as unavailable, not as a missing object', async () => {
    const store = makeS3Store({ ...CREDENTIALS, region: 'eu-west-1', bucket: 'files', forcePathStyle: true, endpoint: 'http://127.0.0.1:1' });
    const err = await store.get('k/1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('unavailable');
  });

  it('reports a missing bucket as unavailable', async () => {
    const store = makeS3Store({ ...s3, bucket: 'no-such-bucket', forcePathStyle: true, checksumWhenRequired: true });
    expect(((await store.get('k/1').catch((e: unknown) => e)) as AppError).code).toBe('unavailable');
  });
});
