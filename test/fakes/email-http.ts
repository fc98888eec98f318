// A fake HTTP email service speaking the protocol of src/channels/email/http-transport.ts:
// `POST /send` (any path, as configured), JSON body, bearer key, Idempotency-Key. Like a real
// idempotent API it answers a repeated key with the message it already accepted, so tests count
// the DISTINCT messages that would have gone out, whatever the retries did.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { sendJson, startHttpServer, waitUntil } from './http-server.js';

export interface CapturedEmail {
  path: string;
  headers: IncomingHttpHeaders;
  idempotencyKey: string | undefined;
  body: any; // raw JSON as received
  /** The id answered when accepted; a repeated key gets the same id. */
  id?: string;
  replayed: boolean;
}

export interface EmailHttpFakeOptions {
  apiKey?: string;
  /** Return a message to refuse the recipient with 422 (e.g. invalid address). */
  reject?: (to: string) => string | undefined;
}

export interface EmailHttpFake {
  /** Give this as EMAIL_HTTP_URL. */
  url: string;
  port: number;
  apiKey: string;
  /** Every request, replays and refusals included. */
  requests: CapturedEmail[];
  /** idempotency key -> accepted message. */
  accepted: Map<string, CapturedEmail>;
  /** The next n requests answer `status` (default 503) without accepting anything. */
  failNext(n: number, status?: number, retryAfterSec?: number): void;
  waitFor(n: number, timeoutMs?: number): Promise<CapturedEmail[]>;
  close(): Promise<void>;
}

export async function startEmailHttpFake(opts: EmailHttpFakeOptions = {}): Promise<EmailHttpFake> {
  const apiKey = opts.apiKey ?? 'email-http-test-key';
  let failures: Array<{ status: number; retryAfterSec?: number }> = [];
  const requests: CapturedEmail[] = [];
  const accepted = new Map<string, CapturedEmail>();

  const server = await startHttpServer((req, res) => {
    if (req.method !== 'POST' || req.path !== '/v1/send') return sendJson(res, 404, { message: 'not found' });
    const key = req.headers['idempotency-key'];
    const idempotencyKey = Array.isArray(key) ? key[0] : key;
    let body: any;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return sendJson(res, 400, { message: 'body is not JSON' });
    }
    const captured: CapturedEmail = { path: req.path, headers: req.headers, idempotencyKey, body, replayed: false };
    requests.push(captured);

    if (req.headers.authorization !== `Bearer ${apiKey}`) return sendJson(res, 401, { message: 'invalid API key' });
    const failure = failures.shift();
    if (failure) {
      return sendJson(res, failure.status, { message: 'temporarily unavailable' }, failure.retryAfterSec !== undefined ? { 'retry-after': String(failure.retryAfterSec) } : {});
    }
    if (!idempotencyKey) return sendJson(res, 400, { message: 'Idempotency-Key header is required' });
    const previous = accepted.get(idempotencyKey);
    if (previous) {
      captured.id = previous.id;
      captured.replayed = true;
      return sendJson(res, 200, { id: previous.id });
    }
    for (const field of ['from', 'to', 'subject', 'html']) {
      if (body?.[field] === undefined) return sendJson(res, 422, { message: `${field} is required` });
    }
    const to = body.to?.[0]?.email;
    if (typeof to !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(to)) return sendJson(res, 422, { message: `invalid recipient ${JSON.stringify(to)}` });
    const refusal = opts.reject?.(to);
    if (refusal) return sendJson(res, 422, { message: refusal });

    captured.id = `msg_${randomUUID()}`;
    accepted.set(idempotencyKey, captured);
    sendJson(res, 202, { id: captured.id });
  });

  return {
    url: `${server.url}/v1/send`,
    port: server.port,
    apiKey,
    requests,
    accepted,
    failNext(n, status = 503, retryAfterSec) {
      const f = retryAfterSec === undefined ? { status } : { status, retryAfterSec };
      failures = [...failures, ...Array.from({ length: n }, () => f)];
    },
    async waitFor(n, timeoutMs = 5000) {
      await waitUntil(() => requests.length, n, timeoutMs, 'requests');
      return requests;
    },
    close: server.close,
  };
}
