import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';
import { makePool } from '../../src/db/pool.js';
import { prepareDatabase } from '../../src/app.js';
import { freePort } from './process.js';

export { freePort };

// Once per test run: find a PostgreSQL server (TEST_DATABASE_URL, e.g. the machine's own, or
// else an embedded one started here), migrate a template database, and hand its name to the
// test files, which clone it (CREATE DATABASE ... TEMPLATE) so each file gets its own database.

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateDb: string;
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

let embedded: EmbeddedServer | undefined;
let tmpDir: string | undefined;
let adminUrl = '';
let templateDb = '';

export async function setup(project: TestProject) {
  adminUrl = process.env.TEST_DATABASE_URL ?? '';
  if (!adminUrl) {
    // Under os.tmpdir(), not the checkout: the postgres user must reach it when we are root.
    tmpDir = await mkdtemp(path.join(os.tmpdir(), 'campaign-test-pg-'));
    embedded = await startEmbeddedPostgres({ dataDir: tmpDir, port: await freePort() });
    adminUrl = embedded.url;
  }
  templateDb = `campaign_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);
  await admin.end();

  const pool = makePool(withDatabase(adminUrl, templateDb), { max: 2 });
  await prepareDatabase(pool);
  await pool.end();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplateDb', templateDb);
}

export async function teardown() {
  if (embedded) {
    await embedded.stop();
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
    return;
  }
  // On a shared server, drop what this run created (files drop their own clones).
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDb} WITH (FORCE)`).catch(() => {});
  await admin.end();
}
