import type { Queryable } from '../pool.js';
import type { CampaignStatus } from '../../domain/campaigns/status.js';

// All SQL about campaigns and their parts. Every function takes the connection first and the
// tenant id as a required parameter; row-level security is the second line of defence.

export interface CampaignRow {
  tenant_id: string;
  id: string;
  title: string;
  description: string | null;
  campaign_status: CampaignStatus;
  call: boolean;
  email: boolean;
  whatsapp: boolean;
  mail: boolean;
  execution_batch_size: number | null;
  execution_interval_seconds: string | null; // numeric comes back as text
  version: number;
  started_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  cursor_ts: string; // created_at as exact text, for keyset cursors (JS Dates drop microseconds)
}

export interface CampaignFields {
  title: string;
  description: string | null;
  call: boolean;
  email: boolean;
  whatsapp: boolean;
  mail: boolean;
  executionBatchSize: number | null;
  executionIntervalSeconds: number | null;
}

const NAMES = `tenant_id id title description campaign_status call email whatsapp mail execution_batch_size
  execution_interval_seconds version started_at completed_at created_at updated_at`.split(/\s+/);
/** The selected columns, qualified with a table alias when the statement joins. */
const columns = (alias = '') => {
  const p = alias ? `${alias}.` : '';
  return [...NAMES.map((n) => p + n), `${p}created_at::text AS cursor_ts`].join(', ');
};
const COLUMNS = columns();

export async function insertCampaign(q: Queryable, tenantId: string, f: CampaignFields): Promise<CampaignRow> {
  const { rows } = await q.query<CampaignRow>(
    `INSERT INTO campaigns (tenant_id, title, description, call, email, whatsapp, mail,
       execution_batch_size, execution_interval_seconds)
     VALUES ($1::text, $2::text, $3::text, $4::bool, $5::bool, $6::bool, $7::bool, $8::int, $9::numeric)
     RETURNING ${COLUMNS}`,
    [tenantId, f.title, f.description, f.call, f.email, f.whatsapp, f.mail, f.executionBatchSize, f.executionIntervalSeconds],
  );
  return rows[0];
}

export async function getCampaign(q: Queryable, tenantId: string, id: string): Promise<CampaignRow | null> {
  const { rows } = await q.query<CampaignRow>(
    `SELECT ${COLUMNS} FROM campaigns WHERE tenant_id = $1::text AND id = $2::uuid`,
    [tenantId, id],
  );
  return rows[0] ?? null;
}

export async function listCampaigns(
  q: Queryable,
  tenantId: string,
  opts: { status?: CampaignStatus[]; limit: number; after?: { ts: string; id: string } },
): Promise<CampaignRow[]> {
  const { rows } = await q.query<CampaignRow>(
    `SELECT ${COLUMNS} FROM campaigns
     WHERE tenant_id = $1::text
       AND ($2::text[] IS NULL OR campaign_status = ANY($2::text[]))
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
     ORDER BY created_at DESC, id DESC
     LIMIT $5::int`,
    [tenantId, opts.status ?? null, opts.after?.ts ?? null, opts.after?.id ?? null, opts.limit],
  );
  return rows;
}

/**
 * Claims the right to edit: bumps the version (and optionally replaces the fields) only while
 * the campaign is in an editable status and, when given, at the expected version. The row lock
 * it takes serialises the edit against a concurrent status change. null = nothing matched.
 */
export async function lockForEdit(
  q: Queryable,
  tenantId: string,
  id: string,
  opts: { editable: readonly CampaignStatus[]; expectedVersion: number | null; fields?: CampaignFields },
): Promise<CampaignRow | null> {
  const f = opts.fields;
  const { rows } = await q.query<CampaignRow>(
    `UPDATE campaigns SET version = version + 1, updated_at = now()
       ${f ? `, title = $5::text, description = $6::text, call = $7::bool, email = $8::bool,
          whatsapp = $9::bool, mail = $10::bool, execution_batch_size = $11::int,
          execution_interval_seconds = $12::numeric` : ''}
     WHERE tenant_id = $1::text AND id = $2::uuid AND campaign_status = ANY($3::text[])
       AND ($4::int IS NULL OR version = $4::int)
     RETURNING ${COLUMNS}`,
    [
      tenantId,
      id,
      opts.editable,
      opts.expectedVersion,
      ...(f
        ? [f.title, f.description, f.call, f.email, f.whatsapp, f.mail, f.executionBatchSize, f.executionIntervalSeconds]
        : []),
    ],
  );
  return rows[0] ?? null;
}

/**
 * The status machine's single write: moves to `to` only from one of `from`. Returns the row
 * and the status it left, or null when the campaign was not in an allowed status (or absent).
 */
export async function transitionStatus(
  q: Queryable,
  tenantId: string,
  id: string,
  to: CampaignStatus,
  from: readonly CampaignStatus[],
): Promise<{ row: CampaignRow; previous: CampaignStatus } | null> {
  const { rows } = await q.query<CampaignRow & { previous: CampaignStatus }>(
    `UPDATE campaigns c SET campaign_status = $3::text, version = c.version + 1, updated_at = now(),
       started_at = CASE WHEN $3::text = 'RUNNING' THEN coalesce(c.started_at, now()) ELSE c.started_at END,
       completed_at = CASE WHEN $3::text = 'COMPLETED' THEN now() ELSE c.completed_at END
     FROM (SELECT id, campaign_status FROM campaigns
           WHERE tenant_id = $1::text AND id = $2::uuid FOR UPDATE) old
     WHERE c.id = old.id AND old.campaign_status = ANY($4::text[])
     RETURNING ${columns('c')},
       old.campaign_status AS previous`,
    [tenantId, id, to, from],
  );
  if (!rows[0]) return null;
  const { previous, ...row } = rows[0];
  return { row: row as CampaignRow, previous };
}

export async function deleteCampaign(
  q: Queryable,
  tenantId: string,
  id: string,
  deletable: readonly CampaignStatus[],
): Promise<CampaignRow | null> {
  const { rows } = await q.query<CampaignRow>(
    `DELETE FROM campaigns WHERE tenant_id = $1::text AND id = $2::uuid AND campaign_status = ANY($3::text[])
     RETURNING ${COLUMNS}`,
    [tenantId, id, deletable],
  );
  return rows[0] ?? null;
}
