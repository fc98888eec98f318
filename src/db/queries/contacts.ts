import type { Queryable } from '../pool.js';
import type { ContactInput } from '../../domain/contacts/types.js';
import { tagKey, targetWhereSql, type TargetSpec } from './targeting.js';

// All SQL of the contacts aggregate. Every function takes the connection first and the tenant
// id; row-level security is the second line of defence.
//
// Identity: a contact's identity is its externalId, else its email, else its phone (the three
// partial unique indexes of 003 hold exactly one of them per contact). A row to upsert is
// resolved against the index of ITS identity: a row with an externalId never matches a contact
// by email, and a row with an email never matches a contact that has an externalId.

export interface ContactRow {
  id: string;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  birth_date: string | null;
  gender: string | null;
  contact_type: string;
  tags: string[];
  address: Record<string, string | null> | null;
  attributes: Record<string, unknown>;
  opt_out_call: boolean;
  opt_out_email: boolean;
  opt_out_whatsapp: boolean;
  opt_out_mail: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, external_id, first_name, last_name, email, phone, birth_date, gender, contact_type, tags,
  address, attributes, opt_out_call, opt_out_email, opt_out_whatsapp, opt_out_mail, created_at, updated_at`;

/** A contact as one JSON record for json_to_recordset (see RECORD below). */
function toRecord(c: ContactInput) {
  return {
    external_id: c.externalId,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    phone: c.phone,
    birth_date: c.birthDate,
    gender: c.gender,
    contact_type: c.contactType,
    tags: c.tags,
    tag_keys: [...new Set(c.tags.map(tagKey))],
    address: c.address,
    attributes: c.attributes,
    opt_out_call: c.optOut.call,
    opt_out_email: c.optOut.email,
    opt_out_whatsapp: c.optOut.whatsapp,
    opt_out_mail: c.optOut.mail,
  };
}

// One parameter for a whole batch: json_to_recordset parses it faster than a dozen unnested
// arrays and carries the per-row tag arrays, which unnest cannot (it flattens nested arrays).
const RECORD = `json_to_recordset($2::json) AS r(
  external_id text, first_name text, last_name text, email text, phone text, birth_date date,
  gender text, contact_type text, tags text[], tag_keys text[], address jsonb, attributes jsonb,
  opt_out_call boolean, opt_out_email boolean, opt_out_whatsapp boolean, opt_out_mail boolean)`;

/**
 * Serialises writers of one tenant's contacts (import batches, creates, updates) for the rest of
 * the transaction: "find by identity, else insert" is then race-free without retry loops. Other
 * tenants and readers are not blocked.
 */
export async function lockTenantContacts(q: Queryable, tenantId: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('contacts:' || $1::text, 0))`, [tenantId]);
}

/**
 * What an import batch takes instead: the tenant's lock SHARED (creates and updates, which take
 * it exclusively, wait) and its lane's lock exclusively. Lanes hold disjoint identities (split
 * by identity, see identityLanes), so two lanes can never look up or insert the same identity,
 * and one lane's batches stay in file order.
 */
export async function lockTenantContactsLane(q: Queryable, tenantId: string, lane: number): Promise<void> {
  await q.query(
    `SELECT pg_advisory_xact_lock_shared(hashtextextended('contacts:' || $1::text, 0)),
            pg_advisory_xact_lock(hashtextextended('contacts:' || $1::text || ':lane:' || $2::int, 0))`,
    [tenantId, lane],
  );
}

