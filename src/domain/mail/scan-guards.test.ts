import { describe, expect, it } from 'vitest';
import { makeTokenBuckets, notAPerson } from './scan-guards.js';
import { responseRate } from '../responses/metrics.js';

const get = (userAgent: string | undefined, purpose?: string) => notAPerson({ method: 'GET', userAgent, purpose });

describe('notAPerson', () => {
  it('lets phone browsers and in-app browsers through', () => {
    for (const ua of [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
      'Mozilla/5.0 (Linux; Android 9; CUBOT X20 PRO Build/PPR1.180610.011) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Snapchat/12.60.0.46 (like Safari/8617.1.17.10.9)',
    ]) {
      expect(get(ua), ua).toBeNull();
    }
  });

  it('stops HEAD, prefetches, empty agents and link-preview bots', () => {
    expect(notAPerson({ method: 'HEAD', userAgent: 'Mozilla/5.0', purpose: undefined })).toBe('head');
    expect(get('Mozilla/5.0', 'prefetch;prerender')).toBe('prefetch');
    expect(get(undefined)).toBe('no_user_agent');
    expect(get('  ')).toBe('no_user_agent');
    for (const ua of [
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
      'Twitterbot/1.0',
      'WhatsApp/2.23.20.0 A',
      'TelegramBot (like TwitterBot)',
      'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
      'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)',
      'curl/8.5.0',
    ]) {
      expect(get(ua), ua).toBe('bot');
    }
  });
});

describe('makeTokenBuckets', () => {
  it('allows the burst, then one token per refill interval, per key', () => {
    let now = 0;
    const b = makeTokenBuckets({ perMinute: 6, now: () => now }); // one token per 10 s, burst 6
    for (let i = 0; i < 6; i++) expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBe(10_000);
    expect(b.take('b')).toBe(0);
    now = 9_000;
    expect(b.take('a')).toBe(1_000);
    now = 10_000;
    expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBeGreaterThan(0);
  });

  it('keeps its memory bounded', () => {
    let now = 0;
    const b = makeTokenBuckets({ perMinute: 60, maxKeys: 100, now: () => now });
    for (let i = 0; i < 1000; i++) {
      b.take(`10.0.${i >> 8}.${i & 255}`);
      now += 1;
    }
    expect(b.size()).toBeLessThanOrEqual(100);
  });

  it('is off with a rate of 0', () => {
    const b = makeTokenBuckets({ perMinute: 0 });
    for (let i = 0; i < 1000; i++) expect(b.take('x')).toBe(0);
  });
});

describe('responseRate', () => {
  it('is a percentage with two decimals, 0 when nothing was sent', () => {
    expect(responseRate(2, 10)).toBe(20);
    expect(responseRate(1, 3)).toBe(33.33);
    expect(responseRate(2, 3)).toBe(66.67);
    expect(responseRate(0, 0)).toBe(0);
    expect(responseRate(5, 0)).toBe(0);
    expect(responseRate(1, 7)).toBe(14.29);
  });
});
