// Contact import benchmark. 1,000,000 generated CSV rows (BENCH_ROWS) are written once to a
// temporary file, then, in the same run and from the same bytes:
//   - raw: `COPY bare_table FROM STDIN (FORMAT csv)` into a table with no index or constraint;
//   - ours: POST /contacts/imports (Content-Type text/csv) on a real socket, through the whole
//     path: HTTP, streaming parser, normaliser (E.164 phones, dates, tags), batched upsert by
//     identity, the import's progress record.
// Prints rows/s for both and the ratio (target: ours >= 50% of raw COPY), for scale the rate of
// one INSERT ... SELECT of the COPYed rows into a table with the contacts indexes, the server's
// RSS growth,
// then the time of a targeted keyset page of 100 (contactType + tags + age bounds) at depth 1 and
// at depth 5,000 pages over the imported contacts, with the plan that serves it.
//
// Run: npx tsx bench/import.ts   (BENCH_DATABASE_URL / TEST_DATABASE_URL = an admin URL of a
// server to use; otherwise an embedded PostgreSQL is started in a temporary directory)
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../src/config.js';
import { makeApp, prepareDatabase } from '../src/app.js';
import { makePool, withTenant } from '../src/db/pool.js';
import { signToken } from '../src/http/auth.js';
import { csvStream } from '../test/contacts/generate-csv.js';
import { openBenchDatabase } from './database.js';
import { benchTargetedPages, type PageBenchResult } from './import-pages.js';

export interface ImportBenchResult {
  rows: number;
  copySeconds: number;
  copyRate: number;
  /** The COPYed rows in one INSERT ... SELECT into a table with the contacts indexes. */
  indexedRate: number;
  importSeconds: number;
  importRate: number;
  /** ours / raw COPY */
  ratio: number;
  /** Growth of the process's RSS during our import (the server runs in this process). */
  rssGrowthMb: number;
  pages: PageBenchResult;
}

const SECRET = 'bench-secret-that-is-long-enough-0123456789';
const TENANT = 'bench';

/** POSTs a file on a real socket and resolves with the status and JSON answer. */
function postFile(port: number, token: string, file: string, size: number): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/contacts/imports',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': size },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

export async function main(): Promise<ImportBenchResult> {
  const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
  const db = await openBenchDatabase('campaign_bench_import');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'campaign-bench-csv-'));
  const pool = makePool(db.url, { max: 8 });
  try {
    await prepareDatabase(pool);
    const file = path.join(tmp, 'contacts.csv');
    await pipeline(csvStream(rows), createWriteStream(file));
    const size = (await stat(file)).size;
    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`Import bench: ${f(rows)} CSV rows (${(size / 1_048_576).toFixed(1)} MiB) on ${db.origin}, Node ${process.version}\n`);

    // Raw COPY of the same bytes into a bare table (typed columns, no index, no constraint).
    const client = await pool.connect();
    let copySeconds: number;
    let indexedSeconds: number;
    try {
      await client.query(`CREATE TABLE bench_raw (email text, first_name text, last_name text, phone text,
        birth_date date, gender text, contact_type text, tags text)`);
      const t0 = performance.now();
      await pipeline(createReadStream(file), client.query(copyFrom(`COPY bench_raw FROM STDIN WITH (FORMAT csv, HEADER true)`)));
      copySeconds = (performance.now() - t0) / 1000;
      const { rows: n } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_raw');
      if (n[0].n !== rows) throw new Error(`raw COPY loaded ${n[0].n} rows, expected ${rows}`);
      // For scale: the same rows in one INSERT ... SELECT into a table with the contacts
      // table's indexes. No row-at-a-time path that keeps those indexes can beat this.
      await client.query(`CREATE TABLE bench_indexed (LIKE contacts INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)`);
      const t1 = performance.now();
      await client.query(`INSERT INTO bench_indexed (tenant_id, email, first_name, last_name, phone, birth_date, gender,
          contact_type, tags, tag_keys)
        SELECT 'bench', lower(email), first_name, last_name, phone, birth_date, gender, contact_type,
          coalesce(string_to_array(tags, ';'), '{}'), coalesce(string_to_array(lower(tags), ';'), '{}') FROM bench_raw`);
      indexedSeconds = (performance.now() - t1) / 1000;
      await client.query('DROP TABLE bench_raw, bench_indexed');
      await client.query('CHECKPOINT');
    } finally {
      client.release();
    }

    // Ours: the real route on a real socket.
    const config = loadConfig({
      DATABASE_URL: db.url,
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      IMPORT_MAX_BYTES: String(Math.max(size, 1_048_576)),
    });
    const app = await makeApp({ config, pool, logger: false });
    let importSeconds: number;
    let rssGrowthMb: number;
    try {
      await app.http.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.http.server.address() as AddressInfo;
      const token = await signToken(SECRET, { tenantId: TENANT }, { expiresIn: '1h' });
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
      const t1 = performance.now();
      const res = await postFile(port, token, file, size);
      importSeconds = (performance.now() - t1) / 1000;
      clearInterval(sampler);
      rssGrowthMb = (rssPeak - rssBefore) / 1_048_576;
      const b = res.body;
      if (res.status !== 201 || b.imported !== rows || b.failed !== 0) {
        throw new Error(`import answered ${res.status}: ${JSON.stringify({ ...b, errors: b.errors?.slice(0, 3) })}`);
      }
      const stored = await withTenant(pool, TENANT, (tx) => tx.query<{ n: number }>('SELECT count(*)::int AS n FROM contacts'));
      if (stored.rows[0].n !== rows) throw new Error(`${stored.rows[0].n} contacts stored, expected ${rows}`);
    } finally {
      await app.close();
    }

    const copyRate = rows / copySeconds;
    const importRate = rows / importSeconds;
    const ratio = importRate / copyRate;
    console.log(`raw COPY:           ${f(copyRate)} rows/s (${copySeconds.toFixed(2)} s, bare table)`);
    console.log(`our import (HTTP):  ${f(importRate)} rows/s (${importSeconds.toFixed(2)} s, parse + normalise + upsert)`);
    console.log(`ratio:              ${(ratio * 100).toFixed(1)}% of raw COPY (target >= 50%): ${ratio >= 0.5 ? 'met' : 'NOT met'}`);
    const indexedRate = rows / indexedSeconds;
    console.log(`for scale:          ${f(indexedRate)} rows/s for one INSERT ... SELECT of the COPYed rows into a table with`);
    console.log(`                    the contacts indexes (${indexedSeconds.toFixed(2)} s); ours is ${((importRate / indexedRate) * 100).toFixed(0)}% of that`);
    console.log(`server RSS growth:  ${rssGrowthMb.toFixed(0)} MiB at the peak, importing a ${(size / 1_048_576).toFixed(0)} MiB file (garbage not yet`);
    console.log(`                    collected included; test/contacts/import-memory.test.ts measures what is retained)\n`);

    await pool.query('VACUUM ANALYZE contacts');
    const pages = await benchTargetedPages(pool, TENANT);
    return { rows, copySeconds, copyRate, indexedRate: rows / indexedSeconds, importSeconds, importRate, ratio, rssGrowthMb, pages };
  } finally {
    await pool.end().catch(() => {});
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    await db.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
