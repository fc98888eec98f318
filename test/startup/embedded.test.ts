import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, listening, startService, type ServiceProcess } from '../helpers/process.js';

// `npm start` on a fresh machine: no DATABASE_URL, so the service starts the embedded
// PostgreSQL in DATA_DIR, generates and keeps a JWT secret there, prints a development token,
// stops the server on SIGTERM/SIGINT, and finds its data (and the same token valid) again.

let dataDir: string;
let port: number;
let pgPort: number;
let service: ServiceProcess | undefined;

beforeAll(async () => {
  // A private folder (mode 700, as mktemp makes it): the service must cope on its own.
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'startup-embedded-'));
  [port, pgPort] = [await freePort(), await freePort()];
});
afterAll(async () => {
  await service?.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

const start = () =>
  startService({ DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'warn' });

async function api(method: string, url: string, token: string | undefined, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

/** The cluster's lock file exists exactly while its postmaster runs. */
const postmasterPid = () => path.join(dataDir, 'pg', 'postmaster.pid');

describe('start-up on a fresh DATA_DIR with the embedded PostgreSQL', () => {
  let token: string;
  let campaignId: string;

  it('starts the embedded server, prints a development token, and serves the API', async () => {
    service = start();
    token = (await service.waitForOutput(/export TOKEN=(\S+)/))[1];
    expect(service.stdout()).toContain('Development token for tenant "demo"');
    expect(service.stdout()).toContain('initialising a new PostgreSQL cluster');
    expect(service.stdout()).toContain(`embedded PostgreSQL running on 127.0.0.1:${pgPort} (database in ${path.join(dataDir, 'pg')})`);
    // The secret is generated once and kept in DATA_DIR, readable by its owner only.
    const secretFile = path.join(dataDir, 'jwt-secret');
    expect((await readFile(secretFile, 'utf8')).trim()).toMatch(/^[\w-]{40,}$/);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(existsSync(postmasterPid())).toBe(true);
    // Nobody but its owner may write DATA_DIR (else anyone could replace the secret); as root, the
    // postgres user may only pass through it to the cluster, which it owns alone.
    expect(statSync(dataDir).mode & 0o022).toBe(0);
    if (os.userInfo().uid === 0) {
      expect(statSync(dataDir).mode & 0o777).toBe(0o711);
      expect(statSync(path.join(dataDir, 'pg')).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(dataDir, 'pg')).uid).not.toBe(0);
    }

    expect((await api('GET', '/readyz', undefined)).body).toEqual({ status: 'ready' });
    expect((await api('GET', '/campaigns', undefined)).status).toBe(401);
    const created = await api('POST', '/campaigns', token, { title: 'Survives restarts', email: true });
    expect(created.status).toBe(201);
    campaignId = String(created.body!.id);
  });

  it('SIGTERM: exits 0 and stops the embedded server', async () => {
    expect(await service!.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(service!.stdout()).toContain('SIGTERM received');
    expect(await listening(port)).toBe(false);
    expect(await listening(pgPort)).toBe(false);
    expect(existsSync(postmasterPid())).toBe(false);
  });

  it('a restart on the same DATA_DIR keeps the campaign and the token; SIGINT stops it too', async () => {
    service = start();
    const again = (await service.waitForOutput(/export TOKEN=(\S+)/))[1];
    // No new cluster and no new secret: the data and the key material are the same.
    expect(service.stdout()).not.toContain('initialising a new PostgreSQL cluster');
    expect(service.stdout()).not.toContain('generated a development JWT secret');
    const read = await api('GET', `/campaigns/${campaignId}`, token);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: campaignId, title: 'Survives restarts', campaignStatus: 'DRAFT', email: true });
    expect((await api('GET', '/campaigns', again)).body!.items).toEqual([expect.objectContaining({ id: campaignId })]);

    // A second service on the same DATA_DIR is refused in plain words; the first keeps serving.
    const second = startService({ DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'warn' });
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toMatch(/start-up failed: the database in .* is in use by a running PostgreSQL \(pid \d+\) of another instance/);
    expect(second.stderr()).not.toMatch(/\n\s+at /); // no stack trace for a cause we foresaw
    expect((await api('GET', `/campaigns/${campaignId}`, token)).status).toBe(200);

    expect(await service.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(service.stdout()).toContain('SIGINT received');
    expect(await listening(pgPort)).toBe(false);
    expect(existsSync(postmasterPid())).toBe(false);
    service = undefined;
  });

  it('after a SIGKILL, the server left running is stopped by the next start, and the data is there', async () => {
    service = start();
    const token2 = (await service.waitForOutput(/export TOKEN=(\S+)/))[1];
    expect(await service.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // The killed process could not stop its PostgreSQL: it still runs, orphaned.
    expect(await listening(pgPort)).toBe(true);
    service = start();
    await service.waitForOutput(/export TOKEN=/);
    expect(service.stdout()).toContain('a previous run left behind');
    expect((await api('GET', `/campaigns/${campaignId}`, token2)).status).toBe(200);
    expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await listening(pgPort)).toBe(false);
    service = undefined;
  });
}, 60_000);
