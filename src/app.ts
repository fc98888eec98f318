import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { systemClock, type Clock } from './lib/clock.js';
import { prepareSchema } from './db/migrate.js';
import type { Pool } from './db/pool.js';
import { makeAuthenticator } from './http/auth.js';
import { makeHttpServer } from './http/server.js';
import { healthRoutes } from './http/routes/health.js';
import { campaignRoutes } from './http/routes/campaigns.js';
import { campaignPartRoutes } from './http/routes/campaign-parts.js';
import { makeCampaignService } from './domain/campaigns/service.js';
import { makeJobPlanner } from './jobs/planner.js';
import { makeObjectStore } from './storage/make-store.js';
import { makeAttachmentService, makeChannelAttachmentEditor, sweepOrphanAttachments } from './domain/attachments/index.js';
import { attachmentRoutes } from './http/routes/attachments.js';
import { CHANNEL_IDS, type Channel, type ChannelAdapter, type ChannelRegistry } from './channels/channel.js';
import { makeSinkAdapter } from './channels/sink.js';
import { makeExecution, type Execution } from './domain/execution/index.js';
import { makeWorker } from './jobs/worker.js';
import { dispatchRoutes } from './http/routes/dispatches.js';
import { rateLimitRoutes } from './http/routes/rate-limits.js';
import { campaignScheduleRoutes } from './http/routes/campaign-schedule.js';
import { outboxRoutes } from './http/routes/outbox.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { makeContactNormalizer } from './domain/contacts/index.js';
import { makePgContactDirectory } from './domain/contacts/store.js';
import { makeContactImporter } from './domain/contacts/importer.js';
import { makeAudiencePreview } from './domain/contacts/audience-preview.js';
import { contactRoutes } from './http/routes/contacts.js';
import { contactImportRoutes } from './http/routes/contacts-imports.js';
import { targetsPreviewRoutes } from './http/routes/targets-preview.js';
import { makeMailAdapter } from './channels/mail/adapter.js';
import { makeQrPngEncoder } from './channels/mail/qr-png.js';
import { makeQrWorkerPool } from './channels/mail/qr-pool.js';
import { makeMailSettingsLoader } from './domain/mail/settings.js';
import { makeMailPrint } from './domain/mail/print.js';
import { makeScanService } from './domain/mail/scan.js';
import { makeResponseService } from './domain/responses/service.js';
import { makeMetrics } from './domain/responses/metrics.js';
import { mailRoutes } from './http/routes/mail.js';
import { responseRoutes } from './http/routes/responses.js';
import { scanRoutes } from './http/routes/scan.js';
import { campaignMetricsRoutes } from './http/routes/metrics-campaign.js';
import { makeProviders } from './channels/providers.js';
import { makeTemplateService } from './domain/templates/service.js';
import { templateRoutes } from './http/routes/templates.js';
import { settingsRoutes } from './http/routes/settings.js';
import { webhookRoutes } from './http/routes/webhooks.js';
import { unsubscribeRoutes } from './http/routes/unsubscribe.js';

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
  /** Run the job queue in this instance (main.ts: ROLE worker or all). Off by default for tests. */
  runJobs?: boolean;
  /** Replaces channel adapters (tests); the rest stay the local sinks. */
  channels?: Partial<ChannelRegistry>;
}

export interface App {
  http: FastifyInstance;
  execution: Execution;
  /** True from the moment close() begins: readiness probes answer 503 while work drains. */
  isShuttingDown(): boolean;
  close(): Promise<void>;
}

