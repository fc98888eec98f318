// Proves each fake speaks its provider's protocol with the real client code, so integration
// tests built on them test something real.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCallServiceClient, parseCallServiceWebhook, type CallServiceRequest } from '../../src/channels/call/call-service-client.js';
import { makeTwilioClient } from '../../src/channels/call/twilio-client.js';
import { parseTwilioStatus, verifyTwilioSignature } from '../../src/channels/call/twilio-webhook.js';
import { buildTwiml } from '../../src/channels/call/twiml.js';
import { buildEmailMessage } from '../../src/channels/email/message.js';
import { makeSmtpSender } from '../../src/channels/email/smtp-transport.js';
import { TransientError } from '../../src/channels/errors.js';
import { makeCloudApiClient } from '../../src/channels/whatsapp/cloud-api-client.js';
import { buildTemplateMessage, type CloudTemplateMessage } from '../../src/channels/whatsapp/template-message.js';
import { parseWebhook, verifySignature } from '../../src/channels/whatsapp/webhook.js';
import { callServiceWebhook, startCallServiceFake } from './call-service.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { signTwilioCallback, startTwilioFake, twilioStatusParams } from './twilio.js';
import { replyWebhook, signedWebhook, startWhatsAppCloudFake, statusWebhook } from './whatsapp-cloud.js';

const transientOf = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a TransientError'); }, (e: unknown) => e as TransientError);

