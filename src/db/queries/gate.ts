import type { Queryable } from '../pool.js';

// The send gate of a campaign: a transaction-scoped advisory lock. A transaction that hands
// contacts to a provider holds it SHARED and reads the campaign's status after taking it; any
// status change away from RUNNING (pause, completion, end) takes it EXCLUSIVE in its own
// transaction, so it waits for the hand-overs in progress, and every gate entered after it
// reads the new status. The lock manager queues fairly: a waiting pause is not overtaken by new
// shared holders (a share lock on the campaign row would let them jump the queue).

const key = (campaignId: string) => `campaign-gate:${campaignId}`;

/**
 * Enters the gate (the status must be read by a LATER statement, whose snapshot sees a change
 * that closed the gate). Also turns off the wait for the WAL flush at commit, for this
 * transaction only: losing its outcomes to a database crash leaves the rows SENDING, hence
 * UNCERTAIN later, which is safe. (The claim, whose loss could cause a second send, always
 * commits synchronously.)
 */
export async function enterGateShared(q: Queryable, campaignId: string): Promise<void> {
  await q.query(
    `SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock_shared(hashtextextended($1::text, 0))`,
    [key(campaignId)],
  );
}

/** Closes the gate for the rest of the status-change transaction (waits for hand-overs in progress). */
export async function closeGate(q: Queryable, campaignId: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))`, [key(campaignId)]);
}
