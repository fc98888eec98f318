import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type FakeS3Server } from './s3-server.js';

// The fake must speak enough real S3 for the SDK's own client: plain objects (s3rver) and the
// multipart bookkeeping this fake adds on top.
describe('fake S3 server', () => {
  let s3: FakeS3Server;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startS3Server();
    client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  afterAll(async () => {
    client.destroy();
    await s3.close();
  });

  it('listens on a random 127.0.0.1 port with the bucket ready', async () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.endpoint).not.toBe('http://127.0.0.1:4568'); // not s3rver's fixed default
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'a/b.txt', Body: 'hello' }));
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'a/b.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
  });

  it('lists pending multipart uploads by prefix and aborts them', async () => {
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'mp/one' }),
    );
    await client.send(
      new UploadPartCommand({ Bucket: s3.bucket, Key: 'mp/one', UploadId, PartNumber: 1, Body: Buffer.alloc(10) }),
    );
    const before = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: 'mp/' }));
    expect(before.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['mp/one', UploadId]]);
    const elsewhere = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: 'other/' }));
    expect(elsewhere.Uploads ?? []).toEqual([]);

    await client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: 'mp/one', UploadId }));
    const after = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: 'mp/' }));
    expect(after.Uploads ?? []).toEqual([]);

    await expect(
      client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: 'mp/one', UploadId })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('records requests so tests can count multipart parts', () => {
    expect(s3.requests.some((r) => r.method === 'PUT' && r.url.includes('partNumber=1'))).toBe(true);
  });
});
