import type { Queryable } from '../pool.js';
import type { RowError } from '../../domain/contacts/types.js';

// SQL of contact imports: one row per uploaded file, created RUNNING before the first byte is
// parsed and updated in the same transaction as each batch of contacts, so its counters always
// match what is in the contacts table.

export type ImportStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface ContactImportRow {
  id: string;
  status: ImportStatus;
  format: 'csv' | 'vcard' | null;
  file_name: string | null;
  rows: number;
  imported: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: RowError[];
  errors_omitted: number;
  failure: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const COLUMNS = `id, status, format, file_name, rows, imported, updated, unchanged, failed, errors,
  errors_omitted, failure, created_at, updated_at, finished_at`;

export async function createImport(
  q: Queryable,
  tenantId: string,
  info: { format: 'csv' | 'vcard'; fileName: string | null },
): Promise<ContactImportRow> {
  const { rows } = await q.query<ContactImportRow>(
    `INSERT INTO contact_imports (tenant_id, format, file_name) VALUES ($1::text, $2::text, $3::text) RETURNING ${COLUMNS}`,
    [tenantId, info.format, info.fileName],
  );
  return rows[0];
}

export interface BatchProgress {
  rows: number;
  imported: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Errors to store (already cut to the room left under the cap). */
  errors: RowError[];
  /** Errors of this batch beyond the cap. */
  errorsOmitted: number;
}

export async function addImportProgress(q: Queryable, tenantId: string, id: string, p: BatchProgress): Promise<void> {
  await q.query(
    `UPDATE contact_imports SET rows = rows + $3::int, imported = imported + $4::int, updated = updated + $5::int,
       unchanged = unchanged + $6::int, failed = failed + $7::int, errors = errors || $8::jsonb,
       errors_omitted = errors_omitted + $9::int, updated_at = now()
     WHERE tenant_id = $1::text AND id = $2::uuid`,
    [tenantId, id, p.rows, p.imported, p.updated, p.unchanged, p.failed, JSON.stringify(p.errors), p.errorsOmitted],
  );
}

export async function finishImport(
  q: Queryable,
  tenantId: string,
  id: string,
  outcome: { status: 'COMPLETED' | 'FAILED'; failure?: string },
): Promise<ContactImportRow | null> {
  const { rows } = await q.query<ContactImportRow>(
    `UPDATE contact_imports SET status = $3::text, failure = $4::text, updated_at = now(), finished_at = now()
     WHERE tenant_id = $1::text AND id = $2::uuid RETURNING ${COLUMNS}`,
    [tenantId, id, outcome.status, outcome.failure ?? null],
  );
  return rows[0] ?? null;
}

export async function getImport(q: Queryable, tenantId: string, id: string): Promise<ContactImportRow | null> {
  const { rows } = await q.query<ContactImportRow>(
    `SELECT ${COLUMNS} FROM contact_imports WHERE tenant_id = $1::text AND id = $2::uuid`,
    [tenantId, id],
  );
  return rows[0] ?? null;
}

/** Newest first, keyset on (created_at, id); the list leaves the errors out. */
export async function listImports(
  q: Queryable,
  tenantId: string,
  page: { limit: number; after?: { ts: string; id: string } },
): Promise<(Omit<ContactImportRow, 'errors'> & { cursor_ts: string })[]> {
  const { rows } = await q.query(
    `SELECT ${COLUMNS.replace('errors,', '')}, created_at::text AS cursor_ts FROM contact_imports
     WHERE tenant_id = $1::text AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $4::int`,
    [tenantId, page.after?.ts ?? null, page.after?.id ?? null, page.limit],
  );
  return rows;
}
