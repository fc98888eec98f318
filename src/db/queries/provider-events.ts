import type { Queryable } from '../pool.js';
import type { Channel } from '../../channels/channel.js';

// What providers tell us after a send (delivery receipts, call progress, inbound replies) and
// the recipient's one-click unsubscribe. Every function takes the tenant; the webhook found it
// first through the definer lookups (tenantOfTracking / tenantOfProviderMessage).
//
// Delivery statuses only move forward: sent < delivered < read; a repeated or late receipt never
// moves one back. A provider `failed` after acceptance turns a SENT (or UNCERTAIN) row FAILED
// with the provider's reason, unless the message was already delivered or read (a late failure
// after delivery is noise); FAILED and SKIPPED rows are never touched.

export interface DispatchRef {
  id: string;
  tracking_id: string;
  campaign_id: string;
  contact_id: string;
  channel: Channel;
  status: string;
  delivery_status: string | null;
}

const REF = 'id, tracking_id, campaign_id, contact_id, channel, status, delivery_status';

export async function dispatchByProviderMessage(q: Queryable, tenantId: string, channel: Channel, providerMessageId: string): Promise<DispatchRef | null> {
  const { rows } = await q.query<DispatchRef>(
    `SELECT ${REF} FROM dispatches WHERE tenant_id = $1::text AND channel = $2::text AND provider_message_id = $3::text LIMIT 1`,
    [tenantId, channel, providerMessageId],
  );
  return rows[0] ?? null;
}

export async function dispatchByTracking(q: Queryable, tenantId: string, trackingId: string): Promise<DispatchRef | null> {
  const { rows } = await q.query<DispatchRef>(`SELECT ${REF} FROM dispatches WHERE tenant_id = $1::text AND tracking_id = $2::text`, [
    tenantId,
    trackingId,
  ]);
  return rows[0] ?? null;
}

export type ReceiptStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** Applies a WhatsApp delivery receipt. Returns the row's status after it, or null when no such message. */
export async function applyDeliveryReceipt(
  q: Queryable,
  tenantId: string,
  dispatchId: string,
  r: { status: ReceiptStatus; at: Date; error?: string },
): Promise<{ status: string; delivery_status: string | null } | null> {
  const at = Number.isFinite(r.at.getTime()) ? r.at : new Date();
  const { rows } = await q.query<{ status: string; delivery_status: string | null }>(
    `UPDATE dispatches d SET
       delivery_status = CASE
         WHEN $3::text = 'failed' THEN CASE WHEN d.delivery_status IN ('delivered', 'read') OR d.status NOT IN ('SENT', 'UNCERTAIN')
                                            THEN d.delivery_status ELSE 'failed' END
         WHEN d.delivery_status = 'failed' THEN d.delivery_status
         WHEN coalesce(array_position(ARRAY['sent', 'delivered', 'read'], d.delivery_status), 0)
              >= array_position(ARRAY['sent', 'delivered', 'read'], $3::text) THEN d.delivery_status
         ELSE $3::text END,
       delivered_at = CASE WHEN $3::text IN ('delivered', 'read') THEN coalesce(d.delivered_at, $4::timestamptz) ELSE d.delivered_at END,
       read_at = CASE WHEN $3::text = 'read' THEN coalesce(d.read_at, $4::timestamptz) ELSE d.read_at END,
       status = CASE WHEN $3::text = 'failed' AND d.status IN ('SENT', 'UNCERTAIN')
                       AND coalesce(d.delivery_status, '') NOT IN ('delivered', 'read') THEN 'FAILED' ELSE d.status END,
       last_error = CASE WHEN $3::text = 'failed' AND d.status IN ('SENT', 'UNCERTAIN')
                       AND coalesce(d.delivery_status, '') NOT IN ('delivered', 'read')
                     THEN coalesce($5::text, 'failed at the provider') ELSE d.last_error END,
       delivery_updated_at = now(), updated_at = now()
     WHERE d.tenant_id = $1::text AND d.id = $2::uuid
     RETURNING d.status, d.delivery_status`,
    [tenantId, dispatchId, r.status, at, r.error ?? null],
  );
  return rows[0] ?? null;
}

/**
 * Records a call's progress (Twilio / call service status). A call the provider could not place
 * (`failed`) turns a SENT row FAILED; busy / no-answer are outcomes of a placed call, kept in
 * delivery_status only.
 */
export async function applyCallProgress(q: Queryable, tenantId: string, dispatchId: string, status: string, reason?: string): Promise<void> {
  await q.query(
    `UPDATE dispatches SET delivery_status = $3::text, delivery_updated_at = now(), updated_at = now(),
       status = CASE WHEN $3::text = 'failed' AND status IN ('SENT', 'UNCERTAIN') THEN 'FAILED' ELSE status END,
       last_error = CASE WHEN $3::text = 'failed' AND status IN ('SENT', 'UNCERTAIN') THEN coalesce($4::text, 'call failed') ELSE last_error END
     WHERE tenant_id = $1::text AND id = $2::uuid`,
    [tenantId, dispatchId, status, reason ?? null],
  );
}

/** Remembers an inbound message id; false when it was seen before (a redelivered webhook). */
export async function rememberInbound(q: Queryable, tenantId: string, channel: Channel, messageId: string, dispatchId: string | null): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO inbound_messages (tenant_id, channel, message_id, dispatch_id) VALUES ($1::text, $2::text, $3::text, $4::uuid)
     ON CONFLICT DO NOTHING`,
    [tenantId, channel, messageId, dispatchId],
  );
  return (rowCount ?? 0) > 0;
}

/** The recipient of this EMAIL dispatch opts out of email. Returns the contact id, or null. */
export async function optOutEmailByTracking(q: Queryable, tenantId: string, trackingId: string): Promise<string | null> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE contacts c SET opt_out_email = true, updated_at = now()
     FROM dispatches d
     WHERE d.tenant_id = $1::text AND d.tracking_id = $2::text AND d.channel = 'EMAIL'
       AND c.tenant_id = d.tenant_id AND c.id = d.contact_id
     RETURNING c.id`,
    [tenantId, trackingId],
  );
  return rows[0]?.id ?? null;
}

/** After an opt-out: the contact's EMAIL rows not yet sent in any campaign are skipped. */
export async function skipPendingEmailOf(q: Queryable, tenantId: string, contactId: string): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE dispatches SET status = 'SKIPPED', skip_reason = 'opted_out', updated_at = now()
     WHERE tenant_id = $1::text AND contact_id = $2::uuid AND channel = 'EMAIL' AND status = 'PENDING'`,
    [tenantId, contactId],
  );
  return rowCount ?? 0;
}
