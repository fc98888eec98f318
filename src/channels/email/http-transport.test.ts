import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TransientError } from '../errors.js';
import { makeHttpEmailSender, toHttpAddress, toHttpEmailBody } from './http-transport.js';
import { buildEmailMessage } from './message.js';

const message = () =>
  buildEmailMessage({
    template: { subject: 'Hi {{ contact.firstName }}', html: '<p>{{ contact.firstName }}</p>', text: 'Hi {{ contact.firstName }}' },
    contact: { firstName: 'Ana', lastName: 'Díaz', email: 'ana@example.com' },
    from: 'news@acme.test',
    unsubscribeUrl: 'https://acme.test/unsubscribe/abc',
    dispatchId: 'd-1',
    attachment: { fileName: 'a.pdf', contentType: 'application/pdf', content: Readable.from([Buffer.from('%PDF-1.4 '), Buffer.from([0, 255, 1])]) },
  });

function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const seen: Array<{ url: string; init: RequestInit }> = [];
  const sender = makeHttpEmailSender({
    url: 'https://mail.test/v1/send',
    apiKey: 'key-1',
    fetch: (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
    }) as unknown as typeof fetch,
  });
  return { sender, seen };
}

describe('toHttpAddress', () => {
  it.each([
    ['news@acme.test', { email: 'news@acme.test' }],
    ['Acme <news@acme.test>', { email: 'news@acme.test', name: 'Acme' }],
    ['"Acme, Inc." <news@acme.test>', { email: 'news@acme.test', name: 'Acme, Inc.' }],
    [{ name: 'Ana', address: 'ana@x.test' }, { email: 'ana@x.test', name: 'Ana' }],
  ])('%j', (input, want) => expect(toHttpAddress(input as never)).toEqual(want));
});

describe('makeHttpEmailSender', () => {
  it('posts the JSON body with bearer key and Idempotency-Key, attachment as base64', async () => {
    const { sender, seen } = answering(202, { id: 'msg-9' });
    await expect(sender.send(message(), { idempotencyKey: 'd-1' })).resolves.toEqual({ ok: true, providerMessageId: 'msg-9' });
    expect(seen[0].url).toBe('https://mail.test/v1/send');
    expect(seen[0].init.headers).toMatchObject({ authorization: 'Bearer key-1', 'idempotency-key': 'd-1', 'content-type': 'application/json' });
    expect(JSON.parse(seen[0].init.body as string)).toEqual({
      from: { email: 'news@acme.test' },
      to: [{ email: 'ana@example.com', name: 'Ana Díaz' }],
      subject: 'Hi Ana',
      html: '<p>Ana</p>',
      text: 'Hi Ana',
      messageId: '<d-1@acme.test>',
      headers: {
        'List-Unsubscribe': '<https://acme.test/unsubscribe/abc>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Campaign-Dispatch-Id': 'd-1',
      },
      attachments: [{ filename: 'a.pdf', contentType: 'application/pdf', content: Buffer.from([...Buffer.from('%PDF-1.4 '), 0, 255, 1]).toString('base64') }],
    });
  });

  it('without an id in the answer, our Message-ID is the provider id; without a key, the dispatch header is', async () => {
    const { sender, seen } = answering(200, '');
    await expect(sender.send(message())).resolves.toEqual({ ok: true, providerMessageId: '<d-1@acme.test>' });
    expect((seen[0].init.headers as Record<string, string>)['idempotency-key']).toBe('d-1');
  });

  it('maps 4xx to permanent with the service message', async () => {
    await expect(answering(422, { message: 'invalid recipient' }).sender.send(message(), { idempotencyKey: 'x' })).resolves.toEqual({
      ok: false,
      permanent: true,
      reason: 'email service HTTP 422: invalid recipient',
    });
    await expect(answering(400, { errors: [{ message: 'bad from' }] }).sender.send(message(), { idempotencyKey: 'x' })).resolves.toMatchObject({
      reason: 'email service HTTP 400: bad from',
    });
  });

  it.each([408, 429, 500, 503, 401, 403, 409])('HTTP %i is transient', async (status) => {
    const err = await answering(status, { message: 'later' }, { 'retry-after': '3' }).sender.send(message(), { idempotencyKey: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    if (status === 429 || status === 503) expect((err as TransientError).retryAfterMs).toBe(3000);
  });

  it('reads a Buffer attachment as well', async () => {
    const msg = message();
    msg.attachments = [{ filename: 'b.txt', contentType: 'text/plain', content: Buffer.from('hello') }];
    expect((await toHttpEmailBody(msg)).attachments).toEqual([{ filename: 'b.txt', contentType: 'text/plain', content: 'aGVsbG8=' }]);
  });
});
