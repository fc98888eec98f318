// The contact directory: what the API, the importer and the audience preview need from wherever
// contacts live. Ours is PostgreSQL (below); an external contact service can be plugged in by
// implementing the same interface in app.ts. (The audience freeze is one SQL statement over the
// contacts table and stays in the ledger's queries: it is what makes a 1M-contact start atomic.)
import { withTenant, type Pool, type Queryable } from '../../db/pool.js';
import * as q from '../../db/queries/contacts.js';
import { upsertContactRounds } from '../../db/queries/contact-upsert.js';
import type { TargetSpec } from '../../db/queries/targeting.js';
import { AppError, notFound } from '../../lib/errors.js';
import { identityKey } from './normalize.js';
import type { Address, ChannelName, ContactInput, Gender } from './types.js';

/** A stored contact as the API shows it. */
export interface Contact {
  id: string;
  externalId: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  birthDate: string | null;
  gender: Gender | null;
  contactType: string;
  tags: string[];
  address: Address | null;
  attributes: Record<string, unknown>;
  optOut: Record<ChannelName, boolean>;
  createdAt: string;
  updatedAt: string;
}

export type ContactFilter = q.ContactFilter;

export interface ContactPage {
  items: Contact[];
  /** The last id of this page when there may be more; pass it back as `afterId`. */
  nextAfterId: string | null;
}

export interface UpsertCounts {
  imported: number;
  updated: number;
  unchanged: number;
}

export interface ContactDirectory {
  /** Throws `conflict` (details.existingId) when a contact already has this identity. */
  create(tenantId: string, input: ContactInput): Promise<Contact>;
  get(tenantId: string, id: string): Promise<Contact>;
  /** Replaces every field; `conflict` when the new identity belongs to another contact. */
  replace(tenantId: string, id: string, input: ContactInput): Promise<Contact>;
  remove(tenantId: string, id: string): Promise<void>;
  list(tenantId: string, filter: ContactFilter, page: { limit: number; afterId?: string }): Promise<ContactPage>;
  /**
   * Upserts by identity in input order, as if one by one: a later row with the same identity
   * updates what an earlier one created. Values that do not change leave updated_at alone.
   * The rows may be written by several transactions at once, each holding a disjoint set of
   * identities (a "lane"); `withinTransaction` runs inside each of them with that lane's counts
   * (the importer records its progress there), and always at least for lane 0.
   */
  upsertMany(
    tenantId: string,
    inputs: ContactInput[],
    withinTransaction?: (tx: Queryable, counts: UpsertCounts, lane: number) => Promise<void>,
  ): Promise<UpsertCounts>;
  /** Who a target reaches on a local date: the freeze's own predicate, keyset by id. */
  targeted(tenantId: string, target: TargetSpec, onDate: string, page: { limit: number; afterId?: string }): Promise<ContactPage>;
  countTargeted(tenantId: string, target: TargetSpec, onDate: string): Promise<number>;
}

