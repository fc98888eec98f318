import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/http/auth.js';
import { APP_ROLE } from '../../src/db/pool.js';
import { buildTestApp, newTenant, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { sampleBodies } from './sample-bodies.js';

// Tenant isolation and authentication. Every route with a campaign id is discovered from the
// OpenAPI document, so a route added later is covered (or fails here until it has a body).

let t: TestApp;
let a: string;
let b: string;
let campaignA: string;
beforeAll(async () => {
  t = await buildTestApp();
  a = newTenant('a');
  b = newTenant('b');
  campaignA = (await t.call(a, 'POST', '/campaigns', { title: 'A only', email: true })).json().id;
});
afterAll(async () => t.close());

describe('tenant isolation', () => {
  it("answers 404 to tenant B on every route for tenant A's campaign", async () => {
    const doc = (await t.app.http.inject({ method: 'GET', url: '/openapi.json' })).json();
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/campaigns/{id}'))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => [m.toUpperCase(), path] as const));
    expect(routes.length).toBeGreaterThan(10);
    for (const [method, path] of routes) {
      const key = `${method} ${path}`;
      const body = sampleBodies[key];
      expect(body, `add a sample body for ${key} in sample-bodies.ts`).not.toBeUndefined();
      const url = path.replace('{id}', campaignA).replace(/\{(\w+)\}/g, '00000000-0000-4000-8000-000000000000');
      const res = await t.call(b, method, url, method === 'GET' || method === 'DELETE' ? undefined : body);
      expect(res.statusCode, `${key}: ${res.body}`).toBe(404);
    }
    // ...and tenant A still has it, untouched.
    const mine = await t.call(a, 'GET', `/campaigns/${campaignA}`);
    expect(mine.json()).toMatchObject({ title: 'A only', version: 1 });
    expect((await t.call(b, 'GET', '/campaigns')).json().items).toEqual([]);
  });

  it('a query without a tenant setting sees no rows, even for a superuser login', async () => {
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      const total = await client.query('SELECT count(*)::int AS n FROM campaigns');
      expect(total.rows[0].n).toBeGreaterThan(0); // the login itself can see them...
      await client.query('BEGIN');
      await client.query(`SET LOCAL ROLE ${APP_ROLE}`);
      const none = await client.query('SELECT count(*)::int AS n FROM campaigns');
      expect(none.rows[0].n).toBe(0); // ...the application role cannot without a tenant
      await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [a]);
      const own = await client.query('SELECT count(*)::int AS n FROM campaigns');
      expect(own.rows[0].n).toBe(1);
      await expect(
        client.query(`INSERT INTO campaigns (tenant_id, title) VALUES ($1, 'sneaky')`, [b]),
      ).rejects.toThrow(/row-level security/);
      await client.query('ROLLBACK');
      const role = await client.query(`SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = $1`, [APP_ROLE]);
      expect(role.rows[0]).toEqual({ rolbypassrls: false, rolsuper: false });
    } finally {
      await client.end();
    }
  });
});

describe('authentication', () => {
  const get = (authorization?: string) =>
    t.app.http.inject({ method: 'GET', url: '/campaigns', headers: authorization ? { authorization } : {} });

  it.each([
    ['no header', undefined],
    ['not bearer', 'Basic abc'],
    ['garbage token', 'Bearer abc.def.ghi'],
  ])('%s -> 401 problem+json', async (_n, header) => {
    const res = await get(header);
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('rejects expired, wrongly signed and tenant-less tokens', async () => {
    const expired = await signToken(TEST_SECRET, { tenantId: a, exp: Math.floor(Date.now() / 1000) - 60 });
    expect((await get(`Bearer ${expired}`)).json().detail).toMatch(/expired/);
    const forged = await signToken('another-secret-that-is-long-enough-00000', { tenantId: a });
    expect((await get(`Bearer ${forged}`)).statusCode).toBe(401);
    const noTenant = await signToken(TEST_SECRET, { sub: 'x' });
    expect((await get(`Bearer ${noTenant}`)).json().detail).toMatch(/tenantId/);
    const good = await signToken(TEST_SECRET, { tenantId: a });
    expect((await get(`Bearer ${good}`)).statusCode).toBe(200);
  });

  it('leaves health checks public', async () => {
    expect((await t.app.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await t.app.http.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'ready' });
  });
});
