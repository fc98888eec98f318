import type { Queryable } from '../pool.js';
import type { Channel } from '../../channels/channel.js';
import { targetWhereSql, type TargetSpec } from './targeting.js';

// All SQL of the delivery ledger. Every function takes the connection first and the tenant id;
// row-level security is the second line of defence. The life of a row:
//   PENDING -> SENDING (claimed, leased) -> SENT | FAILED | PENDING (transient, back-off)
//   SENDING with an expired lease -> UNCERTAIN (never resent unless an operator retries it)
//   PENDING -> SKIPPED (no address / opted out at the freeze, campaign_ended at the end)

export const DISPATCH_STATUSES = ['PENDING', 'SENDING', 'SENT', 'FAILED', 'SKIPPED', 'UNCERTAIN'] as const;
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

/**
 * The audience freeze: ONE statement writing a row per targeted contact x enabled channel.
 * Contacts without the channel's address, or opted out of it, get a SKIPPED row with the reason.
 * It writes only when the campaign became RUNNING for the first time in this very transaction
 * (started_at = now()), so a resume never adds contacts that arrived later.
 */
export async function freezeAudience(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  channels: Channel[],
  target: TargetSpec,
  onDate: string,
): Promise<number> {
  const where = targetWhereSql('c', target, onDate, 4);
  const { rowCount } = await q.query(
    `INSERT INTO dispatches (tenant_id, campaign_id, contact_id, channel, status, skip_reason)
     SELECT $1::text, $2::uuid, c.id, ch.channel,
            CASE WHEN r.reason IS NULL THEN 'PENDING' ELSE 'SKIPPED' END, r.reason
     FROM contacts c
     CROSS JOIN unnest($3::text[]) AS ch(channel)
     CROSS JOIN LATERAL (SELECT CASE ch.channel
         WHEN 'EMAIL' THEN CASE WHEN c.opt_out_email THEN 'opted_out'
                                WHEN coalesce(c.email, '') = '' THEN 'no_email' END
         WHEN 'CALL' THEN CASE WHEN c.opt_out_call THEN 'opted_out'
                               WHEN coalesce(c.phone, '') = '' THEN 'no_phone' END
         WHEN 'WHATSAPP' THEN CASE WHEN c.opt_out_whatsapp THEN 'opted_out'
                                   WHEN coalesce(c.phone, '') = '' THEN 'no_phone' END
         WHEN 'MAIL' THEN CASE WHEN c.opt_out_mail THEN 'opted_out'
                               WHEN coalesce(c.address->>'line1', '') = ''
                                 OR (coalesce(c.address->>'city', '') = '' AND coalesce(c.address->>'postalCode', '') = '')
                               THEN 'no_address' END
       END AS reason) r
     WHERE c.tenant_id = $1::text AND ${where.sql}
       AND EXISTS (SELECT 1 FROM campaigns k WHERE k.tenant_id = $1::text AND k.id = $2::uuid AND k.started_at = now())
     ON CONFLICT (campaign_id, contact_id, channel) DO NOTHING`,
    [tenantId, campaignId, channels, ...where.params],
  );
  return rowCount ?? 0;
}

export interface ClaimedRow {
  id: string;
  contact_id: string;
  channel: Channel;
  tracking_id: string;
  attempts: number;
  contact_exists: boolean;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  birth_date: string | null;
  gender: string | null;
  contact_type: string | null;
  tags: string[] | null;
  address: Record<string, string> | null;
  attributes: Record<string, unknown> | null;
}

/**
 * Claims up to `limit` due PENDING rows of one channel: SKIP LOCKED lets several workers claim
 * side by side without waiting or overlapping. The rows become SENDING with a lease, committed
 * before any provider sees them: a crash after this point can leave a row SENDING (later
 * UNCERTAIN), never send it twice. Nothing is claimed unless the campaign is RUNNING.
 */
export async function claimDue(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  channel: Channel,
  limit: number,
  now: Date,
  leaseSeconds: number,
): Promise<ClaimedRow[]> {
  const { rows } = await q.query<ClaimedRow>(
    `WITH pick AS (
       SELECT d.id FROM dispatches d
       WHERE d.tenant_id = $1::text AND d.campaign_id = $2::uuid AND d.status = 'PENDING'
         AND d.channel = $3::text AND d.next_attempt_at <= $4::timestamptz
       ORDER BY d.next_attempt_at
       LIMIT $5::int
       FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE dispatches d
       SET status = 'SENDING', lease_until = $4::timestamptz + make_interval(secs => $6::int), updated_at = now()
       FROM pick
       WHERE d.id = pick.id
         AND EXISTS (SELECT 1 FROM campaigns k
                     WHERE k.tenant_id = $1::text AND k.id = $2::uuid AND k.campaign_status = 'RUNNING')
       RETURNING d.id, d.contact_id, d.channel, d.tracking_id, d.attempts
     )
     SELECT cl.id, cl.contact_id, cl.channel, cl.tracking_id, cl.attempts, (c.id IS NOT NULL) AS contact_exists,
            c.external_id, c.first_name, c.last_name, c.email, c.phone, c.birth_date, c.gender,
            c.contact_type, c.tags, c.address, c.attributes
     FROM claimed cl
     -- LIMIT 1 keeps this a primary-key lookup per claimed row, whatever the statistics say.
     LEFT JOIN LATERAL (SELECT * FROM contacts c WHERE c.tenant_id = $1::text AND c.id = cl.contact_id LIMIT 1) c ON true`,
    [tenantId, campaignId, channel, now, limit, leaseSeconds],
  );
  return rows;
}

