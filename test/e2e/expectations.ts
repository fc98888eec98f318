import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Temporal } from 'temporal-polyfill';
import { expect } from 'vitest';
import { decodeQrFiles } from '../../src/channels/mail/qr-testkit.js';
import { decodeBase64Pngs, tmpDir } from '../mail/helpers.js';
import type { ApiClient } from './api-client.js';

// What the end-to-end campaign must come to, worked out from the contacts as the API shows them
// (not from our SQL), and the checks of the letters: print batch, PDF, QR codes, scans.

export interface Contact {
  id: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  contactType: string;
  address: { line1: string | null; city: string | null; postalCode: string | null } | null;
  optOut: { call: boolean; email: boolean; whatsapp: boolean; mail: boolean };
}

export interface Dispatch {
  contactId: string;
  channel: 'CALL' | 'EMAIL' | 'WHATSAPP' | 'MAIL';
  status: string;
  skipReason: string | null;
}

type Expected = Record<Dispatch['channel'], { sent: string[]; skipped: Record<string, string> }>;

/** Per channel: the contacts that must be reached, and the skipped ones with their reason. */
export function expectedLedger(contacts: Contact[], contactTypes: string[]): Expected {
  const out: Expected = { CALL: { sent: [], skipped: {} }, EMAIL: { sent: [], skipped: {} }, WHATSAPP: { sent: [], skipped: {} }, MAIL: { sent: [], skipped: {} } };
  const hasAddress = (c: Contact) => !!c.address?.line1 && !!(c.address.city || c.address.postalCode);
  const rules: [Dispatch['channel'], keyof Contact['optOut'], (c: Contact) => boolean, string][] = [
    ['CALL', 'call', (c) => !!c.phone, 'no_phone'],
    ['EMAIL', 'email', (c) => !!c.email, 'no_email'],
    ['WHATSAPP', 'whatsapp', (c) => !!c.phone, 'no_phone'],
    ['MAIL', 'mail', hasAddress, 'no_address'],
  ];
  for (const c of contacts.filter((x) => contactTypes.includes(x.contactType))) {
    for (const [channel, optOut, reachable, missing] of rules) {
      if (c.optOut[optOut]) out[channel].skipped[c.id] = 'opted_out';
      else if (!reachable(c)) out[channel].skipped[c.id] = missing;
      else out[channel].sent.push(c.id);
    }
  }
  return out;
}

/**
 * A schedule window open for the next two hours, in a zone far from UTC: Asia/Kolkata (+05:30),
 * or America/Los_Angeles when Kolkata is near midnight (the window must not cross it).
 */
export function openWindowNow() {
  for (const timeZone of ['Asia/Kolkata', 'America/Los_Angeles']) {
    const now = Temporal.Now.zonedDateTimeISO(timeZone);
    if (now.hour < 2 || now.hour > 20) continue;
    const hhmm = (t: Temporal.ZonedDateTime) => t.toPlainTime().toString().slice(0, 5);
    return {
      startOn: now.toPlainDate().toString(),
      operationalStartTime: hhmm(now.subtract({ hours: 1 })),
      operationalEndTime: hhmm(now.add({ hours: 2 })),
      timeZone,
    };
  }
  throw new Error('unreachable: one of the two zones is always between 02:00 and 21:00');
}

interface PrintItem {
  trackId: string;
  contact: { name: string };
  qrCode: string;
  scanUrl: string;
}

const POSTED = 20; // letters the operator marks as posted
const SCANNED = 8; // of those, scanned by their recipients

/** Print batch, PDF, posting and scanning; answers how many letters were posted and scanned. */
export async function runPrintChecks(api: ApiClient, id: string, letters: number, browserUa: string) {
  const items: PrintItem[] = await api.all(`/campaigns/${id}/mails/print`);
  expect(items).toHaveLength(letters);
  expect(new Set(items.map((i) => i.trackId)).size).toBe(letters);
  const scanBase = `${api.base}/r?trackId=`;
  for (const i of items) expect(i.scanUrl).toBe(`${scanBase}${i.trackId}&campaignId=${id}&contactType=${i.scanUrl.split('contactType=')[1]}`);
  expect(decodeBase64Pngs(items.map((i) => i.qrCode))).toEqual(items.map((i) => i.scanUrl));

  // The PDF: one page per letter; the QR code on page 1 is the first letter's.
  const pdf = await api.raw('GET', `/campaigns/${id}/mails/print?format=pdf&limit=3`);
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  const dir = tmpDir('e2e-pdf-');
  const file = path.join(dir, 'letters.pdf');
  writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
  expect(spawnSync('pdfinfo', [file], { encoding: 'utf8' }).stdout).toMatch(/^Pages:\s+3$/m);
  const r = spawnSync('pdftoppm', ['-f', '1', '-l', '1', '-r', '150', '-png', '-singlefile', file, path.join(dir, 'page')]);
  expect(r.status).toBe(0);
  expect(decodeQrFiles([path.join(dir, 'page.png')])).toEqual([items[0].scanUrl]);
  expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');

  for (const i of items.slice(0, POSTED)) {
    await api.json('POST', `/campaigns/${id}/mails/${i.trackId}/status`, { status: 'SEND' });
  }
  // Scans are public (no token) and come from the decoded URL, as a phone would open it.
  const open = (url: string, method = 'GET') => fetch(url, { method, redirect: 'manual', headers: { 'user-agent': browserUa } });
  for (const i of items.slice(0, SCANNED)) {
    const res = await open(i.scanUrl);
    expect([res.status, res.headers.get('location')]).toEqual([302, 'https://shop.example.com/spring-offer']);
  }
  expect((await open(items[0].scanUrl)).status).toBe(302); // a repeat scan: counted once
  expect((await open(items[SCANNED].scanUrl, 'HEAD')).status).toBe(302); // a link check: not a response
  const responded = await api.all(`/campaigns/${id}/responses?channel=MAIL&status=RESPONDED`);
  expect(responded.map((x) => x.trackingId).sort()).toEqual(items.slice(0, SCANNED).map((i) => i.trackId).sort());
  expect(responded.find((x) => x.trackingId === items[0].trackId)?.eventCount).toBe(2);
  return { posted: POSTED, scanned: SCANNED };
}
