import { z } from 'zod';
import { int, optionalString } from './fields.js';

// The channel-provider part of the configuration. Its fields are spread into the one schema of
// loadConfig (config.ts), so an invalid provider setting is listed with every other problem.
// EMAIL_TRANSPORT / WHATSAPP_TRANSPORT / CALL_TRANSPORT pick the global provider of each channel
// (the local sink by default); a tenant may choose its own through /settings/channels/{channel}.

export interface ChannelsConfig {
  email: {
    transport: 'sink' | 'smtp' | 'http';
    smtpUrl: string | undefined;
    from: string | undefined;
    smtpMaxConnections: number;
    /** EMAIL_TRANSPORT=http: the HTTP email service's send endpoint and its API key (a secret). */
    httpUrl: string | undefined;
    httpApiKey: string | undefined;
  };
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

export function channelEnvShape() {
  return {
    EMAIL_TRANSPORT: z.enum(['sink', 'smtp', 'http']).default('sink'),
    SMTP_URL: optionalString,
    SMTP_MAX_CONNECTIONS: int(5, 1, 100),
    EMAIL_FROM: optionalString,
    EMAIL_HTTP_URL: optionalString.pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional()),
    EMAIL_HTTP_API_KEY: optionalString,
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

export function channelProblems(e: ChannelEnv): string[] {
  const problems: string[] = [];
  const need = (names: (keyof ChannelEnv)[], why: string) => {
    for (const n of names) if (!e[n]) problems.push(`${n}: required when ${why}`);
  };
  if (e.EMAIL_TRANSPORT === 'http') need(['EMAIL_HTTP_URL', 'EMAIL_HTTP_API_KEY'], 'EMAIL_TRANSPORT is http');
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

export function channelsConfig(e: ChannelEnv): ChannelsConfig {
  return Object.freeze({
    email: Object.freeze({
      transport: e.EMAIL_TRANSPORT,
      smtpUrl: e.SMTP_URL,
      from: e.EMAIL_FROM,
      smtpMaxConnections: e.SMTP_MAX_CONNECTIONS,
      httpUrl: e.EMAIL_HTTP_URL,
      httpApiKey: e.EMAIL_HTTP_API_KEY,
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
