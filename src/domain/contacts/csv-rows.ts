// Turns the cells of one CSV record into a RawContact, following a plan made once from the
// header (see csv-columns.ts for which header feeds which field). Per row it only walks arrays
// of column indexes: this runs for every record of a large import.
import { columnRole, type ScalarField } from './csv-columns.js';
import { isSystemGroup, splitTagText } from './field-values.js';
import type { Address, ChannelName, RawContact } from './types.js';

export interface CsvRowMapper {
  columnCount: number;
  /** The header has a column for an external id, an email or a phone. */
  hasIdentity: boolean;
  toRaw(cells: readonly string[]): RawContact;
}

// Google puts several values in one cell joined with " ::: ".
const MULTI = ' ::: ';

interface AddressGroupPlan {
  group: number;
  columns: { part: keyof Address; col: number }[];
}

// Module-level rather than closures inside toRaw: this runs per row, and a closure made per
// row (named per row, too, by the TypeScript loader) showed up in import profiles.
const cellAt = (cells: readonly string[], col: number) => (col < cells.length ? cells[col].trim() : '');

/** The non-empty values of these columns, Google's " ::: " lists split. */
function multiValues(cells: readonly string[], cols: readonly number[]): string[] {
  const found: string[] = [];
  for (const col of cols) {
    const v = cellAt(cells, col);
    if (v === '') continue;
    if (!v.includes(MULTI)) {
      found.push(v);
      continue;
    }
    for (const part of v.split(MULTI)) if (part.trim() !== '') found.push(part.trim());
  }
  return found;
}

const byPriority = (a: { priority: number; col: number }, b: { priority: number; col: number }) =>
  a.priority - b.priority || a.col - b.col;

export function makeCsvRowMapper(headerCells: readonly string[]): CsvRowMapper {
  const headers = headerCells.map((h, i) => h.trim() || `column${i + 1}`);
  const scalarCandidates = new Map<ScalarField, { priority: number; col: number }[]>();
  const emailCandidates: { priority: number; col: number }[] = [];
  const phoneCandidates: { priority: number; col: number }[] = [];
  const tagCols: number[] = [];
  const groups = new Map<number, AddressGroupPlan>();
  const optOutCols: { channel: ChannelName; col: number }[] = [];
  const attributeCols: number[] = [];
  const customLabels = new Map<number, number>(); // custom field n → its label column
  const customValues = new Map<number, number>(); // custom field n → its value column

  headers.forEach((header, col) => {
    const role = columnRole(header);
    switch (role.kind) {
      case 'scalar': {
        const list = scalarCandidates.get(role.field) ?? [];
        list.push({ priority: role.priority, col });
        scalarCandidates.set(role.field, list);
        break;
      }
      case 'email':
        emailCandidates.push({ priority: role.priority, col });
        break;
      case 'phone':
        phoneCandidates.push({ priority: role.priority, col });
        break;
      case 'tags':
        tagCols.push(col);
        break;
      case 'address': {
        const plan = groups.get(role.group) ?? { group: role.group, columns: [] };
        plan.columns.push({ part: role.part, col });
        groups.set(role.group, plan);
        break;
      }
      case 'optOut':
        optOutCols.push({ channel: role.channel, col });
        break;
      case 'customLabel':
        customLabels.set(role.n, col);
        break;
      case 'customValue':
        customValues.set(role.n, col);
        break;
      default:
        attributeCols.push(col);
    }
  });

  const scalars = [...scalarCandidates].map(([field, list]) => ({
    field,
    cols: list.sort(byPriority).map((c) => c.col),
  }));
  const emailCols = emailCandidates.sort(byPriority).map((c) => c.col);
  const phoneCols = phoneCandidates.sort(byPriority).map((c) => c.col);
  const addressGroups = [...groups.values()].sort((a, b) => a.group - b.group);
  // A value column without its label column is an ordinary attribute.
  const customPairs: { labelCol: number; valueCol: number }[] = [];
  for (const [n, valueCol] of customValues) {
    const labelCol = customLabels.get(n);
    if (labelCol === undefined) attributeCols.push(valueCol);
    else customPairs.push({ labelCol, valueCol });
  }
  for (const [n, labelCol] of customLabels) if (!customValues.has(n)) attributeCols.push(labelCol);
  const hasIdentity =
    emailCols.length > 0 || phoneCols.length > 0 || scalarCandidates.has('externalId');

  function toRaw(cells: readonly string[]): RawContact {
    const raw: RawContact = {};
    const attributes: Record<string, unknown> = {};

    for (const { field, cols } of scalars) {
      for (const col of cols) {
        const v = cellAt(cells, col);
        if (v === '') continue;
        if (raw[field] === undefined) raw[field] = v;
        else attributes[headers[col]] = v;
      }
    }

    const emails = multiValues(cells, emailCols);
    if (emails.length > 0) raw.email = emails[0];
    if (emails.length > 1) attributes.otherEmails = emails.slice(1);
    const phones = multiValues(cells, phoneCols);
    if (phones.length > 0) raw.phone = phones[0];
    if (phones.length > 1) attributes.otherPhones = phones.slice(1);

    if (tagCols.length > 0) {
      const tags: string[] = [];
      for (const col of tagCols) {
        for (const tag of splitTagText(cellAt(cells, col))) if (!isSystemGroup(tag)) tags.push(tag);
      }
      raw.tags = tags;
    }

    for (const plan of addressGroups) {
      const taken = raw.address === undefined && plan.columns.some(({ col }) => cellAt(cells, col) !== '');
      if (taken) raw.address = {};
      for (const { part, col } of plan.columns) {
        const v = cellAt(cells, col);
        if (v === '') continue;
        if (taken) raw.address![part] = v;
        else attributes[headers[col]] = v;
      }
    }

    if (optOutCols.length > 0) {
      raw.optOut = {};
      for (const { channel, col } of optOutCols) raw.optOut[channel] = cellAt(cells, col);
    }

    // "Custom Field 1 - Type" = "Contact Type", "- Value" = "LEAD": the label says which field
    // the value feeds, read like a column header (so "Email Opt-Out" sets the email opt-out);
    // a label that names no field keeps the value in attributes under the label.
    for (const { labelCol, valueCol } of customPairs) {
      const label = cellAt(cells, labelCol);
      const v = cellAt(cells, valueCol);
      if (label === '' || v === '') continue;
      const role = columnRole(label);
      if (role.kind === 'scalar' && raw[role.field] === undefined) raw[role.field] = v;
      else if (role.kind === 'optOut') (raw.optOut ??= {})[role.channel] = v;
      else attributes[label] = v;
    }

    for (const col of attributeCols) {
      const v = cellAt(cells, col);
      if (v !== '') attributes[headers[col]] = v;
    }
    raw.attributes = attributes;
    return raw;
  }

  return { columnCount: headers.length, hasIdentity, toRaw };
}
