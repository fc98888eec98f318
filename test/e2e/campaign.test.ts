import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startSmtpSink, type SmtpSink } from '../fakes/smtp-sink.js';
import { startWhatsAppCloudFake, type WhatsAppCloudFake } from '../fakes/whatsapp-cloud.js';
import { startCallServiceFake, type CallServiceFake } from '../fakes/call-service.js';
import { freePort, startService, waitFor, type ServiceProcess } from '../helpers/process.js';
import { apiClient, stopWithin, type ApiClient } from './api-client.js';
import { expectedLedger, openWindowNow, runPrintChecks, type Contact, type Dispatch } from './expectations.js';

// The product end to end, the way the README's Quickstart runs it: real service processes of
// src/main.ts (one API, three workers) on one database, real providers faked as real servers
// (SMTP, WhatsApp Cloud API, call service), and nothing but HTTP to drive it: import the example
// Google Contacts export, templates, a four-channel campaign with a PDF, a window open now in a
// non-UTC zone, start, pause in the middle, resume, completion; then who got what, print, scans
// and metrics.

const EXAMPLES = path.resolve(__dirname, '../../examples');
const WA = { token: 'e2e-wa-token', phoneNumberId: '106540352242922', appSecret: 'e2e-app-secret', verifyToken: 'e2e-verify' };
const CALL_KEY = 'e2e-call-key';
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

