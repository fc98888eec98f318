// Dispatch benchmark: a 100,000-contact, one-channel (EMAIL) campaign through the real engine
// (start transition with the audience freeze, batch jobs on the job queue, claims, the send
// gate, ledger updates, completion) to the no-op sink (CHANNEL_SINK=noop: the adapter accepts
// and records nothing), next to a raw PostgreSQL baseline that writes the same 100,000 ledger
// rows with one unnest INSERT per 100 rows. Prints contacts/s for both and the ratio.
//
// Run: npx tsx bench/dispatch.ts   (BENCH_DATABASE_URL / TEST_DATABASE_URL = an admin URL of a
// server to use; otherwise an embedded PostgreSQL is started in a temporary directory)
import { loadConfig } from '../src/config.js';
import { makeApp, prepareDatabase } from '../src/app.js';
import { makePool, withTenant } from '../src/db/pool.js';
import { signToken } from '../src/http/auth.js';
import { openBenchDatabase } from './database.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const SECRET = 'bench-secret-that-is-long-enough-0123456789';
const TENANT = 'bench';

async function main() {
  const db = await openBenchDatabase('campaign_bench');
  const url = db.url;
  const pool = makePool(url, { max: 12 });
  try {
    await prepareDatabase(pool);
    await withTenant(pool, TENANT, (tx) =>
      tx.query(
        `INSERT INTO contacts (tenant_id, email, contact_type)
         SELECT $1, 'c' || i || '@example.test', 'LEAD' FROM generate_series(1, $2::int) i`,
        [TENANT, CONTACTS],
      ),
    );
    await pool.query('VACUUM ANALYZE contacts');

    // Raw baseline: the same ledger rows, one unnest INSERT per 100 rows, on one connection.
    const { rows: ids } = await withTenant(pool, TENANT, (tx) =>
      tx.query<{ id: string }>(`SELECT id FROM contacts WHERE tenant_id = $1 ORDER BY id`, [TENANT]),
    );
    const baselineCampaign = await withTenant(pool, TENANT, async (tx) =>
      (await tx.query<{ id: string }>(`INSERT INTO campaigns (tenant_id, title, email) VALUES ($1, 'baseline', true) RETURNING id`, [TENANT])).rows[0].id,
    );
    const client = await pool.connect();
    const t0 = performance.now();
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100).map((r) => r.id);
      await client.query(
        `INSERT INTO dispatches (tenant_id, campaign_id, contact_id, channel, status, attempts, provider_message_id, sent_at)
         SELECT $1, $2, c, 'EMAIL', 'SENT', 1, 'raw-' || c, now() FROM unnest($3::uuid[]) AS c`,
        [TENANT, baselineCampaign, chunk],
      );
    }
    const rawSeconds = (performance.now() - t0) / 1000;
    client.release();
    const rawRate = CONTACTS / rawSeconds;

    // The engine, end to end.
    const config = loadConfig({
      DATABASE_URL: url,
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      CHANNEL_SINK: 'noop',
      RATE_LIMIT_EMAIL: '0',
      CAMPAIGN_EXECUTION_BATCH_SIZE: '10000',
      CAMPAIGN_EXECUTION_INTERVAL: '0',
      WORKER_CONCURRENCY: '4',
      WORKER_POLL_INTERVAL: '100',
    });
    const app = await makeApp({ config, pool, logger: false, runJobs: true });
    const token = await signToken(SECRET, { tenantId: TENANT }, { expiresIn: '1h' });
    const call = async (method: string, u: string, body?: unknown) => {
      const res = await app.http.inject({ method: method as 'GET', url: u, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body as object } : {}) });
      if (res.statusCode >= 300) throw new Error(`${method} ${u}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    const campaign = await call('POST', '/campaigns', { title: 'bench', email: true });
    await call('PUT', `/campaigns/${campaign.id}/emails`, { templateId: '00000000-0000-4000-8000-000000000001', sourceEmail: 'a@example.test' });
    await call('PUT', `/campaigns/${campaign.id}/targets`, { contactType: ['LEAD'] });
    const t1 = performance.now();
    await call('PUT', `/campaigns/${campaign.id}/status`, { status: 'RUNNING' });
    const freezeSeconds = (performance.now() - t1) / 1000;
    let p;
    for (;;) {
      p = await call('GET', `/campaigns/${campaign.id}/progress`);
      if (p.campaignStatus === 'COMPLETED') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const engineSeconds = (performance.now() - t1) / 1000;
    await app.close();
    const engineRate = CONTACTS / engineSeconds;
    if (p.overall.sent !== CONTACTS) throw new Error(`expected ${CONTACTS} sent, progress says ${JSON.stringify(p.overall)}`);

    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`contacts:          ${f(CONTACTS)} (one channel, no-op sink)`);
    console.log(`raw baseline:      ${f(rawRate)} contacts/s (${rawSeconds.toFixed(2)} s, unnest INSERT per 100 rows)`);
    console.log(`engine end to end: ${f(engineRate)} contacts/s (${engineSeconds.toFixed(2)} s, of which start + freeze ${freezeSeconds.toFixed(2)} s)`);
    console.log(`ratio:             ${((engineRate / rawRate) * 100).toFixed(1)}% of the raw baseline`);
  } finally {
    await pool.end().catch(() => {});
    await db.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
