// Outbound calls through Twilio's Calls API (`POST /2010-04-01/Accounts/{sid}/Calls.json`,
// form-encoded, basic auth), with Twilio's error codes mapped to our outcome vocabulary.
import { AppError } from '../../lib/errors.js';
import {
  accepted,
  fetchOrTransient,
  parseRetryAfter,
  permanentFailure,
  readJsonBody,
  TransientError,
  type SendOutcome,
} from '../errors.js';

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** Default https://api.twilio.com; a fake or a regional edge in tests and special setups. */
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface TwilioCreateCall {
  /** E.164 callee. */
  to: string;
  /** E.164 caller id (a Twilio number or verified caller id). */
  from: string;
  /** Inline TwiML, see buildTwiml. */
  twiml: string;
  statusCallback: string;
  /** Our ledger id, sent as I-Twilio-Idempotency-Token. */
  idempotencyKey: string;
}

export interface TwilioClient {
  createCall(call: TwilioCreateCall): Promise<SendOutcome>;
}

// Twilio documents a 4,000 character limit for the Twiml parameter; refusing here gives a clear
// reason instead of a generic 400.
export const MAX_TWIML_LENGTH = 4000;

// We want to see the whole life of a call, so every documented progress event is requested.
const STATUS_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

export function makeTwilioClient(opts: TwilioClientOptions): TwilioClient {
  if (!/^AC[0-9a-fA-F]{32}$/.test(opts.accountSid)) {
    throw new AppError('validation', 'Twilio accountSid must look like AC followed by 32 hex digits');
  }
  if (!opts.authToken) throw new AppError('validation', 'Twilio authToken is missing');
  const fetchFn = opts.fetch ?? fetch;
  const base = (opts.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
  const endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Calls.json`;
  const authorization = 'Basic ' + Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64');
  const timeoutMs = opts.timeoutMs ?? 15_000;

  return {
    async createCall(call) {
      if (call.twiml.length > MAX_TWIML_LENGTH) {
        return permanentFailure(`TwiML is ${call.twiml.length} characters, Twilio accepts at most ${MAX_TWIML_LENGTH}`);
      }
      const form = new URLSearchParams({
        To: call.to,
        From: call.from,
        Twiml: call.twiml,
        StatusCallback: call.statusCallback,
        StatusCallbackMethod: 'POST',
      });
      for (const ev of STATUS_EVENTS) form.append('StatusCallbackEvent', ev);

      const res = await fetchOrTransient(
        fetchFn,
        endpoint,
        {
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            'i-twilio-idempotency-token': call.idempotencyKey,
          },
          body: form.toString(),
        },
        timeoutMs,
        'twilio',
      );
      const body = (await readJsonBody(res)) as { sid?: unknown; code?: unknown; message?: unknown } | undefined;

      if (res.ok) {
        if (typeof body?.sid !== 'string') {
          throw new TransientError(`twilio: HTTP ${res.status} without a call sid`, { uncertain: true });
        }
        return accepted(body.sid);
      }
      const code = typeof body?.code === 'number' ? body.code : undefined;
      const message = typeof body?.message === 'string' ? body.message : `HTTP ${res.status}`;
      const reason = code !== undefined ? `(Twilio ${code}) ${message}` : `Twilio HTTP ${res.status}: ${message}`;
      if (res.status === 429 || code === 20429 || res.status >= 500) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        throw new TransientError(reason, retryAfterMs === undefined ? {} : { retryAfterMs });
      }
      // 20003 authentication / 401 / 403: our credentials, not the contact: retry, alert.
      if (res.status === 401 || res.status === 403 || code === 20003) {
        throw new TransientError(`twilio configuration: ${reason}`);
      }
      // 21211 invalid To, 21214 To not reachable, 13224 invalid number, 21215 geo permissions ...
      return permanentFailure(reason);
    },
  };
}
