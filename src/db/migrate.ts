import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMigrations } from 'graphile-worker';
import type { Pool } from './pool.js';

// Forward-only numbered migrations (NNN_name.sql), each applied in its own transaction.
// A session-level advisory lock serialises instances that start at the same moment: the
// second waits, then finds nothing left to do.
const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_KEY = 7_310_215_001; // arbitrary constant, unique to this service
// Held around the whole schema set-up (the job queue's and ours), taken before LOCK_KEY.
const SETUP_LOCK_KEY = 7_310_215_002;
/** The oldest PostgreSQL major version we support (server_version_num of 15.0). */
export const MIN_SERVER_VERSION_NUM = 150_000;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const version = Number(file.slice(0, 3));
    if (out.some((m) => m.version === version)) throw new Error(`duplicate migration number ${version}`);
    out.push({ version, name: file, sql: await readFile(path.join(dir, file), 'utf8') });
  }
  return out;
}

export async function migrate(pool: Pool, log: (msg: string) => void = () => {}): Promise<number[]> {
  const migrations = await loadMigrations();
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const latestKnown = migrations.at(-1)?.version ?? 0;
    const newest = Math.max(0, ...done);
    if (newest > latestKnown) {
      // An older build against a newer schema would silently misbehave; refuse to start.
      throw new Error(`database schema is at migration ${newest}, newer than this build knows (${latestKnown})`);
    }
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.version);
      log(`applied migration ${m.name}`);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOCK_KEY]).catch(() => {});
    client.release();
  }
  return applied;
}

/** A clear refusal for a server older than we support, instead of an obscure SQL error later. */
export function serverVersionProblem(versionNum: number, version: string): string | undefined {
  if (versionNum >= MIN_SERVER_VERSION_NUM) return undefined;
  return `PostgreSQL 15 or newer is required; this server is ${version}`;
}

/**
 * Applies the job queue's schema and ours. Instances starting at the same moment queue on one
 * advisory lock, so exactly one of them migrates and the others find nothing left to do (the
 * job queue's own installer only tolerates a concurrent install by retrying once).
 */
export async function prepareSchema(pool: Pool, log: (msg: string) => void = () => {}): Promise<void> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ num: string; version: string }>(
      `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version`,
    );
    const problem = serverVersionProblem(Number(rows[0].num), rows[0].version);
    if (problem) throw new Error(problem);
    await client.query('SELECT pg_advisory_lock($1::bigint)', [SETUP_LOCK_KEY]);
    try {
      await runMigrations({ pgPool: pool, logger: undefined });
      await migrate(pool, log);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [SETUP_LOCK_KEY]).catch(() => {});
    }
  } finally {
    client.release();
  }
}
