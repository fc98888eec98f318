import { describe, expect, it } from 'vitest';
import { loadMigrations, serverVersionProblem } from './migrate.js';

describe('schema set-up', () => {
  it('refuses servers older than PostgreSQL 15 with a clear message', () => {
    expect(serverVersionProblem(140_011, '14.11')).toBe('PostgreSQL 15 or newer is required; this server is 14.11');
    expect(serverVersionProblem(150_000, '15.0')).toBeUndefined();
    expect(serverVersionProblem(170_004, '17.4')).toBeUndefined();
  });

  it('numbers the migrations 1, 2, 3, ... without a gap or a duplicate', async () => {
    const versions = (await loadMigrations()).map((m) => m.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });
});
