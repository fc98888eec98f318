import { existsSync, statSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
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
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'startup-embedded-'));
  // When the tests run as root, PostgreSQL runs as the postgres user, which must reach it.
  await chmod(dataDir, 0o777);
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
    expect(service.stdout()).toContain(`embedded PostgreSQL running on 127.0.0.1:${pgPort}`);
    // The secret is generated once and kept in DATA_DIR, readable by its owner only.
    const secretFile = path.join(dataDir, 'jwt-secret');
    expect((await readFile(secretFile, 'utf8')).trim()).toMatch(/^[\w-]{40,}$/);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(existsSync(postmasterPid())).toBe(true);

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

    expect(await service.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(service.stdout()).toContain('SIGINT received');
    expect(await listening(pgPort)).toBe(false);
    expect(existsSync(postmasterPid())).toBe(false);
    service = undefined;
  });
}, 60_000);
