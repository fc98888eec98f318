import type { Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/db/migrate.js';
import { signToken } from '../../src/http/auth.js';
import { newTenant, TEST_SECRET } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { freePort, listening, startService, waitFor, type ServiceProcess } from '../helpers/process.js';
import { buildEngineApp, ledgerStatuses, readyCampaign, seedContacts } from '../engine/helpers.js';

// The service as processes on one external database (DATABASE_URL): an invalid configuration,
// two instances starting at the same moment on an empty database, and the two roles.

let db: TestDatabase;
let dataDir: string;
const running: ServiceProcess[] = [];
beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'startup-instances-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
});
afterAll(async () => {
  await db.drop();
  await rm(dataDir, { recursive: true, force: true });
});

function start(env: Record<string, string>): ServiceProcess {
  const s = startService({
    DATABASE_URL: db.url,
    AUTH_JWT_SECRET: TEST_SECRET,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    CAMPAIGN_EXECUTION_INTERVAL: '0.2',
    WORKER_POLL_INTERVAL: '100',
    ...env,
  });
  running.push(s);
  return s;
}

async function api(port: number, tenant: string, method: string, url: string, body?: unknown) {
  const token = await signToken(TEST_SECRET, { tenantId: tenant }, { expiresIn: '1h' });
  const res = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('configuration', () => {
  it('an invalid configuration prints one message listing every problem and exits non-zero', async () => {
    const secret = 'ThisIsMyRealProductionSecret123';
    const s = startService({ PORT: 'abc', ROLE: 'boss', AUTH_JWT_SECRET: secret, CONTACTS_DEFAULT_REGION: 'ZZ', DATA_DIR: dataDir });
    expect((await s.exited).code).toBe(2);
    const err = s.stderr();
    expect(err.match(/Invalid configuration/g)).toHaveLength(1);
    const problems = err.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4).split(':')[0]);
    expect(problems.sort()).toEqual(['AUTH_JWT_SECRET', 'CONTACTS_DEFAULT_REGION', 'PORT', 'ROLE']);
    expect(err).toContain('"boss"');
    expect(err).toContain('AUTH_JWT_SECRET: must be at least 32 characters (got 31 characters)');
    expect(err).not.toContain(secret);
    expect(s.stdout()).toBe(''); // nothing started
  });
});