export function toContact(r: q.ContactRow): Contact {
  return {
    id: r.id,
    externalId: r.external_id,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    phone: r.phone,
    birthDate: r.birth_date,
    gender: r.gender as Gender | null,
    contactType: r.contact_type,
    tags: r.tags,
    address: r.address
      ? {
          line1: r.address.line1 ?? null,
          line2: r.address.line2 ?? null,
          city: r.address.city ?? null,
          region: r.address.region ?? null,
          postalCode: r.address.postalCode ?? null,
          country: r.address.country ?? null,
        }
      : null,
    attributes: r.attributes,
    optOut: { call: r.opt_out_call, email: r.opt_out_email, whatsapp: r.opt_out_whatsapp, mail: r.opt_out_mail },
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function duplicate(existingId: string): AppError {
  return new AppError('conflict', `a contact with this identity (externalId, else email, else phone) already exists: ${existingId}`, {
    details: { existingId },
  });
}

/**
 * Splits rows into rounds of distinct identities, keeping file order inside each identity: round
 * k holds the k-th occurrence of every identity. Running the rounds in order is the same as
 * applying the rows one by one.
 */
export function identityRounds(inputs: ContactInput[]): ContactInput[][] {
  const seen = new Map<string, number>();
  const rounds: ContactInput[][] = [];
  for (const c of inputs) {
    const key = identityKey(c);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    (rounds[n] ??= []).push(c);
  }
  return rounds;
}

/** FNV-1a: a cheap, stable spread of identities over lanes. */
function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}

/** Splits rows by identity into `lanes` lists, file order kept inside each. */
export function identityLanes(inputs: ContactInput[], lanes: number): ContactInput[][] {
  const out: ContactInput[][] = Array.from({ length: lanes }, () => []);
  for (const c of inputs) out[laneOf(identityKey(c), lanes)].push(c);
  return out;
}

function pageOf(rows: q.ContactRow[], limit: number): ContactPage {
  const items = rows.slice(0, limit).map(toContact);
  return { items, nextAfterId: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

/**
 * `lanes`: import transactions written side by side (default 2). One backend is the limit of an
 * import otherwise: the parser waits for PostgreSQL, whose index maintenance is one core's work
 * per transaction; two lanes let a second core (or disk queue) take half of it.
 */
export function makePgContactDirectory(deps: { pool: Pool; lanes?: number }): ContactDirectory {
  const { pool } = deps;
  const lanes = deps.lanes ?? 2;
  return {
    async create(tenantId, input) {
      return withTenant(pool, tenantId, async (tx) => {
        await q.lockTenantContacts(tx, tenantId);
        const existing = await q.findIdentity(tx, tenantId, input);
        if (existing) throw duplicate(existing);
        return toContact(await q.insertContact(tx, tenantId, input));
      });
    },

    async get(tenantId, id) {
      const row = await withTenant(pool, tenantId, (tx) => q.getContact(tx, tenantId, id));
      if (!row) throw notFound('contact');
      return toContact(row);
    },

    async replace(tenantId, id, input) {
      return withTenant(pool, tenantId, async (tx) => {
        await q.lockTenantContacts(tx, tenantId);
        if (!(await q.getContact(tx, tenantId, id))) throw notFound('contact');
        const existing = await q.findIdentity(tx, tenantId, input, id);
        if (existing) throw duplicate(existing);
        const row = await q.replaceContact(tx, tenantId, id, input);
        if (!row) throw notFound('contact');
        return toContact(row);
      });
    },

    async remove(tenantId, id) {
      const gone = await withTenant(pool, tenantId, (tx) => q.deleteContact(tx, tenantId, id));
      if (!gone) throw notFound('contact');
    },

    async list(tenantId, filter, page) {
      const rows = await withTenant(pool, tenantId, (tx) =>
        q.listContacts(tx, tenantId, filter, { limit: page.limit + 1, afterId: page.afterId }),
      );
      return pageOf(rows, page.limit);
    },

    async upsertMany(tenantId, inputs, withinTransaction) {
      const byLane = identityLanes(inputs, lanes);
      const results = await Promise.all(
        byLane.map((laneInputs, lane) =>
          laneInputs.length === 0 && (lane > 0 || !withinTransaction)
            ? { imported: 0, updated: 0, unchanged: 0 }
            : withTenant(pool, tenantId, async (tx) => {
                await q.lockTenantContactsLane(tx, tenantId, lane);
                const r = await upsertContactRounds(tx, tenantId, identityRounds(laneInputs));
                const counts: UpsertCounts = { imported: r.inserted, updated: r.updated, unchanged: r.unchanged };
                await withinTransaction?.(tx, counts, lane);
                return counts;
              }),
        ),
      );
      return results.reduce((a, b) => ({
        imported: a.imported + b.imported,
        updated: a.updated + b.updated,
        unchanged: a.unchanged + b.unchanged,
      }));
    },

    async targeted(tenantId, target, onDate, page) {
      const rows = await withTenant(pool, tenantId, (tx) =>
        q.targetedContacts(tx, tenantId, target, onDate, { limit: page.limit + 1, afterId: page.afterId }),
      );
      return pageOf(rows, page.limit);
    },

    async countTargeted(tenantId, target, onDate) {
      return withTenant(pool, tenantId, (tx) => q.countTargeted(tx, tenantId, target, onDate));
    },
  };
}
