// HTTP client for the WhatsApp Business Cloud API (`POST {base}/{phone-number-id}/messages`),
// translating Graph API errors into our outcome vocabulary.
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
import type { CloudTemplateMessage } from './template-message.js';

export interface CloudApiClientOptions {
  /** e.g. https://graph.facebook.com/v21.0 (the version is part of the base URL). */
  baseUrl: string;
  accessToken: string;
  phoneNumberId: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface CloudApiClient {
  /**
   * The Cloud API has no documented idempotency key; we still send ours as `Idempotency-Key`
   * (ignored by Meta, recorded by proxies and fakes). Exactly-once therefore rests on the
   * engine's ledger: an `uncertain` TransientError must not be resent blindly.
   */
  send(msg: CloudTemplateMessage, opts?: { idempotencyKey?: string }): Promise<SendOutcome>;
}

interface GraphError {
  message?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
}

// Throttling: 130429 throughput, 131048 spam rate limit, 131056 pair rate limit, 80007 WABA
// rate limit. 131000 "something went wrong" and 1/2 (unknown/service) are Meta-side hiccups.
const TRANSIENT_CODES = new Set([130429, 131048, 131056, 80007, 131000, 1, 2, 4]);
// Configuration problems (token expired 190, permission 10/200, phone not registered 133010):
// every contact would fail alike, so they are retried (and alerted on), not marked FAILED.
const CONFIG_CODES = new Set([190, 10, 200, 133010]);

/** `(#131026) Message undeliverable`, plus the detail Meta sometimes adds. */
export function formatGraphError(err: GraphError, status: number): string {
  const message = (err.message ?? `HTTP ${status}`).trim();
  const base = err.code !== undefined && !message.startsWith('(#') ? `(#${err.code}) ${message}` : message;
  const details = err.error_data?.details?.trim();
  return details && !base.includes(details) ? `${base}: ${details}` : base;
}

export function makeCloudApiClient(opts: CloudApiClientOptions): CloudApiClient {
  if (!opts.accessToken) throw new AppError('validation', 'WhatsApp access token is missing');
  if (!/^[\w-]+$/.test(opts.phoneNumberId)) throw new AppError('validation', 'WhatsApp phoneNumberId is invalid');
  const fetchFn = opts.fetch ?? fetch;
  const endpoint = `${opts.baseUrl.replace(/\/+$/, '')}/${opts.phoneNumberId}/messages`;
  const timeoutMs = opts.timeoutMs ?? 15_000;

  return {
    async send(msg, sendOpts = {}) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${opts.accessToken}`,
        'content-type': 'application/json',
      };
      if (sendOpts.idempotencyKey) headers['idempotency-key'] = sendOpts.idempotencyKey;
      const res = await fetchOrTransient(
        fetchFn,
        endpoint,
        { method: 'POST', headers, body: JSON.stringify(msg) },
        timeoutMs,
        'whatsapp cloud api',
      );
      const body = (await readJsonBody(res)) as
        | { messages?: Array<{ id?: string }>; error?: GraphError }
        | undefined;

      if (res.ok) {
        const id = body?.messages?.[0]?.id;
        if (!id) {
          // Accepted but unreadable: it may well be on its way, so never resend blindly.
          throw new TransientError(`whatsapp cloud api: HTTP ${res.status} without a message id`, { uncertain: true });
        }
        return accepted(id);
      }

      const err: GraphError = body?.error ?? {};
      const reason = formatGraphError(err, res.status);
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      if (res.status === 429 || (err.code !== undefined && TRANSIENT_CODES.has(err.code)) || res.status >= 500) {
        throw new TransientError(`whatsapp cloud api: ${reason}`, retryAfterMs === undefined ? {} : { retryAfterMs });
      }
      if (res.status === 401 || res.status === 403 || (err.code !== undefined && CONFIG_CODES.has(err.code))) {
        throw new TransientError(`whatsapp cloud api configuration: ${reason}`);
      }
      // Everything else is about this message: 131026 undeliverable, 132000 parameter count,
      // 132001 template missing, 131008/100 invalid parameter, 470/131047 re-engagement window...
      return permanentFailure(reason);
    },
  };
}