let db: TestDatabase;
let smtp: SmtpSink;
let wa: WhatsAppCloudFake;
let calls: CallServiceFake;
let api: ApiClient;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  [db, smtp, wa, calls] = await Promise.all([
    createTestDatabase({ poolSize: 2 }),
    startSmtpSink(),
    startWhatsAppCloudFake({ accessToken: WA.token }),
    startCallServiceFake({ apiKey: CALL_KEY }),
  ]);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: db.url,
    AUTH_JWT_SECRET: TEST_SECRET,
    DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'e2e-campaign-')), // shared: the attachment store
    PUBLIC_BASE_URL: base,
    PUBLIC_LINK_SECRET: 'e2e-public-link-secret-0123456789abcdef',
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: '4',
    EMAIL_TRANSPORT: 'smtp',
    SMTP_URL: smtp.url,
    EMAIL_FROM: 'fallback@shop.example.com',
    WHATSAPP_TRANSPORT: 'cloud-api',
    WHATSAPP_API_BASE_URL: wa.url,
    WHATSAPP_ACCESS_TOKEN: WA.token,
    WHATSAPP_PHONE_NUMBER_ID: WA.phoneNumberId,
    WHATSAPP_APP_SECRET: WA.appSecret,
    WHATSAPP_VERIFY_TOKEN: WA.verifyToken,
    CALL_TRANSPORT: 'http',
    CALL_SERVICE_URL: calls.url,
    CALL_SERVICE_API_KEY: CALL_KEY,
    CAMPAIGN_SENDING_LEASE: '30',
    WORKER_POLL_INTERVAL: '100',
    WORKER_CONCURRENCY: '2',
    // Slow enough that the pause lands in the middle, fast enough to finish in seconds.
    RATE_LIMIT_CALL: '40',
    RATE_LIMIT_EMAIL: '40',
    RATE_LIMIT_WHATSAPP: '40',
    RATE_LIMIT_MAIL: '0',
    QR_WORKER_THREADS: '1',
  };
  services.push(startService({ ...env, ROLE: 'api', PORT: String(port), HOST: '127.0.0.1' }));
  for (let n = 0; n < 3; n++) services.push(startService({ ...env, ROLE: 'worker' }));
  api = await apiClient(base, TEST_SECRET, 'e2e-shop');
  const ready = () => fetch(`${base}/readyz`).then((r) => r.status, () => 0);
  await waitFor('the API to answer /readyz', ready, (s) => s === 200, 60_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${services.map((s) => s.stderr()).join('\n')}`);
  });
}, 90_000);

afterAll(async () => {
  // Every process is stopped, whatever the test did; a stuck one is killed after the grace time.
  await Promise.all(services.map((s) => stopWithin(s)));
  await Promise.all([smtp?.close(), wa?.close(), calls?.close()]);
  await db?.drop();
}, 60_000);

const received = () => smtp.messages.length + wa.requests.length + calls.requests.length;

describe('a four-channel campaign through real service processes', () => {
  it('imports, runs with a pause in the middle, reaches every eligible contact once per channel, prints scannable letters and adds up', async () => {
    // ---- contacts: the example Google Contacts export, as is ----
    const csv = await readFile(path.join(EXAMPLES, 'contacts-google.csv'));
    const imp = await (await api.raw('POST', '/contacts/imports', { body: csv, headers: { 'content-type': 'text/csv' } })).json();
    expect(imp).toMatchObject({ status: 'COMPLETED', format: 'csv', rows: 240, imported: 237, failed: 3 });
    expect(imp.errors.map((e: { line: number; field: string }) => [e.line, e.field])).toEqual([[17, 'email'], [117, 'phone'], [265, 'birthDate']]);
    const contacts: Contact[] = await api.all('/contacts');
    expect(contacts).toHaveLength(237);

    // ---- templates, campaign, channel configs (the README's example bodies) ----
    const body = async (name: string) => JSON.parse(await readFile(path.join(EXAMPLES, name), 'utf8'));
    const emailTemplate = (await api.json('POST', '/templates', await body('template-email.json'))).id;
    const waTemplate = (await api.json('POST', '/templates', await body('template-whatsapp.json'))).id;
    // The example fires every 2 s (a demo on the embedded default); here faster, in small batches.
    const campaign = await api.json('POST', '/campaigns', { ...(await body('campaign.json')), executionBatchSize: 40, executionInterval: 0.25 });
    const id: string = campaign.id;
    const target = await body('target.json');
    await api.json('PUT', `/campaigns/${id}/targets`, target);
    await api.json('PUT', `/campaigns/${id}/calls`, await body('channel-call.json'));
    await api.json('PUT', `/campaigns/${id}/whatsapp`, { ...(await body('channel-whatsapp.json')), templateId: waTemplate });
    await api.json('PUT', `/campaigns/${id}/mails`, await body('channel-mail.json'));
    const pdf = await readFile(path.join(EXAMPLES, 'spring-offer.pdf'));
    const form = new FormData();
    form.append('config', JSON.stringify({ ...(await body('channel-email.json')), templateId: emailTemplate }));
    form.append('attachment', new Blob([pdf], { type: 'application/pdf' }), 'spring-offer.pdf');
    const put = await api.raw('PUT', `/campaigns/${id}/emails`, { body: form });
    expect(put.status).toBe(200);
    expect((await put.json()).attachment).toMatchObject({ fileName: 'spring-offer.pdf', contentType: 'application/pdf', size: pdf.length });

    // ---- a window open now, in a zone that is not UTC; SCHEDULED starts it at once ----
    const window = openWindowNow();
    await api.json('POST', `/campaigns/${id}/schedule`, { ...window, operationFrequency: 'DAILY' });
    await api.json('PUT', `/campaigns/${id}/status`, { status: 'SCHEDULED' });
    await waitFor('RUNNING', () => api.json('GET', `/campaigns/${id}`), (c: any) => c.campaignStatus === 'RUNNING', 30_000);

    // ---- pause in the middle: nothing reaches a provider over several intervals ----
    await waitFor('the first sends', async () => received(), (n) => n >= 120, 60_000);
    await api.json('PUT', `/campaigns/${id}/status`, { status: 'PAUSED' });
    await new Promise((r) => setTimeout(r, 500)); // a send already handed to a provider may still land
    const atPause = received();
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 300)); // > one 0.25 s interval each time
      expect(received()).toBe(atPause);
    }
    const paused = await api.json('GET', `/campaigns/${id}/progress`);
    expect(paused.campaignStatus).toBe('PAUSED');
    expect(paused.overall.sending).toBe(0);
    expect(paused.overall.pending).toBeGreaterThan(0); // really in the middle

    await api.json('PUT', `/campaigns/${id}/status`, { status: 'RUNNING' });
    const done = await waitFor('COMPLETED', () => api.json('GET', `/campaigns/${id}/progress`), (p: any) => p.campaignStatus === 'COMPLETED', 90_000);

    // ---- the ledger and what every provider received: exactly the eligible contacts, once ----
    const ledger: Dispatch[] = await api.all(`/campaigns/${id}/dispatches`);
    const want = expectedLedger(contacts, target.contactType);
    // The example data exercises every reason to skip.
    for (const reason of ['no_email', 'no_phone', 'no_address', 'opted_out']) {
      expect(Object.values(want).some((ch) => Object.values(ch.skipped).includes(reason))).toBe(true);
    }
    for (const channel of ['CALL', 'EMAIL', 'WHATSAPP', 'MAIL'] as const) {
      const rows = ledger.filter((d) => d.channel === channel);
      expect(rows.filter((d) => d.status === 'SENT').map((d) => d.contactId).sort()).toEqual(want[channel].sent.sort());
      const skipped = Object.fromEntries(rows.filter((d) => d.status === 'SKIPPED').map((d) => [d.contactId, d.skipReason]));
      expect(skipped).toEqual(want[channel].skipped);
      expect(rows).toHaveLength(want[channel].sent.length + Object.keys(skipped).length);
    }
    const byId = new Map(contacts.map((c) => [c.id, c]));
    const countBy = (keys: string[]) => keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
    const emails = countBy(smtp.messages.flatMap((m) => m.envelope.to));
    expect([...emails.keys()].sort()).toEqual(want.EMAIL.sent.map((c) => byId.get(c)!.email!).sort());
    expect([...emails.values()].every((n) => n === 1)).toBe(true);
    const waTo = countBy(wa.requests.map((r) => r.body.to as string));
    expect([...waTo.keys()].sort()).toEqual(want.WHATSAPP.sent.map((c) => byId.get(c)!.phone!.slice(1)).sort());
    expect([...waTo.values()].every((n) => n === 1)).toBe(true);
    const called = countBy(calls.requests.map((r) => r.body.contact.id as string));
    expect([...called.keys()].sort()).toEqual(want.CALL.sent.sort());
    expect([...called.values()].every((n) => n === 1)).toBe(true);
    expect(calls.distinctKeys()).toBe(want.CALL.sent.length); // one idempotency key (ledger id) per call

    // What they received is the campaign's: rendered email with the PDF, template message, call.
    const first = smtp.messages[0];
    const firstContact = contacts.find((c) => c.email === first.envelope.to[0])!;
    expect(first.parsed.subject).toBe(`${firstContact.firstName}, your spring offer: 20% off`);
    expect(first.envelope.from).toBe('offers@shop.example.com');
    const raw = first.raw.toString('latin1');
    expect(raw).toMatch(new RegExp(`^List-Unsubscribe: <${api.base}/unsubscribe/[\\w-]{22}>`, 'm'));
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    expect(first.parsed.attachments.map((a) => [a.filename, a.contentType, Buffer.compare(a.content, pdf)])).toEqual([
      ['spring-offer.pdf', 'application/pdf', 0],
    ]);
    const waBody = wa.requests[0].body;
    expect(waBody.template).toMatchObject({ name: 'spring_offer', language: { code: 'en_US' } });
    expect(waBody.template.components[0].parameters[1]).toEqual({ type: 'text', text: 'SPRING20' });
    expect(calls.requests[0].body).toMatchObject({ campaignId: id, sourcePhone: '+14155550100', callHandlerConfig: { aiAgentId: 'agent-spring-offer' } });

    // ---- letters: print batch and PDF, QR codes to scan URLs that record responses ----
    const mail = await runPrintChecks(api, id, want.MAIL.sent.length, BROWSER);

    // ---- progress and metrics add up ----
    const metrics = await api.json('GET', `/campaigns/${id}/metrics`);
    for (const channel of ['CALL', 'EMAIL', 'WHATSAPP', 'MAIL'] as const) {
      const p = done.channels[channel];
      const sent = want[channel].sent.length;
      const skipped = Object.keys(want[channel].skipped).length;
      expect(p).toEqual({ total: sent + skipped, pending: 0, sending: 0, sent, failed: 0, skipped, uncertain: 0 });
      const m = metrics.channels[channel];
      expect(m).toMatchObject({ targeted: sent + skipped, failed: 0, skipped, pending: 0, uncertain: 0 });
      if (channel !== 'MAIL') expect(m).toMatchObject({ sent, responded: 0, responseRate: 0 });
    }
    expect(metrics.channels.MAIL).toMatchObject({ readyForPrint: want.MAIL.sent.length, sent: mail.posted, responded: mail.scanned });
    expect(metrics.channels.MAIL.responseRate).toBe(Math.round((mail.scanned / mail.posted) * 10_000) / 100);
    const sum = (k: string) => Object.values(done.channels).reduce((n: number, c: any) => n + c[k], 0);
    expect(done.overall).toEqual({ total: sum('total'), pending: 0, sending: 0, sent: sum('sent'), failed: 0, skipped: sum('skipped'), uncertain: 0 });
    expect(metrics.total).toMatchObject({ targeted: done.overall.total, skipped: done.overall.skipped, responded: mail.scanned });
    expect(await api.json('GET', `/campaigns/${id}/mails/metrics`)).toEqual({
      sent: mail.posted,
      responded: mail.scanned,
      responseRate: metrics.channels.MAIL.responseRate,
    });
  }, 150_000);
});
