import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.js';
import { configWarnings } from './config/warnings.js';
import { makePool } from './db/pool.js';
import type { EmbeddedServer } from './db/embedded.js';
import { makeApp, prepareDatabase, type App } from './app.js';
import { signToken } from './http/auth.js';
import { makeHealthServer } from './http/health-server.js';
import type { FastifyInstance } from 'fastify';

// Entry point: `npm start`. Loads the configuration, starts the embedded PostgreSQL when no
// DATABASE_URL is given, migrates, serves HTTP and/or runs the workers (ROLE), and shuts down
// gracefully on SIGTERM/SIGINT.

const line = (level: number, msg: string) => process.stdout.write(`${JSON.stringify({ level, time: Date.now(), msg })}\n`);
const log = (msg: string) => line(30, msg);

/** Loaded only when it is used: a service with DATABASE_URL never touches the PostgreSQL binaries. */
const loadEmbedded = () => import('./db/embedded.js');

/** The embedded default keeps one generated HS256 secret in DATA_DIR, so tokens survive restarts. */
async function resolveJwtSecret(config: Readonly<Config>): Promise<string | undefined> {
  if (config.auth.jwtSecret || config.auth.jwksUrl) return config.auth.jwtSecret;
  const file = path.join(config.dataDir, 'jwt-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(config.dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    await writeFile(file, secret + '\n', { mode: 0o600 });
    log(`generated a development JWT secret in ${file}`);
    return secret;
  }
}

/**
 * What an operator needs to read when start-up fails: the message, with what to do for the
 * usual causes; the stack only for what we did not foresee (LOG_LEVEL=debug shows it always).
 */
function startupProblem(err: unknown): string {
  const e = err as Error & { code?: string; address?: string; port?: number };
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') {
    const where = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : 'the configured host';
    return `cannot reach PostgreSQL at ${where} (${e.code}): check DATABASE_URL and that the server runs`;
  }
  // The server answered but refused the login or the database: its own words say which.
  if (e?.code === '28P01' || e?.code === '28000' || e?.code === '3D000') {
    return `PostgreSQL refused the connection: ${e.message} (SQLSTATE ${e.code}): check the user, password and database name in DATABASE_URL`;
  }
  // Something listens there but dropped the connection: not PostgreSQL, or it closed at once.
  // (A closed connection surfaces as "Connection terminated", a reset one as ECONNRESET.)
  if (e?.code === 'ECONNRESET' || (e instanceof Error && /^Connection terminated/.test(e.message))) {
    return 'PostgreSQL closed the connection before answering: check that DATABASE_URL names a PostgreSQL server (host and port)';
  }
  if (e?.code === 'EADDRINUSE') return `${e.message}: another process holds that port; set PORT (or EMBEDDED_PG_PORT) to a free one`;
  const debug = /^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '');
  const known = e instanceof Error && /^(embedded PostgreSQL|the database in|the PostgreSQL left behind|PostgreSQL 15 or newer)/.test(e.message);
  return e instanceof Error ? (known && !debug ? e.message : (e.stack ?? e.message)) : String(err);
}

async function main() {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  for (const warning of configWarnings(config)) line(40, warning);

  let embedded: EmbeddedServer | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    try {
      const { startEmbeddedPostgres } = await loadEmbedded();
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
    } catch (err) {
      process.stderr.write(`start-up failed: ${startupProblem(err)}\n`);
      process.exit(1);
    }
    databaseUrl = embedded.url;
    log(`embedded PostgreSQL running on 127.0.0.1:${config.embeddedPgPort} (database in ${embedded.clusterDir})`);
  }
  const pool = makePool(databaseUrl, { max: config.databasePoolSize });
  let app: App | undefined;
  let health: FastifyInstance | undefined;
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: finishing in-flight work and shutting down`);
    const timer = setTimeout(() => {
      process.stderr.write('shutdown timed out; exiting\n');
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    timer.unref();
    try {
      await app?.close();
      await health?.close();
      await pool.end();
      await embedded?.stop();
    } finally {
      clearTimeout(timer);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    await prepareDatabase(pool, log);
    const jwtSecret = await resolveJwtSecret(config);
    app = await makeApp({ config, pool, jwtSecret, runJobs: config.role !== 'api' });
    if (config.role !== 'worker') {
      const address = await app.http.listen({ port: config.port, host: config.host });
      log(`campaign engine (${config.role}) listening on ${address}; API docs at ${address}/docs`);
    } else if (config.healthPort) {
      const running = app;
      health = await makeHealthServer({
        pool,
        isShuttingDown: () => running.isShuttingDown(),
        metricsToken: config.metricsToken,
        logger: { level: config.logLevel },
      });
      const address = await health.listen({ port: config.healthPort, host: config.host });
      log(`campaign engine running as a worker (no HTTP API); /healthz, /readyz and /metrics on ${address}`);
    } else {
      log('campaign engine running as a worker (no HTTP API; set HEALTH_PORT for /healthz, /readyz and /metrics)');
    }
    if (config.printDevToken && jwtSecret && !config.auth.jwtSecret && !config.databaseUrl) {
      const token = await signToken(jwtSecret, { [config.auth.tenantClaim]: 'demo', sub: 'dev' }, { expiresIn: '30d' });
      process.stdout.write(`\nDevelopment token for tenant "demo" (valid 30 days):\n\n  export TOKEN=${token}\n\n`);
    }
  } catch (err) {
    process.stderr.write(`start-up failed: ${startupProblem(err)}\n`);
    await app?.close().catch(() => {});
    await health?.close().catch(() => {});
    await pool.end().catch(() => {});
    await embedded?.stop().catch(() => {});
    process.exit(1);
  }
}

void main();
