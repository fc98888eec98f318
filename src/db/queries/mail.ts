import type { Queryable } from '../pool.js';

// SQL of the physical-mail channel: the campaign's mail settings and the print batch (the
// campaign's MAIL ledger rows that were handed to print, with the recipient as it is now).

export interface MailSettingsRow {
  campaign_id: string;
  mail: boolean;
  has_config: boolean;
  subject: string | null;
  message: string | null;
  response_url: string | null;
  landing_url: string | null;
  attachment_id: string | null;
  contact_types: string[];
}

/** The campaign's mail config and target contact types; null when the campaign does not exist. */
export async function getMailSettings(q: Queryable, tenantId: string, campaignId: string): Promise<MailSettingsRow | null> {
  const { rows } = await q.query<MailSettingsRow>(
    `SELECT k.id AS campaign_id, k.mail, (m.campaign_id IS NOT NULL) AS has_config, m.subject, m.message,
            m.response_url, m.landing_url, m.attachment_id, coalesce(t.contact_type, '{}') AS contact_types
     FROM campaigns k
     LEFT JOIN mail_campaigns m ON m.tenant_id = k.tenant_id AND m.campaign_id = k.id
     LEFT JOIN campaign_targets t ON t.tenant_id = k.tenant_id AND t.campaign_id = k.id
     WHERE k.tenant_id = $1::text AND k.id = $2::uuid`,
    [tenantId, campaignId],
  );
  return rows[0] ?? null;
}

export interface PrintRow {
  id: string;
  tracking_id: string;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  contact_type: string | null;
  address: Record<string, string | null> | null;
  attributes: Record<string, unknown> | null;
}

/**
 * One keyset page of the print batch: MAIL rows with status SENT (handed to print), by ledger id;
 * a row whose contact was deleted since has nobody to write to and is left out.
 * Reads the partial index dispatches_mail_print, so a page costs `limit` index entries whatever
 * the size of the ledger.
 */
export async function printPage(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  afterId: string | null,
  limit: number,
): Promise<PrintRow[]> {
  const { rows } = await q.query<PrintRow>(
    `SELECT d.id, d.tracking_id, c.external_id, c.first_name, c.last_name, c.contact_type, c.address, c.attributes
     FROM dispatches d
     JOIN contacts c ON c.tenant_id = d.tenant_id AND c.id = d.contact_id
     WHERE d.tenant_id = $1::text AND d.campaign_id = $2::uuid AND d.channel = 'MAIL' AND d.status = 'SENT'
       AND ($3::uuid IS NULL OR d.id > $3::uuid)
     ORDER BY d.id
     LIMIT $4::int`,
    [tenantId, campaignId, afterId, limit],
  );
  return rows;
}
