import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ScanService } from '../../domain/mail/scan.js';
import { makeTokenBuckets } from '../../domain/mail/scan-guards.js';
import { SCAN_PATH } from '../../domain/mail/settings.js';

// The public QR scan endpoint (no token: the tracking id is the secret). It always answers a
// page a person can use: a redirect to the campaign's landing page, or a short thank-you page,
// the same for an unknown id as for a real one. Rate limited per client address before any
// database work.

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  // The tracking id is in our URL: never hand it to the landing page or anyone else.
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
};

const page = (title: string, text: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;text-align:center;color:#222}</style>
</head><body><h1>${title}</h1><p>${text}</p></body></html>
`;

export const THANK_YOU_PAGE = page('Thank you!', 'Your response has been received.');
const TOO_MANY_PAGE = page('One moment, please', 'Too many requests from your network. Please try again in a minute.');

const first = (v: unknown): string | undefined => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);
const header = (req: FastifyRequest, name: string) => first(req.headers[name]);

export function scanRoutes(deps: { scan: ScanService; ratePerMinute: number; trustProxy: boolean; now?: () => number }) {
  const buckets = makeTokenBuckets({ perMinute: deps.ratePerMinute, now: deps.now });

  // Behind our own proxy the socket address is the proxy's; its X-Forwarded-For entry (the
  // last one, which a client cannot forge) is the client's.
  const clientOf = (req: FastifyRequest) => {
    const xff = deps.trustProxy ? header(req, 'x-forwarded-for') : undefined;
    const last = xff?.split(',').at(-1)?.trim();
    return last || req.ip;
  };

  return async function (app: FastifyInstance) {
    app.get(
      SCAN_PATH,
      {
        config: { public: true },
        schema: {
          tags: ['scan'],
          summary: 'Public QR scan: records the response, then redirects to the landing page',
          description:
            'Query: trackId, campaignId, contactType (what the letter\'s QR code carries). Records one RESPONDED ' +
            'response per tracking id (a repeat scan bumps its count); HEAD, prefetches and link-preview bots ' +
            'record nothing; neither does a campaignId that is not the tracking id\'s. Answers 302 to the ' +
            'campaign\'s landingUrl, or a thank-you page (also for an unknown id). 429 when a client scans too fast.',
          security: [],
        },
      },
      async (req, reply) => {
        const wait = buckets.take(clientOf(req));
        if (wait > 0) {
          return reply
            .status(429)
            .headers(PAGE_HEADERS)
            .header('retry-after', String(Math.ceil(wait / 1000)))
            .type('text/html; charset=utf-8')
            .send(TOO_MANY_PAGE);
        }
        const q = req.query as Record<string, unknown>;
        const result = await deps.scan({
          trackId: first(q.trackId),
          campaignId: first(q.campaignId),
          contactType: first(q.contactType),
          method: req.method,
          userAgent: header(req, 'user-agent'),
          purpose: header(req, 'sec-purpose') ?? header(req, 'purpose') ?? header(req, 'x-purpose'),
        });
        req.log.info({ scan: result.outcome }, 'qr scan');
        if (result.landingUrl) return reply.status(302).headers(PAGE_HEADERS).redirect(result.landingUrl, 302);
        return reply.status(200).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(THANK_YOU_PAGE);
      },
    );
  };
}
