import type { Queryable } from '../pool.js';
import type { Channel } from '../../channels/channel.js';

// Per-tenant, per-channel token buckets shared by every instance. One row per tenant and
// channel; a reservation refills it by the time elapsed and takes what it can in one locked
// read-modify-write, so two instances can never spend the same token. The bucket holds at most
// one second's worth of tokens (at least one), so a burst never exceeds the rate by much.

export async function getOverride(q: Queryable, tenantId: string, channel: Channel): Promise<number | null> {
  const { rows } = await q.query<{ per_second: string }>(
    `SELECT per_second FROM rate_limit_settings WHERE tenant_id = $1::text AND channel = $2::text`,
    [tenantId, channel],
  );
  return rows[0] ? Number(rows[0].per_second) : null;
}

export async function setOverride(q: Queryable, tenantId: string, channel: Channel, perSecond: number): Promise<void> {
  await q.query(
    `INSERT INTO rate_limit_settings (tenant_id, channel, per_second) VALUES ($1::text, $2::text, $3::numeric)
     ON CONFLICT (tenant_id, channel) DO UPDATE SET per_second = EXCLUDED.per_second, updated_at = now()`,
    [tenantId, channel, perSecond],
  );
}

export async function deleteOverride(q: Queryable, tenantId: string, channel: Channel): Promise<void> {
  await q.query(`DELETE FROM rate_limit_settings WHERE tenant_id = $1::text AND channel = $2::text`, [tenantId, channel]);
}

export interface Reservation {
  /** messages per second in force; 0 = unlimited */
  rate: number;
  granted: number;
  /** tokens that were available (fractional), to compute how long to wait when none were */
  available: number;
}

/**
 * Takes up to `want` tokens. The tenant's override (else `defaultRate`) decides the rate;
 * rate 0 grants everything. Returns null when the bucket row does not exist yet.
 */
async function take(q: Queryable, tenantId: string, channel: Channel, want: number, defaultRate: number): Promise<Reservation | null> {
  const { rows } = await q.query<{ rate: number; granted: number | null; available: number | null }>(
    `WITH cfg AS (
       SELECT coalesce((SELECT per_second FROM rate_limit_settings WHERE tenant_id = $1::text AND channel = $2::text),
                       $4::numeric)::float8 AS rate
     ), cur AS (
       SELECT b.tokens, b.refilled_at, cfg.rate FROM rate_limit_buckets b, cfg
       WHERE b.tenant_id = $1::text AND b.channel = $2::text AND cfg.rate > 0
       FOR UPDATE OF b
     ), calc AS (
       SELECT least(greatest(rate, 1), tokens + greatest(0, extract(epoch FROM statement_timestamp() - refilled_at)) * rate) AS avail,
              greatest(refilled_at, statement_timestamp()) AS at
       FROM cur
     ), upd AS (
       UPDATE rate_limit_buckets b SET tokens = calc.avail - least($3::int, floor(calc.avail)), refilled_at = calc.at
       FROM calc WHERE b.tenant_id = $1::text AND b.channel = $2::text
       RETURNING least($3::int, floor(calc.avail))::int AS granted, calc.avail
     )
     SELECT cfg.rate, CASE WHEN cfg.rate = 0 THEN $3::int ELSE upd.granted END AS granted, upd.avail AS available
     FROM cfg LEFT JOIN upd ON true`,
    [tenantId, channel, want, defaultRate],
  );
  const r = rows[0];
  if (r.rate > 0 && r.granted === null) return null;
  return { rate: r.rate, granted: r.granted ?? want, available: r.available ?? want };
}

export async function reserveTokens(
  q: Queryable,
  tenantId: string,
  channel: Channel,
  want: number,
  defaultRate: number,
): Promise<Reservation> {
  const first = await take(q, tenantId, channel, want, defaultRate);
  if (first) return first;
  // A new bucket starts full (one second's worth).
  await q.query(
    `INSERT INTO rate_limit_buckets (tenant_id, channel, tokens, refilled_at)
     VALUES ($1::text, $2::text, greatest($3::float8, 1), statement_timestamp())
     ON CONFLICT (tenant_id, channel) DO NOTHING`,
    [tenantId, channel, defaultRate],
  );
  return (await take(q, tenantId, channel, want, defaultRate)) ?? { rate: defaultRate, granted: 0, available: 0 };
}

/** Gives back tokens that were reserved but not used (fewer rows were due than reserved). */
export async function refundTokens(q: Queryable, tenantId: string, channel: Channel, n: number, rate: number): Promise<void> {
  if (n <= 0 || rate <= 0) return;
  await q.query(
    `UPDATE rate_limit_buckets SET tokens = least(greatest($4::float8, 1), tokens + $3::float8)
     WHERE tenant_id = $1::text AND channel = $2::text`,
    [tenantId, channel, n, rate],
  );
}

// ---- provider accounts shared between tenants ----
// Same bucket arithmetic, keyed by the account instead of (tenant, channel). Taken after the
// tenant's own bucket; what the account cannot grant goes back to the tenant's.

async function takeAccount(q: Queryable, account: string, want: number, rate: number): Promise<number | null> {
  const { rows } = await q.query<{ granted: number }>(
    `WITH cur AS (
       SELECT tokens, refilled_at FROM provider_rate_buckets WHERE account = $1::text FOR UPDATE
     ), calc AS (
       SELECT least(greatest($3::float8, 1), tokens + greatest(0, extract(epoch FROM statement_timestamp() - refilled_at)) * $3::float8) AS avail,
              greatest(refilled_at, statement_timestamp()) AS at
       FROM cur
     )
     UPDATE provider_rate_buckets b SET tokens = calc.avail - least($2::int, floor(calc.avail)), refilled_at = calc.at
     FROM calc WHERE b.account = $1::text
     RETURNING least($2::int, floor(calc.avail))::int AS granted`,
    [account, want, rate],
  );
  return rows[0] ? rows[0].granted : null;
}

/** Takes up to `want` tokens of a shared provider account at `rate` per second (0 = unlimited). */
export async function reserveAccountTokens(q: Queryable, account: string, want: number, rate: number): Promise<number> {
  if (rate <= 0 || want <= 0) return Math.max(0, want);
  const first = await takeAccount(q, account, want, rate);
  if (first !== null) return first;
  await q.query(
    `INSERT INTO provider_rate_buckets (account, tokens, refilled_at) VALUES ($1::text, greatest($2::float8, 1), statement_timestamp())
     ON CONFLICT (account) DO NOTHING`,
    [account, rate],
  );
  return (await takeAccount(q, account, want, rate)) ?? 0;
}

export async function refundAccountTokens(q: Queryable, account: string, n: number, rate: number): Promise<void> {
  if (n <= 0 || rate <= 0) return;
  await q.query(
    `UPDATE provider_rate_buckets SET tokens = least(greatest($3::float8, 1), tokens + $2::float8) WHERE account = $1::text`,
    [account, n, rate],
  );
}
