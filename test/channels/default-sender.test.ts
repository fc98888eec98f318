import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../fakes/smtp-sink.js';
import { campaignWith, createTemplate, insertContacts, runToCompletion } from './helpers.js';

// An email campaign may leave out sourceEmail only when its provider has a default sender:
// EMAIL_FROM for the global provider, or `from` in the tenant's own email settings. Without one,
// leaving DRAFT answers 422 naming email.sourceEmail.

const TEMPLATE = { kind: 'EMAIL', name: 'Hello', subject: 'Hi {{ contact.firstName }}', html: '<p>Hello {{ contact.firstName }}</p>', text: 'Hello {{ contact.firstName }}' };

describe('the default sender', () => {
  let sink: SmtpSink;
  let withFrom: TestApp;
  let without: TestApp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    withFrom = await buildTestApp({
      env: { EMAIL_TRANSPORT: 'smtp', SMTP_URL: sink.url, EMAIL_FROM: 'Acme Offers <offers@acme.test>', RATE_LIMIT_EMAIL: '0' },
    });
    without = await buildTestApp({ db: withFrom.db });
  });
  afterAll(async () => {
    await without?.app.close();
    await withFrom?.close();
    await sink?.close();
  });

  it('without one, a campaign without sourceEmail cannot start: 422 names email.sourceEmail', async () => {
    const tenant = newTenant();
    const templateId = await createTemplate(without, tenant, TEMPLATE);
    const id = await campaignWith(without, tenant, 'email', { templateId });
    const r = await without.call(tenant, 'PUT', `/campaigns/${id}/status`, { status: 'RUNNING' });
    expect(r.statusCode).toBe(422);
    expect(r.json().errors.map((e: { field: string }) => e.field)).toEqual(['email.sourceEmail']);
    expect((await without.call(tenant, 'GET', `/campaigns/${id}`)).json().campaignStatus).toBe('DRAFT');
  });

  it('with EMAIL_FROM, the campaign runs and its messages come from that address', async () => {
    const tenant = newTenant();
    await insertContacts(withFrom.db.pool, tenant, [{ firstName: 'Ana', email: 'ana@example.test' }]);
    const templateId = await createTemplate(withFrom, tenant, TEMPLATE);
    const id = await campaignWith(withFrom, tenant, 'email', { templateId });
    expect((await runToCompletion(withFrom, tenant, id)).result).toBe('completed');
    const [msg] = await sink.waitFor(1);
    expect(msg.envelope.from).toBe('offers@acme.test');
    expect(msg.parsed.from?.value).toEqual([{ address: 'offers@acme.test', name: 'Acme Offers' }]);
    expect(msg.parsed.subject).toBe('Hi Ana');
  });

  it("a tenant's own `from` setting counts as its default sender", async () => {
    const tenant = newTenant();
    const set = await without.call(tenant, 'PUT', '/settings/channels/email', { transport: 'sink', from: 'team@tenant.test' });
    expect(set.statusCode).toBe(200);
    const templateId = await createTemplate(without, tenant, TEMPLATE);
    const id = await campaignWith(without, tenant, 'email', { templateId });
    const r = await without.call(tenant, 'PUT', `/campaigns/${id}/status`, { status: 'RUNNING' });
    expect(r.statusCode).toBe(200);
    expect(r.json().campaignStatus).toBe('RUNNING');
  });
});