describe('smtp sink + makeSmtpSender', () => {
  let sink: SmtpSink;
  let sender: ReturnType<typeof makeSmtpSender>;
  beforeAll(async () => {
    sink = await startSmtpSink({ rejectRcpt: (a) => a.startsWith('nobody@'), deferRcpt: (a) => a.startsWith('busy@') });
    sender = makeSmtpSender({ url: sink.url, pool: true, maxConnections: 2, ignoreTLS: true });
  });
  afterAll(async () => {
    sender.close();
    await sink.close();
  });
  const message = (email: string, dispatchId: string) =>
    buildEmailMessage({
      template: { subject: 'Hi {{ contact.firstName }}', html: '<p>{{ contact.firstName }}</p>', text: 'Hi {{ contact.firstName }}' },
      contact: { firstName: 'Ana & Bo', email },
      from: 'news@acme.test',
      unsubscribeUrl: 'https://acme.test/u/1',
      dispatchId,
    });

  it('delivers a message the sink parses, with our headers', async () => {
    const outcome = await sender.send(message('ana@example.com', 'd-1'));
    expect(outcome).toEqual({ ok: true, providerMessageId: '<d-1@acme.test>' });
    const [m] = await sink.waitFor(1);
    expect(m.envelope).toEqual({ from: 'news@acme.test', to: ['ana@example.com'] });
    expect(m.parsed.subject).toBe('Hi Ana & Bo');
    expect(m.parsed.html).toContain('<p>Ana &amp; Bo</p>');
    expect(m.parsed.headers.get('x-campaign-dispatch-id')).toBe('d-1');
    expect(m.parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('maps a 550 at RCPT TO to a permanent outcome and a 451 to a TransientError', async () => {
    const refused = await sender.send(message('nobody@example.com', 'd-2'));
    expect(refused).toMatchObject({ ok: false, permanent: true });
    expect(refused.ok === false && refused.reason).toMatch(/^SMTP 550 5\.1\.1 mailbox unavailable/);
    const err = await transientOf(sender.send(message('busy@example.com', 'd-3')));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('451');
    expect(sink.messages).toHaveLength(1);
  });

  it('a refused connection is transient and certainly not sent', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dead = makeSmtpSender({ url: `smtp://127.0.0.1:${port}`, pool: false, ignoreTLS: true });
    const err = await transientOf(dead.send(message('ana@example.com', 'd-4')));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.uncertain).toBe(false);
    dead.close();
  });
});

describe('whatsapp cloud fake + makeCloudApiClient', () => {
  const template = { name: 'promo', language: 'en_US', components: [{ type: 'body' as const, parameters: [{ type: 'text' as const, text: '{{ contact.firstName }}' }] }] };
  const build = (to: string, firstName = 'Ana') => {
    const r = buildTemplateMessage({ to, template, values: { contact: { firstName } } });
    if (!r.ok) throw new Error(r.reason);
    return r.message;
  };

  it('sends, maps 429 to TransientError with Retry-After, 131026 to permanent, 132018 to permanent', async () => {
    const fake = await startWhatsAppCloudFake({ accessToken: 'tok', undeliverable: (to) => to === '15550000000' });
    try {
      const client = makeCloudApiClient({ baseUrl: fake.url, accessToken: 'tok', phoneNumberId: 'PN1' });
      const msg = build('+4915112345678', 'Ana\nMaria');
      const ok = await client.send(msg, { idempotencyKey: 'd-1' });
      expect(ok).toEqual({ ok: true, providerMessageId: fake.requests[0].wamid });
      expect(fake.requests[0].path).toBe('/v21.0/PN1/messages');
      expect(fake.requests[0].headers['idempotency-key']).toBe('d-1');
      expect(fake.requests[0].body).toEqual(msg);

      fake.failNext(1, { retryAfterSec: 3 });
      const err = await transientOf(client.send(msg));
      expect(err).toBeInstanceOf(TransientError);
      expect(err.retryAfterMs).toBe(3000);

      await expect(client.send(build('+15550000000'))).resolves.toEqual({ ok: false, permanent: true, reason: '(#131026) Message undeliverable' });
      // Bypassing our normalisation shows the fake enforces the real rule.
      const raw: CloudTemplateMessage = { ...msg, template: { ...msg.template, components: [{ type: 'body', parameters: [{ type: 'text', text: 'a\tb' }] }] } };
      await expect(client.send(raw)).resolves.toMatchObject({ ok: false, reason: expect.stringContaining('(#132018)') });

      const wrongToken = makeCloudApiClient({ baseUrl: fake.url, accessToken: 'bad', phoneNumberId: 'PN1' });
      await expect(wrongToken.send(msg)).rejects.toBeInstanceOf(TransientError);
    } finally {
      await fake.close();
    }
  });

  it('builds signed status and reply webhooks that our parser reads', () => {
    const status = signedWebhook(statusWebhook({ wamid: 'wamid.A', status: 'failed', recipientId: '4915112345678', at: new Date(1_700_000_000_000), error: { code: 131026, title: 'Message undeliverable' } }), 's3cret');
    expect(verifySignature(Buffer.from(status.body), status.headers['x-hub-signature-256'], 's3cret')).toBe(true);
    expect(verifySignature(Buffer.from(status.body), status.headers['x-hub-signature-256'], 'other')).toBe(false);
    expect(parseWebhook(JSON.parse(status.body))).toEqual([
      { kind: 'status', providerMessageId: 'wamid.A', status: 'failed', at: new Date(1_700_000_000_000), recipientId: '4915112345678', phoneNumberId: '106540352242922', error: '(#131026) Message undeliverable' },
    ]);
    const reply = signedWebhook(replyWebhook({ from: '4915112345678', text: 'yes', contextWamid: 'wamid.A', messageId: 'wamid.R', name: 'Ana' }), 's3cret');
    expect(parseWebhook(JSON.parse(reply.body))).toMatchObject([{ kind: 'reply', messageId: 'wamid.R', contextMessageId: 'wamid.A', from: '4915112345678', text: 'yes', profileName: 'Ana' }]);
  });
});

describe('call service fake + makeCallServiceClient', () => {
  const req: CallServiceRequest = {
    trackingId: 't-1', campaignId: 'c-1',
    contact: { id: 'p-1', name: 'Ana', phone: '+4915112345678' },
    callHandlerConfig: { type: 'AI', lang: 'en', teamId: 'team', aiAgentId: 'agent' },
    script: 'Hello', sourcePhone: '+4930123456', statusCallbackUrl: 'http://engine.test/cb',
  };

  it('de-duplicates by idempotency key, maps 503 to transient and 422 to permanent', async () => {
    const fake = await startCallServiceFake({ apiKey: 'k', reject: (b) => (b.contact.phone === '+000' ? 'number not dialable' : undefined) });
    try {
      const client = makeCallServiceClient({ url: fake.url, apiKey: 'k' });
      const first = await client.createCall(req, { idempotencyKey: 'd-1' });
      const again = await client.createCall(req, { idempotencyKey: 'd-1' });
      expect(first.ok && again.ok && first.providerMessageId === again.providerMessageId).toBe(true);
      expect(fake.distinctKeys()).toBe(1);
      expect(fake.requests.map((r) => r.replayed)).toEqual([false, true]);
      expect(fake.requests[0].body).toEqual(req);

      fake.failNext(1, 503, 1);
      const err = await transientOf(client.createCall(req, { idempotencyKey: 'd-2' }));
      expect(err.retryAfterMs).toBe(1000);
      await expect(client.createCall({ ...req, contact: { ...req.contact, phone: '+000' } }, { idempotencyKey: 'd-3' })).resolves.toEqual({
        ok: false, permanent: true, reason: 'call service HTTP 422: number not dialable',
      });
      expect(fake.distinctKeys()).toBe(1);
      expect(parseCallServiceWebhook(callServiceWebhook({ callId: 'x', trackingId: 't-1', status: 'answered' })).answered).toBe(true);
    } finally {
      await fake.close();
    }
  });
});

// Minimal well-formedness check for the one TwiML shape we produce: text and attribute hold no
// raw markup, every `&` starts a predefined entity; returns the decoded script.
function parseSayTwiml(xml: string): { language: string; text: string } {
  const m = /^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Say language="([^"<&]*)">([^<]*)<\/Say><\/Response>$/.exec(xml);
  if (!m) throw new Error(`not the expected TwiML: ${xml}`);
  if (/&(?!(amp|lt|gt|quot|apos);)/.test(m[2])) throw new Error('bare & in TwiML text');
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return { language: m[1], text: m[2].replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => entities[e]) };
}

