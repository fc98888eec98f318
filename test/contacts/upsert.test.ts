import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/pool.js';
import { upsertContactRounds } from '../../src/db/queries/contact-upsert.js';
import { makePgContactDirectory } from '../../src/domain/contacts/store.js';
import type { ContactInput } from '../../src/domain/contacts/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { newTenant } from '../helpers/app.js';

// The import's write path on real PostgreSQL, below the HTTP layer: COPY into the staging table,
// rounds of one identity in file order, and a second upsert in the same transaction.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());

const contact = (email: string, firstName: string, extra: Partial<ContactInput> = {}): ContactInput => ({
  externalId: null,
  firstName,
  lastName: null,
  email,
  phone: null,
  birthDate: null,
  gender: null,
  contactType: 'customer',
  tags: [],
  address: null,
  attributes: {},
  optOut: {},
  ...extra,
});

describe('contact upsert', () => {
  it('applies one identity several times in one batch in file order, through the directory', async () => {
    const tenant = newTenant();
    const directory = makePgContactDirectory({ pool: db.pool });
    const counts = await directory.upsertMany(tenant, [
      contact('a@example.com', 'First', { tags: ['One'] }),
      contact('b@example.com', 'Bee'),
      contact('a@example.com', 'Second'),
      contact('a@example.com', 'Third', { optOut: { email: true } }),
    ]);
    expect(counts).toEqual({ imported: 2, updated: 2, unchanged: 0 });
    const page = await directory.list(tenant, {}, { limit: 10 });
    const a = page.items.find((c) => c.email === 'a@example.com');
    // The last row wins where it has a value; the first row's tags stay (the others had none).
    expect(a).toMatchObject({ firstName: 'Third', tags: ['One'], optOut: { email: true, call: false } });
    expect(page.items).toHaveLength(2);
  });

  it('writes the same contacts whether one lane or four share the batch', async () => {
    const rows: ContactInput[] = [];
    for (let i = 0; i < 300; i++) {
      const n = i % 120; // every identity two or three times, in file order
      if (n % 3 === 0) rows.push(contact(`p${n}@example.com`, `E${i}`, { tags: i < 120 ? ['First'] : [] }));
      else if (n % 3 === 1) rows.push(contact(`p${n}@example.com`, `X${i}`, { externalId: `crm-${n}` }));
      else rows.push(contact(`p${n}@example.com`, `P${i}`, { email: null, phone: `+1212555${String(1000 + n)}` }));
    }
    const stored = async (lanes: number) => {
      const tenant = newTenant();
      const counts = await makePgContactDirectory({ pool: db.pool, lanes }).upsertMany(tenant, rows);
      const { rows: contacts } = await withTenant(db.pool, tenant, (tx) =>
        tx.query(`SELECT external_id, email, phone, first_name, tags FROM contacts ORDER BY external_id, email, phone`),
      );
      return { counts, contacts };
    };
    const one = await stored(1);
    expect(one.counts).toEqual({ imported: 120, updated: 180, unchanged: 0 });
    expect(one.contacts).toHaveLength(120);
    expect(one.contacts.find((c) => c.email === 'p0@example.com')).toMatchObject({ first_name: 'E240', tags: ['First'] });
    expect(await stored(4)).toEqual(one);
  });

  it('can run twice in one transaction (the staging table is made afresh)', async () => {
    const tenant = newTenant();
    const result = await withTenant(db.pool, tenant, async (tx) => [
      await upsertContactRounds(tx, tenant, [[contact('x@example.com', 'X'), contact('y@example.com', 'Y')]]),
      await upsertContactRounds(tx, tenant, [[contact('x@example.com', 'X2')], [contact('x@example.com', 'X2')]]),
    ]);
    expect(result).toEqual([
      { inserted: 2, updated: 0, unchanged: 0 },
      { inserted: 0, updated: 1, unchanged: 1 },
    ]);
    const { rows } = await withTenant(db.pool, tenant, (tx) =>
      tx.query<{ email: string; first_name: string }>('SELECT email, first_name FROM contacts ORDER BY email'),
    );
    expect(rows).toEqual([
      { email: 'x@example.com', first_name: 'X2' },
      { email: 'y@example.com', first_name: 'Y' },
    ]);
  });
});
