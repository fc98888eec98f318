import path from 'node:path';
import { z } from 'zod';
import { bool, int, optionalString } from './config/fields.js';
import { channelEnvShape, channelProblems, channelsConfig, type ChannelsConfig } from './config/channels.js';
import { shownValue } from './config/redact.js';
import { isKnownRegion, REGION_RULE } from './domain/contacts/email-phone.js';

export type { ChannelsConfig } from './config/channels.js';

// The only reader of process.env. Every variable is parsed once at start-up into a frozen,
// typed object; an invalid configuration lists every problem at once instead of failing on
// the first, so an operator fixes a deployment in one round trip.

const envSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('127.0.0.1'),
  HEALTH_PORT: int(0, 0, 65535), // 0 = none
  PUBLIC_BASE_URL: optionalString.pipe(z.url().optional()),
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: int(10, 1, 200),
  DATA_DIR: z.string().default('./.data'),
  EMBEDDED_PG_PORT: int(54329, 1, 65535),
  AUTH_JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  AUTH_JWKS_URL: optionalString.pipe(z.url().optional()),
  AUTH_TENANT_CLAIM: z.string().min(1).default('tenantId'),
  AUTH_ISSUER: optionalString,
  AUTH_AUDIENCE: optionalString,
  CAMPAIGN_EXECUTION_BATCH_SIZE: int(100, 1, 10_000),
  CAMPAIGN_EXECUTION_INTERVAL: z.coerce.number().min(0).max(86_400).default(10),
  CAMPAIGN_MAX_ATTEMPTS: int(5, 1, 50),
  CAMPAIGN_SENDING_LEASE: int(300, 5, 86_400),
  CAMPAIGN_UNCERTAIN_HOLD: int(86_400, 0, 30 * 86_400),
  WORKER_CONCURRENCY: int(4, 1, 64),
  WORKER_POLL_INTERVAL: int(1000, 50, 60_000),
  RATE_LIMIT_CALL: z.coerce.number().min(0).max(1_000_000).default(1),
  RATE_LIMIT_EMAIL: z.coerce.number().min(0).max(1_000_000).default(100),
  RATE_LIMIT_WHATSAPP: z.coerce.number().min(0).max(1_000_000).default(80),
  RATE_LIMIT_MAIL: z.coerce.number().min(0).max(1_000_000).default(0),
  CHANNEL_SINK: z.enum(['outbox', 'noop']).default('outbox'),
  METRICS_TOKEN: optionalString,
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: int(1_048_576, 1024, 100 * 1_048_576),
  SHUTDOWN_TIMEOUT: int(30, 1, 600),
  PRINT_DEV_TOKEN: bool(true),
  QR_ERROR_CORRECTION: z.enum(['L', 'M', 'Q', 'H']).default('M'),
  QR_WORKER_THREADS: int(0, 0, 256),
  SCAN_RATE_PER_MINUTE: int(60, 0, 1_000_000),
  SCAN_TRUST_PROXY: bool(false),
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  STORAGE_DIR: optionalString,
  S3_ENDPOINT: optionalString.pipe(z.url().optional()),
  S3_REGION: optionalString,
  S3_BUCKET: optionalString,
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: bool(false),
  S3_CHECKSUM_WHEN_REQUIRED: bool(false),
  ATTACHMENT_MAX_BYTES: int(20 * 1_048_576, 1, 5 * 1024 * 1_048_576),
  // Checked against the phone metadata here: an unknown code used to pass and then stop the
  // start-up after the database was reached.
  CONTACTS_DEFAULT_REGION: z
    .string()
    .transform((v) => v.trim().toUpperCase())
    .refine(isKnownRegion, REGION_RULE)
    .default('US'),
  IMPORT_MAX_BYTES: int(200 * 1_048_576, 1, 50 * 1024 * 1_048_576),
  ...channelEnvShape(),
});

export type Role = 'api' | 'worker' | 'all';

