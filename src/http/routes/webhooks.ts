import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendProblem } from '../problem.js';
import type { makeWhatsAppInbound } from '../../channels/whatsapp/inbound.js';
import type { makeCallInbound } from '../../channels/call/inbound.js';
import type { TwilioParams } from '../../channels/call/twilio-webhook.js';

// Provider webhooks. Public (no bearer token): each checks the provider's signature over the
// exact bytes received, so this plugin keeps bodies raw (its own content-type parser, scoped to
// these routes only). A wrong or missing signature answers 401 and records nothing.

const PUBLIC = { public: true } as const;
const tags = ['webhooks'];

function formParams(raw: Buffer): TwilioParams {
  const out: TwilioParams = {};
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const rawOf = (body: unknown) => (Buffer.isBuffer(body) ? body : Buffer.alloc(0));

export function webhookRoutes(deps: { whatsapp: ReturnType<typeof makeWhatsAppInbound>; calls: ReturnType<typeof makeCallInbound> }) {
  return async function (root: FastifyInstance) {
    root.removeAllContentTypeParsers();
    root.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/webhooks/whatsapp',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'WhatsApp subscription handshake: echoes hub.challenge when hub.verify_token matches',
          querystring: z.object({ 'hub.mode': z.string().optional(), 'hub.verify_token': z.string().optional(), 'hub.challenge': z.string().optional() }),
        },
      },
      async (req, reply) => {
        const challenge = await deps.whatsapp.challenge(req.query as Record<string, unknown>);
        if (challenge === null) return sendProblem(reply, req, { status: 403, code: 'forbidden', detail: 'verify token mismatch' });
        return reply.type('text/plain').send(challenge);
      },
    );

    app.post(
      '/webhooks/whatsapp',
      { config: PUBLIC, schema: { tags, summary: 'WhatsApp Cloud API events (X-Hub-Signature-256 over the raw body)' } },
      async (req, reply) => {
        const r = await deps.whatsapp.receive(rawOf(req.body), header(req.headers['x-hub-signature-256']));
        if (!r.verified) return sendProblem(reply, req, { status: 401, code: 'unauthorized', detail: 'invalid or missing X-Hub-Signature-256' });
        return { statuses: r.statuses, responses: r.responses };
      },
    );

    app.post(
      '/webhooks/twilio/status',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'Twilio call status callback (X-Twilio-Signature checked against PUBLIC_BASE_URL + path)',
          querystring: z.object({ trackingId: z.string().max(100).optional() }),
        },
      },
      async (req, reply) => {
        const r = await deps.calls.twilioStatus(req.url, req.query.trackingId, formParams(rawOf(req.body)), header(req.headers['x-twilio-signature']));
        if (!r.ok) return sendProblem(reply, req, { status: r.status, code: r.status === 401 ? 'unauthorized' : 'validation', detail: r.reason });
        return reply.status(204).send();
      },
    );

    app.post(
      '/webhooks/calls',
      { config: PUBLIC, schema: { tags, summary: 'Call service outcome (X-Signature-256: sha256=HMAC-SHA256(body, API key))' } },
      async (req, reply) => {
        const r = await deps.calls.callService(rawOf(req.body), header(req.headers['x-signature-256']));
        if (!r.ok) return sendProblem(reply, req, { status: r.status, code: r.status === 401 ? 'unauthorized' : 'validation', detail: r.reason });
        return { recorded: r.recorded };
      },
    );
  };
}
