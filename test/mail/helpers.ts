import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeQrFiles } from '../../src/channels/mail/qr-testkit.js';
import { withTenant } from '../../src/db/pool.js';
import type { TestApp } from '../helpers/app.js';
import { readyCampaign, seedContacts, setStatus, type ContactSeed } from '../engine/helpers.js';

// A mail campaign run through the real engine: contacts, config, RUNNING (audience frozen into
// the ledger), batch jobs fired by hand until the campaign completes.

export const PUBLIC_BASE_URL = 'https://mail.example.test';
export const HUMAN_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

let seeded = 0;

export interface MailRun {
  campaignId: string;
  contactIds: string[];
}

export async function runMailCampaign(
  t: TestApp,
  tenant: string,
  n: number,
  opts: { mail?: Record<string, unknown>; contact?: (i: number) => ContactSeed; contactType?: string; batchSize?: number } = {},
): Promise<MailRun> {
  const contactType = opts.contactType ?? 'LEAD';
  const contactIds = await seedContacts(t.db.pool, tenant, n, (i) => ({ contactType, ...(opts.contact?.(i) ?? {}) }));
  // seedContacts numbers its contacts from 0: give this run's their own identities, so a tenant
  // can hold several runs.
  const run = seeded++;
  await withTenant(t.db.pool, tenant, (tx) =>
    tx.query(
      `UPDATE contacts SET external_id = external_id || '-' || $2::text, email = $2::text || '.' || email,
         phone = substr(phone, 1, 6) || lpad($2::text, 3, '0') || substr(phone, 10)
       WHERE tenant_id = $1::text AND id = ANY($3::uuid[])`,
      [tenant, String(run), contactIds],
    ),
  );
  const campaignId = await readyCampaign(t, tenant, { channels: ['mail'], batchSize: opts.batchSize ?? 1000, target: { contactType: [contactType] } });
  const put = await t.call(tenant, 'PUT', `/campaigns/${campaignId}/mails`, {
    subject: 'Your voucher, {{ contact.firstName }}',
    message: 'Scan the code below.',
    ...(opts.mail ?? {}),
  });
  if (put.statusCode !== 200) throw new Error(put.body);
  await setStatus(t, tenant, campaignId, 'RUNNING');
  for (let i = 0; i < 20; i++) {
    const r = await t.app.execution.dispatcher.runBatch(tenant, campaignId);
    if (r.result !== 'dispatched') break;
  }
  return { campaignId, contactIds };
}

export interface PrintItem {
  trackId: string;
  contact: { name: string; address: Record<string, string> };
  qrCode: string;
  scanUrl: string;
}

/** Every item of the print batch, page by page. */
export async function readPrintBatch(t: TestApp, tenant: string, campaignId: string, limit = 200): Promise<{ items: PrintItem[]; pages: number }> {
  const items: PrintItem[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await t.call(tenant, 'GET', `/campaigns/${campaignId}/mails/print?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    if (res.statusCode !== 200) throw new Error(res.body);
    const body = res.json() as { items: PrintItem[]; nextCursor: string | null };
    items.push(...body.items);
    cursor = body.nextCursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

export const tmpDir = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

/** Decodes Base64 PNG QR codes with zbar, in order. */
export function decodeBase64Pngs(pngs: string[]): string[] {
  const dir = tmpDir('mail-qr-');
  const files = pngs.map((b64, i) => {
    const f = path.join(dir, `${String(i).padStart(4, '0')}.png`);
    writeFileSync(f, Buffer.from(b64, 'base64'));
    return f;
  });
  return decodeQrFiles(files);
}

/** The scan URL as the QR code must carry it. */
export const expectedScanUrl = (base: string, trackId: string, campaignId: string, contactType: string) =>
  `${base}?trackId=${encodeURIComponent(trackId)}&campaignId=${campaignId}&contactType=${encodeURIComponent(contactType)}`;

// Each scan comes from its own client address unless a test names one (rate limits are per address).
let nextIp = 1;

/** A request to the public scan endpoint (no token) for a scan URL. */
export async function scan(
  t: TestApp,
  url: string,
  opts: { method?: 'GET' | 'HEAD'; ua?: string | null; ip?: string; headers?: Record<string, string> } = {},
) {
  const u = new URL(url);
  const n = nextIp++;
  const headers: Record<string, string> = { 'x-forwarded-for': opts.ip ?? `198.51.${n >> 8}.${n & 255}`, ...opts.headers };
  if (opts.ua !== null) headers['user-agent'] = opts.ua ?? HUMAN_UA;
  return t.app.http.inject({ method: opts.method ?? 'GET', url: `${u.pathname}${u.search}`, headers });
}
