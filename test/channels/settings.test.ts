import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/pool.js';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../fakes/smtp-sink.js';
import { startWhatsAppCloudFake, type WhatsAppCloudFake } from '../fakes/whatsapp-cloud.js';
import { campaignWith, createTemplate, insertContacts, ledger, runToCompletion } from './helpers.js';

// Per-tenant provider settings (secrets sealed at rest, never returned, actually used by the
// adapters) and rate limits per provider account (a shared global account keeps its rate
// whatever the number of tenants on it).

const KEY = 'ab'.repeat(32);
const EMAIL_TEMPLATE = { kind: 'EMAIL', name: 'T', subject: 'Hi {{ contact.firstName }}', html: '<p>{{ contact.firstName }}</p>' };

async function storedRow(t: TestApp, tenant: string, channel: string) {
  return withTenant(t.db.pool, tenant, async (tx) => {
    const { rows } = await tx.query<{ transport: string; settings: Record<string, unknown>; secrets: string | null }>(
      'SELECT transport, settings, secrets FROM channel_settings WHERE tenant_id = $1 AND channel = $2',
      [tenant, channel],
    );
    return rows[0];
  });
}

describe('per-tenant channel settings', () => {
  let globalSink: SmtpSink;
  let ownSink: SmtpSink;
  let t: TestApp;
  const a = newTenant('set');
  const b = newTenant('set');

  beforeAll(async () => {
    globalSink = await startSmtpSink();
    ownSink = await startSmtpSink({ auth: { user: 'mailer', pass: 'S3cr3t-pass' } });
    t = await buildTestApp({
      env: { EMAIL_TRANSPORT: 'smtp', SMTP_URL: globalSink.url, EMAIL_FROM: 'global@acme.test', SETTINGS_ENCRYPTION_KEY: KEY, RATE_LIMIT_EMAIL: '0' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await globalSink?.close();
    await ownSink?.close();
  });

  it('shows the global provider until a tenant stores its own; secrets are masked and sealed at rest', async () => {
    expect((await t.call(a, 'GET', '/settings/channels/email')).json()).toEqual({ channel: 'email', source: 'global', transport: 'smtp', updatedAt: null });

    const smtpUrl = ownSink.url.replace('smtp://', 'smtp://mailer:S3cr3t-pass@');
    const put = await t.call(a, 'PUT', '/settings/channels/email', { transport: 'smtp', smtpUrl, from: 'news@tenant-a.test' });
    expect(put.statusCode).toBe(200);
    const view = put.json();
    expect(view).toMatchObject({ channel: 'email', source: 'tenant', transport: 'smtp', from: 'news@tenant-a.test', smtpUrl: '********', httpUrl: null, httpApiKey: null });
    expect(JSON.stringify(view)).not.toContain('S3cr3t');
    const got = (await t.call(a, 'GET', '/settings/channels/email')).json();
    expect(got).toEqual(view);
    expect(JSON.stringify(got)).not.toContain('S3cr3t');

    const row = await storedRow(t, a, 'EMAIL');
    expect(row.transport).toBe('smtp');
    expect(row.settings).toEqual({ from: 'news@tenant-a.test' });
    expect(row.secrets).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(row.secrets).not.toContain('S3cr3t');
    expect(Buffer.from(row.secrets!.slice(3), 'base64url').toString('latin1')).not.toContain('S3cr3t');

    // Tenant B still sees the global provider.
    expect((await t.call(b, 'GET', '/settings/channels/email')).json().source).toBe('global');
  });

  it('keeps a secret sent back as ******** or left out; the adapters send with it', async () => {
    const again = await t.call(a, 'PUT', '/settings/channels/email', { transport: 'smtp', smtpUrl: '********', from: 'news@tenant-a.test' });
    expect(again.statusCode).toBe(200);
    expect(again.json().smtpUrl).toBe('********');

    for (const [tenant, n] of [[a, 3], [b, 2]] as const) {
      await insertContacts(t.db.pool, tenant, Array.from({ length: n }, (_, i) => ({ firstName: `${tenant}-${i}`, email: `${i}@${tenant}.test` })));
      const templateId = await createTemplate(t, tenant, EMAIL_TEMPLATE);
      const id = await campaignWith(t, tenant, 'email', { templateId, sourceEmail: `news@${tenant}.test` });
      expect((await runToCompletion(t, tenant, id)).result).toBe('completed');
    }
    // A's own SMTP server got A's three messages, with its credentials (smtp-server saw the login).
    expect(ownSink.messages.map((m) => m.envelope.to[0]).sort()).toEqual([`0@${a}.test`, `1@${a}.test`, `2@${a}.test`]);
    expect(ownSink.messages.map((m) => m.user)).toEqual(['mailer', 'mailer', 'mailer']);
    expect(ownSink.messages.map((m) => m.envelope.from)).toEqual([`news@${a}.test`, `news@${a}.test`, `news@${a}.test`]);
    expect(globalSink.messages.map((m) => m.envelope.to[0]).sort()).toEqual([`0@${b}.test`, `1@${b}.test`]);
  });

  it('lists every field a transport still needs, and refuses a malformed one', async () => {
    const missing = await t.call(a, 'PUT', '/settings/channels/email', { transport: 'http', httpUrl: 'https://mail.example.test/send' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual([{ field: 'httpApiKey', message: 'required when transport is http' }]);
    const wa = await t.call(a, 'PUT', '/settings/channels/whatsapp', { transport: 'cloud-api' });
    expect(wa.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['accessToken', 'appSecret', 'phoneNumberId']);
    const bad = await t.call(a, 'PUT', '/settings/channels/call', { transport: 'twilio', twilioAccountSid: 'nope', twilioAuthToken: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('twilioAccountSid');
    // Unchanged after the refusals.
    expect((await t.call(a, 'GET', '/settings/channels/email')).json().transport).toBe('smtp');
  });

  it('masks WhatsApp and call secrets; a null clears one', async () => {
    const wa = await t.call(a, 'PUT', '/settings/channels/whatsapp', {
      transport: 'cloud-api',
      phoneNumberId: '1234567890',
      accessToken: 'EAAG-secret-token',
      appSecret: 'app-secret-value',
      verifyToken: 'tenant-verify-token',
    });
    expect(wa.statusCode).toBe(200);
    expect(wa.json()).toMatchObject({ accessToken: '********', appSecret: '********', phoneNumberId: '1234567890', verifyToken: 'tenant-verify-token' });
    expect(JSON.stringify(wa.json())).not.toMatch(/EAAG|app-secret-value/);
    // The tenant's own verify token answers the subscription handshake.
    const hs = await t.app.http.inject({ method: 'GET', url: '/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=tenant-verify-token&hub.challenge=42' });
    expect([hs.statusCode, hs.body]).toEqual([200, '42']);

    const call = await t.call(a, 'PUT', '/settings/channels/call', { transport: 'http', callServiceUrl: 'https://calls.example.test', callServiceApiKey: 'k-123' });
    expect(call.json()).toMatchObject({ transport: 'http', callServiceUrl: 'https://calls.example.test', callServiceApiKey: '********', twilioAuthToken: null });
    const back = await t.call(a, 'PUT', '/settings/channels/call', { transport: 'sink', callServiceApiKey: null });
    expect(back.json()).toMatchObject({ transport: 'sink', callServiceApiKey: null });
    expect((await storedRow(t, a, 'CALL')).secrets).toBeNull();
  });
});

describe('per-tenant settings without SETTINGS_ENCRYPTION_KEY', () => {
  it('refuses to store a secret (503) and stores nothing', async () => {
    const t = await buildTestApp();
    try {
      const tenant = newTenant('nokey');
      const res = await t.call(tenant, 'PUT', '/settings/channels/email', { transport: 'smtp', smtpUrl: 'smtp://u:p@127.0.0.1:2525' });
      expect(res.statusCode).toBe(503);
      expect(await storedRow(t, tenant, 'EMAIL')).toBeUndefined();
      // Settings without secrets are fine.
      expect((await t.call(tenant, 'PUT', '/settings/channels/email', { transport: 'sink', from: 'x@y.test' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('rate limits per provider account', () => {
  let fake: WhatsAppCloudFake;
  let t: TestApp;

  beforeAll(async () => {
    fake = await startWhatsAppCloudFake({ accessToken: 'tok' });
    t = await buildTestApp({
      env: {
        WHATSAPP_TRANSPORT: 'cloud-api',
        WHATSAPP_API_BASE_URL: fake.url,
        WHATSAPP_ACCESS_TOKEN: 'tok',
        WHATSAPP_PHONE_NUMBER_ID: '555000111',
        WHATSAPP_APP_SECRET: 'secret',
        WHATSAPP_VERIFY_TOKEN: 'verify-me-please',
        RATE_LIMIT_WHATSAPP: '2',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('defaults: WhatsApp 80/s, calls 1/s, email 100/s (RATE_LIMIT_EMAIL)', async () => {
    const d = await buildTestApp();
    try {
      expect(d.config.execution.rateLimits).toMatchObject({ WHATSAPP: 80, CALL: 1, EMAIL: 100 });
      const tenant = newTenant('rl');
      expect((await d.call(tenant, 'GET', '/settings/rate-limits/WHATSAPP')).json()).toMatchObject({ perSecond: 80 });
    } finally {
      await d.close();
    }
    expect((await buildTestApp({ env: { RATE_LIMIT_EMAIL: '7' } }).then(async (x) => (await x.close(), x.config))).execution.rateLimits.EMAIL).toBe(7);
  });

  it('two tenants on the global account share its rate (2/s) instead of getting 2/s each', async () => {
    const tenants = [newTenant('rla'), newTenant('rlb')];
    const campaigns: Array<[string, string]> = [];
    for (const [k, tenant] of tenants.entries()) {
      await insertContacts(t.db.pool, tenant, Array.from({ length: 4 }, (_, i) => ({ firstName: `N${i}`, phone: `+49160${k}00000${i}` })));
      const templateId = await createTemplate(t, tenant, {
        kind: 'WHATSAPP',
        name: 'x',
        whatsapp: { name: 'hello', language: 'en', components: [{ type: 'body', parameters: [{ type: 'text', source: 'contact.firstName' }] }] },
      });
      campaigns.push([tenant, await campaignWith(t, tenant, 'whatsapp', { templateId })]);
    }
    const started = Date.now();
    await Promise.all(campaigns.map(([tenant, id]) => runToCompletion(t, tenant, id, 30_000)));
    const at = fake.requests.map((r) => r.at).sort((x, y) => x - y);
    expect(at).toHaveLength(8);
    // A full bucket holds one second's worth (2); eight messages need six more tokens at 2/s.
    expect(at[7] - at[0]).toBeGreaterThanOrEqual(2500);
    // Any five consecutive requests span at least a second, across both tenants.
    for (let i = 0; i + 4 < at.length; i++) expect(at[i + 4] - at[i], `requests ${i}..${i + 4}`).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(20_000);
    for (const [tenant, id] of campaigns) expect((await ledger(t.db.pool, tenant, id)).every((r) => r.status === 'SENT')).toBe(true);
    const { rows } = await t.db.pool.query<{ account: string }>('SELECT account FROM provider_rate_buckets ORDER BY account');
    expect(rows.map((r) => r.account)).toEqual(['global:WHATSAPP']);
  });
});
