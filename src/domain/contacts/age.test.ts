import { describe, expect, it } from 'vitest';
import { ageOn } from './age.js';

describe('ageOn', () => {
  it.each([
    // birth, on, age
    ['1990-06-15', '2025-06-14', 34], // day before the birthday
    ['1990-06-15', '2025-06-15', 35], // on the birthday
    ['1990-06-15', '2025-06-16', 35], // day after
    ['1990-01-01', '2024-12-31', 34], // year boundary
    ['1990-12-31', '2025-01-01', 34],
    // 29 February in a non-leap year: the birthday counts on 1 March
    ['2000-02-29', '2025-02-28', 24],
    ['2000-02-29', '2025-03-01', 25],
    ['2000-02-29', '2025-03-02', 25],
    // ... and on 29 February itself in a leap year
    ['2000-02-29', '2024-02-28', 23],
    ['2000-02-29', '2024-02-29', 24],
    ['2000-02-29', '2024-03-01', 24],
    // 1900 is not a leap year, 2000 is
    ['1896-02-29', '1900-02-28', 3],
    ['1896-02-29', '1900-03-01', 4],
    // a 28 February birthday is not moved
    ['2001-02-28', '2025-02-28', 24],
    ['2001-02-28', '2025-02-27', 23],
    // 1 March birthday in a leap year: 29 February is still the day before
    ['2001-03-01', '2024-02-29', 22],
    ['2001-03-01', '2024-03-01', 23],
    ['2025-06-15', '2025-06-15', 0],
    ['2025-06-16', '2025-06-15', -1],
  ])('born %s, on %s → %i', (birth, on, age) => {
    expect(ageOn(birth, on)).toBe(age);
  });

  it('rejects malformed dates', () => {
    expect(() => ageOn('15/06/1990', '2025-06-15')).toThrow(TypeError);
    expect(() => ageOn('1990-06-15', '2025-6-15')).toThrow(/onLocalDate/);
  });
});