export interface Config {
  port: number;
  host: string;
  /** ROLE=worker: port of its /healthz, /readyz and /metrics; undefined = no port at all */
  healthPort: number | undefined;
  publicBaseUrl: string;
  databaseUrl: string | undefined; // undefined = start the embedded server
  databasePoolSize: number;
  dataDir: string;
  embeddedPgPort: number;
  auth: {
    jwtSecret: string | undefined; // undefined in embedded mode = generated into DATA_DIR
    jwksUrl: string | undefined;
    tenantClaim: string;
    issuer: string | undefined;
    audience: string | undefined;
  };
  execution: {
    batchSize: number;
    intervalSeconds: number;
    maxAttempts: number;
    sendingLeaseSeconds: number;
    /** seconds a campaign whose only open rows are UNCERTAIN waits for the operator before completing */
    uncertainHoldSeconds: number;
    workerConcurrency: number;
    workerPollIntervalMs: number;
    /** messages per second per tenant and channel; 0 = unlimited; a tenant can override them */
    rateLimits: { CALL: number; EMAIL: number; WHATSAPP: number; MAIL: number };
  };
  /** what the local sink adapters do: record into sink_outbox, or nothing (benchmarks) */
  channelSink: 'outbox' | 'noop';
  /** bearer token /metrics requires; undefined = /metrics is public */
  metricsToken: string | undefined;
  role: Role;
  logLevel: string;
  bodyLimitBytes: number;
  shutdownTimeoutSeconds: number;
  printDevToken: boolean;
  /** Physical mail: QR codes and the public scan endpoint. */
  mail: {
    qrErrorCorrection: 'L' | 'M' | 'Q' | 'H';
    /** worker threads drawing QR codes; 0 = one per core */
    qrWorkerThreads: number;
    /** scans per minute per client address (token bucket, burst the same); 0 = unlimited */
    scanRatePerMinute: number;
    /** client address = the last X-Forwarded-For entry (set only behind your own proxy) */
    scanTrustProxy: boolean;
  };
  /** Attachment storage. `s3` is set only for the s3 driver; it holds a secret: never log it. */
  storage: {
    driver: 'local' | 's3';
    dir: string;
    s3: StorageS3Config | undefined;
    attachmentMaxBytes: number;
  };
  /** Contacts: region national phone numbers are read in; size limit of one import file. */
  contacts: { defaultRegion: string; importMaxBytes: number };
  /** Real channel providers (parsed in config/channels.ts). Holds secrets: never log it. */
  channels: ChannelsConfig;
}

