import { isTransientError, TransientError } from './errors.js';

// A provider account's "slow down": after a 429 / throttling error the account is held for the
// provider's Retry-After (or a second), and every send on it waits or steps back instead of
// hammering the API. Per process: each instance learns it from its own first refusal, and the
// engine's shared token bucket keeps the steady rate across instances.

/** Waiting inline is bounded: the engine's gate (pause) must not be held much longer than this. */
export const MAX_INLINE_WAIT_MS = 1500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function makeThrottle(now: () => number = Date.now) {
  const until = new Map<string, number>();
  const remaining = (account: string) => Math.max(0, (until.get(account) ?? 0) - now());

  return {
    remaining,
    hold(account: string, ms: number) {
      until.set(account, Math.max(until.get(account) ?? 0, now() + ms));
    },
    /** Before a batch: a long hold makes the channel sit this firing out. */
    checkBatch(account: string) {
      const ms = remaining(account);
      if (ms > MAX_INLINE_WAIT_MS) throw new TransientError(`provider asked to slow down for ${ms} ms`, { retryAfterMs: ms });
    },
    /**
     * Runs one send on the account: waits out a short hold, steps back (TransientError, nothing
     * sent) from a long one, and holds the account after a retryable refusal.
     */
    async run<T>(account: string, send: () => Promise<T>): Promise<T> {
      const wait = remaining(account);
      if (wait > MAX_INLINE_WAIT_MS) throw new TransientError(`provider asked to slow down for ${wait} ms`, { retryAfterMs: wait });
      if (wait > 0) await sleep(wait);
      try {
        return await send();
      } catch (e) {
        if (isTransientError(e) && !e.uncertain) this.hold(account, e.retryAfterMs ?? 1000);
        throw e;
      }
    },
  };
}

export type Throttle = ReturnType<typeof makeThrottle>;
