// Age in whole years on a local date, as targeting (minAge/maxAge) uses it. The SQL side mirrors
// this exact rule, so keep the two in step: someone born on 29 February turns a year older on
// 1 March in years without a 29 February (the legal convention in most places, and the one that
// never makes a person older before their day has actually come).

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parts(date: string, name: string): [number, number, number] {
  const m = DATE.exec(date);
  if (m === null) throw new TypeError(`${name} must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Whole years from `birthDate` to `onLocalDate` (both YYYY-MM-DD, the latter already in the
 * campaign's time zone). Negative when `onLocalDate` is before the birth.
 */
export function ageOn(birthDate: string, onLocalDate: string): number {
  const [by, bm, bd] = parts(birthDate, 'birthDate');
  const [y, m, d] = parts(onLocalDate, 'onLocalDate');
  // This year's birthday: 29 February moves to 1 March when the year has none.
  let birthdayMonth = bm;
  let birthdayDay = bd;
  if (bm === 2 && bd === 29 && !isLeapYear(y)) {
    birthdayMonth = 3;
    birthdayDay = 1;
  }
  const hadBirthday = m > birthdayMonth || (m === birthdayMonth && d >= birthdayDay);
  return y - by - (hadBirthday ? 0 : 1);
}
