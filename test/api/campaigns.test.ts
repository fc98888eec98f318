import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';

// The campaign API end to end through the HTTP layer on a real database.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const TEMPLATE_ID = '11111111-2222-4333-8444-555555555555';

async function createReady(tenant: string, title = 'Spring offer') {
  const res = await t.call(tenant, 'POST', '/campaigns', { title, email: true, call: true });
  expect(res.statusCode).toBe(201);
  const id = res.json().id as string;
  expect((await t.call(tenant, 'PUT', `/campaigns/${id}/emails`, { templateId: TEMPLATE_ID, sourceEmail: 'news@example.com', templateData: { offer: 'X1' } })).statusCode).toBe(200);
  expect((await t.call(tenant, 'PUT', `/campaigns/${id}/calls`, { callHandlerConfig: { type: 'AI', lang: 'en' }, script: 'Hello', sourcePhone: '+4915112345678' })).statusCode).toBe(200);
  expect((await t.call(tenant, 'PUT', `/campaigns/${id}/targets`, { contactType: 'CUSTOMER', contactTags: [' VIP ', 'vip', 'Gold'] })).statusCode).toBe(200);
  return id;
}

const schedule = {
  startOn: '2030-01-07',
  endOn: '2030-02-07',
  operationalStartTime: '09:00',
  operationalEndTime: '17:00',
  timeZone: 'Europe/Berlin',
  operationFrequency: 'WEEKDAYS',
};

describe('campaign CRUD', () => {
  it('creates, reads with an ETag, and lists with a cursor', async () => {
    const tenant = newTenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.call(tenant, 'POST', '/campaigns', { title: `C${i}`, description: 'd', whatsapp: true });
      expect(res.statusCode).toBe(201);
      expect(res.headers.location).toBe(`/campaigns/${res.json().id}`);
      expect(res.json()).toMatchObject({ title: `C${i}`, campaignStatus: 'DRAFT', whatsapp: true, email: false, version: 1 });
      ids.push(res.json().id);
    }
    const one = await t.call(tenant, 'GET', `/campaigns/${ids[2]}`);
    expect(one.statusCode).toBe(200);
    expect(one.headers.etag).toBe('"1"');
    expect(one.json()).toMatchObject({ id: ids[2], title: 'C2', schedule: null });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.call(tenant, 'GET', `/campaigns?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((c: { id: string }) => c.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by status and rejects a bad cursor or limit with a field error', async () => {
    const tenant = newTenant();
    const id = await createReady(tenant);
    await t.call(tenant, 'POST', '/campaigns', { title: 'draft only' });
    expect((await t.call(tenant, 'PUT', `/campaigns/${id}/status`, { status: 'RUNNING' })).statusCode).toBe(200);
    const running = (await t.call(tenant, 'GET', '/campaigns?status=RUNNING')).json();
    expect(running.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const bad = await t.call(tenant, 'GET', '/campaigns?cursor=nonsense');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([{ field: 'cursor', message: 'invalid cursor' }]);
    const big = await t.call(tenant, 'GET', '/campaigns?limit=201');
    expect(big.statusCode).toBe(400);
    expect(big.json().errors[0].field).toBe('limit');
  });

  it('updates with If-Match and answers 412 when stale', async () => {
    const tenant = newTenant();
    const id = (await t.call(tenant, 'POST', '/campaigns', { title: 'v1' })).json().id;
    const ok = await t.call(tenant, 'PUT', `/campaigns/${id}`, { title: 'v2', mail: true }, { 'if-match': '"1"' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ title: 'v2', mail: true, version: 2 });
    expect(ok.headers.etag).toBe('"2"');
    const stale = await t.call(tenant, 'PUT', `/campaigns/${id}`, { title: 'v3' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');
    expect((await t.call(tenant, 'GET', `/campaigns/${id}`)).json().title).toBe('v2');
  });

  it('deletes, but not while RUNNING', async () => {
    const tenant = newTenant();
    const id = await createReady(tenant);
    await t.call(tenant, 'PUT', `/campaigns/${id}/status`, { status: 'RUNNING' });
    const del = await t.call(tenant, 'DELETE', `/campaigns/${id}`);
    expect(del.statusCode).toBe(409);
    expect(del.json().campaignStatus).toBe('RUNNING');
    await t.call(tenant, 'PUT', `/campaigns/${id}/status`, { status: 'PAUSED' });
    expect((await t.call(tenant, 'DELETE', `/campaigns/${id}`)).statusCode).toBe(204);
    expect((await t.call(tenant, 'GET', `/campaigns/${id}`)).statusCode).toBe(404);
  });

  it('stores channel configs, targets and schedules in the description field names', async () => {
    const tenant = newTenant();
    const id = await createReady(tenant);
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/emails`)).json()).toEqual({
      templateId: TEMPLATE_ID,
      sourceEmail: 'news@example.com',
      templateData: { offer: 'X1' },
      attachment: null,
    });
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/calls`)).json()).toEqual({
      callHandlerConfig: { type: 'AI', lang: 'en' },
      script: 'Hello',
      sourcePhone: '+4915112345678',
    });
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/targets`)).json()).toEqual({
      minAge: null,
      maxAge: null,
      contactTags: ['vip', 'gold'],
      tagMatch: 'ANY',
      genders: [],
      contactType: ['CUSTOMER'],
    });
    const s = await t.call(tenant, 'POST', `/campaigns/${id}/schedule`, { ...schedule, timeZone: 'europe/berlin' });
    expect(s.statusCode).toBe(200);
    expect(s.json()).toEqual({ ...schedule, operationalDays: [] });
    expect((await t.call(tenant, 'GET', `/campaigns/${id}`)).json().schedule.timeZone).toBe('Europe/Berlin');
    expect((await t.call(tenant, 'PUT', `/campaigns/${id}/mails`, { subject: 'S', message: 'M', responseUrl: 'https://x.example/r?a=1' })).json()).toEqual({
      subject: 'S',
      message: 'M',
      responseUrl: 'https://x.example/r?a=1',
      landingUrl: null,
      attachment: null,
    });
  });

  it('PUT of a channel config replaces it: a field left out is cleared, whatever its kind', async () => {
    const tenant = newTenant();
    const id = await createReady(tenant);
    const email = await t.call(tenant, 'PUT', `/campaigns/${id}/emails`, { templateId: TEMPLATE_ID });
    expect(email.json()).toEqual({ templateId: TEMPLATE_ID, sourceEmail: null, templateData: {}, attachment: null });
    const call = await t.call(tenant, 'PUT', `/campaigns/${id}/calls`, { script: 'Bye' });
    expect(call.json()).toEqual({ callHandlerConfig: {}, script: 'Bye', sourcePhone: null });
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/calls`)).json()).toEqual(call.json());
    // What GET answers can be sent back as it is: the read-only attachment field is ignored.
    const read = (await t.call(tenant, 'GET', `/campaigns/${id}/emails`)).json();
    const back = await t.call(tenant, 'PUT', `/campaigns/${id}/emails`, { ...read, sourceEmail: 'news@example.com' });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json()).toEqual({ ...read, sourceEmail: 'news@example.com' });
  });
});