export interface Outcome {
  id: string;
  status: 'SENT' | 'FAILED' | 'PENDING' | 'UNCERTAIN' | 'SKIPPED';
  /** true when the row was handed to the provider (counts as an attempt). */
  attempted: boolean;
  providerMessageId?: string | null;
  error?: string | null;
  skipReason?: string | null;
  /** PENDING only: when it may be claimed again. */
  nextAttemptAt?: Date | null;
}

/**
 * Records the outcomes of a chunk in one statement. Only rows still SENDING (or swept to
 * UNCERTAIN while a slow provider answered) are written: a definitive answer beats "unknown".
 */
export async function recordOutcomes(q: Queryable, tenantId: string, outcomes: Outcome[], now: Date): Promise<number> {
  if (outcomes.length === 0) return 0;
  const { rowCount } = await q.query(
    `UPDATE dispatches d SET
       status = r.status,
       attempts = d.attempts + CASE WHEN r.attempted THEN 1 ELSE 0 END,
       provider_message_id = coalesce(r.provider_message_id, d.provider_message_id),
       last_error = CASE WHEN r.attempted OR r.error IS NOT NULL THEN r.error ELSE d.last_error END,
       skip_reason = coalesce(r.skip_reason, d.skip_reason),
       next_attempt_at = coalesce(r.next_attempt_at, d.next_attempt_at),
       sent_at = CASE WHEN r.status = 'SENT' THEN $3::timestamptz ELSE d.sent_at END,
       lease_until = NULL,
       -- The engine's clock, like sent_at: the UNCERTAIN hold (openWork) is counted from it.
       updated_at = $3::timestamptz
     FROM unnest($2::uuid[], $4::text[], $5::bool[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
       AS r(id, status, attempted, provider_message_id, error, skip_reason, next_attempt_at)
     -- status || '' keeps the planner on the primary key: the statistics, taken while nothing
     -- was SENDING, would otherwise send it down the status index into a quadratic join.
     WHERE d.tenant_id = $1::text AND d.id = r.id AND d.status || '' IN ('SENDING', 'UNCERTAIN')`,
    [
      tenantId,
      outcomes.map((o) => o.id),
      now,
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.attempted),
      outcomes.map((o) => o.providerMessageId ?? null),
      outcomes.map((o) => o.error ?? null),
      outcomes.map((o) => o.skipReason ?? null),
      outcomes.map((o) => o.nextAttemptAt ?? null),
    ],
  );
  return rowCount ?? 0;
}

/** SENDING rows whose lease ran out: their send may or may not have happened. */
export async function sweepExpiredLeases(q: Queryable, tenantId: string, campaignId: string, now: Date): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE dispatches SET status = 'UNCERTAIN', lease_until = NULL, updated_at = $3::timestamptz,
       last_error = coalesce(last_error || '; ', '') || 'lease expired while SENDING: outcome unknown'
     WHERE tenant_id = $1::text AND campaign_id = $2::uuid AND status = 'SENDING' AND lease_until < $3::timestamptz`,
    [tenantId, campaignId, now],
  );
  return rowCount ?? 0;
}

export interface OpenWork {
  pending: number;
  sending: number;
  /** PENDING rows that may be claimed now. */
  due: number;
  /** The earliest moment something becomes claimable or sweepable, when nothing is due now. */
  nextEventAt: Date | null;
  /** Rows whose send may or may not have happened: the operator decides (retry or resolve). */
  uncertain: number;
  /** When the newest of them became UNCERTAIN (null: none). */
  uncertainSince: Date | null;
}

export async function openWork(q: Queryable, tenantId: string, campaignId: string, now: Date): Promise<OpenWork> {
  const { rows } = await q.query<OpenWork>(
    `SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
            count(*) FILTER (WHERE status = 'SENDING')::int AS sending,
            count(*) FILTER (WHERE status = 'PENDING' AND next_attempt_at <= $3::timestamptz)::int AS due,
            least(min(next_attempt_at) FILTER (WHERE status = 'PENDING'),
                  min(lease_until) FILTER (WHERE status = 'SENDING')) AS "nextEventAt",
            count(*) FILTER (WHERE status = 'UNCERTAIN')::int AS uncertain,
            max(updated_at) FILTER (WHERE status = 'UNCERTAIN') AS "uncertainSince"
     FROM dispatches
     WHERE tenant_id = $1::text AND campaign_id = $2::uuid AND status IN ('PENDING', 'SENDING', 'UNCERTAIN')`,
    [tenantId, campaignId, now],
  );
  const r = rows[0];
  // An 'infinity' timestamp (a row parked for good) comes back as a number, not a Date.
  return { ...r, nextEventAt: r.nextEventAt instanceof Date ? r.nextEventAt : null };
}

/** The end of a campaign: every row not reached yet is recorded as skipped. */
export async function skipUnreached(q: Queryable, tenantId: string, campaignId: string, reason: string): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE dispatches SET status = 'SKIPPED', skip_reason = $3::text, updated_at = now()
     WHERE tenant_id = $1::text AND campaign_id = $2::uuid AND status = 'PENDING'`,
    [tenantId, campaignId, reason],
  );
  return rowCount ?? 0;
}

