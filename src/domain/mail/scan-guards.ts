// Pure guards of the public scan endpoint: who is not a person (link-preview bots, crawlers,
// prefetches) and a per-client token bucket.

// Link previews (chat apps fetch a link as soon as it is pasted) and crawlers. Matched anywhere
// in the User-Agent, case-insensitively.
const PREVIEW_AGENTS = [
  'slackbot',
  'slack-imgproxy',
  'facebookexternalhit',
  'facebookcatalog',
  'facebot',
  'meta-externalagent',
  'twitterbot',
  'whatsapp',
  'telegrambot',
  'linkedinbot',
  'discordbot',
  'googlebot',
  'google-inspectiontool',
  'adsbot-google',
  'bingbot',
  'bingpreview',
  'applebot',
  'duckduckbot',
  'yandexbot',
  'baiduspider',
  'skypeuripreview',
  'microsoftpreview',
  'pinterestbot',
  'redditbot',
  'embedly',
  'iframely',
  'vkshare',
  'mastodon',
  'bluesky',
  'quora link preview',
  'headlesschrome',
];
const PREVIEW_RE = new RegExp(PREVIEW_AGENTS.map((s) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|'), 'i');
// Generic robots: "SomethingBot/1.0", "crawler", "spider", command-line clients. A "bot" that
// ends a word without a version is left alone (Android phones such as the CUBOT X20 carry
// their model name in the agent). In-app browsers of chat apps (Snapchat, Teams, Viber...)
// are people and are not listed.
const GENERIC_RE = /(bot|crawler|spider|scraper)\/|\b(bot|crawler|spider|curl|wget|python-requests|go-http-client)\b/i;

export interface ScanRequestInfo {
  method: string;
  userAgent: string | undefined;
  /** Sec-Purpose / Purpose / X-Purpose headers: browsers announce speculative prefetches. */
  purpose: string | undefined;
}

/** Why a request must not count as a scan by a person, or null when it counts. */
export function notAPerson(r: ScanRequestInfo): 'head' | 'prefetch' | 'no_user_agent' | 'bot' | null {
  if (r.method.toUpperCase() !== 'GET') return 'head';
  if (r.purpose && /prefetch|preview|prerender/i.test(r.purpose)) return 'prefetch';
  const ua = r.userAgent?.trim();
  if (!ua) return 'no_user_agent';
  if (PREVIEW_RE.test(ua) || GENERIC_RE.test(ua)) return 'bot';
  return null;
}

export interface TokenBucketOptions {
  /** Tokens added per minute (the sustained rate). */
  perMinute: number;
  /** Bucket size (the burst); defaults to perMinute. */
  burst?: number;
  /** Buckets kept before full ones are evicted (memory bound under a flood of addresses). */
  maxKeys?: number;
  now?: () => number;
}

/**
 * In-memory token buckets, one per key (client address). Per instance: with N instances behind
 * a balancer a client gets up to N times the rate, which is enough to stop enumeration and
 * floods; the database never sees a request that was refused here.
 */
export function makeTokenBuckets(opts: TokenBucketOptions) {
  const rate = opts.perMinute / 60_000; // tokens per ms
  const burst = Math.max(1, opts.burst ?? opts.perMinute);
  const maxKeys = opts.maxKeys ?? 100_000;
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function refill(b: { tokens: number; at: number }, t: number) {
    b.tokens = Math.min(burst, b.tokens + (t - b.at) * rate);
    b.at = t;
  }

  function evict(t: number) {
    for (const [k, b] of buckets) {
      refill(b, t);
      if (b.tokens >= burst) buckets.delete(k);
    }
    // Still too many (a flood from many addresses): drop the oldest entries.
    for (const k of buckets.keys()) {
      if (buckets.size < maxKeys) break;
      buckets.delete(k);
    }
  }

  return {
    /** Takes a token; answers how long to wait (ms) when there is none, else 0. */
    take(key: string): number {
      if (opts.perMinute <= 0) return 0;
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) evict(t);
        b = { tokens: burst, at: t };
        buckets.set(key, b);
      } else refill(b, t);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - b.tokens) / rate);
    },
    size: () => buckets.size,
  };
}
