import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseCrontab } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectKeyFor, sweepOrphanAttachments, tenantPrefix } from '../../src/domain/attachments/index.js';
import { ATTACHMENTS_SWEEP_CRONTAB, ATTACHMENTS_SWEEP_TASK } from '../../src/jobs/attachments-sweep.js';
import { makeWorker } from '../../src/jobs/worker.js';
import { makeLocalStore } from '../../src/storage/local-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';

// The orphan sweep as the job queue runs it: the real graphile-worker runner registers the hourly
// cron line, and a queued sweep job deletes old objects that no attachment row owns.

let t: TestApp;
let dir: string;
let store: ObjectStore;

beforeAll(async () => {
  t = await buildTestApp();
  dir = await mkdtemp(path.join(tmpdir(), 'sweep-job-'));
  store = makeLocalStore({ dir });
});
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

async function keysOf(tenant: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(tenantPrefix(tenant))) out.push(o.key);
  return out.sort();
}

describe('the attachments sweep job', () => {
  it('is one hourly cron line naming the sweep task', () => {
    const items = parseCrontab(ATTACHMENTS_SWEEP_CRONTAB);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ task: ATTACHMENTS_SWEEP_TASK, match: expect.any(Function) });
    // Minute 41 of every hour matches; minute 40 does not.
    const at = (m: number) => ({ min: m, hour: 3, date: 1, month: 1, dow: 1 });
    expect(items[0].match(at(41))).toBe(true);
    expect(items[0].match(at(40))).toBe(false);
  });

  it('runs on the job queue: the runner registers the cron, a queued sweep deletes only old orphans', async () => {
    const tenant = newTenant();
    const old = objectKeyFor(tenant, '00000000-0000-4000-8000-0000000000a1');
    const young = objectKeyFor(tenant, '00000000-0000-4000-8000-0000000000a2');
    for (const key of [old, young]) await store.put(key, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' });
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(path.join(dir, old), twoHoursAgo, twoHoursAgo);

    const worker = makeWorker({
      pool: t.db.pool,
      concurrency: 1,
      pollIntervalMs: 100,
      ...t.app.execution,
      sweepAttachments: () => sweepOrphanAttachments({ pool: t.db.pool, store }),
    });
    await worker.start();
    try {
      const { rows } = await t.db.pool.query(`SELECT identifier FROM graphile_worker._private_known_crontabs`);
      expect(rows.map((r) => r.identifier)).toContain(ATTACHMENTS_SWEEP_TASK);

      await t.db.pool.query(`SELECT graphile_worker.add_job($1::text)`, [ATTACHMENTS_SWEEP_TASK]);
      const deadline = Date.now() + 15_000;
      while ((await keysOf(tenant)).includes(old) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await keysOf(tenant)).toEqual([young]);
    } finally {
      await worker.stop();
    }
  });
});
