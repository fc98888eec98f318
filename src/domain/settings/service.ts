import { withTenant, type Pool } from '../../db/pool.js';
import { getChannelSettings, putChannelSettings, type SettingsChannel } from '../../db/queries/channel-settings.js';
import type { ChannelsConfig } from '../../config.js';
import { AppError } from '../../lib/errors.js';
import { decryptSecret, encryptSecret } from './crypto.js';

// Per-tenant provider settings: which transport a tenant's channel uses and its credentials.
// Plain values live in `settings`, secrets sealed with SETTINGS_ENCRYPTION_KEY in `secrets`;
// the API never returns a secret (a set one reads "********"). Adapters call `resolve` once per
// batch: the tenant's row when there is one, else the global configuration.

export type SettingsChannelName = 'email' | 'whatsapp' | 'call';
export const SETTINGS_CHANNELS: readonly SettingsChannelName[] = ['email', 'whatsapp', 'call'];
const DB_CHANNEL: Record<SettingsChannelName, SettingsChannel> = { email: 'EMAIL', whatsapp: 'WHATSAPP', call: 'CALL' };

interface Spec {
  transports: readonly string[];
  plain: readonly string[];
  secret: readonly string[];
  required: Record<string, readonly string[]>;
}

export const SETTINGS_SPEC: Record<SettingsChannelName, Spec> = {
  email: {
    transports: ['sink', 'smtp', 'http'],
    plain: ['from', 'httpUrl'],
    secret: ['smtpUrl', 'httpApiKey'],
    required: { smtp: ['smtpUrl'], http: ['httpUrl', 'httpApiKey'] },
  },
  whatsapp: {
    transports: ['sink', 'cloud-api'],
    plain: ['apiBaseUrl', 'phoneNumberId', 'verifyToken'],
    secret: ['accessToken', 'appSecret'],
    required: { 'cloud-api': ['phoneNumberId', 'accessToken', 'appSecret'] },
  },
  call: {
    transports: ['sink', 'http', 'twilio'],
    plain: ['callServiceUrl', 'twilioAccountSid', 'twilioApiBaseUrl'],
    secret: ['callServiceApiKey', 'twilioAuthToken'],
    required: { http: ['callServiceUrl', 'callServiceApiKey'], twilio: ['twilioAccountSid', 'twilioAuthToken'] },
  },
};

export const MASK = '********';

/** What an adapter uses: the transport and every value by its settings name. */
export interface ResolvedSettings {
  source: 'tenant' | 'global';
  transport: string;
  values: Readonly<Record<string, string | undefined>>;
  /** Identifies this account and version of the settings (for caches of provider clients). */
  cacheKey: string;
}

export function globalSettings(channels: ChannelsConfig, ch: SettingsChannelName): ResolvedSettings {
  const c = channels;
  const values: Record<SettingsChannelName, Record<string, string | undefined>> = {
    email: { smtpUrl: c.email.smtpUrl, from: c.email.from, httpUrl: c.email.httpUrl, httpApiKey: c.email.httpApiKey },
    whatsapp: {
      apiBaseUrl: c.whatsapp.apiBaseUrl,
      phoneNumberId: c.whatsapp.phoneNumberId,
      accessToken: c.whatsapp.accessToken,
      appSecret: c.whatsapp.appSecret,
      verifyToken: c.whatsapp.verifyToken,
    },
    call: {
      callServiceUrl: c.call.serviceUrl,
      callServiceApiKey: c.call.serviceApiKey,
      twilioAccountSid: c.call.twilioAccountSid,
      twilioAuthToken: c.call.twilioAuthToken,
      twilioApiBaseUrl: c.call.twilioApiBaseUrl,
    },
  };
  return { source: 'global', transport: c[ch].transport, values: values[ch], cacheKey: `global:${ch}` };
}

export interface SettingsView {
  channel: SettingsChannelName;
  source: 'tenant' | 'global';
  transport: string;
  updatedAt: string | null;
  [field: string]: unknown;
}

