import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type App } from '../../src/app.js';
import { makePool, type Pool } from '../../src/db/pool.js';
import { testConfig } from '../helpers/app.js';
import { freePort } from '../helpers/process.js';

// /healthz says the process answers; /readyz says it can reach its database, so a load
// balancer stops sending traffic to an instance that lost it (the process itself stays up).

let pool: Pool;
let app: App;
beforeAll(async () => {
  // Nothing listens on this port: the database is unreachable from the start.
  pool = makePool(`postgres://nobody@127.0.0.1:${await freePort()}/none`, { max: 1 });
  app = await makeApp({ config: testConfig(), pool, logger: false });
});
afterAll(async () => {
  await app.close();
  await pool.end();
});

describe('health checks without a database', () => {
  it('/healthz answers 200 and /readyz 503 without the cause, both without a token', async () => {
    const health = await app.http.inject({ method: 'GET', url: '/healthz' });
    expect([health.statusCode, health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await app.http.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    // The cause is logged, not answered: the route is public and the error names hosts and ports.
    expect(ready.json()).toEqual({ status: 'database_unreachable' });
  });
});
