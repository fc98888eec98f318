import type { Queryable } from '../pool.js';
import { CHANNEL_TABLES } from './campaign-parts.js';

// SQL for attachment rows and the attachment pointer of the channel configs.

export type AttachmentChannel = 'email' | 'whatsapp' | 'mail';

export interface AttachmentRow {
  id: string;
  campaign_id: string;
  channel: AttachmentChannel;
  object_key: string;
  file_name: string;
  content_type: string;
  size: number;
  sha256: string | null;
  created_at: Date;
}

export interface NewAttachment {
  id: string;
  campaignId: string;
  channel: AttachmentChannel;
  objectKey: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string | null;
}

const COLUMNS = 'id, campaign_id, channel, object_key, file_name, content_type, size, sha256, created_at';

export async function getAttachment(q: Queryable, tenantId: string, id: string): Promise<AttachmentRow | null> {
  const { rows } = await q.query<AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments WHERE tenant_id = $1::text AND id = $2::uuid`,
    [tenantId, id],
  );
  return rows[0] ?? null;
}

/** The attachment the channel config points at (FOR UPDATE when called inside an edit). */
export async function getChannelAttachment(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  channel: AttachmentChannel,
  opts: { forUpdate?: boolean } = {},
): Promise<AttachmentRow | null> {
  const { rows } = await q.query<AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments
     WHERE tenant_id = $1::text AND campaign_id = $2::uuid AND channel = $3::text
     ${opts.forUpdate ? 'FOR UPDATE' : ''}`,
    [tenantId, campaignId, channel],
  );
  return rows[0] ?? null;
}

export async function insertAttachment(q: Queryable, tenantId: string, a: NewAttachment): Promise<AttachmentRow> {
  const { rows } = await q.query<AttachmentRow>(
    `INSERT INTO attachments (tenant_id, id, campaign_id, channel, object_key, file_name, content_type, size, sha256)
     VALUES ($1::text, $2::uuid, $3::uuid, $4::text, $5::text, $6::text, $7::text, $8::bigint, $9::text)
     RETURNING ${COLUMNS}`,
    [tenantId, a.id, a.campaignId, a.channel, a.objectKey, a.fileName, a.contentType, a.size, a.sha256],
  );
  return rows[0]!;
}

/** Deletes the row; the config's pointer is cleared by its foreign key (ON DELETE SET NULL). */
export async function deleteAttachment(q: Queryable, tenantId: string, id: string): Promise<AttachmentRow | null> {
  const { rows } = await q.query<AttachmentRow>(
    `DELETE FROM attachments WHERE tenant_id = $1::text AND id = $2::uuid RETURNING ${COLUMNS}`,
    [tenantId, id],
  );
  return rows[0] ?? null;
}

/** Points the channel config at the attachment (the config row exists: the edit just wrote it). */
export async function setConfigAttachment(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  channel: AttachmentChannel,
  attachmentId: string | null,
): Promise<void> {
  // The table name comes from the fixed map, never from a request.
  const { table } = CHANNEL_TABLES[channel];
  await q.query(
    `UPDATE ${table} SET attachment_id = $3::uuid WHERE tenant_id = $1::text AND campaign_id = $2::uuid`,
    [tenantId, campaignId, attachmentId],
  );
}

/** Of the given object keys, those that a row of this tenant owns (orphan sweep). */
export async function ownedKeys(q: Queryable, tenantId: string, keys: string[]): Promise<Set<string>> {
  const { rows } = await q.query<{ object_key: string }>(
    `SELECT object_key FROM attachments WHERE tenant_id = $1::text AND object_key = ANY($2::text[])`,
    [tenantId, keys],
  );
  return new Set(rows.map((r) => r.object_key));
}
