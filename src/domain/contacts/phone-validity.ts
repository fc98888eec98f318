// Fast validity check for numbers already written in E.164, with the same answer as
// libphonenumber's `parsePhoneNumberFromString(number).isValid()`.
//
// Why: the library compiles every metadata pattern into a new RegExp on every call, which makes a
// single check cost ~4 µs (the US fixed-line pattern alone is several KB) and caps a large import
// well below the throughput we want. Here the same patterns are compiled once per validator and
// the library's decision procedure is followed step by step:
//   1. the calling code is the 1-3 digit prefix the metadata knows;
//   2. if the main plan's national prefix could be stripped from the rest, the library would
//      rewrite the number, so we do not decide (undefined: ask the library);
//   3. the country is the only one of that calling code, or, for shared codes (+1, +7, +44...),
//      the first whose leading digits match or, lacking leading digits, whose number types match;
//      no match means the main country's plan;
//   4. valid = the national number matches the plan's general pattern and one number type
//      (fixed line, mobile, toll free, ...) with one of that type's possible lengths.
// Non-geographic codes (+800, +881, ...) and anything unexpected are left to the library too.
// A test compares both on many thousands of numbers of every country, so a library upgrade that
// changes the procedure shows up there.
import { Metadata, type MetadataJson } from 'libphonenumber-js/core';

// The library's Metadata class at run time; its .d.ts declares only part of this.
interface NumberTypeRuntime {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface MetadataRuntime {
  hasCallingCode(callingCode: string): boolean | undefined;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
  selectNumberingPlan(countryOrCallingCode: string): unknown;
  hasTypes(): boolean;
  leadingDigits(): string | undefined;
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  type(name: string): NumberTypeRuntime | undefined;
}

// getNumberType's order; any match makes the number valid.
const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

interface Plan {
  leadingDigits: RegExp | null;
  general: RegExp;
  nationalPrefix: RegExp | null;
  hasTypes: boolean;
  types: { pattern: RegExp; lengths: number[] | undefined }[];
}

const entirely = (source: string) => new RegExp(`^(?:${source})$`);
const atStart = (source: string) => new RegExp(`^(?:${source})`);

export interface E164Validator {
  /** true/false as libphonenumber would answer, or undefined when only the library can tell. */
  check(e164: string): boolean | undefined;
}

/** Null when the library's metadata does not have the shape this relies on (then: library only). */
export function makeE164Validator(metadataJson: MetadataJson): E164Validator | null {
  const runtime = new Metadata(metadataJson) as unknown as MetadataRuntime;
  const needed: (keyof MetadataRuntime)[] = [
    'hasCallingCode',
    'getCountryCodesForCallingCode',
    'selectNumberingPlan',
    'hasTypes',
    'leadingDigits',
    'nationalNumberPattern',
    'nationalPrefixForParsing',
    'type',
  ];
  if (needed.some((name) => typeof runtime[name] !== 'function')) return null;

  const plans = new Map<string, Plan>();
  function plan(country: string): Plan {
    let found = plans.get(country);
    if (found === undefined) {
      runtime.selectNumberingPlan(country);
      const leading = runtime.leadingDigits();
      const prefix = runtime.nationalPrefixForParsing();
      const types: Plan['types'] = [];
      for (const name of NUMBER_TYPES) {
        const type = runtime.type(name);
        if (type !== undefined && type.pattern()) {
          types.push({ pattern: entirely(type.pattern()), lengths: type.possibleLengths() });
        }
      }
      found = {
        leadingDigits: leading ? atStart(leading) : null,
        general: entirely(runtime.nationalNumberPattern()),
        nationalPrefix: prefix ? atStart(prefix) : null,
        hasTypes: runtime.hasTypes(),
        types,
      };
      plans.set(country, found);
    }
    return found;
  }

  function hasNumberType(national: string, p: Plan): boolean {
    if (!p.general.test(national)) return false;
    return p.types.some(
      (t) => (t.lengths === undefined || t.lengths.includes(national.length)) && t.pattern.test(national),
    );
  }

  function check(e164: string): boolean | undefined {
    const digits = e164.slice(1);
    let callingCode: string | undefined;
    for (let length = 1; length <= 3 && callingCode === undefined; length++) {
      if (runtime.hasCallingCode(digits.slice(0, length))) callingCode = digits.slice(0, length);
    }
    if (callingCode === undefined) return undefined;
    const countries = runtime.getCountryCodesForCallingCode(callingCode);
    if (countries === undefined || countries.length === 0) return undefined;
    const national = digits.slice(callingCode.length);
    const main = plan(countries[0]);
    if (main.nationalPrefix !== null && main.nationalPrefix.test(national)) return undefined;

    let country: Plan = main;
    if (countries.length > 1) {
      for (const candidate of countries) {
        const p = plan(candidate);
        const belongs =
          p.leadingDigits !== null ? p.leadingDigits.test(national) : hasNumberType(national, p);
        if (belongs) {
          country = p;
          break;
        }
      }
    }
    return country.hasTypes ? hasNumberType(national, country) : country.general.test(national);
  }

  return { check };
}
