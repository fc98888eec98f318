import { withTenant, type Pool } from '../../db/pool.js';
import { ownedKeys } from '../../db/queries/attachments.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { ATTACHMENT_PREFIX, parseObjectKey, tenantPrefix } from './keys.js';

// Removes attachment objects that no row owns: left by a crash between upload and commit, by a
// failed delete after a replace, or by a deleted campaign (its rows cascade, its objects stay).
// Only objects older than `minAgeMs` are touched, so an upload whose edit transaction has not
// committed yet is never taken for an orphan. Keys we did not make are never deleted.
//
// Each key's owner is looked up as the tenant the key names (row-level security applies), so the
// sweep can run for one tenant or, without `tenantId`, over every tenant's prefix.

export interface SweepDeps {
  pool: Pool;
  store: ObjectStore;
  clock?: Clock;
  /** Default one hour. */
  minAgeMs?: number;
  /** Sweep only this tenant's prefix. */
  tenantId?: string;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface SweepResult {
  scanned: number;
  deleted: number;
}

const BATCH = 500;

export async function sweepOrphanAttachments(deps: SweepDeps): Promise<SweepResult> {
  const { pool, store, log } = deps;
  const cutoff = (deps.clock ?? systemClock).now().getTime() - (deps.minAgeMs ?? 3_600_000);
  const prefix = deps.tenantId ? tenantPrefix(deps.tenantId) : ATTACHMENT_PREFIX;
  const result: SweepResult = { scanned: 0, deleted: 0 };
  const pending = new Map<string, string[]>(); // tenant -> old keys awaiting the ownership check

  async function settle(tenantId: string): Promise<void> {
    const keys = pending.get(tenantId) ?? [];
    pending.delete(tenantId);
    if (keys.length === 0) return;
    const owned = await withTenant(pool, tenantId, (tx) => ownedKeys(tx, tenantId, keys));
    for (const key of keys) {
      if (owned.has(key)) continue;
      try {
        await store.delete(key);
        result.deleted += 1;
      } catch (err) {
        log?.warn({ err, key }, 'could not delete an orphan attachment object');
      }
    }
  }

  for await (const obj of store.list(prefix)) {
    result.scanned += 1;
    if (obj.lastModified.getTime() > cutoff) continue;
    const parsed = parseObjectKey(obj.key);
    if (!parsed || (deps.tenantId && parsed.tenantId !== deps.tenantId)) continue;
    const keys = pending.get(parsed.tenantId) ?? [];
    keys.push(obj.key);
    pending.set(parsed.tenantId, keys);
    if (keys.length >= BATCH) await settle(parsed.tenantId);
  }
  for (const tenantId of [...pending.keys()]) await settle(tenantId);
  if (result.deleted > 0) log?.info({ ...result }, 'deleted orphan attachment objects');
  return result;
}
