import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import { makeApp, type App } from '../../src/app.js';
import { signToken } from '../../src/http/auth.js';
import type { Clock } from '../../src/lib/clock.js';
import type { ChannelRegistry } from '../../src/channels/channel.js';
import { createTestDatabase, type TestDatabase } from './db.js';

// Builds the real app (real routes, real SQL) on a fresh database and gives tests a small
// client for app.inject() with a token per tenant.

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

export interface TestApp {
  app: App;
  db: TestDatabase;
  config: Readonly<Config>;
  token(tenant: string): Promise<string>;
  /** A request as `tenant` (JSON body, bearer token). */
  call(tenant: string, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({ AUTH_JWT_SECRET: TEST_SECRET, DATA_DIR: '/tmp/campaign-test-data', LOG_LEVEL: 'silent', ...env });
}

export async function buildTestApp(
  opts: {
    env?: Record<string, string>;
    clock?: Clock;
    db?: TestDatabase;
    /** Channel adapters to use instead of the configured ones (given the test's database). */
    channels?: (db: TestDatabase) => Partial<ChannelRegistry>;
    runJobs?: boolean;
  } = {},
): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase());
  const config = testConfig(opts.env);
  const channels = opts.channels?.(db);
  const app = await makeApp({ config, pool: db.pool, clock: opts.clock, logger: false, channels, runJobs: opts.runJobs });
  const token = (tenant: string) => signToken(TEST_SECRET, { tenantId: tenant }, { expiresIn: '1h' });
  return {
    app,
    db,
    config,
    token,
    async call(tenant, method, url, body, headers = {}) {
      return app.http.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${await token(tenant)}`, ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
    },
    async close() {
      await app.close();
      if (!opts.db) await db.drop();
    },
  };
}

/** A tenant id no other test uses: tests isolate by tenant instead of truncating tables. */
export const newTenant = (prefix = 't') => `${prefix}-${randomBytes(5).toString('hex')}`;
