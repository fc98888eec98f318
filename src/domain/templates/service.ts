import { withTenant, type Pool } from '../../db/pool.js';
import * as q from '../../db/queries/templates.js';
import { AppError, notFound, validationError } from '../../lib/errors.js';
import type { RecipientContact } from '../../channels/channel.js';
import { buildEmailMessage } from '../../channels/email/message.js';
import { buildTemplateMessage, toWhatsAppRecipient } from '../../channels/whatsapp/template-message.js';
import { toFields, toTemplate, validateTemplateInput, whatsappSpecOf, type Template, type TemplateInput } from './model.js';

// Templates: CRUD with validation, and the preview that renders exactly what a contact would get
// (the same builders the channel adapters use).

export interface PreviewInput {
  contactId?: string;
  contact?: Partial<RecipientContact>;
  data?: Record<string, unknown>;
}

export function contactOfRow(r: q.PreviewContactRow): RecipientContact {
  return {
    id: r.id,
    externalId: r.external_id,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    phone: r.phone,
    birthDate: r.birth_date,
    gender: r.gender,
    contactType: r.contact_type,
    tags: r.tags,
    address: r.address,
    attributes: r.attributes ?? {},
  };
}

export function makeTemplateService(deps: { pool: Pool; publicBaseUrl: string }) {
  const { pool } = deps;

  function check(input: TemplateInput) {
    const problems = validateTemplateInput(input);
    if (problems.length > 0) throw validationError(problems, `the template is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }

  async function mustGet(tenantId: string, id: string) {
    const row = await withTenant(pool, tenantId, (tx) => q.getTemplate(tx, tenantId, id));
    if (!row) throw notFound('template');
    return row;
  }

  return {
    async create(tenantId: string, input: TemplateInput): Promise<Template> {
      check(input);
      return toTemplate(await withTenant(pool, tenantId, (tx) => q.insertTemplate(tx, tenantId, toFields(input))));
    },

    async get(tenantId: string, id: string): Promise<Template> {
      return toTemplate(await mustGet(tenantId, id));
    },

    async list(tenantId: string, opts: { kind?: q.TemplateKind; limit: number; after?: { ts: string; id: string } }) {
      const rows = await withTenant(pool, tenantId, (tx) => q.listTemplates(tx, tenantId, { ...opts, limit: opts.limit + 1 }));
      const page = rows.slice(0, opts.limit);
      const last = page.at(-1);
      return { items: page.map(toTemplate), next: rows.length > opts.limit && last ? { ts: last.cursor_ts, id: last.id } : null };
    },

    async update(tenantId: string, id: string, input: TemplateInput): Promise<Template> {
      check(input);
      return withTenant(pool, tenantId, async (tx) => {
        const row = await q.updateTemplate(tx, tenantId, id, toFields(input));
        if (row) return toTemplate(row);
        const current = await q.getTemplate(tx, tenantId, id);
        if (!current) throw notFound('template');
        throw validationError([{ field: 'kind', message: `the template is ${current.kind}; the kind cannot change` }]);
      });
    },

    /** Refused (409) while a campaign that is not COMPLETED uses it. */
    async remove(tenantId: string, id: string): Promise<void> {
      await withTenant(pool, tenantId, async (tx) => {
        const users = await q.campaignsUsingTemplate(tx, tenantId, id);
        if (users.length > 0) {
          throw new AppError('conflict', `the template is used by ${users.length} campaign(s) that are not COMPLETED`, { details: { campaignIds: users } });
        }
        if (!(await q.deleteTemplate(tx, tenantId, id))) throw notFound('template');
      });
    },

    async preview(tenantId: string, id: string, input: PreviewInput) {
      const row = await mustGet(tenantId, id);
      const t = toTemplate(row);
      let contact: Partial<RecipientContact> = input.contact ?? {};
      if (input.contactId) {
        const c = await withTenant(pool, tenantId, (tx) => q.getContactForTemplate(tx, tenantId, input.contactId!));
        if (!c) throw validationError([{ field: 'contactId', message: 'no such contact' }]);
        contact = contactOfRow(c);
      }
      const data = input.data ?? {};
      const campaign = { id: null, title: null };
      if (t.kind === 'EMAIL') {
        const msg = buildEmailMessage({
          template: { subject: t.subject!, html: t.html!, text: t.text },
          contact: { ...contact, email: contact.email || 'preview@example.invalid' },
          data,
          campaign,
          from: 'preview@example.invalid',
          unsubscribeUrl: `${deps.publicBaseUrl}/unsubscribe/preview`,
          dispatchId: 'preview',
        });
        return { kind: t.kind, subject: msg.subject as string, html: msg.html as string, text: (msg.text as string | undefined) ?? null, problems: [] as string[] };
      }
      const spec = whatsappSpecOf(t.whatsapp!, { link: `${deps.publicBaseUrl}/public/attachments/preview`, fileName: 'attachment' });
      const to = contact.phone && toWhatsAppRecipient(contact.phone) ? contact.phone : '+10000000000';
      const built = buildTemplateMessage({ to, template: spec, values: { contact, data, campaign } });
      if (!built.ok) return { kind: t.kind, whatsapp: null, problems: [built.reason] };
      return { kind: t.kind, whatsapp: built.message.template, problems: [] as string[] };
    },
  };
}

export type TemplateService = ReturnType<typeof makeTemplateService>;
