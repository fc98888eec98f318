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
   * `withinTransaction` runs in the same transaction (the importer records its progress there).
   */
  upsertMany(
    tenantId: string,
    inputs: ContactInput[],
    withinTransaction?: (tx: Queryable, counts: UpsertCounts) => Promise<void>,
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

function pageOf(rows: q.ContactRow[], limit: number): ContactPage {
  const items = rows.slice(0, limit).map(toContact);
  return { items, nextAfterId: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export function makePgContactDirectory(deps: { pool: Pool }): ContactDirectory {
  const { pool } = deps;
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
      return withTenant(pool, tenantId, async (tx) => {
        await q.lockTenantContacts(tx, tenantId);
        const r = await upsertContactRounds(tx, tenantId, identityRounds(inputs));
        const counts: UpsertCounts = { imported: r.inserted, updated: r.updated, unchanged: r.unchanged };
        await withinTransaction?.(tx, counts);
        return counts;
      });
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
