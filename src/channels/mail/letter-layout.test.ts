import { describe, expect, it } from 'vitest';
import { addressLines, LAYOUTS } from './letter-layout.js';

const MM = 72 / 25.4;

describe('addressLines', () => {
  it('writes European addresses postcode first, with the country in capitals', () => {
    expect(
      addressLines('Erika Mustermann', { line1: 'Hauptstr. 5', line2: null, postalCode: '10115', city: 'Berlin', country: 'Germany' }, 'A4'),
    ).toEqual(['Erika Mustermann', 'Hauptstr. 5', '10115 Berlin', 'GERMANY']);
  });

  it('writes US addresses as "City, ST ZIP"', () => {
    expect(
      addressLines('John Smith', { line1: '1 Main St', line2: 'Apt 4', city: 'Springfield', region: 'IL', postalCode: '62701', country: 'US' }, 'A4'),
    ).toEqual(['John Smith', '1 Main St', 'Apt 4', 'Springfield, IL 62701', 'US']);
  });

  it('puts a UK postcode on its own line', () => {
    expect(addressLines('A. Person', { line1: '10 Downing St', city: 'London', postalCode: 'SW1A 2AA', country: 'United Kingdom' }, 'A4'))
      .toEqual(['A. Person', '10 Downing St', 'London', 'SW1A 2AA', 'UNITED KINGDOM']);
  });

  it('without a country follows the sheet size and skips empty or blank parts', () => {
    const a = { line1: '  1  Main   St ', line2: '   ', city: 'Austin', region: 'TX', postalCode: '73301', country: null };
    expect(addressLines('Jo', a, 'LETTER')).toEqual(['Jo', '1 Main St', 'Austin, TX 73301']);
    expect(addressLines('Jo', a, 'A4')).toEqual(['Jo', '1 Main St', '73301 Austin TX']);
    expect(addressLines('Jo', {}, 'A4')).toEqual(['Jo']);
  });
});

describe('LAYOUTS', () => {
  it('keeps the A4 address block inside the DIN 5008 window (20 mm left, 45 mm top, 90 × 45 mm)', () => {
    const a = LAYOUTS.A4.address;
    expect(a.x).toBeGreaterThanOrEqual(20 * MM);
    expect(a.y).toBeGreaterThanOrEqual(45 * MM);
    expect(a.x + a.width).toBeLessThanOrEqual((20 + 90) * MM);
    expect(a.y + a.height).toBeLessThanOrEqual((45 + 45) * MM);
  });

  it('keeps the Letter address block inside a #10 window (7/8 in left, 2 in top, 4.5 × 1.125 in)', () => {
    const a = LAYOUTS.LETTER.address;
    expect(a.x).toBeGreaterThanOrEqual(0.875 * 72);
    expect(a.y).toBeGreaterThanOrEqual(2 * 72);
    expect(a.x + a.width).toBeLessThanOrEqual((0.875 + 4.5) * 72);
    expect(a.y + a.height).toBeLessThanOrEqual((2 + 1.125) * 72);
  });
});
