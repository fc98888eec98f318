import type { Queryable } from '../pool.js';
import type { ContactRow } from './contacts.js';

// All SQL about message templates. Keyset pages newest first, like campaigns.

export type TemplateKind = 'EMAIL' | 'WHATSAPP';

export interface TemplateRow {
  id: string;
  kind: TemplateKind;
  name: string;
  description: string | null;
  subject: string | null;
  html: string | null;
  text_body: string | null;
  wa_name: string | null;
  wa_language: string | null;
  wa_components: unknown[];
  version: number;
  created_at: Date;
  updated_at: Date;
  cursor_ts: string;
}

export interface TemplateFields {
  kind: TemplateKind;
  name: string;
  description: string | null;
  subject: string | null;
  html: string | null;
  textBody: string | null;
  waName: string | null;
  waLanguage: string | null;
  waComponents: unknown[];
}

const COLUMNS = `id, kind, name, description, subject, html, text_body, wa_name, wa_language, wa_components,
  version, created_at, updated_at, created_at::text AS cursor_ts`;

const params = (f: TemplateFields) => [
  f.kind,
  f.name,
  f.description,
  f.subject,
  f.html,
  f.textBody,
  f.waName,
  f.waLanguage,
  JSON.stringify(f.waComponents),
];

export async function insertTemplate(q: Queryable, tenantId: string, f: TemplateFields): Promise<TemplateRow> {
  const { rows } = await q.query<TemplateRow>(
    `INSERT INTO templates (tenant_id, kind, name, description, subject, html, text_body, wa_name, wa_language, wa_components)
     VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::jsonb)
     RETURNING ${COLUMNS}`,
    [tenantId, ...params(f)],
  );
  return rows[0];
}

export async function getTemplate(q: Queryable, tenantId: string, id: string): Promise<TemplateRow | null> {
  const { rows } = await q.query<TemplateRow>(`SELECT ${COLUMNS} FROM templates WHERE tenant_id = $1::text AND id = $2::uuid`, [
    tenantId,
    id,
  ]);
  return rows[0] ?? null;
}

/** Replaces a template; the kind never changes (a campaign config may point at it). */
export async function updateTemplate(q: Queryable, tenantId: string, id: string, f: TemplateFields): Promise<TemplateRow | null> {
  const { rows } = await q.query<TemplateRow>(
    `UPDATE templates SET name = $4::text, description = $5::text, subject = $6::text, html = $7::text,
       text_body = $8::text, wa_name = $9::text, wa_language = $10::text, wa_components = $11::jsonb,
       version = version + 1, updated_at = now()
     WHERE tenant_id = $1::text AND id = $2::uuid AND kind = $3::text
     RETURNING ${COLUMNS}`,
    [tenantId, id, ...params(f)],
  );
  return rows[0] ?? null;
}

export async function deleteTemplate(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  const { rowCount } = await q.query(`DELETE FROM templates WHERE tenant_id = $1::text AND id = $2::uuid`, [tenantId, id]);
  return (rowCount ?? 0) > 0;
}

export async function listTemplates(
  q: Queryable,
  tenantId: string,
  opts: { kind?: TemplateKind; limit: number; after?: { ts: string; id: string } },
): Promise<TemplateRow[]> {
  const { rows } = await q.query<TemplateRow>(
    `SELECT ${COLUMNS} FROM templates
     WHERE tenant_id = $1::text AND ($2::text IS NULL OR kind = $2::text)
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $5::int`,
    [tenantId, opts.kind ?? null, opts.after?.ts ?? null, opts.after?.id ?? null, opts.limit],
  );
  return rows;
}

/** Campaigns not yet COMPLETED whose email or WhatsApp config points at the template. */
export async function campaignsUsingTemplate(q: Queryable, tenantId: string, id: string): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT k.id FROM campaigns k
     WHERE k.tenant_id = $1::text AND k.campaign_status <> 'COMPLETED'
       AND (EXISTS (SELECT 1 FROM email_campaigns e WHERE e.tenant_id = k.tenant_id AND e.campaign_id = k.id AND e.template_id = $2::uuid)
         OR EXISTS (SELECT 1 FROM whatsapp_campaigns w WHERE w.tenant_id = k.tenant_id AND w.campaign_id = k.id AND w.template_id = $2::uuid))
     ORDER BY k.id LIMIT 20`,
    [tenantId, id],
  );
  return rows.map((r) => r.id);
}

/** The kind of each existing template among `ids` (for the completeness check). */
export async function templateKinds(q: Queryable, tenantId: string, ids: string[]): Promise<Record<string, TemplateKind>> {
  const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (valid.length === 0) return {};
  const { rows } = await q.query<{ id: string; kind: TemplateKind }>(
    `SELECT id, kind FROM templates WHERE tenant_id = $1::text AND id = ANY($2::uuid[])`,
    [tenantId, valid],
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.kind]));
}

/** The contact columns templates read. */
export type PreviewContactRow = Pick<
  ContactRow,
  'id' | 'external_id' | 'first_name' | 'last_name' | 'email' | 'phone' | 'birth_date' | 'gender' | 'contact_type' | 'tags' | 'address' | 'attributes'
>;

/** A contact as templates see it (preview by contact id). */
export async function getContactForTemplate(q: Queryable, tenantId: string, contactId: string): Promise<PreviewContactRow | null> {
  const { rows } = await q.query<PreviewContactRow>(
    `SELECT id, external_id, first_name, last_name, email, phone, birth_date, gender, contact_type, tags, address, attributes
     FROM contacts WHERE tenant_id = $1::text AND id = $2::uuid`,
    [tenantId, contactId],
  );
  return rows[0] ?? null;
}
