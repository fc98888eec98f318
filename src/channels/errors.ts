// The outcome vocabulary every channel adapter speaks. Following the rule "retryable errors are
// thrown, permanent ones are returned": a send either resolves to a SendOutcome (delivered to the
// provider, or refused for good with the provider's reason) or throws a TransientError that the
// job queue retries with back-off. Anything else thrown is a bug and must not be retried blindly.

/** The provider accepted the message; its id links later webhooks to our ledger row. */
export interface SendAccepted {
  ok: true;
  providerMessageId: string;
}

/** The provider (or our own validation) refused this message for good; resending cannot help. */
export interface PermanentFailure {
  ok: false;
  permanent: true;
  reason: string;
}

export type SendOutcome = SendAccepted | PermanentFailure;

export const accepted = (providerMessageId: string): SendAccepted => ({ ok: true, providerMessageId });

export const permanentFailure = (reason: string): PermanentFailure => ({
  ok: false,
  permanent: true,
  reason,
});

export interface TransientErrorOptions {
  /** Provider's hint (Retry-After) for the earliest sensible retry. */
  retryAfterMs?: number;
  /**
   * True when the request may already have reached the provider (timeout or reset after the
   * bytes left). The engine can then rely on the idempotency key, or mark the ledger row
   * UNCERTAIN for providers that have none, instead of risking a duplicate.
   */
  uncertain?: boolean;
  cause?: unknown;
}

/** A failure that may succeed later: 4xx SMTP replies, HTTP 429/5xx, network trouble. */
export class TransientError extends Error {
  readonly retryAfterMs?: number;
  readonly uncertain: boolean;

  constructor(message: string, opts: TransientErrorOptions = {}) {
    super(message, { cause: opts.cause });
    this.name = 'TransientError';
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    this.uncertain = opts.uncertain ?? false;
  }
}

export function isTransientError(e: unknown): e is TransientError {
  return e instanceof TransientError;
}

/**
 * Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns milliseconds
 * from `now`, or undefined when absent or unparseable (the engine's own back-off then applies).
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

// Errors raised before any byte reached the provider: retrying them can never duplicate a send.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function networkCode(e: unknown): string | undefined {
  let cur: unknown = e;
  // undici wraps the socket error: TypeError('fetch failed', { cause: Error{ code } })
  for (let depth = 0; depth < 4 && cur && typeof cur === 'object'; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * fetch() with a deadline, turning network failures into TransientError. HTTP statuses are left
 * to the caller, which knows the provider's error vocabulary.
 */
export async function fetchOrTransient(
  fetchFn: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  what: string,
): Promise<Response> {
  try {
    return await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const name = (e as { name?: unknown })?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new TransientError(`${what}: no answer within ${timeoutMs} ms`, { uncertain: true, cause: e });
    }
    const code = networkCode(e);
    throw new TransientError(`${what}: network error${code ? ` (${code})` : ''}`, {
      uncertain: code === undefined || !NOT_SENT_CODES.has(code),
      cause: e,
    });
  }
}

/** Reads a response body as JSON, or undefined when it is empty or not JSON (proxies send HTML). */
export async function readJsonBody(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => '');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
