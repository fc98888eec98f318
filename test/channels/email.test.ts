import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../fakes/smtp-sink.js';
import { startEmailHttpFake, type EmailHttpFake } from '../fakes/email-http.js';
import { campaignWith, createTemplate, insertContacts, ledger, pdfBytes, runToCompletion, type NamedContact } from './helpers.js';

// Email campaigns through the real engine (campaign API, real batch job) to real servers on
// 127.0.0.1: an SMTP server (smtp-server, messages parsed with mailparser) and an HTTP email
// service. What arrives is checked message by message against what each contact should get.

const TEMPLATE = {
  kind: 'EMAIL',
  name: 'Spring offer',
  subject: 'Hello {{ contact.firstName }}, your code {{ data.offerCode }}',
  html:
    '<p>Dear {{ contact.firstName }} {{ contact.lastName }},</p><p>Plan: {{ contact.attributes.plan }}</p>' +
    '<p><a href="{{ unsubscribeUrl }}">Unsubscribe</a></p>',
  text: 'Dear {{ contact.firstName }} {{ contact.lastName }}|plan={{ contact.attributes.plan }}|{{ data.offerCode }}',
};

const EVIL = '<a href="https://evil.test/x">click</a>';
const ONEIL = "O'Neil & Hijos";

/** 50 contacts that must get a message; #0 has markup in its name, #1 no last name, #2 O'Neil & Hijos. */
function audience(domain: string): NamedContact[] {
  const list: NamedContact[] = Array.from({ length: 50 }, (_, i) => ({
    firstName: `Name${i}`,
    lastName: `Last${i}`,
    email: `c${i}@${domain}`,
    attributes: { plan: `plan-${i}` },
  }));
  list[0] = { firstName: EVIL, lastName: 'Evil', email: `evil@${domain}`, attributes: { plan: 'p0' } };
  list[1] = { firstName: 'Ana', lastName: null, email: `ana@${domain}` };
  list[2] = { firstName: ONEIL, lastName: 'SA', email: `oneil@${domain}`, attributes: { plan: 'p2' } };
  return list;
}

const escapeOnce = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** What every delivered message must show, whatever the transport. */
function expectRendered(got: { to: string; subject: string; html: string; text: string }, c: NamedContact) {
  expect(got.to).toBe(c.email);
  expect(got.subject).toBe(`Hello ${c.firstName}, your code SPRING-25`);
  const last = c.lastName ?? '';
  const plan = (c.attributes?.plan as string | undefined) ?? '';
  expect(got.html).toContain(`<p>Dear ${escapeOnce(c.firstName!)} ${escapeOnce(last)},</p><p>Plan: ${plan}</p>`);
  expect(got.text).toBe(`Dear ${c.firstName} ${last}|plan=${plan}|SPRING-25`);
  for (const bad of ['undefined', 'null', '{{', '}}', '&amp;amp;', '&amp;#39;']) {
    expect(got.html).not.toContain(bad);
    expect(got.text).not.toContain(bad);
  }
}

