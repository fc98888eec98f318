// The importer must stream: a file is never held whole, so a large upload costs one chunk of
// memory, and the parse + normalise path must stay fast enough for large imports.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { testNormalizer } from '../../../test/fixtures/contacts/helpers.js';
import { parseContactsCsv } from './csv-import.js';

const ROWS = 200_000;
const CHUNK = 64 * 1024;

// gc() without restarting node with --expose-gc: live memory is what we measure, not garbage
// the collector has not reached yet.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function row(i: number): string {
  const phone = `+1212555${String(i % 10_000).padStart(4, '0')}`;
  return `id-${i},user${i}@example.com,${phone},First${i},Last${i},vip;news,"note ${i}, with a comma"\n`;
}

/** The file is generated as it is read: the test itself never holds it either. */
async function* generatedCsv(stats: { bytes: number }): AsyncGenerator<Buffer> {
  let pending = 'external_id,email,phone,first_name,last_name,tags,notes\n';
  for (let i = 0; i < ROWS; i++) {
    pending += row(i);
    if (pending.length >= CHUNK) {
      const bytes = Buffer.from(pending, 'utf8');
      const chunk = bytes.subarray(0, CHUNK);
      stats.bytes += chunk.length;
      yield chunk;
      pending = bytes.subarray(CHUNK).toString('utf8'); // ASCII only: no character is cut
    }
  }
  stats.bytes += Buffer.byteLength(pending);
  yield Buffer.from(pending, 'utf8');
}

describe('parseContactsCsv streaming', () => {
  it('parses 200,000 rows from 64 KiB chunks in constant memory', async () => {
    const normalizer = testNormalizer();
    const stats = { bytes: 0 };
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let maxGrowth = 0;
    let count = 0;
    let misplaced = 0;
    let invalid = 0;
    for await (const parsed of parseContactsCsv(generatedCsv(stats), { normalizer })) {
      if (parsed.line !== count + 2) misplaced++;
      if (parsed.contact === undefined) invalid++;
      count++;
      if (count % 40_000 === 0) {
        gc();
        maxGrowth = Math.max(maxGrowth, process.memoryUsage().heapUsed - baseline);
      }
      if (count === 123_456) {
        expect(parsed.contact).toMatchObject({
          externalId: 'id-123455',
          email: 'user123455@example.com',
          phone: '+12125553455',
          tags: ['vip', 'news'],
          attributes: { notes: 'note 123455, with a comma' },
        });
      }
    }

    expect(count).toBe(ROWS);
    expect(misplaced).toBe(0);
    expect(invalid).toBe(0);
    expect(stats.bytes).toBeGreaterThan(15 * 1024 * 1024);
    // Live heap stays far below the file: a buffered file would show up here in full.
    expect(maxGrowth).toBeLessThan(stats.bytes / 10);
    // Its speed is measured in bench/import.ts, not here.
  }, 60_000);
});
