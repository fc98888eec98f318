// Shared plumbing of the HTTP fakes: a node:http server on 127.0.0.1 with a random port, the
// request body read up front, and a close() that does not wait for keep-alive sockets.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type FakeHandler = (req: FakeRequest, res: ServerResponse) => void | Promise<void>;

export interface StartedHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startHttpServer(handler: FakeHandler): Promise<StartedHttpServer> {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const u = new URL(req.url ?? '/', 'http://127.0.0.1');
        const body = await readBody(req);
        await handler({ method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body }, res);
      } catch (e) {
        // A fake that crashes must still answer, or the client under test hangs until timeout.
        if (!res.headersSent) sendJson(res, 500, { error: { message: `fake crashed: ${(e as Error).message}` } });
        else res.destroy();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits until `count()` reaches n, or rejects after timeoutMs with what was seen. */
export async function waitUntil(count: () => number, n: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (count() < n) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${n} ${what} (got ${count()})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