describe('email over SMTP through the engine', () => {
  let sink: SmtpSink;
  let t: TestApp;
  const tenant = newTenant('mail');
  let campaignId: string;
  let contactIds: string[];
  const contacts = audience('example.test');
  const attachment = pdfBytes(70_000);

  beforeAll(async () => {
    sink = await startSmtpSink({ rejectRcpt: (a) => a.startsWith('bounce@') });
    t = await buildTestApp({
      env: { EMAIL_TRANSPORT: 'smtp', SMTP_URL: sink.url, EMAIL_FROM: 'fallback@acme.test', RATE_LIMIT_EMAIL: '0', PUBLIC_BASE_URL: 'https://engine.test' },
    });
    // The 51st contact's mailbox is refused at RCPT TO (550): that contact FAILS, the rest go on.
    contactIds = await insertContacts(t.db.pool, tenant, [
      ...contacts.slice(0, 25),
      { firstName: 'Bounce', lastName: 'Me', email: 'bounce@example.test' },
      ...contacts.slice(25),
      // Addresses nodemailer would parse into someone else's (`y@…`) or into nothing.
      { firstName: 'Split', email: 'x y@example.test' },
      { firstName: 'Nobody', email: 'not-an-address' },
    ]);
    const templateId = await createTemplate(t, tenant, TEMPLATE);
    campaignId = await campaignWith(
      t,
      tenant,
      'email',
      { templateId, sourceEmail: 'news@acme.test', templateData: { offerCode: 'SPRING-25' } },
      { fileName: 'offer.pdf', data: attachment },
    );
    const report = await runToCompletion(t, tenant, campaignId);
    expect(report.result).toBe('completed');
  });

  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const messageTo = (email: string): SinkMessage => {
    const found = sink.messages.filter((m) => m.envelope.to.includes(email));
    expect(found, email).toHaveLength(1);
    return found[0];
  };

  it('delivers exactly 50 messages, one per contact, with the merged template', async () => {
    expect(sink.messages).toHaveLength(50);
    expect(new Set(sink.messages.map((m) => m.envelope.to.join(','))).size).toBe(50);
    for (const m of sink.messages) {
      expect(m.envelope.to).toHaveLength(1);
      expect(m.envelope.from).toBe('news@acme.test');
      expect(m.parsed.from?.value).toEqual([{ address: 'news@acme.test', name: '' }]);
    }
    for (const c of contacts) {
      const m = messageTo(c.email!);
      expectRendered({ to: m.parsed.to && !Array.isArray(m.parsed.to) ? m.parsed.to.value[0].address! : '', subject: m.parsed.subject ?? '', html: String(m.parsed.html), text: (m.parsed.text ?? '').trim() }, c);
    }
  });

  it('escapes markup in a name, escapes O\'Neil & Hijos exactly once, renders a missing last name empty', () => {
    const evil = String(messageTo('evil@example.test').parsed.html);
    expect(evil).toContain('Dear &lt;a href=&quot;https://evil.test/x&quot;&gt;click&lt;/a&gt; Evil,');
    expect(evil).not.toContain('evil.test/x">');
    expect(evil.match(/<a /g)).toHaveLength(1); // only the template's own unsubscribe link

    const oneil = messageTo('oneil@example.test');
    expect(String(oneil.parsed.html)).toContain('Dear O&#39;Neil &amp; Hijos SA,');
    expect(oneil.parsed.subject).toBe("Hello O'Neil & Hijos, your code SPRING-25");
    expect(oneil.parsed.text?.trim()).toBe("Dear O'Neil & Hijos SA|plan=p2|SPRING-25");

    const ana = messageTo('ana@example.test');
    expect(String(ana.parsed.html)).toContain('<p>Dear Ana ,</p><p>Plan: </p>');
    expect(ana.parsed.text?.trim()).toBe('Dear Ana |plan=|SPRING-25');
    expect(ana.parsed.to && !Array.isArray(ana.parsed.to) && ana.parsed.to.value[0]).toEqual({ address: 'ana@example.test', name: 'Ana' });
  });

  it('attaches the campaign attachment byte-identical to every message', () => {
    for (const m of sink.messages) {
      expect(m.parsed.attachments).toHaveLength(1);
      const a = m.parsed.attachments[0];
      expect(a.filename).toBe('offer.pdf');
      expect(a.contentType).toBe('application/pdf');
      expect(a.size).toBe(attachment.length);
      expect(Buffer.compare(a.content, attachment)).toBe(0);
    }
  });

  it('records the ledger: 50 SENT with the Message-ID, the refused mailbox FAILED with the SMTP reply', async () => {
    const rows = await ledger(t.db.pool, tenant, campaignId);
    expect(rows).toHaveLength(53);
    const bounce = rows.find((r) => r.contact_id === contactIds[25])!;
    expect(bounce.status).toBe('FAILED');
    expect(bounce.last_error).toMatch(/^SMTP 550 5\.1\.1 mailbox unavailable/);
    const split = rows.find((r) => r.contact_id === contactIds[51])!;
    expect([split.status, split.last_error]).toEqual(['FAILED', 'contact email "x y@example.test" is not a valid address']);
    const nobody = rows.find((r) => r.contact_id === contactIds[52])!;
    expect([nobody.status, nobody.last_error]).toEqual(['FAILED', 'contact email "not-an-address" is not a valid address']);
    expect(sink.rcptAttempts).not.toContain('y@example.test');
    const sent = rows.filter((r) => r.status === 'SENT');
    expect(sent).toHaveLength(50);
    for (const r of sent) {
      const m = sink.messages.find((x) => x.parsed.headers.get('x-campaign-dispatch-id') === r.id)!;
      expect(m, r.id).toBeDefined();
      expect(r.provider_message_id).toBe(`<${r.id}@acme.test>`);
      expect(m.parsed.messageId).toBe(`<${r.id}@acme.test>`);
    }
    expect(sink.rcptAttempts.filter((a) => a === 'bounce@example.test')).toHaveLength(1);
  });

  it('carries List-Unsubscribe and List-Unsubscribe-Post; POSTing the one-click URL opts the contact out', async () => {
    const rows = await ledger(t.db.pool, tenant, campaignId);
    const anaId = contactIds[1];
    const anaRow = rows.find((r) => r.contact_id === anaId)!;
    const m = messageTo('ana@example.test');
    const line = (key: string) => m.parsed.headerLines.find((h) => h.key === key)?.line;
    const url = `https://engine.test/unsubscribe/${anaRow.tracking_id}`;
    expect(line('list-unsubscribe')).toBe(`List-Unsubscribe: <${url}>`);
    expect(line('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(String(m.parsed.html)).toContain(`<a href="${url}">Unsubscribe</a>`);

    const before = await t.call(tenant, 'GET', `/contacts/${anaId}`);
    expect(before.json().optOut.email).toBe(false);
    // What a mail client does for RFC 8058: a POST without credentials to the URL of the header.
    const res = await t.app.http.inject({
      method: 'POST',
      url: new URL(url).pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('You are unsubscribed');
    const after = await t.call(tenant, 'GET', `/contacts/${anaId}`);
    expect(after.json().optOut.email).toBe(true);
    // Nobody else was opted out.
    const other = await t.call(tenant, 'GET', `/contacts/${contactIds[0]}`);
    expect(other.json().optOut.email).toBe(false);
    // A made-up tracking id changes nothing.
    const unknown = await t.app.http.inject({ method: 'POST', url: '/unsubscribe/AAAAAAAAAAAAAAAAAAAAAA', payload: '' });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('email over the HTTP email service through the engine', () => {
  let fake: EmailHttpFake;
  let t: TestApp;
  const tenant = newTenant('mailhttp');
  let campaignId: string;
  let contactIds: string[];
  const contacts = audience('example.org');
  const attachment = pdfBytes(40_000);

  beforeAll(async () => {
    fake = await startEmailHttpFake({ reject: (to) => (to.startsWith('bounce@') ? 'recipient address rejected: mailbox does not exist' : undefined) });
    t = await buildTestApp({
      env: {
        EMAIL_TRANSPORT: 'http',
        EMAIL_HTTP_URL: fake.url,
        EMAIL_HTTP_API_KEY: fake.apiKey,
        EMAIL_FROM: 'news@acme.test',
        RATE_LIMIT_EMAIL: '0',
        PUBLIC_BASE_URL: 'https://engine.test',
        CAMPAIGN_MAX_ATTEMPTS: '5',
      },
    });
    contactIds = await insertContacts(t.db.pool, tenant, [...contacts, { firstName: 'Bounce', email: 'bounce@example.org' }]);
    const templateId = await createTemplate(t, tenant, TEMPLATE);
    campaignId = await campaignWith(t, tenant, 'email', { templateId, sourceEmail: 'news@acme.test', templateData: { offerCode: 'SPRING-25' } }, { fileName: 'offer.pdf', data: attachment });
    // Two 503s and a 429 on the way: retried, and the idempotency key keeps them single.
    fake.failNext(2, 503);
    fake.failNext(1, 429, 0);
    const report = await runToCompletion(t, tenant, campaignId, 30_000);
    expect(report.result).toBe('completed');
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('posts the documented JSON with bearer key and Idempotency-Key = ledger id, each contact accepted once', async () => {
    const rows = await ledger(t.db.pool, tenant, campaignId);
    expect(rows.filter((r) => r.status === 'SENT')).toHaveLength(50);
    const bounce = rows.find((r) => r.contact_id === contactIds[50])!;
    expect(bounce.status).toBe('FAILED');
    expect(bounce.last_error).toBe('email service HTTP 422: recipient address rejected: mailbox does not exist');

    expect(fake.accepted.size).toBe(50);
    const perRecipient = new Map<string, number>();
    for (const r of fake.accepted.values()) perRecipient.set(r.body.to[0].email, (perRecipient.get(r.body.to[0].email) ?? 0) + 1);
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    expect(fake.requests.filter((r) => r.replayed)).toHaveLength(0);
    expect(fake.requests).toHaveLength(51 + 3);

    for (const r of rows.filter((x) => x.status === 'SENT')) {
      const req = fake.accepted.get(r.id)!;
      expect(req, `request with Idempotency-Key ${r.id}`).toBeDefined();
      expect(req.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
      expect(req.headers['content-type']).toBe('application/json');
      expect(r.provider_message_id).toBe(req.id);
      const url = `https://engine.test/unsubscribe/${r.tracking_id}`;
      expect(Object.keys(req.body).sort()).toEqual(['attachments', 'from', 'headers', 'html', 'messageId', 'subject', 'text', 'to']);
      expect(req.body.from).toEqual({ email: 'news@acme.test' });
      expect(req.body.messageId).toBe(`<${r.id}@acme.test>`);
      expect(req.body.headers).toEqual({
        'List-Unsubscribe': `<${url}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Campaign-Dispatch-Id': r.id,
      });
      expect(req.body.attachments).toHaveLength(1);
      expect(req.body.attachments[0].filename).toBe('offer.pdf');
      expect(req.body.attachments[0].contentType).toBe('application/pdf');
      expect(Buffer.compare(Buffer.from(req.body.attachments[0].content, 'base64'), attachment)).toBe(0);
      const c = contacts.find((x) => x.email === req.body.to[0].email)!;
      const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
      expect(req.body.to).toEqual([{ email: c.email, name }]);
      expectRendered({ to: req.body.to[0].email, subject: req.body.subject, html: req.body.html, text: req.body.text }, c);
    }
  });

  it('renders markup, O\'Neil & Hijos and a missing last name like SMTP does', () => {
    const body = (email: string) => [...fake.accepted.values()].find((r) => r.body.to[0].email === email)!.body;
    expect(body('evil@example.org').html).toContain('Dear &lt;a href=&quot;https://evil.test/x&quot;&gt;click&lt;/a&gt; Evil,');
    expect(body('oneil@example.org').html).toContain('Dear O&#39;Neil &amp; Hijos SA,');
    expect(body('ana@example.org').html).toContain('<p>Dear Ana ,</p><p>Plan: </p>');
  });

  it('the unsubscribe URL of the HTTP message opts the contact out', async () => {
    const r = [...fake.accepted.values()].find((x) => x.body.to[0].email === 'c7@example.org')!;
    const path = new URL(/^<(.+)>$/.exec(r.body.headers['List-Unsubscribe'])![1]).pathname;
    const res = await t.app.http.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(res.statusCode).toBe(200);
    expect((await t.call(tenant, 'GET', `/contacts/${contactIds[7]}`)).json().optOut.email).toBe(true);
    expect((await t.call(tenant, 'GET', `/contacts/${contactIds[8]}`)).json().optOut.email).toBe(false);
  });
});
