// A fake of Twilio's Calls API (`POST /2010-04-01/Accounts/{sid}/Calls.json`): basic auth, form
// body, Twilio-style JSON errors. Plus helpers to build and sign status callbacks the way Twilio
// does, so webhook tests exercise the real signature check.
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { sendJson, startHttpServer, waitUntil } from './http-server.js';

export type FormParams = Record<string, string | string[]>;

export interface CapturedTwilioCall {
  accountSid: string;
  headers: IncomingHttpHeaders;
  /** Repeated parameters (StatusCallbackEvent) become arrays. */
  form: FormParams;
  idempotencyToken: string | undefined;
  sid?: string;
}

export interface TwilioFakeOptions {
  accountSid?: string;
  authToken?: string;
}

export interface TwilioFake {
  /** Give this as baseUrl to makeTwilioClient. */
  url: string;
  port: number;
  accountSid: string;
  authToken: string;
  requests: CapturedTwilioCall[];
  /**
   * The next n requests fail with `status` (429 → code 20429, else 20500); with `match`, only
   * requests whose To matches do (the engine's send order is not fixed).
   */
  failNext(n: number, status?: number, match?: (to: string) => boolean): void;
  waitFor(n: number, timeoutMs?: number): Promise<CapturedTwilioCall[]>;
  close(): Promise<void>;
}

const CALLS_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/;

const twilioError = (status: number, code: number, message: string) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

function parseForm(body: Buffer): FormParams {
  const out: FormParams = {};
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export async function startTwilioFake(opts: TwilioFakeOptions = {}): Promise<TwilioFake> {
  const accountSid = opts.accountSid ?? 'AC' + 'f'.repeat(32);
  const authToken = opts.authToken ?? 'twilio-test-token';
  const expectedAuth = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
  let failures: Array<{ status: number; match?: (to: string) => boolean }> = [];
  const requests: CapturedTwilioCall[] = [];

  const server = await startHttpServer((req, res) => {
    const m = CALLS_PATH.exec(req.path);
    if (req.method !== 'POST' || !m) return sendJson(res, 404, twilioError(404, 20404, 'The requested resource was not found'));
    const token = req.headers['i-twilio-idempotency-token'];
    const form = parseForm(req.body);
    const captured: CapturedTwilioCall = { accountSid: m[1], headers: req.headers, form, idempotencyToken: Array.isArray(token) ? token[0] : token };
    requests.push(captured);

    if (req.headers.authorization !== expectedAuth || m[1] !== accountSid) {
      return sendJson(res, 401, twilioError(401, 20003, 'Authenticate'));
    }
    const to = typeof form.To === 'string' ? form.To : '';
    const at = failures.findIndex((f) => !f.match || f.match(to));
    const failure = at < 0 ? undefined : failures.splice(at, 1)[0].status;
    if (failure !== undefined) {
      return sendJson(res, failure, twilioError(failure, failure === 429 ? 20429 : 20500, failure === 429 ? 'Too Many Requests' : 'Internal Server Error'));
    }
    if (!/^\+[1-9]\d{6,14}$/.test(to)) {
      return sendJson(res, 400, twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`));
    }
    if (typeof form.From !== 'string' || !form.From) return sendJson(res, 400, twilioError(400, 21212, "The 'From' number is not a valid phone number."));
    if (typeof form.Twiml !== 'string' && typeof form.Url !== 'string') {
      return sendJson(res, 400, twilioError(400, 21205, 'Url or Twiml parameter is required.'));
    }
    captured.sid = 'CA' + randomBytes(16).toString('hex');
    sendJson(res, 201, { sid: captured.sid, account_sid: accountSid, to, from: form.From, status: 'queued', direction: 'outbound-api' });
  });

  return {
    url: server.url,
    port: server.port,
    accountSid,
    authToken,
    requests,
    failNext(n, status = 503, match) {
      failures = [...failures, ...Array.from({ length: n }, () => (match ? { status, match } : { status }))];
    },
    async waitFor(n, timeoutMs = 5000) {
      await waitUntil(() => requests.length, n, timeoutMs, 'requests');
      return requests;
    },
    close: server.close,
  };
}

/** X-Twilio-Signature for a callback to `url` with these form params (Twilio's algorithm). */
export function signTwilioCallback(url: string, params: Record<string, string>, authToken: string): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  return createHmac('sha1', authToken).update(data).digest('base64');
}

/** Form params of a status callback, as Twilio posts them. */
export function twilioStatusParams(o: { callSid: string; status: string; accountSid?: string; durationSec?: number; to?: string; from?: string; answeredBy?: string }): Record<string, string> {
  const p: Record<string, string> = {
    AccountSid: o.accountSid ?? 'AC' + 'f'.repeat(32),
    ApiVersion: '2010-04-01',
    CallSid: o.callSid,
    CallStatus: o.status,
    Direction: 'outbound-api',
    From: o.from ?? '+15005550006',
    To: o.to ?? '+15005550001',
    Timestamp: new Date().toUTCString(),
    SequenceNumber: '0',
  };
  if (o.durationSec !== undefined) p.CallDuration = String(o.durationSec);
  if (o.answeredBy) p.AnsweredBy = o.answeredBy;
  return p;
}
