import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { HUMAN_UA, PUBLIC_BASE_URL, readPrintBatch, runMailCampaign, scan } from './helpers.js';

// Letters marked sent, QR scans through the public endpoint (repeats, HEAD, preview bots, a
// wrong campaignId, unknown ids), the mail metrics and the per-campaign metrics.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { ROLE: 'api', PUBLIC_BASE_URL, SCAN_TRUST_PROXY: 'true', SCAN_RATE_PER_MINUTE: '5' } });
});
afterAll(async () => t.close());

const LANDING = 'https://shop.example.com/thanks?from=letter';

async function markSent(tenant: string, campaignId: string, trackId: string) {
  return t.call(tenant, 'POST', `/campaigns/${campaignId}/mails/${trackId}/status`, { status: 'SEND' });
}

const mailMetrics = async (tenant: string, campaignId: string) =>
  (await t.call(tenant, 'GET', `/campaigns/${campaignId}/mails/metrics`)).json();

describe('letters, scans and metrics', () => {
  it('10 letters sent and 2 distinct people scanning give sent 10, responded 2, rate 20', async () => {
    const tenant = newTenant();
    const run = await runMailCampaign(t, tenant, 10, { mail: { landingUrl: LANDING } });
    const other = await runMailCampaign(t, tenant, 1);
    const { items } = await readPrintBatch(t, tenant, run.campaignId);
    expect(items).toHaveLength(10);

    // Nothing sent yet: all zero, never a division by zero.
    expect(await mailMetrics(tenant, run.campaignId)).toEqual({ sent: 0, responded: 0, responseRate: 0 });

    for (const item of items) expect((await markSent(tenant, run.campaignId, item.trackId)).statusCode).toBe(200);
    expect(await mailMetrics(tenant, run.campaignId)).toEqual({ sent: 10, responded: 0, responseRate: 0 });

    // Person 1 scans twice, person 2 once: each is redirected to the landing page.
    for (const url of [items[0].scanUrl, items[0].scanUrl, items[1].scanUrl]) {
      const res = await scan(t, url);
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe(LANDING);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
    // Not people, or not attributable: a HEAD, link previews, a prefetch, a wrong campaignId.
    expect((await scan(t, items[2].scanUrl, { method: 'HEAD' })).statusCode).toBe(302);
    expect((await scan(t, items[3].scanUrl, { ua: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' })).statusCode).toBe(302);
    expect((await scan(t, items[4].scanUrl, { ua: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)' })).statusCode).toBe(302);
    expect((await scan(t, items[5].scanUrl, { ua: 'WhatsApp/2.23.20.0 A' })).statusCode).toBe(302);
    expect((await scan(t, items[6].scanUrl, { ua: 'TelegramBot (like TwitterBot)' })).statusCode).toBe(302);
    expect((await scan(t, items[7].scanUrl, { headers: { 'sec-purpose': 'prefetch' } })).statusCode).toBe(302);
    const wrong = await scan(t, items[8].scanUrl.replace(run.campaignId, other.campaignId));
    expect(wrong.statusCode).toBe(200);
    expect(wrong.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(wrong.body).toContain('Thank you');

    expect(await mailMetrics(tenant, run.campaignId)).toEqual({ sent: 10, responded: 2, responseRate: 20 });

    const responded = (await t.call(tenant, 'GET', `/campaigns/${run.campaignId}/responses?status=RESPONDED`)).json().items;
    expect(responded).toHaveLength(2);
    const first = responded.find((r: { trackingId: string }) => r.trackingId === items[0].trackId);
    expect(first).toMatchObject({
      channel: 'MAIL',
      status: 'RESPONDED',
      eventCount: 2,
      responseData: { source: 'qr_scan', contactType: 'LEAD' },
      contact: { firstName: items[0].contact.name, contactType: 'LEAD', address: { city: 'Berlin' } },
    });
    expect(new Date(first.lastAt).getTime()).toBeGreaterThanOrEqual(new Date(first.firstAt).getTime());
    expect(responded.find((r: { trackingId: string }) => r.trackingId === items[1].trackId).eventCount).toBe(1);

    // The campaign metrics agree, and count the ledger too.
    const m = (await t.call(tenant, 'GET', `/campaigns/${run.campaignId}/metrics`)).json();
    expect(m.channels).toEqual({
      MAIL: { targeted: 10, sent: 10, failed: 0, skipped: 0, pending: 0, uncertain: 0, responded: 2, responseRate: 20, readyForPrint: 10 },
    });
    expect(m.total).toEqual({ targeted: 10, sent: 10, failed: 0, skipped: 0, pending: 0, uncertain: 0, responded: 2, responseRate: 20 });
    expect(await mailMetrics(tenant, other.campaignId)).toEqual({ sent: 0, responded: 0, responseRate: 0 });
  });

  it('marks a letter sent once; unknown, foreign and not-yet-printed letters are refused', async () => {
    const tenant = newTenant();
    const run = await runMailCampaign(t, tenant, 2);
    const other = await runMailCampaign(t, tenant, 1);
    const [a] = (await readPrintBatch(t, tenant, run.campaignId)).items;
    const [foreign] = (await readPrintBatch(t, tenant, other.campaignId)).items;

    const r1 = await markSent(tenant, run.campaignId, a.trackId);
    expect(r1.statusCode).toBe(200);
    expect(r1.json()).toMatchObject({ trackingId: a.trackId, campaignId: run.campaignId, channel: 'MAIL', status: 'SEND', eventCount: 1 });
    const r2 = await markSent(tenant, run.campaignId, a.trackId);
    expect(r2.statusCode).toBe(200);
    expect(r2.json()).toEqual(r1.json()); // idempotent: the same record, unchanged
    expect(await mailMetrics(tenant, run.campaignId)).toMatchObject({ sent: 1 });

    expect((await markSent(tenant, run.campaignId, 'no-such-tracking-id-000')).statusCode).toBe(404);
    expect((await markSent(tenant, run.campaignId, foreign.trackId)).statusCode).toBe(404);
    const bad = await t.call(tenant, 'POST', `/campaigns/${run.campaignId}/mails/${a.trackId}/status`, { status: 'RESPONDED' });
    expect(bad.statusCode).toBe(400);

    // A letter whose ledger row was not handed to print cannot have been posted.
    const pending = await runMailCampaign(t, tenant, 1, { contactType: 'LATER', batchSize: 1 });
    const row = (await t.call(tenant, 'GET', `/campaigns/${pending.campaignId}/dispatches`)).json().items[0];
    await t.db.pool.query(`UPDATE dispatches SET status = 'FAILED' WHERE id = $1`, [row.id]);
    const conflict = await markSent(tenant, pending.campaignId, row.trackingId);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ ledgerStatus: 'FAILED' });
  });

  it('shows the thank-you page for unknown ids and campaigns without a landing page, recording nothing', async () => {
    const tenant = newTenant();
    const run = await runMailCampaign(t, tenant, 1);
    const [item] = (await readPrintBatch(t, tenant, run.campaignId)).items;
    const real = await scan(t, item.scanUrl);
    const unknown = await scan(t, `${PUBLIC_BASE_URL}/r?trackId=AAAAAAAAAAAAAAAAAAAAAA&campaignId=${run.campaignId}&contactType=LEAD`);
    const nothing = await scan(t, `${PUBLIC_BASE_URL}/r`);
    for (const res of [real, unknown, nothing]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    // Identical answers: the page does not tell which ids exist.
    expect(unknown.body).toBe(real.body);
    expect(nothing.body).toBe(real.body);
    expect(await mailMetrics(tenant, run.campaignId)).toEqual({ sent: 0, responded: 1, responseRate: 0 });
  });

  it('rate limits scans per client address', async () => {
    const tenant = newTenant();
    const run = await runMailCampaign(t, tenant, 1);
    const [item] = (await readPrintBatch(t, tenant, run.campaignId)).items;
    const ip = '203.0.113.77';
    for (let i = 0; i < 5; i++) expect((await scan(t, item.scanUrl, { ip })).statusCode).toBe(200);
    const limited = await scan(t, item.scanUrl, { ip });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another client is not affected.
    expect((await scan(t, item.scanUrl, { ip: '203.0.113.78' })).statusCode).toBe(200);
    const responded = (await t.call(tenant, 'GET', `/campaigns/${run.campaignId}/responses`)).json().items;
    expect(responded).toHaveLength(1);
    expect(responded[0].eventCount).toBe(6); // the refused scan reached nothing
  });
});

describe('the responses API', () => {
  it('records responses from a system, takes the contact from our data, pages and filters', async () => {
    const tenant = newTenant();
    const run = await runMailCampaign(t, tenant, 3);
    const other = await runMailCampaign(t, tenant, 1);
    const items = (await readPrintBatch(t, tenant, run.campaignId)).items;
    const url = `/campaigns/${run.campaignId}/responses`;

    const created = await t.call(tenant, 'POST', url, { trackingId: items[0].trackId, status: 'RESPONDED', responseData: { answer: 'yes' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      channel: 'MAIL',
      status: 'RESPONDED',
      responseData: { answer: 'yes' },
      eventCount: 1,
      contact: { firstName: items[0].contact.name, email: expect.stringMatching(/@example\.test$/) },
    });
    const again = await t.call(tenant, 'POST', url, { trackingId: items[0].trackId, status: 'RESPONDED', channel: 'MAIL', responseData: {} });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: created.json().id, eventCount: 2, responseData: { answer: 'yes' } });
    expect((await t.call(tenant, 'POST', url, { trackingId: items[1].trackId, status: 'SEND' })).statusCode).toBe(201);
    expect((await t.call(tenant, 'POST', url, { trackingId: items[2].trackId, status: 'RESPONDED' })).statusCode).toBe(201);

    // The snapshot is never the caller's; unknown or foreign tracking ids are 404; channel must match.
    const forged = await t.call(tenant, 'POST', url, { trackingId: items[1].trackId, status: 'RESPONDED', contact: { firstName: 'Mallory' } });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().errors).toEqual([{ field: 'contact', message: 'unknown field' }]);
    expect((await t.call(tenant, 'POST', url, { trackingId: 'nope', status: 'RESPONDED' })).statusCode).toBe(404);
    const [foreign] = (await readPrintBatch(t, tenant, other.campaignId)).items;
    expect((await t.call(tenant, 'POST', url, { trackingId: foreign.trackId, status: 'RESPONDED' })).statusCode).toBe(404);
    const wrongChannel = await t.call(tenant, 'POST', url, { trackingId: items[1].trackId, status: 'RESPONDED', channel: 'EMAIL' });
    expect(wrongChannel.statusCode).toBe(400);
    expect(wrongChannel.json().errors[0].field).toBe('channel');

    // Pages of one, newest first, filters.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { trackingId: string; status: string }[]; nextCursor: string | null } = (await t.call(tenant, 'GET', `${url}?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.items.map((r: { trackingId: string; status: string }) => `${r.trackingId}:${r.status}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([`${items[2].trackId}:RESPONDED`, `${items[1].trackId}:SEND`, `${items[0].trackId}:RESPONDED`]);
    expect((await t.call(tenant, 'GET', `${url}?status=SEND`)).json().items).toHaveLength(1);
    expect((await t.call(tenant, 'GET', `${url}?channel=EMAIL`)).json().items).toHaveLength(0);
    expect((await t.call(tenant, 'GET', `${url}?channel=FAX`)).statusCode).toBe(400);
    expect(await mailMetrics(tenant, run.campaignId)).toEqual({ sent: 1, responded: 2, responseRate: 200 });
  });

  it('computes every channel of a mixed campaign: ledger SENT for email, rate with two decimals', async () => {
    const tenant = newTenant();
    const { seedContacts, readyCampaign, setStatus } = await import('../engine/helpers.js');
    await seedContacts(t.db.pool, tenant, 3, (i) => (i === 2 ? { email: null } : {}));
    const id = await readyCampaign(t, tenant, { channels: ['email', 'mail'], batchSize: 100 });
    await setStatus(t, tenant, id, 'RUNNING');
    for (let i = 0; i < 5; i++) if ((await t.app.execution.dispatcher.runBatch(tenant, id)).result !== 'dispatched') break;
    const emails = (await t.call(tenant, 'GET', `/campaigns/${id}/dispatches?channel=EMAIL&status=SENT`)).json().items;
    expect(emails).toHaveLength(2);
    await t.call(tenant, 'POST', `/campaigns/${id}/responses`, { trackingId: emails[0].trackingId, status: 'RESPONDED', channel: 'EMAIL' });
    const m = (await t.call(tenant, 'GET', `/campaigns/${id}/metrics`)).json();
    expect(m.channels.EMAIL).toEqual({ targeted: 3, sent: 2, failed: 0, skipped: 1, pending: 0, uncertain: 0, responded: 1, responseRate: 50 });
    expect(m.channels.MAIL).toMatchObject({ targeted: 3, sent: 0, readyForPrint: 3, responded: 0, responseRate: 0 });
    expect(m.total).toMatchObject({ targeted: 6, sent: 2, skipped: 1, responded: 1, responseRate: 50 });

    const letters = (await readPrintBatch(t, tenant, id)).items;
    for (const l of letters) await markSent(tenant, id, l.trackId);
    await scan(t, letters[0].scanUrl, { ua: HUMAN_UA });
    expect(await mailMetrics(tenant, id)).toEqual({ sent: 3, responded: 1, responseRate: 33.33 });
  });

  it("hides a tenant's responses and metrics from another tenant", async () => {
    const a = newTenant('a');
    const b = newTenant('b');
    const run = await runMailCampaign(t, a, 1);
    const [item] = (await readPrintBatch(t, a, run.campaignId)).items;
    await scan(t, item.scanUrl);
    for (const [method, url, body] of [
      ['GET', `/campaigns/${run.campaignId}/responses`, undefined],
      ['POST', `/campaigns/${run.campaignId}/responses`, { trackingId: item.trackId, status: 'RESPONDED' }],
      ['POST', `/campaigns/${run.campaignId}/mails/${item.trackId}/status`, { status: 'SEND' }],
      ['GET', `/campaigns/${run.campaignId}/mails/metrics`, undefined],
      ['GET', `/campaigns/${run.campaignId}/metrics`, undefined],
    ] as const) {
      expect((await t.call(b, method, url, body)).statusCode, `${method} ${url}`).toBe(404);
    }
    const mine = (await t.call(a, 'GET', `/campaigns/${run.campaignId}/responses`)).json().items;
    expect(mine).toHaveLength(1);
    expect(mine[0].eventCount).toBe(1);
  });
});
