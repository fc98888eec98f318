import pg from 'pg';

// The one database seam. Every query in db/queries takes a Queryable first, so the same
// function runs on the pool, inside withTransaction, or inside withTenant.
export type Pool = pg.Pool;
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** The role every tenant-scoped transaction switches to; it cannot bypass row-level security. */
export const APP_ROLE = 'campaign_app';

// int8 (counts, bigserial ids) as JS numbers: our counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// `date` stays a 'YYYY-MM-DD' string: a local calendar date must never pass through a JS Date
// (which would shift it by the process's time zone).
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export function makePool(connectionString: string, opts: { max?: number; applicationName?: string } = {}): Pool {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'campaign-engine',
    // Schedules are computed in our code in each campaign's zone; pin the session zone so
    // nothing the database prints depends on the server's TimeZone setting.
    options: '-c TimeZone=UTC',
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener
  // that would crash the process. The next checkout reconnects.
  pool.on('error', () => {});
  // Likewise a checked-out client whose connection breaks emits 'error' on the client.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export async function withTransaction<T>(pool: Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/**
 * A transaction scoped to one tenant: switches to the application role (so row-level security
 * applies even when the pool logs in as a superuser or the tables' owner) and sets the tenant
 * for this transaction only, so a pooled connection never carries it into the next checkout.
 */
export async function withTenant<T>(
  pool: Pool,
  tenantId: string,
  fn: (tx: pg.PoolClient) => Promise<T>,
): Promise<T> {
  if (!tenantId) throw new Error('withTenant: a tenant id is required');
  return withTransaction(pool, async (tx) => {
    await tx.query(`SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true)`, [
      APP_ROLE,
      tenantId,
    ]);
    return fn(tx);
  });
}

/** Runs fn with the tenant set on an already open transaction (jobs that started without one). */
export async function setTenant(tx: Queryable, tenantId: string): Promise<void> {
  if (!tenantId) throw new Error('setTenant: a tenant id is required');
  await tx.query(`SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true)`, [APP_ROLE, tenantId]);
}
