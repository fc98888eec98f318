// Campaign metrics benchmark: what GET /campaigns/{id}/metrics and GET /campaigns/{id}/mails/metrics
// cost on a ledger of a million rows (one campaign of 1,000,000 letters, plus another tenant's
// campaign of 200,000 rows, and 100,000 SEND / 20,000 RESPONDED responses), next to a baseline
// that counts the campaign's ledger rows in full (`count(*) ... GROUP BY status`). Both run in the
// same tenant transaction (same row-level security). Prints the median of 7 runs and the ratio.
//
// Run: npx tsx bench/metrics.ts   (BENCH_DATABASE_URL / TEST_DATABASE_URL = an admin URL of a
// server to use; otherwise an embedded PostgreSQL is started in a temporary directory)
import { prepareDatabase } from '../src/app.js';
import { makePool, withTenant, type Pool } from '../src/db/pool.js';
import { makeMetrics } from '../src/domain/responses/metrics.js';
import { openBenchDatabase } from './database.js';

const ROWS = Number(process.env.BENCH_LEDGER_ROWS ?? 1_000_000);
const TENANT = 'bench-metrics';
const CAMPAIGN = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

async function seed(pool: Pool) {
  await pool.query(
    `INSERT INTO campaigns (tenant_id, id, title, mail, campaign_status)
     VALUES ($1, $2, 'big', true, 'RUNNING'), ('bench-other', $3, 'other', true, 'RUNNING')`,
    [TENANT, CAMPAIGN, OTHER],
  );
  // The ledger has no foreign key to contacts: a fresh id per row is enough here.
  await pool.query(
    `INSERT INTO dispatches (tenant_id, campaign_id, contact_id, channel, status, sent_at)
     SELECT $1, $2::uuid, gen_random_uuid(), 'MAIL',
            CASE WHEN g % 50 = 0 THEN 'SKIPPED' WHEN g % 97 = 0 THEN 'FAILED' WHEN g % 10 = 0 THEN 'PENDING' ELSE 'SENT' END, now()
     FROM generate_series(1, $3::int) g`,
    [TENANT, CAMPAIGN, ROWS],
  );
  await pool.query(
    `INSERT INTO dispatches (tenant_id, campaign_id, contact_id, channel, status)
     SELECT 'bench-other', $1::uuid, gen_random_uuid(), 'EMAIL', 'SENT' FROM generate_series(1, $2::int)`,
    [OTHER, Math.round(ROWS / 5)],
  );
  await withTenant(pool, TENANT, async (tx) => {
    for (const [status, n] of [['SEND', ROWS / 10], ['RESPONDED', ROWS / 50]] as const) {
      await tx.query(
        `INSERT INTO campaign_responses (tenant_id, tracking_id, campaign_id, dispatch_id, contact_id, channel, status)
         SELECT tenant_id, tracking_id, campaign_id, id, contact_id, channel, $3::text
         FROM dispatches WHERE tenant_id = $1 AND campaign_id = $2::uuid AND status = 'SENT' LIMIT $4::int`,
        [TENANT, CAMPAIGN, status, Math.round(n)],
      );
    }
  });
  await pool.query('VACUUM ANALYZE dispatches');
  await pool.query('VACUUM ANALYZE campaign_responses');
}

/** Median and best of 7 runs (after one warm-up run), in milliseconds. */
async function time(fn: () => Promise<unknown>): Promise<{ median: number; best: number }> {
  await fn();
  const runs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = performance.now();
    await fn();
    runs.push(performance.now() - s);
  }
  runs.sort((a, b) => a - b);
  return { median: runs[3], best: runs[0] };
}

async function main() {
  const db = await openBenchDatabase('campaign_bench_metrics');
  const pool = makePool(db.url, { max: 4 });
  try {
    await prepareDatabase(pool);
    const t0 = performance.now();
    await seed(pool);
    const seeded = (performance.now() - t0) / 1000;

    const metrics = makeMetrics({ pool });
    const baselineQuery = () =>
      withTenant(pool, TENANT, (tx) =>
        tx.query(`SELECT status, count(*)::int AS n FROM dispatches WHERE campaign_id = $1::uuid GROUP BY status`, [CAMPAIGN]),
      );
    const baseline = await time(baselineQuery);
    const campaign = await time(() => metrics.campaign(TENANT, CAMPAIGN));
    const mail = await time(() => metrics.mail(TENANT, CAMPAIGN));
    // Same figures: the endpoint's ledger counts must agree with the full count.
    const counted = Object.fromEntries((await baselineQuery()).rows.map((r) => [r.status, r.n]));
    const answered = (await metrics.campaign(TENANT, CAMPAIGN)) as { channels: { MAIL: { readyForPrint: number } } };
    if (answered.channels.MAIL.readyForPrint !== counted.SENT) {
      throw new Error(`metrics disagree with the full count: ${JSON.stringify(answered.channels.MAIL)} vs ${JSON.stringify(counted)}`);
    }

    const ms = (t: { median: number; best: number }) => `${t.median.toFixed(1)} ms median, ${t.best.toFixed(1)} ms best`;
    const ratio = (t: { median: number }) => `${(t.median / baseline.median).toFixed(3)}× the baseline`;
    console.log(`ledger:                            ${ROWS.toLocaleString('en-US')} rows in the campaign (+${Math.round(ROWS / 5).toLocaleString('en-US')} of another tenant), seeded in ${seeded.toFixed(1)} s on ${db.origin}`);
    console.log(`baseline count(*) GROUP BY status: ${ms(baseline)}`);
    console.log(`GET /campaigns/{id}/metrics:       ${ms(campaign)} (${ratio(campaign)})`);
    console.log(`GET /campaigns/{id}/mails/metrics: ${ms(mail)} (${ratio(mail)})`);
  } finally {
    await pool.end().catch(() => {});
    await db.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
