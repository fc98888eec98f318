import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

// A real S3 endpoint on 127.0.0.1 for tests: s3rver (objects on disk in a temp directory),
// fronted by a small handler for the two multipart calls s3rver lacks, AbortMultipartUpload and
// ListMultipartUploads, so tests can prove that a failed upload leaves no parts behind.
// Like s3rver itself, it does not verify signatures.

interface S3rverInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  configureBuckets(): Promise<unknown>;
  logger: { close(): void };
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

export interface FakeS3Server {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Every request received, in order, for assertions such as "this upload used 3 parts". */
  requests: { method: string; url: string }[];
  close(): Promise<void>;
}

const BUCKET = 'test-bucket';

export async function startS3Server(): Promise<FakeS3Server> {
  // s3rver is CommonJS without type definitions.
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;
  const directory = await mkdtemp(path.join(tmpdir(), 'fake-s3-'));
  const s3rver = new S3rver({
    silent: true,
    directory,
    vhostBuckets: false, // 127.0.0.1 with path-style addressing only
    configureBuckets: [{ name: BUCKET }],
  });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const uploadsDir = (bucket: string) => path.join(directory, bucket, '._S3rver_uploads');
  const requests: FakeS3Server['requests'] = [];

  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, bucket = '', ...keyParts] = url.pathname.split('/');
    const key = keyParts.map(decodeURIComponent).join('/');
    if (req.method === 'DELETE' && key && url.searchParams.has('uploadId')) {
      abortUpload(uploadsDir(bucket), url.searchParams.get('uploadId') ?? '', res).catch((e) => fail(res, e));
    } else if (req.method === 'GET' && !key && url.searchParams.has('uploads')) {
      listUploads(uploadsDir(bucket), bucket, url.searchParams.get('prefix') ?? '', res).catch((e) => fail(res, e));
    } else {
      handle(req, res);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: BUCKET,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      s3rver.logger.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

// Upload ids come from the client: only a plain id may name a directory.
const UPLOAD_ID = /^[A-Za-z0-9_-]+$/;

async function abortUpload(dir: string, uploadId: string, res: ServerResponse): Promise<void> {
  const uploadDir = path.join(dir, uploadId);
  const found = UPLOAD_ID.test(uploadId) && (await stat(uploadDir).catch(() => undefined)) !== undefined;
  if (!found) {
    xml(res, 404, `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>`);
    return;
  }
  await rm(uploadDir, { recursive: true, force: true });
  res.writeHead(204).end();
}

async function listUploads(dir: string, bucket: string, prefix: string, res: ServerResponse): Promise<void> {
  const ids = await readdir(dir).catch(() => [] as string[]);
  const uploads: string[] = [];
  for (const id of ids) {
    const key = await readFile(path.join(dir, id, 'key'), 'utf8').catch(() => undefined);
    if (key === undefined || !key.startsWith(prefix)) continue;
    const initiated = (await stat(path.join(dir, id))).mtime.toISOString();
    uploads.push(`<Upload><Key>${esc(key)}</Key><UploadId>${esc(id)}</UploadId><Initiated>${initiated}</Initiated></Upload>`);
  }
  xml(
    res,
    200,
    `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${esc(bucket)}</Bucket>` +
      `<Prefix>${esc(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>` +
      `${uploads.join('')}</ListMultipartUploadsResult>`,
  );
}

function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function fail(res: ServerResponse, e: unknown): void {
  xml(res, 500, `<Error><Code>InternalError</Code><Message>${esc(String(e))}</Message></Error>`);
}

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
