import type { Queryable } from '../pool.js';

// All SQL about responses. Recording is an upsert on (dispatch, status): the first event
// creates the row with the contact snapshot taken from OUR contact row (never from a request
// body); repeats only bump the count and the last time.

export type ResponseChannel = 'CALL' | 'EMAIL' | 'WHATSAPP' | 'MAIL';
export type ResponseStatus = 'SEND' | 'RESPONDED';

export interface ResponseRow {
  id: string;
  tracking_id: string;
  campaign_id: string;
  dispatch_id: string;
  contact_id: string;
  channel: ResponseChannel;
  status: ResponseStatus;
  response_data: Record<string, unknown>;
  contact: Record<string, unknown>;
  event_count: number;
  first_at: Date;
  last_at: Date;
  created_at: Date;
  cursor_ts: string;
}

const COLUMNS = `id, tracking_id, campaign_id, dispatch_id, contact_id, channel, status, response_data, contact,
  event_count, first_at, last_at, created_at, created_at::text AS cursor_ts`;

/** The tenant a tracking id belongs to, for requests that arrive without one (QR scans). */
export async function tenantOfTracking(q: Queryable, trackingId: string): Promise<string | null> {
  const { rows } = await q.query<{ t: string | null }>('SELECT app_tenant_of_tracking($1::text) AS t', [trackingId]);
  return rows[0]?.t ?? null;
}

/** The tenant of a provider's message id, for webhooks (WhatsApp statuses, call outcomes). */
export async function tenantOfProviderMessage(q: Queryable, channel: ResponseChannel, providerMessageId: string): Promise<string | null> {
  const { rows } = await q.query<{ t: string | null }>('SELECT app_tenant_of_provider_message($1::text, $2::text) AS t', [
    channel,
    providerMessageId,
  ]);
  return rows[0]?.t ?? null;
}

/**
 * Records a response for the dispatch with this tracking id (optionally checking the campaign).
 * Returns the row and whether it was new, or null when no such dispatch exists for the tenant.
 */
export async function recordResponse(
  q: Queryable,
  tenantId: string,
  r: {
    trackingId: string;
    campaignId?: string;
    /** Only a dispatch of this channel (a letter's status applies to MAIL rows only). */
    channel?: ResponseChannel;
    status: ResponseStatus;
    responseData?: Record<string, unknown>;
    at?: Date;
    /** 'count' (default): a repeat bumps event_count and last_at; 'keep': a repeat changes nothing. */
    onRepeat?: 'count' | 'keep';
  },
): Promise<{ row: ResponseRow; created: boolean } | null> {
  const { rows } = await q.query<ResponseRow & { created: boolean }>(
    `WITH d AS (
       SELECT d.id, d.tracking_id, d.campaign_id, d.contact_id, d.channel,
              jsonb_build_object('id', c.id, 'externalId', c.external_id, 'firstName', c.first_name,
                'lastName', c.last_name, 'email', c.email, 'phone', c.phone, 'contactType', c.contact_type,
                'tags', c.tags, 'address', c.address, 'attributes', c.attributes) AS snapshot
       FROM dispatches d LEFT JOIN contacts c ON c.tenant_id = d.tenant_id AND c.id = d.contact_id
       WHERE d.tenant_id = $1::text AND d.tracking_id = $2::text
         AND ($3::uuid IS NULL OR d.campaign_id = $3::uuid)
         AND ($7::text IS NULL OR d.channel = $7::text)
     )
     INSERT INTO campaign_responses AS r (tenant_id, tracking_id, campaign_id, dispatch_id, contact_id, channel,
       status, response_data, contact, first_at, last_at)
     SELECT $1::text, d.tracking_id, d.campaign_id, d.id, d.contact_id, d.channel, $4::text,
       coalesce($5::jsonb, '{}'), coalesce(d.snapshot, '{}'), coalesce($6::timestamptz, now()), coalesce($6::timestamptz, now())
     FROM d
     ON CONFLICT (dispatch_id, status) DO UPDATE SET
       event_count = r.event_count + CASE WHEN $8::bool THEN 1 ELSE 0 END,
       last_at = CASE WHEN $8::bool THEN greatest(r.last_at, EXCLUDED.last_at) ELSE r.last_at END
     RETURNING ${COLUMNS}, (xmax = 0) AS created`,
    [
      tenantId,
      r.trackingId,
      r.campaignId ?? null,
      r.status,
      r.responseData ? JSON.stringify(r.responseData) : null,
      r.at ?? null,
      r.channel ?? null,
      (r.onRepeat ?? 'count') === 'count',
    ],
  );
  if (!rows[0]) return null;
  const { created, ...row } = rows[0];
  return { row: row as ResponseRow, created };
}

export async function listResponses(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  opts: { channel?: ResponseChannel; status?: ResponseStatus; limit: number; after?: { ts: string; id: string } },
): Promise<ResponseRow[]> {
  const { rows } = await q.query<ResponseRow>(
    `SELECT ${COLUMNS} FROM campaign_responses
     WHERE tenant_id = $1::text AND campaign_id = $2::uuid
       AND ($3::text IS NULL OR channel = $3::text) AND ($4::text IS NULL OR status = $4::text)
       AND ($5::timestamptz IS NULL OR (created_at, id) < ($5::timestamptz, $6::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $7::int`,
    [tenantId, campaignId, opts.channel ?? null, opts.status ?? null, opts.after?.ts ?? null, opts.after?.id ?? null, opts.limit],
  );
  return rows;
}

export interface TrackedDispatch {
  id: string;
  campaign_id: string;
  channel: ResponseChannel;
  status: string;
}

/** The dispatch behind a tracking id, for the tenant (null: none). */
export async function findTracked(q: Queryable, tenantId: string, trackingId: string): Promise<TrackedDispatch | null> {
  const { rows } = await q.query<TrackedDispatch>(
    `SELECT id, campaign_id, channel, status FROM dispatches WHERE tenant_id = $1::text AND tracking_id = $2::text`,
    [tenantId, trackingId],
  );
  return rows[0] ?? null;
}

export interface ResponseCountRow {
  channel: ResponseChannel;
  status: ResponseStatus;
  n: number;
}

/** Distinct dispatches with a response, per channel and status: the trigger-kept counters. */
export async function responseCounts(q: Queryable, tenantId: string, campaignId: string): Promise<ResponseCountRow[]> {
  const { rows } = await q.query<ResponseCountRow>(
    `SELECT channel, status, n FROM campaign_response_counts WHERE tenant_id = $1::text AND campaign_id = $2::uuid`,
    [tenantId, campaignId],
  );
  return rows;
}
