import type { FieldError } from '../../lib/errors.js';
import type { TemplateFields, TemplateKind, TemplateRow } from '../../db/queries/templates.js';
import { listPlaceholders, validateTemplate } from '../../channels/templates/render.js';
import type { TemplateComponentSpec, TemplateParameterSpec, WhatsAppTemplateSpec } from '../../channels/whatsapp/template-message.js';

// Templates as the API shows them, their validation, and the translation of a WhatsApp template's
// parameter mappings into the builder's spec. Pure.
//
// Placeholders are namespaced: contact.<field> (or contact.attributes.<key>), data.<key> (the
// campaign's templateData), campaign.id / campaign.title, and unsubscribeUrl (email). A WhatsApp
// parameter names its `source` the same way; media headers may use `attachment` (the campaign's
// attachment, sent as a short-lived signed link) or a data.<key> holding a URL.

export const CONTACT_FIELDS = ['id', 'externalId', 'firstName', 'lastName', 'email', 'phone', 'birthDate', 'gender', 'contactType'] as const;
const PATH_TAIL = '[A-Za-z_$][\\w$-]*(?:\\.[\\w$-]+)*';
const CONTACT_SOURCE = new RegExp(`^contact\\.(?:(?:${CONTACT_FIELDS.join('|')})|attributes\\.${PATH_TAIL})$`);
const DATA_SOURCE = new RegExp(`^data\\.${PATH_TAIL}$`);
const CAMPAIGN_SOURCE = /^campaign\.(?:id|title)$/;

export type WhatsAppParameter =
  | { type: 'text'; source: string; parameterName?: string }
  | { type: 'document'; source: string; filename?: string }
  | { type: 'image' | 'video'; source: string }
  | { type: 'payload'; source: string };

export interface WhatsAppComponent {
  type: 'header' | 'body' | 'button';
  subType?: string;
  index?: number;
  parameters: WhatsAppParameter[];
}

export interface WhatsAppTemplateBody {
  name: string;
  language: string;
  components: WhatsAppComponent[];
}

