import type { Queryable } from '../pool.js';

// The send gate of a campaign: a transaction-scoped advisory lock. Handing contacts to a
// provider happens under the SHARED lock, after re-reading the status; any transition away
// from RUNNING (pause, completion, end) takes the EXCLUSIVE lock in its own transaction. The
// lock manager queues fairly, so a waiting pause is not starved by new shared holders.

const key = (campaignId: string) => `campaign-gate:${campaignId}`;

/**
 * Also turns off the wait for the WAL flush at commit, for this transaction only: losing its
 * outcomes to a database crash leaves the rows SENDING, hence UNCERTAIN later, which is safe.
 * (The claim, whose loss could cause a second send, always commits synchronously.)
 */
export async function enterGateShared(q: Queryable, campaignId: string): Promise<void> {
  await q.query(
    `SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock_shared(hashtextextended($1::text, 0))`,
    [key(campaignId)],
  );
}

export async function closeGate(q: Queryable, campaignId: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))`, [key(campaignId)]);
}
