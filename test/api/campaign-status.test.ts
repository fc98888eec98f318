import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';

// Status transitions through HTTP: every legal move, the 409/422 answers, edit locks, and two
// status changes racing.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

async function readyCampaign(tenant: string) {
  const id = (await t.call(tenant, 'POST', '/campaigns', { title: 'Ready', mail: true })).json().id as string;
  await t.call(tenant, 'PUT', `/campaigns/${id}/mails`, { subject: 'Hi', message: 'Scan me' });
  await t.call(tenant, 'PUT', `/campaigns/${id}/targets`, { contactType: ['LEAD'] });
  await t.call(tenant, 'POST', `/campaigns/${id}/schedule`, {
    startOn: '2031-03-03',
    endOn: '2031-03-31',
    timeZone: 'UTC',
    operationFrequency: 'DAILY',
  });
  return id;
}

const move = (tenant: string, id: string, status: string) => t.call(tenant, 'PUT', `/campaigns/${id}/status`, { status });

describe('status machine over HTTP', () => {
  it('walks every legal transition', async () => {
    const tenant = newTenant();
    const id = await readyCampaign(tenant);
    const path = ['SCHEDULED', 'DRAFT', 'SCHEDULED', 'PAUSED', 'SCHEDULED', 'PAUSED', 'RUNNING', 'PAUSED', 'RUNNING', 'COMPLETED'];
    for (const status of path) {
      const res = await move(tenant, id, status);
      expect(res.statusCode, `to ${status}: ${res.body}`).toBe(200);
      expect(res.json().campaignStatus).toBe(status);
    }
    const other = await readyCampaign(tenant);
    expect((await move(tenant, other, 'RUNNING')).json().campaignStatus).toBe('RUNNING');
  });

  it('answers 409 with the current status and the allowed targets', async () => {
    const tenant = newTenant();
    const id = await readyCampaign(tenant);
    const res = await move(tenant, id, 'PAUSED');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ campaignStatus: 'DRAFT', allowed: ['SCHEDULED', 'RUNNING'] });
    await move(tenant, id, 'RUNNING');
    await move(tenant, id, 'COMPLETED');
    const final = await move(tenant, id, 'RUNNING');
    expect(final.statusCode).toBe(409);
    expect(final.json()).toMatchObject({ campaignStatus: 'COMPLETED', allowed: [] });
  });

  it('answers 422 listing every missing piece, and changes nothing', async () => {
    const tenant = newTenant();
    const id = (await t.call(tenant, 'POST', '/campaigns', { title: 'Empty' })).json().id;
    const res = await move(tenant, id, 'SCHEDULED');
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['channels', 'target', 'schedule']);
    const c2 = (await t.call(tenant, 'POST', '/campaigns', { title: 'Half', email: true, call: true })).json().id;
    await t.call(tenant, 'PUT', `/campaigns/${c2}/calls`, { script: 'hi' });
    await t.call(tenant, 'PUT', `/campaigns/${c2}/targets`, { contactType: 'X' });
    const res2 = await move(tenant, c2, 'RUNNING');
    expect(res2.statusCode).toBe(422);
    expect(res2.json().errors.map((e: { field: string }) => e.field)).toEqual(['call.sourcePhone', 'email']);
    const after = (await t.call(tenant, 'GET', `/campaigns/${c2}`)).json();
    expect(after).toMatchObject({ campaignStatus: 'DRAFT', version: 3 });
  });

  it('refuses edits in RUNNING and COMPLETED with 409, allows them in PAUSED', async () => {
    const tenant = newTenant();
    const id = await readyCampaign(tenant);
    await move(tenant, id, 'RUNNING');
    for (const [method, url, body] of [
      ['PUT', `/campaigns/${id}`, { title: 'x' }],
      ['PUT', `/campaigns/${id}/mails`, { subject: 'x' }],
      ['PUT', `/campaigns/${id}/targets`, { contactType: 'Y' }],
      ['POST', `/campaigns/${id}/schedule`, { startOn: '2031-01-01', timeZone: 'UTC', operationFrequency: 'DAILY' }],
    ] as const) {
      const res = await t.call(tenant, method, url, body);
      expect(res.statusCode, url).toBe(409);
      expect(res.json().campaignStatus).toBe('RUNNING');
    }
    await move(tenant, id, 'PAUSED');
    expect((await t.call(tenant, 'PUT', `/campaigns/${id}/mails`, { subject: 'Paused edit', message: 'm' })).statusCode).toBe(200);
  });

  it('lets exactly one of two simultaneous status changes win', async () => {
    const tenant = newTenant();
    for (let round = 0; round < 5; round++) {
      const id = await readyCampaign(tenant);
      const [a, b] = await Promise.all([move(tenant, id, 'SCHEDULED'), move(tenant, id, 'SCHEDULED')]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
      const loser = a.statusCode === 409 ? a : b;
      expect(loser.json()).toMatchObject({ campaignStatus: 'SCHEDULED' });
      await move(tenant, id, 'PAUSED');
      await move(tenant, id, 'RUNNING');
      // PAUSED and COMPLETED both leave RUNNING, and neither may follow the other.
      const [c, d] = await Promise.all([move(tenant, id, 'PAUSED'), move(tenant, id, 'COMPLETED')]);
      expect([c.statusCode, d.statusCode].sort()).toEqual([200, 409]);
      const winner = c.statusCode === 200 ? 'PAUSED' : 'COMPLETED';
      const state = (await t.call(tenant, 'GET', `/campaigns/${id}`)).json();
      expect(state.campaignStatus).toBe(winner);
      // one version bump per winning change: create 1, 3 part edits, SCHEDULED, PAUSED, RUNNING, winner
      expect(state.version).toBe(8);
    }
  });
});
