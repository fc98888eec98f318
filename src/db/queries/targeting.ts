// The audience rule as SQL, in one place: the ledger freeze uses it, and so can a contacts
// preview ("who would this target reach?"). It builds a WHERE fragment over a contacts alias
// with numbered parameters starting at `firstParam`, so it can be embedded in any statement.

export interface TargetSpec {
  contactType: string[];
  genders: string[];
  contactTags: string[];
  tagMatch: 'ANY' | 'ALL';
  minAge: number | null;
  maxAge: number | null;
}

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** Tags compare trimmed and case-insensitively (contacts.tag_keys holds them lower-cased). */
export const tagKey = (tag: string) => tag.trim().toLowerCase();

/**
 * contactType: one of them (required; empty matches nobody). genders: empty = any. tags: any
 * of them (or all, tagMatch ALL); none = no tag filter. Ages are whole years on `onDate` (the
 * dispatch day in the campaign's zone, 'YYYY-MM-DD'): PostgreSQL's age() counts a 29 February
 * birthday on 1 March in other years. With an age bound, a contact without a birth date is out.
 */
export function targetWhereSql(alias: string, target: TargetSpec, onDate: string, firstParam: number): SqlFragment {
  const c = alias;
  const params: unknown[] = [];
  const p = (value: unknown, cast: string) => {
    params.push(value);
    return `$${firstParam + params.length - 1}::${cast}`;
  };
  const clauses = [`${c}.contact_type = ANY(${p(target.contactType, 'text[]')})`];
  if (target.genders.length > 0) clauses.push(`${c}.gender = ANY(${p(target.genders, 'text[]')})`);
  const tags = [...new Set(target.contactTags.map(tagKey).filter((t) => t !== ''))];
  if (tags.length > 0) {
    clauses.push(`${c}.tag_keys ${target.tagMatch === 'ALL' ? '@>' : '&&'} ${p(tags, 'text[]')}`);
  }
  if (target.minAge !== null || target.maxAge !== null) {
    const years = `extract(year FROM age(${p(onDate, 'date')}, ${c}.birth_date))`;
    clauses.push(`${c}.birth_date IS NOT NULL`);
    if (target.minAge !== null) clauses.push(`${years} >= ${p(target.minAge, 'int')}`);
    if (target.maxAge !== null) clauses.push(`${years} <= ${p(target.maxAge, 'int')}`);
  }
  return { sql: clauses.join(' AND '), params };
}
