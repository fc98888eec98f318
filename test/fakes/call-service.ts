// A fake of our HTTP call service: `POST /calls` with an Idempotency-Key. Like a real idempotent
// API it answers a repeated key with the call it already created, so tests can count how many
// DISTINCT calls would have been placed, whatever the retries did.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { sendJson, startHttpServer, waitUntil } from './http-server.js';

export interface CapturedCall {
  headers: IncomingHttpHeaders;
  idempotencyKey: string | undefined;
  body: any; // raw JSON as received
  /** The id answered, when accepted; repeated keys get the same id. */
  id?: string;
  replayed: boolean;
}

export interface CallServiceFakeOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Return a message to refuse the call with 422 (e.g. undialable number). */
  reject?: (body: any) => string | undefined;
}

export interface CallServiceFake {
  url: string;
  port: number;
  /** Every request, replays included. */
  requests: CapturedCall[];
  /** idempotency key → call id, i.e. the calls actually placed. */
  calls: Map<string, string>;
  distinctKeys(): number;
  reject: (body: any) => string | undefined;
  /** The next n requests answer `status` (default 503) without creating anything. */
  failNext(n: number, status?: number, retryAfterSec?: number): void;
  waitFor(n: number, timeoutMs?: number): Promise<CapturedCall[]>;
  close(): Promise<void>;
}

export async function startCallServiceFake(opts: CallServiceFakeOptions = {}): Promise<CallServiceFake> {
  let failures: Array<{ status: number; retryAfterSec?: number }> = [];
  const state = {
    requests: [] as CapturedCall[],
    calls: new Map<string, string>(),
    reject: opts.reject ?? ((_body: any) => undefined),
  };

  const server = await startHttpServer((req, res) => {
    if (req.method !== 'POST' || req.path.replace(/\/+$/, '') !== '/calls') return sendJson(res, 404, { message: 'not found' });
    const key = req.headers['idempotency-key'];
    const idempotencyKey = Array.isArray(key) ? key[0] : key;
    let body: any;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return sendJson(res, 400, { message: 'body is not JSON' });
    }
    const captured: CapturedCall = { headers: req.headers, idempotencyKey, body, replayed: false };
    state.requests.push(captured);

    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) return sendJson(res, 401, { message: 'invalid api key' });
    const failure = failures.shift();
    if (failure) {
      return sendJson(res, failure.status, { message: 'temporarily unavailable' }, failure.retryAfterSec !== undefined ? { 'retry-after': String(failure.retryAfterSec) } : {});
    }
    if (!idempotencyKey) return sendJson(res, 400, { message: 'Idempotency-Key header is required' });

    const existing = state.calls.get(idempotencyKey);
    if (existing) {
      captured.id = existing;
      captured.replayed = true;
      return sendJson(res, 200, { id: existing, status: 'queued' });
    }
    for (const field of ['trackingId', 'campaignId', 'contact', 'callHandlerConfig', 'sourcePhone']) {
      if (body?.[field] === undefined) return sendJson(res, 400, { message: `${field} is required` });
    }
    const refusal = state.reject(body);
    if (refusal) return sendJson(res, 422, { message: refusal });

    const id = `call_${randomUUID()}`;
    state.calls.set(idempotencyKey, id);
    captured.id = id;
    sendJson(res, 201, { id, status: 'queued' });
  });

  return Object.assign(state, {
    url: server.url,
    port: server.port,
    distinctKeys: () => state.calls.size,
    failNext(n: number, status = 503, retryAfterSec?: number) {
      const f = retryAfterSec === undefined ? { status } : { status, retryAfterSec };
      failures = [...failures, ...Array.from({ length: n }, () => f)];
    },
    async waitFor(n: number, timeoutMs = 5000) {
      await waitUntil(() => state.requests.length, n, timeoutMs, 'requests');
      return state.requests;
    },
    close: server.close,
  });
}

/** An outcome callback body as the call service posts it to statusCallbackUrl. */
export function callServiceWebhook(o: { callId: string; trackingId: string; status: 'answered' | 'completed' | 'no-answer' | 'busy' | 'failed'; durationSec?: number }) {
  return { ...o };
}