/** Applies the job queue's schema and ours; safe to run from several instances at once. */
export async function prepareDatabase(pool: Pool, log: (m: string) => void = () => {}): Promise<void> {
  await prepareSchema(pool, log);
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
  // checkParts: templates of real providers must exist before a campaign leaves DRAFT.
  const campaigns = makeCampaignService({
    pool,
    clock,
    planner,
    checkParts: (...a) => real.checkParts(...a),
    defaultSender: async (tenantId) => (await real.settings.resolve(tenantId, 'email')).values.from,
  });

  // Channel adapters: the local sinks, until a real provider replaces one here, e.g.
  // `EMAIL: makeSmtpAdapter({...})`. The engine only ever sees this registry.
  const sink = (ch: Channel): ChannelAdapter => makeSinkAdapter(ch, { pool, mode: config.channelSink });
  // Physical mail: "sending" a letter makes it ready for print (QR codes drawn on worker
  // threads, started on first use, when the print batch is read).
  const qrOptions = { errorCorrectionLevel: config.mail.qrErrorCorrection };
  const qrPool = makeQrWorkerPool({ size: config.mail.qrWorkerThreads || undefined, qr: qrOptions });
  const mailSettings = makeMailSettingsLoader({ pool, publicBaseUrl: config.publicBaseUrl });
  // EMAIL / WHATSAPP / CALL: SMTP, Cloud API, call service or Twilio, chosen per tenant or globally.
  const real = makeProviders({
    pool,
    channels: config.channels,
    publicBaseUrl: config.publicBaseUrl,
    channelSink: config.channelSink,
    sink,
    attachments: () => attachments,
  });
  const providers: Partial<ChannelRegistry> = {
    ...real.adapters,
    MAIL: makeMailAdapter({ qr: makeQrPngEncoder(qrOptions), loadSettings: (c) => mailSettings(c.tenantId, c.campaignId) }),
  };
  const channels = Object.fromEntries(CHANNEL_IDS.map((ch) => [ch, deps.channels?.[ch] ?? providers[ch] ?? sink(ch)])) as ChannelRegistry;
  const execution = makeExecution({
    pool,
    clock,
    campaigns,
    channels,
    settings: { ...config.execution },
    isStopping: () => shuttingDown,
  });

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
  await http.register(dispatchRoutes({ ledger: execution.ledger }));
  await http.register(rateLimitRoutes({ ledger: execution.ledger }));
  await http.register(campaignScheduleRoutes({ lifecycle: execution.lifecycle }));
  await http.register(outboxRoutes({ pool }));
  await http.register(metricsRoutes({ pool, token: config.metricsToken }));
  // Contacts live in PostgreSQL here; an external contact service would replace the directory.
  const contactDirectory = makePgContactDirectory({ pool });
  const { defaultRegion, importMaxBytes } = config.contacts;
  const contactNormalizer = makeContactNormalizer({ defaultRegion: defaultRegion as 'US', clock });
  const contactImporter = makeContactImporter({ pool, directory: contactDirectory, clock, defaultRegion, maxBytes: importMaxBytes });
  await http.register(contactRoutes({ directory: contactDirectory, normalizer: contactNormalizer }));
  await http.register(contactImportRoutes({ importer: contactImporter, maxBytes: importMaxBytes }));
  await http.register(targetsPreviewRoutes({ preview: makeAudiencePreview({ pool, clock, directory: contactDirectory }) }));
  const responses = makeResponseService({ pool });
  const campaignMetrics = makeMetrics({ pool });
  const print = makeMailPrint({ pool, qr: qrPool, loadSettings: mailSettings, attachments, log: (err, msg) => http.log.error({ err }, msg) });
  await http.register(mailRoutes({ print, responses, metrics: campaignMetrics }));
  await http.register(responseRoutes({ responses }));
  await http.register(campaignMetricsRoutes({ metrics: campaignMetrics }));
  const scanLimits = { ratePerMinute: config.mail.scanRatePerMinute, trustProxy: config.mail.scanTrustProxy };
  await http.register(templateRoutes({ templates: makeTemplateService({ pool, publicBaseUrl: config.publicBaseUrl }) }));
  await http.register(settingsRoutes({ settings: real.settings }));
  await http.register(webhookRoutes({ whatsapp: real.whatsappInbound, calls: real.callInbound }));
  await http.register(unsubscribeRoutes({ unsubscribe: real.unsubscribe, attachments, signer: real.signer }));
  await http.register(scanRoutes({ scan: makeScanService({ pool }), ...scanLimits }));
  await http.ready();

  const worker = deps.runJobs
    ? makeWorker({
        pool,
        concurrency: config.execution.workerConcurrency,
        pollIntervalMs: config.execution.workerPollIntervalMs,
        ...execution,
        sweepAttachments: () => sweepOrphanAttachments({ pool, store, log: http.log }),
        log: (level, msg) => (level === 'error' ? http.log.error(msg) : http.log.warn(msg)),
      })
    : undefined;
  await worker?.start();

  return {
    http,
    execution,
    isShuttingDown: () => shuttingDown,
    async close() {
      // Stop taking work; a batch in flight stops between contacts and hands its claimed rows
      // back (PENDING), then plans its next firing for whichever instance is still running.
      shuttingDown = true;
      await worker?.stop();
      await http.close();
      await qrPool.close();
      real.close();
    },
  };
}
