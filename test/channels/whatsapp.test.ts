import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { PNG_BYTES } from '../../src/storage/test-files.js';
import { replyWebhook, signedWebhook, startWhatsAppCloudFake, statusWebhook, type WhatsAppCloudFake } from '../fakes/whatsapp-cloud.js';
import { campaignWith, createTemplate, insertContacts, ledger, pdfBytes, responsesOf, runToCompletion, type NamedContact } from './helpers.js';

// WhatsApp template campaigns through the real engine to a fake Cloud API on 127.0.0.1, and the
// Cloud API's webhooks (verify handshake, signed statuses and replies) back into the ledger.

const APP_SECRET = 'wa-app-secret-for-tests';
const VERIFY_TOKEN = 'wa-verify-token-123';
const PHONE_NUMBER_ID = '106540352242922';

/** The engine's settings for the fake Cloud API, unthrottled. */
const cloudApiEnv = (fake: WhatsAppCloudFake) => ({
  WHATSAPP_TRANSPORT: 'cloud-api',
  WHATSAPP_API_BASE_URL: fake.url,
  WHATSAPP_ACCESS_TOKEN: 'wa-token',
  WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
  WHATSAPP_APP_SECRET: APP_SECRET,
  WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
  RATE_LIMIT_WHATSAPP: '0',
  PUBLIC_BASE_URL: 'https://engine.test',
});

const phone = (i: number) => `+4915100${String(i).padStart(6, '0')}`;
const waId = (i: number) => phone(i).slice(1);

function whatsappTemplate(header: 'document' | 'image') {
  return {
    kind: 'WHATSAPP',
    name: `Spring ${header}`,
    whatsapp: {
      name: 'spring_offer',
      language: 'en_US',
      components: [
        { type: 'header', parameters: [{ type: header, source: 'attachment' }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', source: 'contact.firstName' },
            { type: 'text', source: 'data.offerCode' },
            { type: 'text', source: 'contact.attributes.city' },
          ],
        },
        { type: 'button', subType: 'url', index: 0, parameters: [{ type: 'text', source: 'data.path' }] },
      ],
    },
  };
}