export interface StorageS3Config {
  endpoint: string | undefined; // undefined = AWS itself
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  checksumWhenRequired: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Every problem of a configuration, [] when it is valid (loadConfig throws them as one error). */
export function configProblems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

type Env = z.output<typeof envSchema>;

/** Rules between variables (each variable alone already passed the schema). */
function crossProblems(e: Env): string[] {
  const problems: string[] = [];
  if (e.AUTH_JWT_SECRET && e.AUTH_JWKS_URL) {
    problems.push('AUTH_JWT_SECRET and AUTH_JWKS_URL: set one of them, not both');
  }
  // With an external database there is no DATA_DIR to keep a generated secret in safely
  // shared by every instance, so production must name its key material explicitly.
  if (e.DATABASE_URL && !e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URL) {
    problems.push('AUTH_JWT_SECRET or AUTH_JWKS_URL: required when DATABASE_URL is set');
  }
  if (e.DATABASE_URL && !/^postgres(ql)?:\/\//.test(e.DATABASE_URL)) {
    problems.push('DATABASE_URL: must start with postgres:// or postgresql://');
  } else if (e.DATABASE_URL && !URL.canParse(e.DATABASE_URL)) {
    // The driver parses it the same way, and would fail later with a bare "Invalid URL".
    problems.push('DATABASE_URL: is not a valid URL (check the host and port; percent-encode special characters in the user name and password)');
  }
  if (e.STORAGE_DRIVER === 's3') {
    for (const name of ['S3_REGION', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (!e[name]) problems.push(`${name}: required when STORAGE_DRIVER is s3`);
    }
  }
  return [...problems, ...channelProblems(e)];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  let e: Env;
  if (parsed.success) {
    e = parsed.data;
  } else {
    const bad = new Set<string>();
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      bad.add(name);
      problems.push(`${issue.path.join('.')}: ${issue.message} (got ${shownValue(name, env[name])})`);
    }
    // The rules between variables are still checked, on the others (the broken ones at their
    // defaults), so one message lists every problem; a rule about a variable already reported
    // is left out instead of being said twice.
    const rest = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([k]) => !bad.has(k))));
    if (!rest.success) throw new ConfigError(problems);
    const reported = (p: string) => [...bad].some((name) => p.startsWith(name));
    problems.push(...crossProblems(rest.data).filter((p) => !reported(p)));
    throw new ConfigError(problems);
  }
  problems.push(...crossProblems(e));
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    healthPort: e.HEALTH_PORT || undefined,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    auth: Object.freeze({
      jwtSecret: e.AUTH_JWT_SECRET,
      jwksUrl: e.AUTH_JWKS_URL,
      tenantClaim: e.AUTH_TENANT_CLAIM,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
    }),
    execution: Object.freeze({
      batchSize: e.CAMPAIGN_EXECUTION_BATCH_SIZE,
      intervalSeconds: e.CAMPAIGN_EXECUTION_INTERVAL,
      maxAttempts: e.CAMPAIGN_MAX_ATTEMPTS,
      sendingLeaseSeconds: e.CAMPAIGN_SENDING_LEASE,
      uncertainHoldSeconds: e.CAMPAIGN_UNCERTAIN_HOLD,
      workerConcurrency: e.WORKER_CONCURRENCY,
      workerPollIntervalMs: e.WORKER_POLL_INTERVAL,
      rateLimits: Object.freeze({
        CALL: e.RATE_LIMIT_CALL,
        EMAIL: e.RATE_LIMIT_EMAIL,
        WHATSAPP: e.RATE_LIMIT_WHATSAPP,
        MAIL: e.RATE_LIMIT_MAIL,
      }),
    }),
    channelSink: e.CHANNEL_SINK,
    metricsToken: e.METRICS_TOKEN,
    role: e.ROLE,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT,
    printDevToken: e.PRINT_DEV_TOKEN,
    mail: Object.freeze({
      qrErrorCorrection: e.QR_ERROR_CORRECTION,
      qrWorkerThreads: e.QR_WORKER_THREADS,
      scanRatePerMinute: e.SCAN_RATE_PER_MINUTE,
      scanTrustProxy: e.SCAN_TRUST_PROXY,
    }),
    storage: Object.freeze({
      driver: e.STORAGE_DRIVER,
      dir: path.resolve(e.STORAGE_DIR ?? path.join(dataDir, 'attachments')),
      s3:
        e.STORAGE_DRIVER === 's3'
          ? Object.freeze({
              endpoint: e.S3_ENDPOINT,
              region: e.S3_REGION as string,
              bucket: e.S3_BUCKET as string,
              accessKeyId: e.S3_ACCESS_KEY_ID as string,
              secretAccessKey: e.S3_SECRET_ACCESS_KEY as string,
              forcePathStyle: e.S3_FORCE_PATH_STYLE,
              checksumWhenRequired: e.S3_CHECKSUM_WHEN_REQUIRED,
            })
          : undefined,
      attachmentMaxBytes: e.ATTACHMENT_MAX_BYTES,
    }),
    contacts: Object.freeze({ defaultRegion: e.CONTACTS_DEFAULT_REGION, importMaxBytes: e.IMPORT_MAX_BYTES }),
    channels: channelsConfig(e),
  });
}
