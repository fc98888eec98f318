import { Readable } from 'node:stream';

// A contacts CSV of any size, made on the fly in ~64 KiB chunks so neither a test nor the
// benchmark ever holds the file: what it measures is the server's memory, not the client's.
// Rows are deterministic in their number, so a check can recompute any of them.
//
// Distributions (chosen so a realistic target matches ~65% and a keyset page at depth 5,000
// of 100 exists in 1M rows): contact type `customer` 90% / `lead` 10%; tags "VIP;Newsletter",
// "newsletter" or "Beta;newsletter" for 80%, "beta" or none for the rest; births spread over
// 1945..2006; gender MALE / FEMALE / OTHER / empty; every phone valid and distinct.

export const CSV_HEADER = 'email,first_name,last_name,phone,birth_date,gender,contact_type,tags';

const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Marie', 'Nikola', 'Emmy', 'Kurt', 'Rosalind', 'Edsger'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Curie', 'Tesla', 'Noether', 'Gödel', 'Franklin', 'Dijkstra'];
const GENDERS = ['MALE', 'FEMALE', '', 'OTHER'];
const TAGS = ['VIP;Newsletter', 'newsletter', 'Beta;newsletter', 'newsletter'];
const AREAS = [212, 310, 415, 617, 646, 718, 202, 305];
const DAY_MS = 86_400_000;
const BIRTH_START = Date.UTC(1945, 0, 1);

/** Row i (0-based) as one CSV line, without its line break. */
export function csvRow(i: number): string {
  const area = AREAS[Math.floor(i / 1_000_000) % AREAS.length];
  const exchange = 200 + (Math.floor(i / 10_000) % 100);
  const phone = `+1 ${area} ${exchange}-${String(i % 10_000).padStart(4, '0')}`;
  const birth = new Date(BIRTH_START + ((i * 7919) % 22_400) * DAY_MS).toISOString().slice(0, 10);
  const type = i % 10 === 9 ? 'lead' : 'customer';
  return `person${i}@example.test,${FIRST[i % 10]},${LAST[(i >> 3) % 10]},${phone},${birth},${GENDERS[i % 4]},${type},${i % 5 === 4 ? (i % 2 ? 'beta' : '') : TAGS[i % 5]}`;
}

/** The whole file, header first, in chunks of about 64 KiB. */
export async function* csvChunks(rows: number, opts: { crlf?: boolean } = {}): AsyncGenerator<Buffer> {
  const eol = opts.crlf ? '\r\n' : '\n';
  let buf = CSV_HEADER + eol;
  for (let i = 0; i < rows; i++) {
    buf += csvRow(i) + eol;
    if (buf.length >= 64 * 1024) {
      yield Buffer.from(buf);
      buf = '';
    }
  }
  if (buf.length > 0) yield Buffer.from(buf);
}

export const csvStream = (rows: number, opts: { crlf?: boolean } = {}) => Readable.from(csvChunks(rows, opts), { objectMode: false });