export function makeChannelSettings(deps: { pool: Pool; channels: ChannelsConfig }) {
  const { pool, channels } = deps;
  const key = channels.settingsEncryptionKey;
  const aad = (tenantId: string, ch: SettingsChannelName) => `${tenantId}:${DB_CHANNEL[ch]}`;

  function openSecrets(tenantId: string, ch: SettingsChannelName, sealed: string | null): Record<string, string> {
    if (!sealed) return {};
    if (!key) throw new AppError('unavailable', 'SETTINGS_ENCRYPTION_KEY is not configured; stored provider secrets cannot be read');
    try {
      return JSON.parse(decryptSecret(key, sealed, aad(tenantId, ch))) as Record<string, string>;
    } catch (e) {
      throw new AppError('unavailable', 'stored provider secrets cannot be decrypted with the configured SETTINGS_ENCRYPTION_KEY', { cause: e });
    }
  }

  function view(ch: SettingsChannelName, row: { transport: string; settings: Record<string, unknown>; secretNames: string[]; updatedAt: Date }): SettingsView {
    const spec = SETTINGS_SPEC[ch];
    const out: SettingsView = { channel: ch, source: 'tenant', transport: row.transport, updatedAt: row.updatedAt.toISOString() };
    for (const p of spec.plain) out[p] = (row.settings[p] as string | undefined) ?? null;
    for (const s of spec.secret) out[s] = row.secretNames.includes(s) ? MASK : null;
    return out;
  }

  return {
    async get(tenantId: string, ch: SettingsChannelName): Promise<SettingsView> {
      const row = await withTenant(pool, tenantId, (tx) => getChannelSettings(tx, tenantId, DB_CHANNEL[ch]));
      if (!row) return { channel: ch, source: 'global', transport: channels[ch].transport, updatedAt: null };
      const secretNames = Object.keys(openSecrets(tenantId, ch, row.secrets));
      return view(ch, { transport: row.transport, settings: row.settings, secretNames, updatedAt: row.updated_at });
    },

    /**
     * Replaces the tenant's settings. A secret field that is absent (or "********") keeps its
     * stored value, null clears it, a string replaces it. Every missing required field is listed.
     */
    async put(tenantId: string, ch: SettingsChannelName, body: Record<string, unknown>): Promise<SettingsView> {
      const spec = SETTINGS_SPEC[ch];
      const transport = String(body.transport);
      return withTenant(pool, tenantId, async (tx) => {
        const current = await getChannelSettings(tx, tenantId, DB_CHANNEL[ch]);
        const secrets = current ? openSecrets(tenantId, ch, current.secrets) : {};
        let secretsChanged = false;
        for (const s of spec.secret) {
          const v = body[s];
          if (v === undefined || v === MASK) continue;
          secretsChanged = true;
          if (v === null || v === '') delete secrets[s];
          else secrets[s] = String(v);
        }
        const settings: Record<string, string> = {};
        for (const p of spec.plain) if (typeof body[p] === 'string' && body[p] !== '') settings[p] = body[p] as string;
        const missing = (spec.required[transport] ?? []).filter((f) => !(settings[f] ?? secrets[f]));
        if (missing.length > 0) {
          throw new AppError('validation', `transport ${transport} needs ${missing.join(', ')}`, {
            fields: missing.map((f) => ({ field: f, message: `required when transport is ${transport}` })),
          });
        }
        const hasSecrets = Object.keys(secrets).length > 0;
        if (hasSecrets && !key && secretsChanged) {
          throw new AppError('unavailable', 'SETTINGS_ENCRYPTION_KEY is not configured: provider secrets cannot be stored');
        }
        const sealed = hasSecrets ? (secretsChanged ? encryptSecret(key!, JSON.stringify(secrets), aad(tenantId, ch)) : current!.secrets) : null;
        const row = await putChannelSettings(tx, tenantId, DB_CHANNEL[ch], { transport, settings, secrets: sealed });
        return view(ch, { transport, settings, secretNames: Object.keys(secrets), updatedAt: row.updated_at });
      });
    },

    /** The settings in force for a tenant's channel (adapters, webhooks). */
    async resolve(tenantId: string, ch: SettingsChannelName): Promise<ResolvedSettings> {
      const row = await withTenant(pool, tenantId, (tx) => getChannelSettings(tx, tenantId, DB_CHANNEL[ch]));
      if (!row) return globalSettings(channels, ch);
      const global = globalSettings(channels, ch).values;
      const values: Record<string, string | undefined> = { ...(row.settings as Record<string, string>), ...openSecrets(tenantId, ch, row.secrets) };
      // Defaults that are not account-specific come from the global configuration.
      if (ch === 'whatsapp') values.apiBaseUrl ??= global.apiBaseUrl;
      if (ch === 'call') values.twilioApiBaseUrl ??= global.twilioApiBaseUrl;
      if (ch === 'email') values.from ??= global.from;
      return { source: 'tenant', transport: row.transport, values, cacheKey: `tenant:${tenantId}:${ch}:${row.updated_at.getTime()}` };
    },
  };
}

export type ChannelSettings = ReturnType<typeof makeChannelSettings>;
