import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/pool.js';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { progress, readyCampaign, seedContacts, setStatus } from './helpers.js';

// Progress and metrics read the ledger counters that triggers keep (migration 012), not a count
// over the ledger. They must answer exactly what count(*) answers, whatever the writers do at the
// same time, and fold their delta rows so a read stays a few rows.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t?.close());

async function counted(tenant: string, id: string) {
  const { rows } = await t.db.pool.query(
    `SELECT channel, status, count(*)::int AS n FROM dispatches WHERE tenant_id = $1 AND campaign_id = $2 GROUP BY 1, 2`,
    [tenant, id],
  );
  return Object.fromEntries(rows.map((r) => [`${r.channel}:${r.status}`, r.n]));
}

async function fromCounters(tenant: string, id: string) {
  const p = await progress(t, tenant, id);
  const out: Record<string, number> = {};
  for (const [ch, c] of Object.entries(p.channels as Record<string, Record<string, number>>)) {
    for (const [k, n] of Object.entries(c)) if (k !== 'total' && n > 0) out[`${ch}:${k.toUpperCase()}`] = n;
  }
  return out;
}

const deltaRows = async (id: string) =>
  (await t.db.pool.query(`SELECT count(*)::int AS n FROM dispatch_counts WHERE campaign_id = $1`, [id])).rows[0].n as number;

describe('ledger counters', () => {
  it('match count(*) after the freeze, under 40 concurrent writers, and fold their delta rows', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 400, (i) => (i % 10 === 0 ? { email: null } : {}));
    const id = await readyCampaign(t, tenant, { channels: ['email', 'call'] });
    await setStatus(t, tenant, id, 'RUNNING');
    await setStatus(t, tenant, id, 'PAUSED');
    expect(await fromCounters(tenant, id)).toEqual({ 'EMAIL:PENDING': 360, 'EMAIL:SKIPPED': 40, 'CALL:PENDING': 400 });

    // 40 transactions at once, each moving 10 rows through statuses in several statements.
    await Promise.all(
      Array.from({ length: 40 }, (_, k) =>
        withTenant(t.db.pool, tenant, async (tx) => {
          const { rows } = await tx.query(
            `SELECT id FROM dispatches WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'PENDING'
             ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED`,
            [tenant, id],
          );
          const ids = rows.map((r) => r.id);
          await tx.query(`UPDATE dispatches SET status = 'SENDING' WHERE id = ANY($1::uuid[])`, [ids]);
          await tx.query(`UPDATE dispatches SET status = $2 WHERE id = ANY($1::uuid[])`, [ids, k % 4 === 0 ? 'FAILED' : 'SENT']);
          // A statement that changes no status writes no delta.
          await tx.query(`UPDATE dispatches SET updated_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
        }),
      ),
    );
    const before = await deltaRows(id);
    expect(before).toBeGreaterThan(64);
    expect(await fromCounters(tenant, id)).toEqual(await counted(tenant, id));
    // The read folded them: one row per channel and status that has rows.
    expect(await deltaRows(id)).toBe(Object.keys(await counted(tenant, id)).length);
    expect(await fromCounters(tenant, id)).toEqual(await counted(tenant, id));
    const sum = Object.values(await fromCounters(tenant, id)).reduce((a, b) => a + b, 0);
    expect(sum).toBe(800);
  });

  it('folding while writers commit loses nothing', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 300);
    const id = await readyCampaign(t, tenant, { channels: ['whatsapp'] });
    await setStatus(t, tenant, id, 'RUNNING');
    await setStatus(t, tenant, id, 'PAUSED');
    const writers = Array.from({ length: 30 }, () =>
      withTenant(t.db.pool, tenant, async (tx) => {
        await tx.query(
          `UPDATE dispatches SET status = 'SENT' WHERE id IN (
             SELECT id FROM dispatches WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'PENDING'
             ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED)`,
          [tenant, id],
        );
      }),
    );
    const readers = Array.from({ length: 10 }, () => progress(t, tenant, id));
    await Promise.all([...writers, ...readers]);
    expect(await fromCounters(tenant, id)).toEqual(await counted(tenant, id));
    expect((await counted(tenant, id))['WHATSAPP:SENT']).toBeGreaterThan(0);
  });

  it('go with their campaign when it is deleted', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 5);
    const id = await readyCampaign(t, tenant, { channels: ['mail'] });
    await setStatus(t, tenant, id, 'RUNNING');
    await setStatus(t, tenant, id, 'PAUSED');
    expect(await deltaRows(id)).toBeGreaterThan(0);
    expect((await t.call(tenant, 'DELETE', `/campaigns/${id}`)).statusCode).toBe(204);
    expect(await deltaRows(id)).toBe(0);
  });
});
