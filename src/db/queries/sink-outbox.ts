import type { Queryable } from '../pool.js';

// SQL of the local sink's outbox (what the sink adapters would have sent).

export interface SinkRecord {
  dispatchId: string;
  campaignId: string;
  contactId: string;
  payload: Record<string, unknown>;
}

/**
 * Inserts the records; a dispatch already in the outbox is not inserted again. Returns how many
 * were. The sink is a development stand-in for a provider: its transaction does not wait for the
 * WAL flush (a database crash may lose a record, as a provider may lose a message).
 */
export async function insertSinkRecords(q: Queryable, tenantId: string, channel: string, records: SinkRecord[]): Promise<number> {
  await q.query(`SELECT set_config('synchronous_commit', 'off', true)`);
  const { rowCount } = await q.query(
    `INSERT INTO sink_outbox (tenant_id, dispatch_id, channel, campaign_id, contact_id, payload)
     SELECT $1::text, r.dispatch_id, $2::text, r.campaign_id, r.contact_id, r.payload
     FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::jsonb[]) AS r(dispatch_id, campaign_id, contact_id, payload)
     ON CONFLICT (dispatch_id) DO NOTHING`,
    [
      tenantId,
      channel,
      records.map((r) => r.dispatchId),
      records.map((r) => r.campaignId),
      records.map((r) => r.contactId),
      records.map((r) => JSON.stringify(r.payload)),
    ],
  );
  return rowCount ?? 0;
}

export interface SinkOutboxRow {
  id: number;
  dispatch_id: string;
  channel: string;
  campaign_id: string;
  contact_id: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

/** Keyset page, oldest first. */
export async function listSinkRecords(
  q: Queryable,
  tenantId: string,
  opts: { campaignId?: string; channel?: string; afterId?: number; limit: number },
): Promise<SinkOutboxRow[]> {
  const { rows } = await q.query<SinkOutboxRow>(
    `SELECT id, dispatch_id, channel, campaign_id, contact_id, payload, created_at
     FROM sink_outbox
     WHERE tenant_id = $1::text
       AND ($2::uuid IS NULL OR campaign_id = $2::uuid)
       AND ($3::text IS NULL OR channel = $3::text)
       AND id > coalesce($4::bigint, 0)
     ORDER BY id
     LIMIT $5::int`,
    [tenantId, opts.campaignId ?? null, opts.channel ?? null, opts.afterId ?? null, opts.limit],
  );
  return rows;
}
