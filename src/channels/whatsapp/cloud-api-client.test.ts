import { describe, expect, it } from 'vitest';
import { TransientError } from '../errors.js';
import { makeCloudApiClient } from './cloud-api-client.js';
import type { CloudTemplateMessage } from './template-message.js';

const msg: CloudTemplateMessage = {
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to: '4915112345678',
  type: 'template',
  template: { name: 'hello_world', language: { code: 'en_US' } },
};

function clientAnswering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
  }) as unknown as typeof fetch;
  const client = makeCloudApiClient({ baseUrl: 'https://graph.test/v21.0/', accessToken: 'tok', phoneNumberId: '123', fetch: fetchFn });
  return { client, calls };
}

const graphError = (code: number, message: string) => ({ error: { message, type: 'OAuthException', code, fbtrace_id: 'x' } });

describe('makeCloudApiClient', () => {
  it('posts to {base}/{phoneNumberId}/messages with bearer token and returns the wamid', async () => {
    const { client, calls } = clientAnswering(200, { messaging_product: 'whatsapp', contacts: [{ input: '4915112345678', wa_id: '4915112345678' }], messages: [{ id: 'wamid.OK' }] });
    await expect(client.send(msg, { idempotencyKey: 'd-1' })).resolves.toEqual({ ok: true, providerMessageId: 'wamid.OK' });
    expect(calls[0].url).toBe('https://graph.test/v21.0/123/messages');
    const headers = calls[0].init.headers as Record<string, string>;
    expect(headers.authorization).toBe('Bearer tok');
    expect(headers['idempotency-key']).toBe('d-1');
    expect(JSON.parse(calls[0].init.body as string)).toEqual(msg);
  });

  it.each([
    [400, 131026, 'Message undeliverable', '(#131026) Message undeliverable'],
    [400, 132001, 'Template name does not exist in the translation', '(#132001) Template name does not exist in the translation'],
    [400, 132000, 'Number of parameters does not match the expected number of params', '(#132000) Number of parameters does not match the expected number of params'],
    [400, 100, '(#100) Invalid parameter', '(#100) Invalid parameter'],
    [400, 131047, 'Re-engagement message', '(#131047) Re-engagement message'],
  ])('HTTP %i code %i is permanent', async (status, code, message, reason) => {
    const { client } = clientAnswering(status, graphError(code, message));
    await expect(client.send(msg)).resolves.toEqual({ ok: false, permanent: true, reason });
  });

  it.each([
    [429, 130429, '17'],
    [400, 131056, undefined],
    [400, 80007, undefined],
    [503, 1, undefined],
  ])('HTTP %i code %i is transient', async (status, code, retryAfter) => {
    const { client } = clientAnswering(status, graphError(code, 'slow down'), retryAfter ? { 'retry-after': retryAfter } : {});
    const err = await client.send(msg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(retryAfter ? 17_000 : undefined);
  });

  it('a 502 with an HTML body is transient; an expired token is transient (configuration)', async () => {
    await expect(clientAnswering(502, '<html>bad gateway</html>').client.send(msg)).rejects.toBeInstanceOf(TransientError);
    await expect(clientAnswering(401, graphError(190, 'Error validating access token')).client.send(msg)).rejects.toThrow(/configuration/);
  });

  it('a 200 without a message id is an uncertain transient error', async () => {
    const err = await clientAnswering(200, {}).client.send(msg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).uncertain).toBe(true);
  });

  it('network errors are transient; connection refused is certain not to have been sent', async () => {
    const refused = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    }) as unknown as typeof fetch;
    const client = makeCloudApiClient({ baseUrl: 'http://x', accessToken: 't', phoneNumberId: '1', fetch: refused });
    const err = (await client.send(msg).catch((e: unknown) => e)) as TransientError;
    expect(err).toBeInstanceOf(TransientError);
    expect(err.uncertain).toBe(false);
  });
});