/** The id of the contact holding this identity (externalId, else email, else phone), if any. */
export async function findIdentity(
  q: Queryable,
  tenantId: string,
  c: Pick<ContactInput, 'externalId' | 'email' | 'phone'>,
  exceptId?: string,
): Promise<string | null> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT id FROM contacts
     WHERE tenant_id = $1::text AND id IS DISTINCT FROM $5::uuid AND CASE
       WHEN $2::text IS NOT NULL THEN external_id = $2::text
       WHEN $3::text IS NOT NULL THEN external_id IS NULL AND email = $3::text
       ELSE external_id IS NULL AND email IS NULL AND phone = $4::text END
     LIMIT 1`,
    [tenantId, c.externalId, c.email, c.phone, exceptId ?? null],
  );
  return rows[0]?.id ?? null;
}

export async function insertContact(q: Queryable, tenantId: string, c: ContactInput): Promise<ContactRow> {
  const { rows } = await q.query<ContactRow>(
    `INSERT INTO contacts (tenant_id, external_id, first_name, last_name, email, phone, birth_date, gender,
       contact_type, tags, tag_keys, address, attributes, opt_out_call, opt_out_email, opt_out_whatsapp, opt_out_mail)
     SELECT $1::text, r.external_id, r.first_name, r.last_name, r.email, r.phone, r.birth_date, r.gender,
       r.contact_type, r.tags, r.tag_keys, r.address, coalesce(r.attributes, '{}'), coalesce(r.opt_out_call, false),
       coalesce(r.opt_out_email, false), coalesce(r.opt_out_whatsapp, false), coalesce(r.opt_out_mail, false)
     FROM ${RECORD}
     RETURNING ${COLUMNS}`,
    [tenantId, JSON.stringify([toRecord(c)])],
  );
  return rows[0];
}

/** PUT semantics: every field is replaced (an absent one becomes empty). */
export async function replaceContact(q: Queryable, tenantId: string, id: string, c: ContactInput): Promise<ContactRow | null> {
  const { rows } = await q.query<ContactRow>(
    `UPDATE contacts c SET external_id = r.external_id, first_name = r.first_name, last_name = r.last_name,
       email = r.email, phone = r.phone, birth_date = r.birth_date, gender = r.gender, contact_type = r.contact_type,
       tags = r.tags, tag_keys = r.tag_keys, address = r.address, attributes = coalesce(r.attributes, '{}'),
       opt_out_call = coalesce(r.opt_out_call, false), opt_out_email = coalesce(r.opt_out_email, false),
       opt_out_whatsapp = coalesce(r.opt_out_whatsapp, false), opt_out_mail = coalesce(r.opt_out_mail, false),
       updated_at = now()
     FROM ${RECORD}
     WHERE c.tenant_id = $1::text AND c.id = $3::uuid
     RETURNING ${COLUMNS.split(',').map((col) => `c.${col.trim()}`).join(', ')}`,
    [tenantId, JSON.stringify([toRecord(c)]), id],
  );
  return rows[0] ?? null;
}

export async function getContact(q: Queryable, tenantId: string, id: string): Promise<ContactRow | null> {
  const { rows } = await q.query<ContactRow>(
    `SELECT ${COLUMNS} FROM contacts WHERE tenant_id = $1::text AND id = $2::uuid`,
    [tenantId, id],
  );
  return rows[0] ?? null;
}

export async function deleteContact(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  const { rowCount } = await q.query(`DELETE FROM contacts WHERE tenant_id = $1::text AND id = $2::uuid`, [tenantId, id]);
  return (rowCount ?? 0) > 0;
}

export interface ContactFilter {
  contactType?: string[];
  gender?: string[];
  /** Compared trimmed and case-insensitively; a contact must carry every one listed. */
  tags?: string[];
  /** Contains-search over first name, last name, email and phone (digits of a phone query too). */
  q?: string;
}

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/** Keyset page in id order: `id > afterId`, so a deep page costs what the first one does. */
export async function listContacts(
  q: Queryable,
  tenantId: string,
  filter: ContactFilter,
  page: { limit: number; afterId?: string },
): Promise<ContactRow[]> {
  const params: unknown[] = [tenantId];
  const p = (v: unknown, cast: string) => {
    params.push(v);
    return `$${params.length}::${cast}`;
  };
  const where = ['tenant_id = $1::text'];
  if (filter.contactType?.length) where.push(`contact_type = ANY(${p(filter.contactType, 'text[]')})`);
  if (filter.gender?.length) where.push(`gender = ANY(${p(filter.gender, 'text[]')})`);
  const tags = [...new Set((filter.tags ?? []).map(tagKey).filter((t) => t !== ''))];
  if (tags.length) where.push(`tag_keys @> ${p(tags, 'text[]')}`);
  const text = filter.q?.trim().toLowerCase();
  if (text) {
    const search = 'contact_search_text(first_name, last_name, email, phone)';
    const alternatives = [`${search} LIKE ${p(likePattern(text), 'text')}`];
    // "(212) 555-01" finds +1212555017x: phones are stored as E.164 digits.
    const digits = text.replace(/\D/g, '');
    if (digits.length >= 3 && /^[\d\s()+.\-/]+$/.test(text) && digits !== text) {
      alternatives.push(`${search} LIKE ${p(likePattern(digits), 'text')}`);
    }
    where.push(`(${alternatives.join(' OR ')})`);
  }
  if (page.afterId) where.push(`id > ${p(page.afterId, 'uuid')}`);
  const { rows } = await q.query<ContactRow>(
    `SELECT ${COLUMNS} FROM contacts WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${p(page.limit, 'int')}`,
    params,
  );
  return rows;
}

// ---- Targeting ---------------------------------------------------------------------------

/**
 * A keyset page of the contacts a target reaches on `onDate` (the campaign's local date), with
 * the very predicate the audience freeze uses. Order: id, served by contacts_target (one type)
 * or the (tenant_id, id) key (several types); a page reads from the cursor on, whatever its depth.
 * The statement is exposed on its own so the benchmark can EXPLAIN exactly what runs.
 */
export function targetedContactsQuery(
  tenantId: string,
  target: TargetSpec,
  onDate: string,
  page: { limit: number; afterId?: string },
): { text: string; values: unknown[] } {
  const where = targetWhereSql('c', target, onDate, 4);
  return {
    text: `SELECT ${COLUMNS.split(',').map((col) => `c.${col.trim()}`).join(', ')} FROM contacts c
     WHERE c.tenant_id = $1::text AND ${page.afterId ? 'c.id > $2::uuid' : '$2::uuid IS NULL'} AND ${where.sql}
     ORDER BY c.id LIMIT $3::int`,
    values: [tenantId, page.afterId ?? null, page.limit, ...where.params],
  };
}

export async function targetedContacts(
  q: Queryable,
  tenantId: string,
  target: TargetSpec,
  onDate: string,
  page: { limit: number; afterId?: string },
): Promise<ContactRow[]> {
  const { text, values } = targetedContactsQuery(tenantId, target, onDate, page);
  const { rows } = await q.query<ContactRow>(text, values);
  return rows;
}

export async function countTargeted(q: Queryable, tenantId: string, target: TargetSpec, onDate: string): Promise<number> {
  const where = targetWhereSql('c', target, onDate, 2);
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM contacts c WHERE c.tenant_id = $1::text AND ${where.sql}`,
    [tenantId, ...where.params],
  );
  return rows[0].n;
}