export interface Template {
  id: string;
  kind: TemplateKind;
  name: string;
  description: string | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  whatsapp: WhatsAppTemplateBody | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface TemplateInput {
  kind: TemplateKind;
  name: string;
  description?: string | null;
  subject?: string | null;
  html?: string | null;
  text?: string | null;
  whatsapp?: WhatsAppTemplateBody | null;
}

export function toTemplate(r: TemplateRow): Template {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    description: r.description,
    subject: r.subject,
    html: r.html,
    text: r.text_body,
    whatsapp: r.kind === 'WHATSAPP' ? { name: r.wa_name!, language: r.wa_language!, components: r.wa_components as WhatsAppComponent[] } : null,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function toFields(t: TemplateInput): TemplateFields {
  const email = t.kind === 'EMAIL';
  return {
    kind: t.kind,
    name: t.name,
    description: t.description ?? null,
    subject: email ? (t.subject ?? null) : null,
    html: email ? (t.html ?? null) : null,
    textBody: email ? (t.text ?? null) : null,
    waName: email ? null : (t.whatsapp?.name ?? null),
    waLanguage: email ? null : (t.whatsapp?.language ?? null),
    waComponents: email ? [] : (t.whatsapp?.components ?? []),
  };
}

/** A placeholder path that names a known value (a typo would otherwise render empty silently). */
export function knownPath(path: string): boolean {
  return path === 'unsubscribeUrl' || CONTACT_SOURCE.test(path) || DATA_SOURCE.test(path) || CAMPAIGN_SOURCE.test(path);
}

function checkText(field: string, tpl: string | null | undefined, problems: FieldError[]) {
  if (tpl == null) return;
  for (const p of validateTemplate(tpl)) problems.push({ field, message: p });
  for (const p of listPlaceholders(tpl)) {
    const root = p.split('.')[0];
    if (['contact', 'data', 'campaign', 'unsubscribeUrl'].includes(root) && !knownPath(p)) {
      problems.push({ field, message: `unknown placeholder {{ ${p} }}: use contact.<${CONTACT_FIELDS.join('|')}>, contact.attributes.<key>, data.<key>, campaign.id, campaign.title or unsubscribeUrl` });
    }
  }
}

/** Every problem of a template body, by field. */
export function validateTemplateInput(t: TemplateInput): FieldError[] {
  const problems: FieldError[] = [];
  if (t.kind === 'EMAIL') {
    if (!t.subject) problems.push({ field: 'subject', message: 'an email template needs a subject' });
    if (!t.html) problems.push({ field: 'html', message: 'an email template needs html' });
    if (t.whatsapp) problems.push({ field: 'whatsapp', message: 'only WHATSAPP templates have a whatsapp part' });
    checkText('subject', t.subject, problems);
    checkText('html', t.html, problems);
    checkText('text', t.text, problems);
    return problems;
  }
  for (const f of ['subject', 'html', 'text'] as const) {
    if (t[f] != null) problems.push({ field: f, message: 'only EMAIL templates have this field' });
  }
  if (!t.whatsapp) {
    problems.push({ field: 'whatsapp', message: 'a WhatsApp template needs whatsapp {name, language, components}' });
    return problems;
  }
  t.whatsapp.components.forEach((c, ci) => {
    const at = `whatsapp.components.${ci}`;
    if (c.type === 'button' && (!c.subType || c.index === undefined)) {
      problems.push({ field: at, message: 'a button component needs subType and index' });
    }
    if (c.type !== 'header' && c.parameters.some((p) => p.type === 'document' || p.type === 'image' || p.type === 'video')) {
      problems.push({ field: at, message: 'media parameters belong in the header component' });
    }
    c.parameters.forEach((p, pi) => {
      const field = `${at}.parameters.${pi}.source`;
      const media = p.type === 'document' || p.type === 'image' || p.type === 'video';
      const ok = (media && p.source === 'attachment') || CONTACT_SOURCE.test(p.source) || DATA_SOURCE.test(p.source) || CAMPAIGN_SOURCE.test(p.source);
      if (!ok) {
        problems.push({
          field,
          message: media
            ? 'must be "attachment" or data.<key> holding a URL'
            : `must be contact.<${CONTACT_FIELDS.join('|')}>, contact.attributes.<key>, data.<key> or campaign.<id|title>`,
        });
      }
    });
  });
  return problems;
}

/**
 * The builder's spec for a WhatsApp template. `attachmentLink` replaces the `attachment` source
 * (null when the campaign has none: such a parameter then renders empty and the contact fails
 * with a clear reason instead of sending a broken header).
 */
export function whatsappSpecOf(t: WhatsAppTemplateBody, attachment: { link: string; fileName: string } | null): WhatsAppTemplateSpec {
  const ref = (source: string) => `{{ ${source} }}`;
  const param = (p: WhatsAppParameter): TemplateParameterSpec => {
    const link = p.source === 'attachment' ? (attachment?.link ?? '') : ref(p.source);
    switch (p.type) {
      case 'text':
        return p.parameterName ? { type: 'text', text: ref(p.source), parameterName: p.parameterName } : { type: 'text', text: ref(p.source) };
      case 'document': {
        const filename = p.filename ?? (p.source === 'attachment' ? attachment?.fileName : undefined);
        return filename ? { type: 'document', link, filename } : { type: 'document', link };
      }
      case 'image':
        return { type: 'image', link };
      case 'video':
        return { type: 'video', link };
      case 'payload':
        return { type: 'payload', payload: ref(p.source) };
    }
  };
  return {
    name: t.name,
    language: t.language,
    components: t.components.map(
      (c): TemplateComponentSpec => ({
        type: c.type,
        ...(c.subType !== undefined ? { subType: c.subType } : {}),
        ...(c.index !== undefined ? { index: c.index } : {}),
        parameters: c.parameters.map(param),
      }),
    ),
  };
}

export const usesAttachment = (t: WhatsAppTemplateBody) => t.components.some((c) => c.parameters.some((p) => p.source === 'attachment'));
