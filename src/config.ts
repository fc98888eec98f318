import path from 'node:path';
import { z } from 'zod';

// The only reader of process.env. Every variable is parsed once at start-up into a frozen,
// typed object; an invalid configuration lists every problem at once instead of failing on
// the first, so an operator fixes a deployment in one round trip.

const int = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);
const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('127.0.0.1'),
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
  CONTACTS_DEFAULT_REGION: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as US or DE')
    .transform((v) => v.toUpperCase())
    .default('US'),
  IMPORT_MAX_BYTES: int(200 * 1_048_576, 1, 50 * 1024 * 1_048_576),
  ...channelEnvShape(),
});

export type Role = 'api' | 'worker' | 'all';

export interface Config {
  port: number;
  host: string;
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
  /** Real channel providers (see channelsConfig at the end of this file). Holds secrets: never log it. */
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`);
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
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
  }
  if (e.STORAGE_DRIVER === 's3') {
    for (const name of ['S3_REGION', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (!e[name]) problems.push(`${name}: required when STORAGE_DRIVER is s3`);
    }
  }
  problems.push(...channelProblems(e));
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
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

// ---- channel providers ----
// EMAIL_TRANSPORT / WHATSAPP_TRANSPORT / CALL_TRANSPORT pick the global provider of each channel
// (the local sink by default); a tenant may choose its own through /settings/channels/{channel}.

export interface ChannelsConfig {
  email: { transport: 'sink' | 'smtp'; smtpUrl: string | undefined; from: string | undefined; smtpMaxConnections: number };
  whatsapp: {
    transport: 'sink' | 'cloud-api';
    apiBaseUrl: string;
    accessToken: string | undefined;
    phoneNumberId: string | undefined;
    appSecret: string | undefined;
    verifyToken: string | undefined;
  };
  call: {
    transport: 'sink' | 'http' | 'twilio';
    serviceUrl: string | undefined;
    serviceApiKey: string | undefined;
    twilioAccountSid: string | undefined;
    twilioAuthToken: string | undefined;
    twilioApiBaseUrl: string;
  };
  /** 32-byte AES-256-GCM key for per-tenant provider secrets; undefined = tenants cannot store secrets. */
  settingsEncryptionKey: Buffer | undefined;
  /** HMAC key of public attachment links for providers; undefined = derived or per process. */
  publicLinkSecret: string | undefined;
}

function channelEnvShape() {
  return {
    // `http` is named so that choosing it gives a clear message instead of "invalid enum value".
    EMAIL_TRANSPORT: z.enum(['sink', 'smtp', 'http']).default('sink'),
    SMTP_URL: optionalString,
    SMTP_MAX_CONNECTIONS: int(5, 1, 100),
    EMAIL_FROM: optionalString,
    WHATSAPP_TRANSPORT: z.enum(['sink', 'cloud-api']).default('sink'),
    WHATSAPP_API_BASE_URL: optionalString.pipe(z.url().optional()),
    WHATSAPP_ACCESS_TOKEN: optionalString,
    WHATSAPP_PHONE_NUMBER_ID: optionalString,
    WHATSAPP_APP_SECRET: optionalString,
    WHATSAPP_VERIFY_TOKEN: optionalString,
    CALL_TRANSPORT: z.enum(['sink', 'http', 'twilio']).default('sink'),
    CALL_SERVICE_URL: optionalString.pipe(z.url().optional()),
    CALL_SERVICE_API_KEY: optionalString,
    TWILIO_ACCOUNT_SID: optionalString,
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_API_BASE_URL: optionalString.pipe(z.url().optional()),
    SETTINGS_ENCRYPTION_KEY: optionalString,
    PUBLIC_LINK_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  };
}

type ChannelEnv = z.output<z.ZodObject<ReturnType<typeof channelEnvShape>>>;

/** 32 bytes as 64 hex digits or base64; undefined when it is not. */
function decodeKey(value: string | undefined): Buffer | undefined {
  if (!value) return undefined;
  const buf = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  return buf.length === 32 ? buf : undefined;
}

function channelProblems(e: ChannelEnv): string[] {
  const problems: string[] = [];
  const need = (names: (keyof ChannelEnv)[], why: string) => {
    for (const n of names) if (!e[n]) problems.push(`${n}: required when ${why}`);
  };
  if (e.EMAIL_TRANSPORT === 'http') problems.push('EMAIL_TRANSPORT: http is not available in this version; use smtp or sink');
  if (e.EMAIL_TRANSPORT === 'smtp') {
    need(['SMTP_URL'], 'EMAIL_TRANSPORT is smtp');
    if (e.SMTP_URL && !/^smtps?:\/\//.test(e.SMTP_URL)) problems.push('SMTP_URL: must start with smtp:// or smtps://');
  }
  if (e.WHATSAPP_TRANSPORT === 'cloud-api') {
    need(['WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_PHONE_NUMBER_ID', 'WHATSAPP_APP_SECRET', 'WHATSAPP_VERIFY_TOKEN'], 'WHATSAPP_TRANSPORT is cloud-api');
  }
  if (e.CALL_TRANSPORT === 'http') need(['CALL_SERVICE_URL', 'CALL_SERVICE_API_KEY'], 'CALL_TRANSPORT is http');
  if (e.CALL_TRANSPORT === 'twilio') {
    need(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'], 'CALL_TRANSPORT is twilio');
    if (e.TWILIO_ACCOUNT_SID && !/^AC[0-9a-fA-F]{32}$/.test(e.TWILIO_ACCOUNT_SID)) {
      problems.push('TWILIO_ACCOUNT_SID: must be AC followed by 32 hex digits');
    }
  }
  if (e.SETTINGS_ENCRYPTION_KEY && !decodeKey(e.SETTINGS_ENCRYPTION_KEY)) {
    problems.push('SETTINGS_ENCRYPTION_KEY: must be 32 bytes, as 64 hex digits or base64');
  }
  return problems;
}

function channelsConfig(e: ChannelEnv): ChannelsConfig {
  return Object.freeze({
    email: Object.freeze({
      transport: e.EMAIL_TRANSPORT === 'smtp' ? 'smtp' : 'sink',
      smtpUrl: e.SMTP_URL,
      from: e.EMAIL_FROM,
      smtpMaxConnections: e.SMTP_MAX_CONNECTIONS,
    }),
    whatsapp: Object.freeze({
      transport: e.WHATSAPP_TRANSPORT,
      apiBaseUrl: e.WHATSAPP_API_BASE_URL ?? 'https://graph.facebook.com/v21.0',
      accessToken: e.WHATSAPP_ACCESS_TOKEN,
      phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID,
      appSecret: e.WHATSAPP_APP_SECRET,
      verifyToken: e.WHATSAPP_VERIFY_TOKEN,
    }),
    call: Object.freeze({
      transport: e.CALL_TRANSPORT,
      serviceUrl: e.CALL_SERVICE_URL,
      serviceApiKey: e.CALL_SERVICE_API_KEY,
      twilioAccountSid: e.TWILIO_ACCOUNT_SID,
      twilioAuthToken: e.TWILIO_AUTH_TOKEN,
      twilioApiBaseUrl: e.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
    }),
    settingsEncryptionKey: decodeKey(e.SETTINGS_ENCRYPTION_KEY),
    publicLinkSecret: e.PUBLIC_LINK_SECRET,
  }) as ChannelsConfig;
}