describe('WhatsApp Cloud API through the engine', () => {
  let fake: WhatsAppCloudFake;
  let t: TestApp;
  const tenant = newTenant('wa');
  let campaignId: string;
  let ids: string[];
  const attachment = pdfBytes(30_000);
  // 0..19 are fine; 3 has a multi-line name, 5 no first name (empty parameter), 7 an
  // undeliverable number (131026).
  const contacts: NamedContact[] = Array.from({ length: 20 }, (_, i) => ({
    firstName: `Name${i}`,
    lastName: `Last${i}`,
    phone: phone(i),
    attributes: { city: `City ${i}` },
  }));
  contacts[3] = { firstName: 'Ana\nMaria\t\tJosé', phone: phone(3), attributes: { city: 'Köln     Mitte' } };
  contacts[5] = { firstName: null, lastName: 'Nameless', phone: phone(5), attributes: { city: 'Bonn' } };
  contacts[7] = { firstName: 'Gone', phone: phone(7), attributes: { city: 'Nowhere' } };
  let throttledAt = 0;

  beforeAll(async () => {
    fake = await startWhatsAppCloudFake({ accessToken: 'wa-token', undeliverable: (to) => to === waId(7) });
    t = await buildTestApp({
      env: { ...cloudApiEnv(fake), PUBLIC_LINK_SECRET: 'l'.repeat(40) },
    });
    ids = await insertContacts(t.db.pool, tenant, contacts);
    const templateId = await createTemplate(t, tenant, whatsappTemplate('document'));
    campaignId = await campaignWith(
      t,
      tenant,
      'whatsapp',
      { templateId, templateData: { offerCode: 'SPRING-25', path: 'spring?c=1' } },
      { fileName: 'offer.pdf', data: attachment },
    );
    // The account is throttled twice on the way: HTTP 429 and HTTP 400 with code 130429, each
    // with Retry-After 1. Never on contact 7's request: the claim order is not fixed, and its
    // single 131026 answer is checked below.
    const notSeven = (to: string) => to !== waId(7);
    fake.failNext(1, { status: 429, code: 130429, retryAfterSec: 1, match: notSeven });
    fake.failNext(1, { status: 400, code: 130429, retryAfterSec: 1, match: notSeven });
    const report = await runToCompletion(t, tenant, campaignId, 30_000);
    expect(report.result).toBe('completed');
    throttledAt = fake.requests.findIndex((r) => !r.wamid && r.body?.to !== waId(7));
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const accepted = () => fake.requests.filter((r) => r.wamid);

  it('posts each message in the documented template shape, with the attachment as document header', async () => {
    const rows = await ledger(t.db.pool, tenant, campaignId);
    for (const r of accepted()) {
      expect(r.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
      expect(r.headers.authorization).toBe('Bearer wa-token');
      expect(r.headers['content-type']).toBe('application/json');
      const i = contacts.findIndex((c) => c.phone!.slice(1) === r.body.to);
      const row = rows.find((x) => x.contact_id === ids[i])!;
      expect(r.headers['idempotency-key']).toBe(row.id);
      const link = r.body.template.components[0].parameters[0].document.link as string;
      expect(link).toMatch(/^https:\/\/engine\.test\/public\/attachments\/[0-9a-f-]{36}\?tenant=.+&exp=\d+&sig=/);
      const c = contacts[i];
      expect(r.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: waId(i),
        type: 'template',
        template: {
          name: 'spring_offer',
          language: { code: 'en_US' },
          components: [
            { type: 'header', parameters: [{ type: 'document', document: { link, filename: 'offer.pdf' } }] },
            {
              type: 'body',
              parameters: [
                { type: 'text', text: i === 3 ? 'Ana Maria José' : c.firstName },
                { type: 'text', text: 'SPRING-25' },
                { type: 'text', text: i === 3 ? 'Köln Mitte' : `City ${i}` },
              ],
            },
            { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'spring?c=1' }] },
          ],
        },
      });
    }
  });

  it('the document link serves the attachment byte-identical without a token, and only with its signature', async () => {
    const link = new URL(accepted()[0].body.template.components[0].parameters[0].document.link);
    const res = await t.app.http.inject({ method: 'GET', url: link.pathname + link.search });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(Buffer.compare(res.rawPayload, attachment)).toBe(0);
    const forged = new URL(link);
    forged.searchParams.set('sig', 'A'.repeat(43));
    expect((await t.app.http.inject({ method: 'GET', url: forged.pathname + forged.search })).statusCode).toBe(403);
  });

  it('fails a contact with an empty parameter before any API call and goes on with the batch', async () => {
    const rows = await ledger(t.db.pool, tenant, campaignId);
    const nameless = rows.find((r) => r.contact_id === ids[5])!;
    expect(nameless.status).toBe('FAILED');
    expect(nameless.last_error).toBe('whatsapp parameter body.1 is empty');
    expect(fake.requests.filter((r) => r.body?.to === waId(5))).toHaveLength(0);
    expect(rows.filter((r) => r.status === 'SENT')).toHaveLength(18);
  });

  it('fails an undeliverable number (131026) with the provider message', async () => {
    const rows = await ledger(t.db.pool, tenant, campaignId);
    const gone = rows.find((r) => r.contact_id === ids[7])!;
    expect(gone.status).toBe('FAILED');
    expect(gone.last_error).toBe('(#131026) Message undeliverable');
    expect(fake.requests.filter((r) => r.body?.to === waId(7))).toHaveLength(1);
  });

  it('slows down after 429 / 130429 and in the end sends every contact exactly once', async () => {
    const perRecipient = new Map<string, number>();
    for (const r of accepted()) perRecipient.set(r.body.to, (perRecipient.get(r.body.to) ?? 0) + 1);
    expect(perRecipient.size).toBe(18);
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    // 18 accepted + 2 throttled + 1 undeliverable: nothing else reached the API.
    expect(fake.requests).toHaveLength(21);
    // After each throttling answer (Retry-After: 1) the account was held for about a second. A
    // firing sends on three lanes, so the other two lanes' requests may already be on the wire
    // when the answer comes back; nothing else may arrive within that second.
    const throttled = fake.requests.map((r, i) => ({ r, i })).filter(({ r }) => !r.wamid && r.body?.to !== waId(7));
    expect(throttled).toHaveLength(2);
    expect(throttledAt).toBe(throttled[0].i);
    for (const { r, i } of throttled) {
      const within = fake.requests.slice(i + 1).filter((q) => q.at - r.at < 900);
      expect(within.length).toBeLessThanOrEqual(2);
      expect(fake.requests.length).toBeGreaterThan(i + 1 + within.length);
    }
    // The throttled contacts were retried and sent: attempts tell.
    const rows = await ledger(t.db.pool, tenant, campaignId);
    const retried = rows.filter((r) => r.status === 'SENT' && r.attempts > 1);
    expect(retried).toHaveLength(2);
    for (const r of rows.filter((x) => x.status === 'SENT')) {
      expect(r.provider_message_id).toBe(accepted().find((a) => a.headers['idempotency-key'] === r.id)!.wamid);
    }
  });

  it('GET /webhooks/whatsapp answers the verify challenge, and 403 for a wrong token', async () => {
    const ok = await t.app.http.inject({
      method: 'GET',
      url: `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('1158201444');
    const wrong = await t.app.http.inject({ method: 'GET', url: '/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope-nope&hub.challenge=1' });
    expect(wrong.statusCode).toBe(403);
  });

  const post = (w: { body: string; headers: Record<string, string> }) =>
    t.app.http.inject({ method: 'POST', url: '/webhooks/whatsapp', headers: w.headers, payload: w.body });
  const wamidOf = async (i: number) => (await ledger(t.db.pool, tenant, campaignId)).find((r) => r.contact_id === ids[i])!.provider_message_id!;

  it('a reply with a valid signature creates one RESPONDED response (redelivery counts once)', async () => {
    const wamid = await wamidOf(1);
    const reply = signedWebhook(replyWebhook({ from: waId(1), text: 'YES please', contextWamid: wamid, messageId: 'wamid.reply-1', name: 'Name1', phoneNumberId: PHONE_NUMBER_ID }), APP_SECRET);
    const res = await post(reply);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ statuses: 0, responses: 1 });
    expect((await post(reply)).json()).toEqual({ statuses: 0, responses: 0 });
    const responses = await responsesOf(t.db.pool, tenant, campaignId);
    const row = (await ledger(t.db.pool, tenant, campaignId)).find((r) => r.contact_id === ids[1])!;
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({ channel: 'WHATSAPP', status: 'RESPONDED', tracking_id: row.tracking_id, event_count: 1 });
    expect(responses[0].response_data).toMatchObject({ kind: 'reply', text: 'YES please', from: waId(1), messageId: 'wamid.reply-1', profileName: 'Name1' });
    // The API shows it too.
    const api = await t.call(tenant, 'GET', `/campaigns/${campaignId}/responses`);
    expect(api.statusCode).toBe(200);
    expect(JSON.stringify(api.json())).toContain('YES please');
  });

  it('status webhooks move the ledger forward: delivered, read; failed turns an undelivered message FAILED', async () => {
    const w2 = await wamidOf(2);
    const w4 = await wamidOf(4);
    const delivered = signedWebhook(statusWebhook({ wamid: w2, status: 'delivered', recipientId: waId(2) }), APP_SECRET);
    expect((await post(delivered)).json()).toEqual({ statuses: 1, responses: 0 });
    let row = (await ledger(t.db.pool, tenant, campaignId)).find((r) => r.contact_id === ids[2])!;
    expect([row.status, row.delivery_status]).toEqual(['SENT', 'delivered']);
    await post(signedWebhook(statusWebhook({ wamid: w2, status: 'read', recipientId: waId(2) }), APP_SECRET));
    // A late "sent" never moves it back.
    await post(signedWebhook(statusWebhook({ wamid: w2, status: 'sent', recipientId: waId(2) }), APP_SECRET));
    row = (await ledger(t.db.pool, tenant, campaignId)).find((r) => r.contact_id === ids[2])!;
    expect([row.status, row.delivery_status]).toEqual(['SENT', 'read']);

    await post(signedWebhook(statusWebhook({ wamid: w4, status: 'failed', recipientId: waId(4), error: { code: 131049, title: 'Meta chose not to deliver' } }), APP_SECRET));
    row = (await ledger(t.db.pool, tenant, campaignId)).find((r) => r.contact_id === ids[4])!;
    expect([row.status, row.delivery_status, row.last_error]).toEqual(['FAILED', 'failed', '(#131049) Meta chose not to deliver']);
  });

  it('a bad or missing signature answers 401 and records nothing', async () => {
    const w6 = await wamidOf(6);
    const before = { ledger: await ledger(t.db.pool, tenant, campaignId), responses: await responsesOf(t.db.pool, tenant, campaignId) };
    const reply = replyWebhook({ from: waId(6), text: 'forged', contextWamid: w6, messageId: 'wamid.forged' });
    const status = statusWebhook({ wamid: w6, status: 'failed', recipientId: waId(6), error: { code: 131026, title: 'forged' } });
    for (const payload of [reply, status]) {
      const wrongKey = signedWebhook(payload, 'not-the-app-secret');
      expect((await post(wrongKey)).statusCode).toBe(401);
      const good = signedWebhook(payload, APP_SECRET);
      // Signed bytes, different body: the signature covers the exact bytes.
      expect((await post({ body: good.body.replace('forged', 'f0rged'), headers: good.headers })).statusCode).toBe(401);
      const missing = await post({ body: good.body, headers: { 'content-type': 'application/json' } });
      expect(missing.statusCode).toBe(401);
      expect(missing.json().detail).toBe('invalid or missing X-Hub-Signature-256');
    }
    expect(await ledger(t.db.pool, tenant, campaignId)).toEqual(before.ledger);
    expect(await responsesOf(t.db.pool, tenant, campaignId)).toEqual(before.responses);
  });
});

describe('WhatsApp image header from a PNG attachment', () => {
  it('sends the attachment as the image header parameter', async () => {
    const fake = await startWhatsAppCloudFake({ accessToken: 'wa-token' });
    const t = await buildTestApp({
      env: cloudApiEnv(fake),
    });
    try {
      const tenant = newTenant('waimg');
      await insertContacts(t.db.pool, tenant, [
        { firstName: 'Ida', phone: phone(1), attributes: { city: 'Ulm' } },
        { firstName: 'Jan', phone: phone(2), attributes: { city: 'Jena' } },
      ]);
      const templateId = await createTemplate(t, tenant, whatsappTemplate('image'));
      const id = await campaignWith(t, tenant, 'whatsapp', { templateId, templateData: { offerCode: 'X1', path: 'p' } }, {
        fileName: 'flyer.png',
        data: PNG_BYTES,
        contentType: 'image/png',
      });
      expect((await runToCompletion(t, tenant, id)).result).toBe('completed');
      expect(fake.requests).toHaveLength(2);
      for (const r of fake.requests) {
        const header = r.body.template.components[0];
        expect(Object.keys(header.parameters[0])).toEqual(['type', 'image']);
        expect(header.parameters[0].type).toBe('image');
        const link = new URL(header.parameters[0].image.link);
        const res = await t.app.http.inject({ method: 'GET', url: link.pathname + link.search });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('image/png');
        expect(Buffer.compare(res.rawPayload, PNG_BYTES)).toBe(0);
      }
    } finally {
      await t.close();
      await fake.close();
    }
  });
});
