import type { Queryable } from '../pool.js';

// Per-tenant provider settings. `secrets` is ciphertext produced by src/domain/settings/crypto.ts;
// this file never sees a secret in clear.

export type SettingsChannel = 'CALL' | 'EMAIL' | 'WHATSAPP';

export interface ChannelSettingsRow {
  channel: SettingsChannel;
  transport: string;
  settings: Record<string, unknown>;
  secrets: string | null;
  updated_at: Date;
}

export async function getChannelSettings(q: Queryable, tenantId: string, channel: SettingsChannel): Promise<ChannelSettingsRow | null> {
  const { rows } = await q.query<ChannelSettingsRow>(
    `SELECT channel, transport, settings, secrets, updated_at FROM channel_settings
     WHERE tenant_id = $1::text AND channel = $2::text`,
    [tenantId, channel],
  );
  return rows[0] ?? null;
}

export async function putChannelSettings(
  q: Queryable,
  tenantId: string,
  channel: SettingsChannel,
  v: { transport: string; settings: Record<string, unknown>; secrets: string | null },
): Promise<ChannelSettingsRow> {
  const { rows } = await q.query<ChannelSettingsRow>(
    `INSERT INTO channel_settings (tenant_id, channel, transport, settings, secrets)
     VALUES ($1::text, $2::text, $3::text, $4::jsonb, $5::text)
     ON CONFLICT (tenant_id, channel) DO UPDATE SET transport = EXCLUDED.transport, settings = EXCLUDED.settings,
       secrets = EXCLUDED.secrets, updated_at = now()
     RETURNING channel, transport, settings, secrets, updated_at`,
    [tenantId, channel, v.transport, JSON.stringify(v.settings), v.secrets],
  );
  return rows[0];
}

/** Tenants whose own WhatsApp number has this id (webhooks arrive without a tenant). */
export async function tenantsOfWhatsAppNumber(q: Queryable, phoneNumberId: string): Promise<string[]> {
  const { rows } = await q.query<{ t: string }>('SELECT app_tenants_of_whatsapp_number($1::text) AS t', [phoneNumberId]);
  return rows.map((r) => r.t);
}

export async function whatsappVerifyTokenKnown(q: Queryable, token: string): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>('SELECT app_whatsapp_verify_token_known($1::text) AS ok', [token]);
  return rows[0]?.ok === true;
}
