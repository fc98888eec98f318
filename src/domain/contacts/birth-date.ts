// Birth dates as exporters write them, read into one storable form (YYYY-MM-DD).
//
// Accepted, unambiguous everywhere:
//   1990-05-01 (ISO; a time part "T..." is ignored; 1990-5-1 is tolerated)
//   19900501   (vCard basic format)
//   01.05.1990 (DD.MM.YYYY, how German/Swiss/Russian... exports write it)
//   --05-01 / --0501 (Google / vCard birthday without a year: not storable as a date, so the
//                     contact gets no birth date and the caller keeps it in attributes)
// Slash dates are ambiguous (5/1/1990 is 1 May in the US and 5 January in most of the world), so
// the order is an explicit choice: MDY for the regions whose exports use it, DMY elsewhere.
// Two-digit years are refused (which century?), except Outlook's "0/0/00" that means "none".

export type SlashDateOrder = 'MDY' | 'DMY';

export type BirthDateResult = { value: string | null; noYear?: string } | { error: string };

// Regions whose spreadsheet/Outlook exports write month first. Canada is mixed; it gets DMY
// like the rest of the Commonwealth, and an importer can still pass slashDateOrder explicitly.
const MONTH_FIRST_REGIONS = new Set(['US', 'PR', 'GU', 'VI', 'AS', 'MP', 'UM', 'PH', 'FM', 'MH', 'PW']);

export function slashOrderFor(region: string): SlashDateOrder {
  return MONTH_FIRST_REGIONS.has(region) ? 'MDY' : 'DMY';
}

// Earlier years are placeholders ("0001-01-01") rather than people.
const MIN_YEAR = 1850;

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/;
const BASIC = /^(\d{4})(\d{2})(\d{2})(?:T.*)?$/;
const NO_YEAR = /^--(\d{2})-?(\d{2})$/;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const OUTLOOK_NONE = /^0{1,2}\/0{1,2}\/(?:00|0000)$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function ymd(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/**
 * Reads one birth date. `today` (YYYY-MM-DD) bounds it: a birth date after today is a typo.
 * An empty value is no birth date, not an error.
 */
export function parseBirthDate(
  raw: string,
  opts: { today: string; slashOrder: SlashDateOrder },
): BirthDateResult {
  const text = raw.trim();
  if (text === '' || OUTLOOK_NONE.test(text)) return { value: null };

  const noYear = NO_YEAR.exec(text);
  if (noYear) {
    const month = Number(noYear[1]);
    const day = Number(noYear[2]);
    // 2000 is a leap year, so --02-29 passes.
    if (ymd(2000, month, day) === null) return { error: `"${text}" is not a valid day of the year` };
    return { value: null, noYear: `--${noYear[1]}-${noYear[2]}` };
  }

  let parts: [number, number, number] | null = null;
  let m: RegExpExecArray | null;
  if ((m = ISO.exec(text)) || (m = BASIC.exec(text))) {
    parts = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = DOTTED.exec(text))) {
    parts = [Number(m[3]), Number(m[2]), Number(m[1])];
  } else if ((m = SLASHED.exec(text))) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    parts = opts.slashOrder === 'MDY' ? [Number(m[3]), a, b] : [Number(m[3]), b, a];
  }
  if (parts === null) {
    return { error: `"${text}" is not a date; use YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY` };
  }

  const value = ymd(parts[0], parts[1], parts[2]);
  if (value === null) {
    const order = opts.slashOrder === 'MDY' ? 'MM/DD/YYYY' : 'DD/MM/YYYY';
    const hint = SLASHED.test(text) ? ` (read as ${order})` : '';
    return { error: `"${text}" is not a valid date${hint}` };
  }
  if (parts[0] < MIN_YEAR) return { error: `"${text}" is before ${MIN_YEAR}` };
  // Same-length ISO strings compare like dates.
  if (value > opts.today) return { error: `"${text}" is in the future` };
  return { value };
}
