import type { Queryable } from '../pool.js';

// SQL for the parts of a campaign: schedule, target, and the four channel configs.

export interface ScheduleRow {
  start_on: string;
  end_on: string | null;
  operational_start_time: string | null; // 'HH:MM:SS'
  operational_end_time: string | null;
  time_zone: string;
  operational_days: string[];
  operation_frequency: string;
}

export interface TargetRow {
  min_age: number | null;
  max_age: number | null;
  contact_tags: string[];
  tag_match: 'ANY' | 'ALL';
  genders: string[];
  contact_type: string[];
}

export async function getSchedule(q: Queryable, tenantId: string, campaignId: string): Promise<ScheduleRow | null> {
  const { rows } = await q.query<ScheduleRow>(
    `SELECT start_on, end_on, operational_start_time::text, operational_end_time::text, time_zone,
            operational_days, operation_frequency
     FROM campaign_schedules WHERE tenant_id = $1::text AND campaign_id = $2::uuid`,
    [tenantId, campaignId],
  );
  return rows[0] ?? null;
}

export async function upsertSchedule(q: Queryable, tenantId: string, campaignId: string, s: ScheduleRow): Promise<void> {
  await q.query(
    `INSERT INTO campaign_schedules (tenant_id, campaign_id, start_on, end_on, operational_start_time,
       operational_end_time, time_zone, operational_days, operation_frequency)
     VALUES ($1::text, $2::uuid, $3::date, $4::date, $5::time, $6::time, $7::text, $8::text[], $9::text)
     ON CONFLICT (campaign_id) DO UPDATE SET start_on = EXCLUDED.start_on, end_on = EXCLUDED.end_on,
       operational_start_time = EXCLUDED.operational_start_time,
       operational_end_time = EXCLUDED.operational_end_time, time_zone = EXCLUDED.time_zone,
       operational_days = EXCLUDED.operational_days, operation_frequency = EXCLUDED.operation_frequency`,
    [
      tenantId,
      campaignId,
      s.start_on,
      s.end_on,
      s.operational_start_time,
      s.operational_end_time,
      s.time_zone,
      s.operational_days,
      s.operation_frequency,
    ],
  );
}

export async function getTarget(q: Queryable, tenantId: string, campaignId: string): Promise<TargetRow | null> {
  const { rows } = await q.query<TargetRow>(
    `SELECT min_age, max_age, contact_tags, tag_match, genders, contact_type
     FROM campaign_targets WHERE tenant_id = $1::text AND campaign_id = $2::uuid`,
    [tenantId, campaignId],
  );
  return rows[0] ?? null;
}

export async function upsertTarget(q: Queryable, tenantId: string, campaignId: string, t: TargetRow): Promise<void> {
  await q.query(
    `INSERT INTO campaign_targets (tenant_id, campaign_id, min_age, max_age, contact_tags, tag_match, genders, contact_type)
     VALUES ($1::text, $2::uuid, $3::int, $4::int, $5::text[], $6::text, $7::text[], $8::text[])
     ON CONFLICT (campaign_id) DO UPDATE SET min_age = EXCLUDED.min_age, max_age = EXCLUDED.max_age,
       contact_tags = EXCLUDED.contact_tags, tag_match = EXCLUDED.tag_match, genders = EXCLUDED.genders,
       contact_type = EXCLUDED.contact_type`,
    [tenantId, campaignId, t.min_age, t.max_age, t.contact_tags, t.tag_match, t.genders, t.contact_type],
  );
}

/**
 * Channel configs: one table per channel with its own columns. The table and column names
 * come from this fixed map, never from a request, so composing them into SQL is safe.
 */
export const CHANNEL_TABLES = {
  call: { table: 'call_campaigns', columns: { call_handler_config: 'jsonb', script: 'text', source_phone: 'text' } },
  email: {
    table: 'email_campaigns',
    columns: { template_id: 'uuid', source_email: 'text', template_data: 'jsonb', attachment_id: 'uuid' },
  },
  whatsapp: { table: 'whatsapp_campaigns', columns: { template_id: 'uuid', template_data: 'jsonb', attachment_id: 'uuid' } },
  mail: {
    table: 'mail_campaigns',
    columns: { subject: 'text', message: 'text', response_url: 'text', landing_url: 'text', attachment_id: 'uuid' },
  },
} as const;

export type ChannelKey = keyof typeof CHANNEL_TABLES;
export type ChannelConfigRow = Record<string, unknown>;

export async function getChannelConfig(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  channel: ChannelKey,
): Promise<ChannelConfigRow | null> {
  const { table, columns } = CHANNEL_TABLES[channel];
  const { rows } = await q.query(
    `SELECT ${Object.keys(columns).join(', ')} FROM ${table} WHERE tenant_id = $1::text AND campaign_id = $2::uuid`,
    [tenantId, campaignId],
  );
  return rows[0] ?? null;
}

/** Writes the given columns (absent keys keep their stored value on update, NULL on insert). */
export async function upsertChannelConfig(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  channel: ChannelKey,
  values: ChannelConfigRow,
): Promise<void> {
  const { table, columns } = CHANNEL_TABLES[channel];
  const names = Object.keys(values).filter((k) => k in columns) as (keyof typeof columns)[];
  const casts = names.map((n, i) => `$${i + 3}::${columns[n]}`);
  const params = names.map((n) => (columns[n] === 'jsonb' && values[n] != null ? JSON.stringify(values[n]) : values[n]));
  const updates = names.map((n) => `${String(n)} = EXCLUDED.${String(n)}`);
  await q.query(
    `INSERT INTO ${table} (tenant_id, campaign_id${names.map((n) => `, ${String(n)}`).join('')})
     VALUES ($1::text, $2::uuid${casts.map((c) => `, ${c}`).join('')})
     ON CONFLICT (campaign_id) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`,
    [tenantId, campaignId, ...params],
  );
}
