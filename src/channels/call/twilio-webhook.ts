// Twilio status callbacks: signature verification (X-Twilio-Signature) and parsing into our
// call outcome event.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../lib/errors.js';

export type TwilioCallStatus =
  | 'queued'
  | 'initiated'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'failed'
  | 'no-answer'
  | 'canceled';

const STATUSES = new Set<string>(['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']);

export type TwilioParams = Record<string, string | string[]>;

/**
 * Twilio's documented algorithm: take the full URL Twilio called (scheme, host, path, query),
 * append every POST parameter as name+value sorted by name, HMAC-SHA1 with the auth token,
 * base64. Parameters that repeat contribute each value, values sorted, as Twilio's own helper does.
 */
export function computeTwilioSignature(url: string, params: TwilioParams, authToken: string): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const v = params[key];
    for (const value of Array.isArray(v) ? [...v].sort() : [v]) data += key + value;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

// Twilio may sign the URL with or without the default port, depending on how it was configured
// (its own helper library checks both); behind a proxy, `url` must be the PUBLIC URL.
function urlVariants(url: string): string[] {
  try {
    const u = new URL(url);
    const defaultPort = u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '';
    if (!defaultPort) return [url];
    const withPort = url.replace(u.host, `${u.hostname}:${u.port || defaultPort}`);
    const withoutPort = u.port === defaultPort || !u.port ? url.replace(u.host, u.hostname) : url;
    return [...new Set([url, withPort, withoutPort])];
  } catch {
    return [url];
  }
}

export function verifyTwilioSignature(
  url: string,
  params: TwilioParams,
  signature: string | undefined,
  authToken: string,
): boolean {
  if (!signature || !authToken) return false;
  const given = Buffer.from(signature);
  return urlVariants(url).some((candidate) => {
    const expected = Buffer.from(computeTwilioSignature(candidate, params, authToken));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

export interface TwilioStatusEvent {
  providerCallId: string;
  status: TwilioCallStatus;
  /** Someone (or something) picked up: a response for the campaign. */
  answered: boolean;
  durationSec: number;
  answeredBy?: string;
  to?: string;
  from?: string;
  at?: Date;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Parses a status callback's form parameters. Throws AppError('validation') when unusable. */
export function parseTwilioStatus(params: TwilioParams): TwilioStatusEvent {
  const sid = first(params.CallSid);
  const status = first(params.CallStatus);
  if (!sid) throw new AppError('validation', 'Twilio callback without CallSid', { fields: [{ field: 'CallSid', message: 'required' }] });
  if (!status || !STATUSES.has(status)) {
    throw new AppError('validation', `unknown Twilio CallStatus ${JSON.stringify(status)}`, {
      fields: [{ field: 'CallStatus', message: 'unknown status' }],
    });
  }
  const duration = Number(first(params.CallDuration) ?? 0);
  const durationSec = Number.isFinite(duration) && duration > 0 ? Math.floor(duration) : 0;
  const answeredBy = first(params.AnsweredBy);
  // A completed call with zero seconds never connected; `in-progress` is Twilio's "answered".
  const answered = status === 'in-progress' || (status === 'completed' && durationSec > 0) || answeredBy === 'human';

  const event: TwilioStatusEvent = { providerCallId: sid, status: status as TwilioCallStatus, answered, durationSec };
  if (answeredBy) event.answeredBy = answeredBy;
  const to = first(params.To);
  const from = first(params.From);
  if (to) event.to = to;
  if (from) event.from = from;
  const ts = first(params.Timestamp);
  if (ts && !Number.isNaN(Date.parse(ts))) event.at = new Date(ts);
  return event;
}
