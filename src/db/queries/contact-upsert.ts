import { once } from 'node:events';
import { from as copyFrom } from 'pg-copy-streams';
import type { Queryable } from '../pool.js';
import type { ContactInput } from '../../domain/contacts/types.js';
import { tagKey } from './targeting.js';

// The import's write path: a batch of contacts is COPYed into a temporary staging table (the
// fastest way into PostgreSQL: no per-row parameters, no JSON to parse on the server), then
// merged into contacts with one statement per round of distinct identities. Everything runs in
// the caller's transaction, which holds lockTenantContacts or its lane's lock (contacts.ts), so
// nothing can claim one of its identities between the lookup and the insert.
//
// Identity: a staged row is resolved against the index of ITS identity (externalId, else email,
// else phone): a row with an externalId never matches a contact by email, and a row with an
// email never matches a contact that has an externalId (the three partial unique indexes of 003).

// How an import row changes a matched contact: a value the row has replaces the stored one; an
// empty cell (or a column the file does not have) keeps it, so a phone list never erases
// birthdays. Attributes are merged key by key; tags are replaced when the row has any.
const MERGE: Record<string, string> = {
  first_name: 'coalesce(m.first_name, c.first_name)',
  last_name: 'coalesce(m.last_name, c.last_name)',
  email: 'coalesce(m.email, c.email)',
  phone: 'coalesce(m.phone, c.phone)',
  birth_date: 'coalesce(m.birth_date, c.birth_date)',
  gender: 'coalesce(m.gender, c.gender)',
  contact_type: 'm.contact_type',
  tags: 'CASE WHEN cardinality(m.tags) > 0 THEN m.tags ELSE c.tags END',
  tag_keys: 'CASE WHEN cardinality(m.tag_keys) > 0 THEN m.tag_keys ELSE c.tag_keys END',
  address: 'coalesce(m.address, c.address)',
  attributes: `c.attributes || coalesce(m.attributes, '{}')`,
  opt_out_call: 'coalesce(m.opt_out_call, c.opt_out_call)',
  opt_out_email: 'coalesce(m.opt_out_email, c.opt_out_email)',
  opt_out_whatsapp: 'coalesce(m.opt_out_whatsapp, c.opt_out_whatsapp)',
  opt_out_mail: 'coalesce(m.opt_out_mail, c.opt_out_mail)',
};
const MERGE_COLS = Object.keys(MERGE);

const STAGE_COLUMNS = `round int, external_id text, first_name text, last_name text, email text, phone text,
  birth_date date, gender text, contact_type text, tags text[], tag_keys text[], address jsonb, attributes jsonb,
  opt_out_call boolean, opt_out_email boolean, opt_out_whatsapp boolean, opt_out_mail boolean`;

// The lookups are LATERAL probes on purpose: while an import grows a tenant from nothing to a
// million rows, the table's statistics still say "a few rows", and a plain LEFT JOIN was then
// planned as "read every contact of the tenant once, compare with every staged row": quadratic.
// A lateral probe (kept one by its LIMIT, which stops the planner from flattening it into a
// join) can only be an index lookup per staged row, or a scan of a truly tiny table.
const UPSERT_SQL = `
WITH matched AS (
  SELECT i.*, coalesce(cx.id, ce.id, cp.id) AS existing_id
  FROM contact_import_stage i
  LEFT JOIN LATERAL (SELECT id FROM contacts WHERE i.external_id IS NOT NULL
    AND tenant_id = $1::text AND external_id = i.external_id LIMIT 1) cx ON true
  LEFT JOIN LATERAL (SELECT id FROM contacts WHERE i.external_id IS NULL AND i.email IS NOT NULL
    AND tenant_id = $1::text AND email = i.email AND external_id IS NULL LIMIT 1) ce ON true
  LEFT JOIN LATERAL (SELECT id FROM contacts WHERE i.external_id IS NULL AND i.email IS NULL
    AND tenant_id = $1::text AND phone = i.phone AND email IS NULL AND external_id IS NULL LIMIT 1) cp ON true
  WHERE i.round = $2::int
),
upd AS (
  UPDATE contacts c SET ${MERGE_COLS.map((col) => `${col} = ${MERGE[col]}`).join(', ')}, updated_at = now()
  FROM matched m
  WHERE c.tenant_id = $1::text AND c.id = m.existing_id
    AND (${MERGE_COLS.map((col) => `c.${col}`).join(', ')})
        IS DISTINCT FROM (${MERGE_COLS.map((col) => MERGE[col]).join(', ')})
  RETURNING 1
),
ins AS (
  INSERT INTO contacts (tenant_id, external_id, first_name, last_name, email, phone, birth_date, gender,
    contact_type, tags, tag_keys, address, attributes, opt_out_call, opt_out_email, opt_out_whatsapp, opt_out_mail)
  SELECT $1::text, m.external_id, m.first_name, m.last_name, m.email, m.phone, m.birth_date, m.gender,
    m.contact_type, m.tags, m.tag_keys, m.address, coalesce(m.attributes, '{}'), coalesce(m.opt_out_call, false),
    coalesce(m.opt_out_email, false), coalesce(m.opt_out_whatsapp, false), coalesce(m.opt_out_mail, false)
  FROM matched m WHERE m.existing_id IS NULL
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted,
       (SELECT count(*) FROM upd)::int AS updated,
       (SELECT count(*) FROM matched WHERE existing_id IS NOT NULL)::int AS matched`;

