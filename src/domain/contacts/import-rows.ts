// What every importer does with a record once it has read it: normalise it and tie each problem
// to the line the record starts on; and how an importer says a whole file is unusable.
import { AppError } from '../../lib/errors.js';
import type { ContactNormalizer, ParsedRow, RawContact } from './types.js';

export function toParsedRow(normalizer: ContactNormalizer, line: number, raw: RawContact): ParsedRow {
  const { contact, errors } = normalizer.normalize(raw);
  const rowErrors = errors.map((e) => ({ line, field: e.field, reason: e.reason }));
  return contact === undefined ? { line, errors: rowErrors } : { line, contact, errors: rowErrors };
}

/** A record that could not be read at all (broken structure rather than a bad value). */
export function unreadableRow(line: number, reason: string): ParsedRow {
  return { line, errors: [{ line, field: 'row', reason }] };
}

/** The whole file is unusable: the HTTP layer answers 400 with the field "file". */
export function fileError(message: string): AppError {
  return new AppError('validation', `The contact file cannot be imported: ${message}`, {
    fields: [{ field: 'file', message }],
  });
}
