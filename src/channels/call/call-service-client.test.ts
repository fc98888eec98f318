import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { TransientError } from '../errors.js';
import { makeCallServiceClient, parseCallServiceWebhook, type CallServiceRequest } from './call-service-client.js';

const req: CallServiceRequest = {
  trackingId: 't-1',
  campaignId: 'c-1',
  contact: { id: 'p-1', name: 'Ana Díaz', phone: '+4915112345678' },
  callHandlerConfig: { type: 'AI', lang: 'de', teamId: 'team-1', aiAgentId: 'agent-7' },
  script: 'Hallo {{name}}',
  sourcePhone: '+4930123456',
  statusCallbackUrl: 'https://engine.test/webhooks/call',
};

function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const seen: Array<{ url: string; init: RequestInit }> = [];
  const client = makeCallServiceClient({
    url: 'http://calls.test/api/',
    apiKey: 'k',
    fetch: (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
    }) as unknown as typeof fetch,
  });
  return { client, seen };
}

describe('makeCallServiceClient', () => {
  it('posts JSON with the idempotency key and reads id or callId', async () => {
    const { client, seen } = answering(201, { id: 'call-1' });
    await expect(client.createCall(req, { idempotencyKey: 'd-1' })).resolves.toEqual({ ok: true, providerMessageId: 'call-1' });
    expect(seen[0].url).toBe('http://calls.test/api/calls');
    expect(seen[0].init.headers).toMatchObject({ 'idempotency-key': 'd-1', authorization: 'Bearer k' });
    expect(JSON.parse(seen[0].init.body as string)).toEqual(req);
    await expect(answering(200, { callId: 99 }).client.createCall(req, { idempotencyKey: 'd-2' })).resolves.toEqual({ ok: true, providerMessageId: '99' });
  });

  it('maps 4xx to permanent with the service message', async () => {
    await expect(answering(422, { message: 'phone is not dialable' }).client.createCall(req, { idempotencyKey: 'x' })).resolves.toEqual({
      ok: false, permanent: true, reason: 'call service HTTP 422: phone is not dialable',
    });
    await expect(answering(400, { error: { message: 'bad lang' } }).client.createCall(req, { idempotencyKey: 'x' })).resolves.toMatchObject({ reason: 'call service HTTP 400: bad lang' });
  });

  it.each([408, 429, 500, 503, 401, 409])('HTTP %i is transient', async (status) => {
    const err = await answering(status, { message: 'later' }, { 'retry-after': '2' }).client.createCall(req, { idempotencyKey: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    if (status === 429 || status === 503) expect((err as TransientError).retryAfterMs).toBe(2000);
  });
});

describe('parseCallServiceWebhook', () => {
  it('parses and normalises', () => {
    expect(parseCallServiceWebhook({ callId: 'c1', trackingId: 't1', status: 'completed', durationSec: '35' })).toEqual({
      callId: 'c1', trackingId: 't1', status: 'completed', answered: true, durationSec: 35,
    });
    expect(parseCallServiceWebhook({ id: 7, trackingId: 't1', status: 'NO_ANSWER' })).toEqual({
      callId: '7', trackingId: 't1', status: 'no-answer', answered: false,
    });
  });

  it('lists every bad field', () => {
    try {
      parseCallServiceWebhook({ status: 'exploded' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      const fields = (e as AppError).fields.map((f) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['trackingId', 'status']));
    }
  });
});