// ---- COPY text format ----------------------------------------------------------------------

const NULL = '\\N';
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value of a COPY text row: backslash, tab and line breaks escaped. */
function text(v: string | null | undefined): string {
  if (v === null || v === undefined) return NULL;
  return SPECIAL.test(v) ? v.replace(SPECIAL_ALL, (m) => ESCAPES[m]) : v;
}

/** A text[] literal: every element double-quoted (quotes and backslashes escaped inside). */
function array(items: readonly string[]): string {
  return text(`{${items.map((t) => `"${t.replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
}

const flag = (v: boolean | undefined) => (v === undefined ? NULL : v ? 't' : 'f');

export function copyLine(round: number, c: ContactInput): string {
  return [
    String(round),
    text(c.externalId),
    text(c.firstName),
    text(c.lastName),
    text(c.email),
    text(c.phone),
    text(c.birthDate),
    text(c.gender),
    text(c.contactType),
    array(c.tags),
    array([...new Set(c.tags.map(tagKey))]),
    c.address === null ? NULL : text(JSON.stringify(c.address)),
    text(JSON.stringify(c.attributes)),
    flag(c.optOut.call),
    flag(c.optOut.email),
    flag(c.optOut.whatsapp),
    flag(c.optOut.mail),
  ].join('\t');
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/**
 * Upserts rounds of contacts (within a round all identities are distinct; round k+1 runs after
 * round k, so later rows of one identity update what earlier ones wrote). Must run inside a
 * transaction holding lockTenantContacts or lockTenantContactsLane for these identities; the
 * staging table is dropped at its commit.
 */
export async function upsertContactRounds(q: Queryable, tenantId: string, rounds: ContactInput[][]): Promise<UpsertCounts> {
  const total = { inserted: 0, updated: 0, unchanged: 0 };
  if (rounds.every((r) => r.length === 0)) return total;
  // The batch's commit does not wait for its WAL flush: an import commits a batch every few
  // thousand rows, and on a slow disk the flushes were most of its time. Nothing is lost for
  // the client: the import's final commit (synchronous) flushes the WAL up to itself, so every
  // batch before it is durable when the answer leaves. A crash mid-import loses at most the
  // last batches, together with their counters (same transaction); a re-import finishes it.
  // (Dropped first in case a caller upserts twice in one transaction.)
  await q.query(`SET LOCAL synchronous_commit = off; DROP TABLE IF EXISTS pg_temp.contact_import_stage;
    CREATE TEMP TABLE contact_import_stage (${STAGE_COLUMNS}) ON COMMIT DROP`);
  const stream = q.query(copyFrom('COPY contact_import_stage FROM STDIN'));
  // once() rejects when the stream emits 'error' (a row PostgreSQL refuses): the caller rolls back.
  const done = once(stream, 'finish');
  done.catch(() => {}); // awaited below; never unhandled if a drain wait throws first
  let chunk = '';
  for (const [round, contacts] of rounds.entries()) {
    for (const c of contacts) {
      chunk += copyLine(round, c) + '\n';
      if (chunk.length < 256 * 1024) continue;
      if (!stream.write(chunk)) await once(stream, 'drain');
      chunk = '';
    }
  }
  stream.end(chunk);
  await done;
  for (let round = 0; round < rounds.length; round++) {
    const { rows } = await q.query<{ inserted: number; updated: number; matched: number }>(UPSERT_SQL, [tenantId, round]);
    total.inserted += rows[0].inserted;
    total.updated += rows[0].updated;
    total.unchanged += rows[0].matched - rows[0].updated;
  }
  return total;
}