export interface DispatchRow {
  id: string;
  campaign_id: string;
  contact_id: string;
  channel: Channel;
  status: DispatchStatus;
  tracking_id: string;
  attempts: number;
  next_attempt_at: Date | number; // +-Infinity for the '+-infinity' timestamps
  lease_until: Date | null;
  last_error: string | null;
  skip_reason: string | null;
  provider_message_id: string | null;
  sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Keyset page in (contact, channel) order: the ledger's unique key is the index it walks. */
export async function listDispatches(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  opts: { channel?: Channel[]; status?: DispatchStatus[]; after?: { contactId: string; channel: string }; limit: number },
): Promise<DispatchRow[]> {
  const { rows } = await q.query<DispatchRow>(
    `SELECT id, campaign_id, contact_id, channel, status, tracking_id, attempts, next_attempt_at, lease_until,
            last_error, skip_reason, provider_message_id, sent_at, created_at, updated_at
     FROM dispatches
     WHERE tenant_id = $1::text AND campaign_id = $2::uuid
       AND ($3::text[] IS NULL OR channel = ANY($3::text[]))
       AND ($4::text[] IS NULL OR status = ANY($4::text[]))
       AND ($5::uuid IS NULL OR (contact_id, channel) > ($5::uuid, $6::text))
     ORDER BY contact_id, channel
     LIMIT $7::int`,
    [tenantId, campaignId, opts.channel ?? null, opts.status ?? null, opts.after?.contactId ?? null, opts.after?.channel ?? null, opts.limit],
  );
  return rows;
}

/** The operator's explicit retry: the chosen rows become PENDING again with a fresh attempt budget. */
export async function requeue(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  statuses: DispatchStatus[],
  channel: Channel | null,
): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE dispatches SET status = 'PENDING', attempts = 0, next_attempt_at = '-infinity', lease_until = NULL,
       updated_at = now()
     WHERE tenant_id = $1::text AND campaign_id = $2::uuid AND status = ANY($3::text[])
       AND ($4::text IS NULL OR channel = $4::text)`,
    [tenantId, campaignId, statuses, channel],
  );
  return rowCount ?? 0;
}

/**
 * The operator's word on UNCERTAIN rows, without resending: SENT (the provider's records show
 * the message went out) or FAILED (it did not). The note in last_error keeps the history.
 */
export async function resolveUncertain(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  outcome: 'SENT' | 'FAILED',
  filter: { channel: Channel | null; ids: string[] | null },
  now: Date,
): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE dispatches SET status = $3::text, lease_until = NULL, updated_at = $6::timestamptz,
       sent_at = CASE WHEN $3::text = 'SENT' THEN coalesce(sent_at, $6::timestamptz) ELSE sent_at END,
       last_error = coalesce(last_error || '; ', '') || 'resolved as ' || $3::text || ' by the operator'
     WHERE tenant_id = $1::text AND campaign_id = $2::uuid AND status = 'UNCERTAIN'
       AND ($4::text IS NULL OR channel = $4::text) AND ($5::uuid[] IS NULL OR id = ANY($5::uuid[]))`,
    [tenantId, campaignId, outcome, filter.channel, filter.ids, now],
  );
  return rowCount ?? 0;
}

/**
 * At completion, with the send gate closed: a row still SENDING was either claimed by a worker
 * that has not reached the gate yet (it will see the campaign over and skip it) or left by a
 * crashed one (its send may have happened). Both are recorded as UNCERTAIN, the safe reading.
 */
export async function markInFlightUncertain(q: Queryable, tenantId: string, campaignId: string): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE dispatches SET status = 'UNCERTAIN', lease_until = NULL, updated_at = now(),
       last_error = coalesce(last_error || '; ', '') || 'in flight when the campaign completed'
     WHERE tenant_id = $1::text AND campaign_id = $2::uuid AND status = 'SENDING'`,
    [tenantId, campaignId],
  );
  return rowCount ?? 0;
}
