import { withTenant, type Pool } from '../../src/db/pool.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { CHANNEL_IDS, type ChannelRegistry } from '../../src/channels/channel.js';
import { makeSinkAdapter } from '../../src/channels/sink.js';
import type { Clock } from '../../src/lib/clock.js';
import type { TestDatabase } from '../helpers/db.js';

// Shared set-up for the engine tests: contacts written in bulk, a campaign made ready to run.

export interface ContactSeed {
  externalId?: string;
  email?: string | null;
  phone?: string | null;
  address?: Record<string, string | undefined> | null;
  birthDate?: string | null;
  gender?: string | null;
  contactType?: string;
  tags?: string[];
  optOutEmail?: boolean;
}

/** n contacts with every address (or as `make(i)` says), in one statement. Returns their ids in order. */
export async function seedContacts(pool: Pool, tenant: string, n: number, make: (i: number) => ContactSeed = () => ({})): Promise<string[]> {
  const seeds = Array.from({ length: n }, (_, i) => ({
    email: `c${i}@example.test`,
    phone: `+4915100${String(i).padStart(6, '0')}`,
    address: { line1: `Street ${i}`, city: 'Berlin', postalCode: '10115', country: 'DE' },
    birthDate: null,
    gender: null,
    contactType: 'LEAD',
    tags: [],
    optOutEmail: false,
    externalId: `ext-${i + 1}`,
    ...make(i),
  }));
  return withTenant(pool, tenant, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO contacts (tenant_id, external_id, first_name, email, phone, address, birth_date, gender, contact_type,
         tags, tag_keys, opt_out_email)
       SELECT $1, x, 'Name' || i, e, p, a, b, g, ct, string_to_array(tg, ','), string_to_array(lower(tg), ','), oe
       FROM unnest($2::text[], $3::text[], $4::jsonb[], $5::date[], $6::text[], $7::text[], $8::text[], $9::bool[], $10::text[])
         WITH ORDINALITY AS s(e, p, a, b, g, ct, tg, oe, x, i)
       ORDER BY i
       RETURNING id`,
      [
        tenant,
        seeds.map((s) => s.email),
        seeds.map((s) => s.phone),
        seeds.map((s) => (s.address ? JSON.stringify(s.address) : null)),
        seeds.map((s) => s.birthDate),
        seeds.map((s) => s.gender),
        seeds.map((s) => s.contactType),
        seeds.map((s) => s.tags.join(',')),
        seeds.map((s) => s.optOutEmail),
        seeds.map((s) => s.externalId),
      ],
    );
    return rows.map((r) => r.id);
  });
}

export type ChannelFlag = 'call' | 'email' | 'whatsapp' | 'mail';

const CONFIGS: Record<ChannelFlag, [string, Record<string, unknown>]> = {
  call: ['calls', { script: 'Hello', sourcePhone: '+4930123456' }],
  email: ['emails', { templateId: '00000000-0000-4000-8000-000000000001', sourceEmail: 'from@example.test' }],
  whatsapp: ['whatsapp', { templateId: '00000000-0000-4000-8000-000000000002' }],
  mail: ['mails', { subject: 'Hi', message: 'Scan me' }],
};

/** A complete DRAFT campaign on the given channels, targeting contact type LEAD (or `target`). */
export async function readyCampaign(
  t: TestApp,
  tenant: string,
  opts: { channels: ChannelFlag[]; batchSize?: number; interval?: number; target?: Record<string, unknown>; schedule?: Record<string, unknown> },
): Promise<string> {
  const flags = Object.fromEntries(opts.channels.map((c) => [c, true]));
  const res = await t.call(tenant, 'POST', '/campaigns', {
    title: 'Engine test',
    ...flags,
    ...(opts.batchSize ? { executionBatchSize: opts.batchSize } : {}),
    ...(opts.interval !== undefined ? { executionInterval: opts.interval } : {}),
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  const id = res.json().id as string;
  for (const ch of opts.channels) {
    const [path, body] = CONFIGS[ch];
    const r = await t.call(tenant, 'PUT', `/campaigns/${id}/${path}`, body);
    if (r.statusCode !== 200) throw new Error(r.body);
  }
  const tr = await t.call(tenant, 'PUT', `/campaigns/${id}/targets`, opts.target ?? { contactType: ['LEAD'] });
  if (tr.statusCode !== 200) throw new Error(tr.body);
  if (opts.schedule) {
    const sr = await t.call(tenant, 'POST', `/campaigns/${id}/schedule`, opts.schedule);
    if (sr.statusCode >= 300) throw new Error(sr.body);
  }
  return id;
}

export async function setStatus(t: TestApp, tenant: string, id: string, status: string) {
  const r = await t.call(tenant, 'PUT', `/campaigns/${id}/status`, { status });
  if (r.statusCode !== 200) throw new Error(`${status}: ${r.body}`);
  return r.json();
}

export async function progress(t: TestApp, tenant: string, id: string) {
  const r = await t.call(tenant, 'GET', `/campaigns/${id}/progress`);
  if (r.statusCode !== 200) throw new Error(r.body);
  return r.json();
}

/** Counts per dispatch of the sink outbox rows of a campaign: {records, distinct}. */
export async function sinkCounts(pool: Pool, tenant: string, campaignId: string) {
  return withTenant(pool, tenant, async (tx) => {
    const { rows } = await tx.query<{ records: number; distinct: number }>(
      `SELECT count(*)::int AS records, count(DISTINCT (contact_id, channel))::int AS distinct
       FROM sink_outbox WHERE tenant_id = $1 AND campaign_id = $2`,
      [tenant, campaignId],
    );
    return rows[0];
  });
}

export async function ledgerStatuses(pool: Pool, tenant: string, campaignId: string) {
  return withTenant(pool, tenant, async (tx) => {
    const { rows } = await tx.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM dispatches WHERE tenant_id = $1 AND campaign_id = $2 GROUP BY status ORDER BY status`,
      [tenant, campaignId],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  });
}


/**
 * Like buildTestApp, with the job runner optional and every channel on the outbox sink (the
 * engine's own seam, independent of which providers the composition root wires), unless a test
 * gives its own adapter.
 */
export async function buildEngineApp(opts: {
  env?: Record<string, string>;
  clock?: Clock;
  channels?: Partial<ChannelRegistry>;
  db?: TestDatabase;
  runJobs?: boolean;
}): Promise<TestApp> {
  return buildTestApp({
    ...opts,
    env: { ROLE: 'api', RATE_LIMIT_CALL: '0', RATE_LIMIT_EMAIL: '0', RATE_LIMIT_WHATSAPP: '0', ...opts.env },
    channels: (db) => ({
      ...Object.fromEntries(CHANNEL_IDS.map((ch) => [ch, makeSinkAdapter(ch, { pool: db.pool })])),
      ...opts.channels,
    }),
  });
}

/** The planned job of a key, read from the queue (null when none). */
export async function planned(pool: Pool, key: string) {
  const { rows } = await pool.query<{ run_at: Date; task_identifier: string }>(
    `SELECT run_at, task_identifier FROM graphile_worker.jobs WHERE key = $1`,
    [key],
  );
  return rows[0] ?? null;
}
