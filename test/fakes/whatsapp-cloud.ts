// A fake of the WhatsApp Business Cloud API send endpoint, plus builders for webhook payloads in
// Meta's real shape. It refuses what the real API refuses (bad token, newline/tab or 5+ spaces in
// a text parameter: 132018), so a regression in our validation shows up against it.
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { sendJson, startHttpServer, waitUntil } from './http-server.js';

export interface CapturedCloudRequest {
  path: string;
  phoneNumberId: string;
  headers: IncomingHttpHeaders;
  body: any; // raw JSON as received
  /** When it arrived (Date.now()), to see a throttled channel slow down. */
  at: number;
  /** The wamid answered, when the request was accepted. */
  wamid?: string;
}

export interface WhatsAppCloudFakeOptions {
  accessToken?: string;
  /** Recipients (digits, no +) refused with 131026 Message undeliverable. */
  undeliverable?: (to: string) => boolean;
}

interface FailureOptions {
  status?: number;
  code?: number;
  retryAfterSec?: number;
  match?: (to: string) => boolean;
}

export interface WhatsAppCloudFake {
  /** Base URL to give makeCloudApiClient, with a version prefix like the real one. */
  url: string;
  port: number;
  requests: CapturedCloudRequest[];
  accessToken: string;
  undeliverable: (to: string) => boolean;
  /**
   * The next n requests answer 429 with error 130429 and the given Retry-After (seconds); with
   * `match`, only requests to a matching recipient do (so a test can keep a throttle off a
   * recipient it checks for something else, whatever order the engine sends in).
   */
  failNext(n: number, opts?: FailureOptions): void;
  waitFor(n: number, timeoutMs?: number): Promise<CapturedCloudRequest[]>;
  close(): Promise<void>;
}

const MESSAGES_PATH = /^\/(?:v\d+(?:\.\d+)?\/)?([\w-]+)\/messages$/;

const graphError = (code: number, message: string, details?: string) => ({
  error: { message, type: 'OAuthException', code, ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}), fbtrace_id: 'AfakeTrace' },
});

// Mirrors the Cloud API rule behind error 132018.
function badTextParameter(body: any): string | undefined {
  for (const c of body?.template?.components ?? []) {
    for (const p of c?.parameters ?? []) {
      if (p?.type === 'text' && (typeof p.text !== 'string' || p.text === '' || /[\n\t]| {5,}/.test(p.text))) return String(p.text);
    }
  }
  return undefined;
}

export async function startWhatsAppCloudFake(opts: WhatsAppCloudFakeOptions = {}): Promise<WhatsAppCloudFake> {
  let failures: Array<{ status: number; code: number; retryAfterSec?: number; match?: (to: string) => boolean }> = [];
  const state = {
    requests: [] as CapturedCloudRequest[],
    accessToken: opts.accessToken ?? 'test-token',
    undeliverable: opts.undeliverable ?? ((_to: string) => false),
  };

  const server = await startHttpServer((req, res) => {
    const m = MESSAGES_PATH.exec(req.path);
    if (req.method !== 'POST' || !m) return sendJson(res, 404, graphError(100, 'Unsupported request'));
    let body: any;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    const captured: CapturedCloudRequest = { path: req.path, phoneNumberId: m[1], headers: req.headers, body, at: Date.now() };
    state.requests.push(captured);

    if (req.headers.authorization !== `Bearer ${state.accessToken}`) {
      return sendJson(res, 401, graphError(190, 'Invalid OAuth access token - Cannot parse access token'));
    }
    const at = failures.findIndex((f) => !f.match || (typeof body?.to === 'string' && f.match(body.to)));
    const failure = at < 0 ? undefined : failures.splice(at, 1)[0];
    if (failure) {
      const headers: Record<string, string> = failure.retryAfterSec !== undefined ? { 'retry-after': String(failure.retryAfterSec) } : {};
      return sendJson(res, failure.status, graphError(failure.code, '(#130429) Rate limit hit'), headers);
    }
    if (body?.messaging_product !== 'whatsapp' || typeof body.to !== 'string' || !body.template?.name) {
      return sendJson(res, 400, graphError(100, '(#100) Invalid parameter'));
    }
    const bad = badTextParameter(body);
    if (bad !== undefined) {
      return sendJson(res, 400, graphError(132018, 'There was an issue with the parameters in your template.', `Param text cannot have new-line/tab characters or more than 4 consecutive spaces: ${JSON.stringify(bad)}`));
    }
    if (state.undeliverable(body.to)) return sendJson(res, 400, graphError(131026, 'Message undeliverable'));

    captured.wamid = `wamid.${randomBytes(16).toString('base64url')}`;
    sendJson(res, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: body.to, wa_id: body.to }],
      messages: [{ id: captured.wamid }],
    });
  });

  return Object.assign(state, {
    url: `${server.url}/v21.0`,
    port: server.port,
    failNext(n: number, o: FailureOptions = {}) {
      const f = {
        status: o.status ?? 429,
        code: o.code ?? 130429,
        ...(o.retryAfterSec !== undefined ? { retryAfterSec: o.retryAfterSec } : {}),
        ...(o.match ? { match: o.match } : {}),
      };
      failures = [...failures, ...Array.from({ length: n }, () => f)];
    },
    async waitFor(n: number, timeoutMs = 5000) {
      await waitUntil(() => state.requests.length, n, timeoutMs, 'requests');
      return state.requests;
    },
    close: server.close,
  });
}

// ---- webhooks ----

/** Serialises a payload and signs it exactly as Meta does (X-Hub-Signature-256 over the raw bytes). */
export function signedWebhook(payload: unknown, appSecret: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  const signature = 'sha256=' + createHmac('sha256', appSecret).update(body).digest('hex');
  return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } };
}

const PHONE_NUMBER_ID = '106540352242922';

function envelope(value: Record<string, unknown>, phoneNumberId = PHONE_NUMBER_ID) {
  return {
    object: 'whatsapp_business_account',
    entry: [{
      id: '102290129340398',
      changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...value } }],
    }],
  };
}

const unix = (at: Date) => String(Math.floor(at.getTime() / 1000));

export function statusWebhook(o: {
  wamid: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  recipientId: string;
  at?: Date;
  error?: { code: number; title: string };
  phoneNumberId?: string;
}) {
  const status: Record<string, unknown> = { id: o.wamid, status: o.status, timestamp: unix(o.at ?? new Date()), recipient_id: o.recipientId };
  if (o.error) status.errors = [{ code: o.error.code, title: o.error.title, message: o.error.title, error_data: { details: `${o.error.title}.` } }];
  return envelope({ statuses: [status] }, o.phoneNumberId);
}

export function replyWebhook(o: { from: string; text: string; contextWamid?: string; messageId?: string; name?: string; at?: Date; phoneNumberId?: string }) {
  const message: Record<string, unknown> = {
    from: o.from,
    id: o.messageId ?? `wamid.${randomBytes(12).toString('base64url')}`,
    timestamp: unix(o.at ?? new Date()),
    text: { body: o.text },
    type: 'text',
  };
  if (o.contextWamid) message.context = { from: '15550783881', id: o.contextWamid };
  return envelope({ contacts: [{ profile: { name: o.name ?? 'Test User' }, wa_id: o.from }], messages: [message] }, o.phoneNumberId);
}