describe('a database that refuses the login', () => {
  it('says so in one line naming DATABASE_URL, with no stack trace, and exits 1', async () => {
    const url = new URL(db.url);
    url.username = 'no_such_role';
    url.password = 'not-the-password';
    const s = startService({ DATABASE_URL: url.toString(), AUTH_JWT_SECRET: TEST_SECRET, DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect((await s.exited).code).toBe(1);
    const err = s.stderr();
    expect(err).toMatch(/^start-up failed: PostgreSQL refused the connection: .*no_such_role.* \(SQLSTATE 28(P01|000)\): check the user, password and database name in DATABASE_URL\n$/);
    expect(err).not.toContain('not-the-password');
  }, 30_000);
});

describe('a DATABASE_URL that is not a PostgreSQL server', () => {
  // Closed politely (FIN: "Connection terminated") or reset (RST: ECONNRESET): the same answer.
  it.each([
    ['closes', (socket: Socket) => socket.end()],
    ['resets', (socket: Socket) => socket.resetAndDestroy()],
  ])('a port that accepts and %s the connection: one plain line, exit 1', async (_how, drop) => {
    const { createServer } = await import('node:net');
    const dropper = createServer(drop);
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', r));
    const port = (dropper.address() as { port: number }).port;
    try {
      const s = startService({ DATABASE_URL: `postgres://u:secret-pw@127.0.0.1:${port}/x`, AUTH_JWT_SECRET: TEST_SECRET, DATA_DIR: dataDir });
      expect((await s.exited).code).toBe(1);
      expect(s.stderr()).toBe('start-up failed: PostgreSQL closed the connection before answering: check that DATABASE_URL names a PostgreSQL server (host and port)\n');
    } finally {
      dropper.close();
    }
  }, 30_000);
});

describe('several instances on one database', () => {
  it('two instances started at the same moment on an empty database both come up, and migrate once', async () => {
    const ports = [await freePort(), await freePort()];
    const [a, b] = ports.map((p) => start({ PORT: String(p) }));
    await Promise.all([a, b].map((s) => s.waitForOutput(/listening on/)));
    for (const p of ports) expect((await fetch(`http://127.0.0.1:${p}/readyz`)).status).toBe(200);
    // With DATABASE_URL nothing is started or generated in DATA_DIR.
    expect(a.stdout() + b.stdout()).not.toContain('embedded PostgreSQL');
    expect(existsSync(path.join(dataDir, 'pg')) || existsSync(path.join(dataDir, 'jwt-secret'))).toBe(false);

    // Every migration applied exactly once, by one instance or the other.
    const known = (await loadMigrations()).map((m) => m.version);
    const { rows } = await db.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(known);
    const applied = (a.stdout() + b.stdout()).match(/applied migration \d{3}_/g) ?? [];
    expect(applied).toHaveLength(known.length);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM graphile_worker.migrations')).rows[0].n).toBeGreaterThan(0);

    // One database behind both: what one instance writes, the other reads.
    const tenant = newTenant();
    const created = await api(ports[0], tenant, 'POST', '/campaigns', { title: 'Seen by both' });
    expect(created.status).toBe(201);
    expect((await api(ports[1], tenant, 'GET', `/campaigns/${created.body.id}`)).body.title).toBe('Seen by both');

    expect(await a.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await b.stop('SIGINT')).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('ROLE=api serves HTTP and runs no job; ROLE=worker runs the jobs and serves no HTTP', async () => {
    const tenant = newTenant();
    const setup = await buildEngineApp({ db }); // in-process, no job runner: seeds the campaign
    await seedContacts(db.pool, tenant, 20);
    const id = await readyCampaign(setup, tenant, { channels: ['email'] });
    await setup.app.close();

    const [apiPort, unusedHealthPort] = [await freePort(), await freePort()];
    // One environment for every role: the worker's HEALTH_PORT is ignored here, and said so once.
    const apiOnly = start({ ROLE: 'api', PORT: String(apiPort), HEALTH_PORT: String(unusedHealthPort) });
    await apiOnly.waitForOutput(/campaign engine \(api\) listening/);
    const warnings = apiOnly.stdout().split('\n').filter((l) => l.includes('HEALTH_PORT'));
    expect(warnings.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/^HEALTH_PORT is ignored with ROLE=api: it is for ROLE=worker only/) }),
    ]);
    expect(await listening(unusedHealthPort)).toBe(false);
    expect((await api(apiPort, tenant, 'PUT', `/campaigns/${id}/status`, { status: 'RUNNING' })).status).toBe(200);
    // Many batch intervals (0.2 s) pass: the batch job is due but nobody takes it.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await ledgerStatuses(db.pool, tenant, id)).toEqual({ PENDING: 20 });
    const job = await db.pool.query(
      `SELECT attempts, locked_at, run_at <= now() AS due FROM graphile_worker.jobs WHERE key = $1`,
      [`campaign-batch:${tenant}:${id}`],
    );
    expect(job.rows).toEqual([{ attempts: 0, locked_at: null, due: true }]);

    const workerPort = await freePort();
    const worker = start({ ROLE: 'worker', PORT: String(workerPort) });
    await worker.waitForOutput(/running as a worker/);
    const done = await waitFor(
      'completion',
      async () => (await api(apiPort, tenant, 'GET', `/campaigns/${id}/progress`)).body,
      (p) => p.campaignStatus === 'COMPLETED',
      30_000,
    );
    expect(done.overall).toMatchObject({ total: 20, sent: 20 });
    expect(await listening(workerPort)).toBe(false);
    expect(worker.stdout()).not.toContain('listening on');
    expect(await worker.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await apiOnly.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 60_000);
  it('ROLE=worker with HEALTH_PORT answers /healthz, /readyz and /metrics there, and no API route', async () => {
    const [port, healthPort] = [await freePort(), await freePort()];
    const worker = start({ ROLE: 'worker', PORT: String(port), HEALTH_PORT: String(healthPort), METRICS_TOKEN: 'scrape-me' });
    await worker.waitForOutput(/running as a worker .*\/healthz, \/readyz and \/metrics on http:\/\/127\.0\.0\.1:\d+/);
    const at = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${healthPort}${p}`, init);
    expect(await (await at('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await at('/readyz');
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    expect((await at('/metrics')).status).toBe(401);
    const metrics = await at('/metrics', { headers: { authorization: 'Bearer scrape-me' } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^campaign_engine_batches_total \d+$/m);
    // The API is not there, whatever the token: a worker pod exposes no tenant data.
    const token = await signToken(TEST_SECRET, { tenantId: newTenant() }, { expiresIn: '1h' });
    const campaigns = await at('/campaigns', { headers: { authorization: `Bearer ${token}` } });
    expect(campaigns.status).toBe(404);
    expect(campaigns.headers.get('content-type')).toContain('application/problem+json');
    expect((await campaigns.json()).detail).toContain('ROLE=api or all');
    expect(await listening(port)).toBe(false);
    expect(await worker.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await listening(healthPort)).toBe(false);
  }, 60_000);
});
