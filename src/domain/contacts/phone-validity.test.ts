import { describe, expect, it } from 'vitest';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/max/metadata';
import examples from 'libphonenumber-js/mobile/examples';
import { makeE164Validator } from './phone-validity.js';

// Deterministic, so a failure names the same numbers on every run.
function makeRandom(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

function sampleNumbers(): string[] {
  const random = makeRandom(42);
  const digits = (n: number) => Array.from({ length: n }, () => random(10)).join('');
  const numbers: string[] = [];
  for (const country of getCountries(metadata)) {
    const cc = getCountryCallingCode(country, metadata);
    const example = (examples as Record<string, string>)[country as CountryCode] ?? digits(9);
    numbers.push(`+${cc}${example}`, `+${cc}0${example}`, `+${cc}${example.slice(1)}`, `+${cc}${example}${digits(1)}`);
    for (let k = 1; k <= 5; k++) {
      for (let i = 0; i < 8; i++) numbers.push(`+${cc}${example.slice(0, -k)}${digits(k)}`);
    }
    for (let i = 0; i < 10; i++) numbers.push(`+${cc}${digits(4 + random(9))}`);
  }
  // Any prefix, including unknown and non-geographic calling codes.
  for (let i = 0; i < 20_000; i++) numbers.push(`+${1 + random(9)}${digits(6 + random(9))}`);
  return numbers.filter((n) => /^\+[1-9]\d{6,14}$/.test(n));
}

describe('makeE164Validator', () => {
  it('answers exactly like libphonenumber for numbers of every country', () => {
    const validator = makeE164Validator(metadata);
    expect(validator).not.toBeNull();
    const numbers = sampleNumbers();
    let decided = 0;
    let valid = 0;
    const mismatches: string[] = [];
    for (const number of numbers) {
      const fast = validator!.check(number);
      if (fast === undefined) continue;
      decided++;
      const parsed = parsePhoneNumberFromString(number, metadata);
      const expected = parsed !== undefined && parsed.isValid() && parsed.number === number;
      if (fast) valid++;
      if (fast !== expected) mismatches.push(`${number}: fast ${fast}, library ${expected}`);
    }
    expect(mismatches).toEqual([]);
    // The comparison means something only if most numbers were decided and many were valid.
    expect(decided / numbers.length).toBeGreaterThan(0.8);
    expect(valid).toBeGreaterThan(2000);
  });

  it('knows numbers of countries sharing a calling code', () => {
    const validator = makeE164Validator(metadata)!;
    expect(validator.check('+14169671111')).toBe(true); // Canada, +1
    expect(validator.check('+18765551234')).toBe(true); // Jamaica, +1
    expect(validator.check('+447624369230')).toBe(true); // Isle of Man, +44
    expect(validator.check('+77012345678')).toBe(true); // Kazakhstan, +7
    expect(validator.check('+15555550123')).toBe(false);
    expect(validator.check('+8001234567890')).toBeUndefined(); // non-geographic: the library decides
  });
});
