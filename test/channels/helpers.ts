import { randomBytes } from 'node:crypto';
import { withTenant, type Pool } from '../../src/db/pool.js';
import type { TestApp } from '../helpers/app.js';
import { multipartBody } from '../attachments/multipart.js';

// Shared set-up for the provider tests: named contacts by SQL, a campaign through the API (with
// an uploaded attachment), and the real engine's batch job fired until the campaign completes.

export interface NamedContact {
  firstName: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  attributes?: Record<string, unknown>;
}

export async function insertContacts(pool: Pool, tenant: string, contacts: NamedContact[], contactType = 'LEAD'): Promise<string[]> {
  return withTenant(pool, tenant, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO contacts (tenant_id, first_name, last_name, email, phone, attributes, contact_type)
       SELECT $1, f, l, e, p, a, $7 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
         WITH ORDINALITY AS s(f, l, e, p, a, i)
       ORDER BY i RETURNING id`,
      [
        tenant,
        contacts.map((c) => c.firstName),
        contacts.map((c) => c.lastName ?? null),
        contacts.map((c) => c.email ?? null),
        contacts.map((c) => c.phone ?? null),
        contacts.map((c) => JSON.stringify(c.attributes ?? {})),
        contactType,
      ],
    );
    return rows.map((r) => r.id);
  });
}

/** Bytes that sniff as a PDF. */
export function pdfBytes(size = 5000): Buffer {
  const b = randomBytes(size);
  b.write('%PDF-1.7\n', 0, 'latin1');
  return b;
}

async function ok(p: Promise<{ statusCode: number; body: string; json(): any }>, want = [200, 201]) {
  const r = await p;
  if (!want.includes(r.statusCode)) throw new Error(`${r.statusCode}: ${r.body}`);
  return r.json();
}

export async function createTemplate(t: TestApp, tenant: string, body: Record<string, unknown>): Promise<string> {
  return (await ok(t.call(tenant, 'POST', '/templates', body))).id;
}

/** A DRAFT campaign on one channel with its config (and optional attachment), targeting LEAD. */
export async function campaignWith(
  t: TestApp,
  tenant: string,
  channel: 'email' | 'whatsapp' | 'call',
  config: Record<string, unknown>,
  attachment?: { fileName: string; data: Buffer; contentType?: string },
  opts: { batchSize?: number } = {},
): Promise<string> {
  const id = (await ok(
    t.call(tenant, 'POST', '/campaigns', { title: `${channel} test`, [channel]: true, ...(opts.batchSize ? { executionBatchSize: opts.batchSize } : {}) }),
  )).id as string;
  const path = `/campaigns/${id}/${channel === 'email' ? 'emails' : channel === 'call' ? 'calls' : 'whatsapp'}`;
  if (attachment) {
    const { payload, contentType } = multipartBody([
      { name: 'config', value: JSON.stringify(config), contentType: 'application/json' },
      { name: 'attachment', fileName: attachment.fileName, data: attachment.data, contentType: attachment.contentType ?? 'application/pdf' },
    ]);
    await ok(t.call(tenant, 'PUT', path, payload, { 'content-type': contentType }));
  } else {
    await ok(t.call(tenant, 'PUT', path, config));
  }
  await ok(t.call(tenant, 'PUT', `/campaigns/${id}/targets`, { contactType: ['LEAD'] }));
  return id;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the campaign and fires its batch job (the real dispatcher) until it completes. */
export async function runToCompletion(t: TestApp, tenant: string, id: string, maxMs = 20_000) {
  await ok(t.call(tenant, 'PUT', `/campaigns/${id}/status`, { status: 'RUNNING' }));
  const deadline = Date.now() + maxMs;
  for (;;) {
    const r = await t.app.execution.dispatcher.runBatch(tenant, id);
    if (r.result !== 'dispatched') return r;
    if (Date.now() > deadline) throw new Error('the campaign did not complete in time');
    const wait = r.nextAt ? Math.min(1000, Math.max(0, r.nextAt.getTime() - Date.now())) : 0;
    if (wait > 0) await sleep(wait);
  }
}

export async function ledger(pool: Pool, tenant: string, campaignId: string) {
  return withTenant(pool, tenant, async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      contact_id: string;
      status: string;
      tracking_id: string;
      provider_message_id: string | null;
      last_error: string | null;
      delivery_status: string | null;
      attempts: number;
    }>(
      `SELECT id, contact_id, status, tracking_id, provider_message_id, last_error, delivery_status, attempts
       FROM dispatches WHERE tenant_id = $1 AND campaign_id = $2`,
      [tenant, campaignId],
    );
    return rows;
  });
}

export async function responsesOf(pool: Pool, tenant: string, campaignId: string) {
  return withTenant(pool, tenant, async (tx) => {
    const { rows } = await tx.query<{ channel: string; status: string; tracking_id: string; response_data: any; event_count: number }>(
      `SELECT channel, status, tracking_id, response_data, event_count FROM campaign_responses
       WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY created_at`,
      [tenant, campaignId],
    );
    return rows;
  });
}
