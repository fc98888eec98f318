import { setTenant, withTenant, type Pool } from '../../db/pool.js';
import type { Clock } from '../../lib/clock.js';
import type { ChannelAdapter } from '../../channels/channel.js';
import { getStatus } from '../../db/queries/campaign-runs.js';
import { recordOutcomes, type ClaimedRow, type Outcome } from '../../db/queries/dispatches.js';
import { enterGateShared } from '../../db/queries/gate.js';
import { messageOf, outcomeOf, released } from './outcomes.js';

// Step 2 of a firing (see dispatcher.ts): the claimed rows of one chunk handed to the channel
// adapter inside the send gate, with their outcomes recorded in the same transaction.

export interface HandOverDeps {
  pool: Pool;
  clock: Clock;
  maxAttempts: number;
  isStopping: () => boolean;
}

export function makeHandOver(deps: HandOverDeps) {
  const { pool, clock, isStopping } = deps;

  /**
   * Hand-over inside the send gate (db/queries/gate.ts). Bulk adapters get the chunk in
   * one gate transaction (one provider call cannot be split); one-at-a-time adapters get one
   * gate transaction per contact, so a pause waits for at most the contact being handed over
   * and no contact is handed over once it has committed. Outcomes are recorded in the same
   * transaction as the hand-over.
   */
  return async function handOver(tenantId: string, campaignId: string, adapter: ChannelAdapter, prepared: unknown, rows: ClaimedRow[]) {
    const client = await pool.connect();
    const outcomes: Outcome[] = [];
    let handed = 0;
    let gateClosed = false;
    const now = () => clock.now();

    /**
     * One gate transaction over `batch`; `send` runs only while the campaign is RUNNING. When
     * it is not, `batch` and `rest` (the rows after it) are handed back untouched.
     */
    async function gate(batch: ClaimedRow[], rest: ClaimedRow[], send: (sendable: ClaimedRow[]) => Promise<Outcome[]>) {
      await client.query('BEGIN');
      try {
        await setTenant(client, tenantId);
        await enterGateShared(client, campaignId);
        const status = await getStatus(client, tenantId, campaignId);
        const result: Outcome[] = [];
        const sendable: ClaimedRow[] = [];
        for (const row of status === 'RUNNING' ? batch : [...batch, ...rest]) {
          if (status !== 'RUNNING') result.push(released(row, status === 'COMPLETED' || status === null));
          else if (!row.contact_exists) result.push({ id: row.id, status: 'SKIPPED', attempted: false, skipReason: 'contact_deleted' });
          else sendable.push(row);
        }
        if (sendable.length > 0) result.push(...(await send(sendable)));
        await recordOutcomes(client, tenantId, result, now());
        await client.query('COMMIT');
        outcomes.push(...result);
        handed += sendable.length;
        if (status !== 'RUNNING') gateClosed = true;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      }
    }

    try {
      if (adapter.sendMany) {
        await gate(rows, [], async (sendable) => {
          let results: unknown[];
          try {
            results = await adapter.sendMany!(sendable.map((r) => messageOf(tenantId, campaignId, r)), prepared);
          } catch (e) {
            results = sendable.map(() => e);
          }
          return sendable.map((r, i) => outcomeOf(r, results[i], now(), deps.maxAttempts));
        });
      } else {
        for (let i = 0; i < rows.length && !gateClosed; i++) {
          if (isStopping()) {
            // A stopping instance hands the rest back for the others (or its own restart).
            const rest = rows.slice(i).map((r) => released(r, false));
            await withTenant(pool, tenantId, (tx) => recordOutcomes(tx, tenantId, rest, now()));
            outcomes.push(...rest);
            break;
          }
          await gate([rows[i]], rows.slice(i + 1), async ([row]) => {
            let result: unknown;
            try {
              result = await adapter.send(messageOf(tenantId, campaignId, row), prepared);
            } catch (e) {
              result = e;
            }
            return [outcomeOf(row, result, now(), deps.maxAttempts)];
          });
        }
      }
    } finally {
      client.release();
    }
    return { handed, outcomes, gateClosed };
  };
}

export type HandOver = ReturnType<typeof makeHandOver>;
