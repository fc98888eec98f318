// A throw-away database for a benchmark: a fresh database on BENCH_DATABASE_URL /
// TEST_DATABASE_URL (an admin URL of a server to use), or else on an embedded PostgreSQL started
// in a temporary directory. close() drops the database and stops what it started.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.js';
import { freePort, withDatabase } from '../test/helpers/global-setup.js';

export interface BenchDatabase {
  url: string;
  /** Where the server came from, for the report. */
  origin: string;
  close(): Promise<void>;
}

export async function openBenchDatabase(prefix: string): Promise<BenchDatabase> {
  let embedded: EmbeddedServer | undefined;
  let tmp: string | undefined;
  let adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? '';
  const origin = adminUrl ? 'the configured server' : 'an embedded PostgreSQL';
  if (!adminUrl) {
    // Under os.tmpdir(): when we are root, the postgres user must be able to reach it.
    tmp = await mkdtemp(path.join(os.tmpdir(), `${prefix}-pg-`));
    embedded = await startEmbeddedPostgres({ dataDir: tmp, port: await freePort() });
    adminUrl = embedded.url;
  }
  const dbName = `${prefix.replace(/\W/g, '_')}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  return {
    url: withDatabase(adminUrl, dbName),
    origin,
    async close() {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
      await admin.end().catch(() => {});
      await embedded?.stop().catch(() => {});
      if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => {});
    },
  };
}
