import type { FastifyInstance } from 'fastify';
import { runMigrations } from 'graphile-worker';
import type { Config } from './config.js';
import { systemClock, type Clock } from './lib/clock.js';
import { migrate } from './db/migrate.js';
import type { Pool } from './db/pool.js';
import { makeAuthenticator } from './http/auth.js';
import { makeHttpServer } from './http/server.js';
import { healthRoutes } from './http/routes/health.js';
import { campaignRoutes } from './http/routes/campaigns.js';
import { campaignPartRoutes } from './http/routes/campaign-parts.js';
import { makeCampaignService } from './domain/campaigns/service.js';
import { makeJobPlanner } from './jobs/planner.js';
import { makeObjectStore } from './storage/make-store.js';
import { makeAttachmentService, makeChannelAttachmentEditor } from './domain/attachments/index.js';
import { attachmentRoutes } from './http/routes/attachments.js';

// The composition root: the only module that knows the concrete implementations. Everything
// is built here from explicit dependencies, so a test can build two independent apps side by
// side (two "pods") on one database.

export const VERSION = '0.1.0';

export interface AppDeps {
  config: Readonly<Config>;
  pool: Pool;
  jwtSecret?: string; // resolved by main.ts (generated in DATA_DIR for the embedded default)
  clock?: Clock;
  logger?: boolean | Record<string, unknown>;
}

export interface App {
  http: FastifyInstance;
  close(): Promise<void>;
}

/** Applies the job queue's schema and ours; safe to run from several instances at once. */
export async function prepareDatabase(pool: Pool, log: (m: string) => void = () => {}): Promise<void> {
  await runMigrations({ pgPool: pool, logger: undefined });
  await migrate(pool, log);
}

export async function makeApp(deps: AppDeps): Promise<App> {
  const { config, pool } = deps;
  const clock = deps.clock ?? systemClock;
  let shuttingDown = false;

  const authenticator = makeAuthenticator({
    jwtSecret: config.auth.jwtSecret ?? deps.jwtSecret,
    jwksUrl: config.auth.jwksUrl,
    tenantClaim: config.auth.tenantClaim,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
  const planner = makeJobPlanner();
  const campaigns = makeCampaignService({ pool, clock, planner });

  const http = await makeHttpServer({
    authenticator,
    bodyLimit: config.bodyLimitBytes,
    logger: deps.logger ?? { level: config.logLevel, redact: ['req.headers.authorization'] },
    version: VERSION,
  });
  await http.register(healthRoutes({ pool, isShuttingDown: () => shuttingDown }));
  await http.register(campaignRoutes({ campaigns }));
  const store = makeObjectStore({
    driver: config.storage.driver,
    dir: config.storage.dir,
    s3: config.storage.s3 && { ...config.storage.s3, log: http.log },
  });
  const attachments = makeAttachmentService({ pool, store, maxBytes: config.storage.attachmentMaxBytes, log: http.log });
  const attachmentEditor = makeChannelAttachmentEditor({ attachments, campaigns });
  await http.register(campaignPartRoutes({ campaigns, attachments: { editor: attachmentEditor, maxBytes: attachments.maxBytes } }));
  await http.register(attachmentRoutes({ attachments, editor: attachmentEditor }));
  await http.ready();

  return {
    http,
    async close() {
      shuttingDown = true;
      await http.close();
    },
  };
}
