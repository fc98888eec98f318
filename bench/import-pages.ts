// The targeting half of bench/import.ts: a keyset page of 100 contacts for a realistic target
// (one contact type, any of two tags, an age range) at depth 1 and at depth 5,000 pages, timed
// through the query the preview runs, with EXPLAIN of that very statement proving an index
// serves it (and not a scan of the tenant's million rows).
import { withTenant, type Pool } from '../src/db/pool.js';
import { countTargeted, listContacts, targetedContacts, targetedContactsQuery } from '../src/db/queries/contacts.js';
import type { TargetSpec } from '../src/db/queries/targeting.js';

export interface PageBenchResult {
  matching: number;
  countMs: number;
  page1Ms: number;
  deepPage: number;
  deepMs: number;
  /** The indexes the deep page's plan reads, e.g. ["contacts_target"]. */
  indexes: string[];
  seqScan: boolean;
  /** GET /contacts?q= (no index): a name many contacts have, and one nobody has (reads them all). */
  searchHitMs: number;
  searchMissMs: number;
}

export const BENCH_TARGET: TargetSpec = {
  contactType: ['customer'],
  genders: [],
  contactTags: ['Newsletter', 'vip'],
  tagMatch: 'ANY',
  minAge: 25,
  maxAge: 75,
};
const ON_DATE = '2025-06-15';
const PAGE = 100;
const DEEP_PAGES = 5000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (n: PlanNode) => void) {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

/** Median of `runs` timings (ms) after two warm-up runs. */
async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export async function benchTargetedPages(pool: Pool, tenant: string): Promise<PageBenchResult> {
  const t = BENCH_TARGET;
  const t0 = performance.now();
  const matching = await withTenant(pool, tenant, (tx) => countTargeted(tx, tenant, t, ON_DATE));
  const countMs = performance.now() - t0;
  const deepPage = Math.min(DEEP_PAGES, Math.floor(matching / PAGE));
  if (deepPage < 2) throw new Error(`the target matches only ${matching} contacts: too few pages to compare`);

  // The cursor of the deep page: the last id of the page before it. (Found once with OFFSET,
  // for the set-up only; the page itself is a keyset read.)
  const where = targetedContactsQuery(tenant, t, ON_DATE, { limit: 1 });
  const cursor = await withTenant(pool, tenant, async (tx) => {
    const sql = where.text.replace(/LIMIT \$3::int$/, `OFFSET ${(deepPage - 1) * PAGE - 1} LIMIT $3::int`);
    return (await tx.query<{ id: string }>(sql, where.values)).rows[0].id;
  });

  const page = (afterId?: string) =>
    withTenant(pool, tenant, async (tx) => {
      const rows = await targetedContacts(tx, tenant, t, ON_DATE, { limit: PAGE, afterId });
      if (rows.length !== PAGE) throw new Error(`a page of ${rows.length} contacts, expected ${PAGE}`);
    });
  const page1Ms = await timeIt(11, () => page());
  const deepMs = await timeIt(11, () => page(cursor));

  const q = targetedContactsQuery(tenant, t, ON_DATE, { limit: PAGE, afterId: cursor });
  const { plan, text } = await withTenant(pool, tenant, async (tx) => ({
    plan: (await tx.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${q.text}`, q.values)).rows[0]['QUERY PLAN'][0].Plan,
    text: (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.text}`, q.values)).rows.map((r) => r['QUERY PLAN']),
  }));
  const indexes = new Set<string>();
  let seqScan = false;
  walk(plan, (n) => {
    if (n['Index Name']) indexes.add(n['Index Name']);
    if (n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'contacts') seqScan = true;
  });

  const search = (text: string) => () => withTenant(pool, tenant, (tx) => listContacts(tx, tenant, { q: text }, { limit: 51 }));
  const searchHitMs = await timeIt(5, search('turing'));
  const searchMissMs = await timeIt(3, search('nobody-has-this'));

  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`target: contactType customer, tags any of newsletter/vip, age 25..75 on ${ON_DATE}`);
  console.log(`matching contacts:  ${f(matching)} (exact count in ${countMs.toFixed(0)} ms)`);
  console.log(`keyset page of ${PAGE}:  ${page1Ms.toFixed(2)} ms at page 1, ${deepMs.toFixed(2)} ms at page ${f(deepPage)} (median of 11)`);
  console.log(`plan of the deep page (EXPLAIN ANALYZE):`);
  for (const line of text) console.log(`  ${line}`);
  console.log(`index used: ${[...indexes].join(', ') || 'NONE'}${seqScan ? ' (with a sequential scan!)' : ', no sequential scan'}`);
  console.log(`contact search q=:  ${searchHitMs.toFixed(1)} ms for a page of 50 "turing", ${searchMissMs.toFixed(0)} ms for a term nobody has`);
  if (indexes.size === 0 || seqScan) process.exitCode = 1;
  return { matching, countMs, page1Ms, deepPage, deepMs, indexes: [...indexes], seqScan, searchHitMs, searchMissMs };
}