describe('twilio fake + makeTwilioClient', () => {
  it('creates a call with valid TwiML, maps errors, signs callbacks', async () => {
    const fake = await startTwilioFake();
    try {
      const client = makeTwilioClient({ accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url });
      const script = `Hello O'Neil & <Sons>, press "1"`;
      const call = { to: '+4915112345678', from: '+4930123456', twiml: buildTwiml(script, 'de'), statusCallback: 'https://engine.test/cb/twilio', idempotencyKey: 'd-1' };
      const outcome = await client.createCall(call);
      expect(outcome).toEqual({ ok: true, providerMessageId: fake.requests[0].sid });
      const form = fake.requests[0].form;
      expect(form).toMatchObject({ To: call.to, From: call.from, StatusCallback: call.statusCallback, StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'] });
      expect(parseSayTwiml(form.Twiml as string)).toEqual({ language: 'de-DE', text: script });
      expect(fake.requests[0].idempotencyToken).toBe('d-1');

      await expect(client.createCall({ ...call, to: '12' })).resolves.toEqual({ ok: false, permanent: true, reason: "(Twilio 21211) The 'To' number 12 is not a valid phone number." });
      fake.failNext(1, 429);
      await expect(client.createCall(call)).rejects.toBeInstanceOf(TransientError);
      const wrong = makeTwilioClient({ accountSid: fake.accountSid, authToken: 'nope', baseUrl: fake.url });
      await expect(wrong.createCall(call)).rejects.toThrow(/configuration/);

      const params = twilioStatusParams({ callSid: 'CA1', status: 'completed', durationSec: 12, accountSid: fake.accountSid });
      const sig = signTwilioCallback(call.statusCallback, params, fake.authToken);
      expect(verifyTwilioSignature(call.statusCallback, params, sig, fake.authToken)).toBe(true);
      expect(verifyTwilioSignature(call.statusCallback, { ...params, CallStatus: 'busy' }, sig, fake.authToken)).toBe(false);
      expect(parseTwilioStatus(params)).toMatchObject({ providerCallId: 'CA1', status: 'completed', answered: true, durationSec: 12 });
    } finally {
      await fake.close();
    }
  });
});
