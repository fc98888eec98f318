// Builds a WhatsApp Cloud API template message for one contact. Pure and validating: every
// parameter is rendered from the campaign's template spec, normalised the way the Cloud API
// demands, and refused here (as a permanent failure) when the API would refuse it anyway, so a
// bad contact costs no API call and gets a readable reason.
import { permanentFailure, type PermanentFailure } from '../errors.js';
import { compileTemplate, type TemplateContext } from '../templates/render.js';

/**
 * One parameter of a component. String fields are templates rendered in text mode with `values`,
 * e.g. `{ type: 'text', text: '{{ contact.firstName }}' }` or a document link from templateData.
 */
export type TemplateParameterSpec =
  | { type: 'text'; text: string; parameterName?: string }
  | { type: 'document'; link: string; filename?: string }
  | { type: 'image'; link: string }
  | { type: 'video'; link: string }
  | { type: 'payload'; payload: string };

export interface TemplateComponentSpec {
  type: 'header' | 'body' | 'button';
  /** Buttons only: 'url', 'quick_reply', 'copy_code' ... as approved in the template. */
  subType?: string;
  /** Buttons only: position of the button in the approved template (0-based). */
  index?: number;
  parameters: TemplateParameterSpec[];
}

export interface WhatsAppTemplateSpec {
  name: string;
  language: string;
  components: TemplateComponentSpec[];
}

// ---- the Cloud API wire shape ----
export type CloudParameter =
  | { type: 'text'; text: string; parameter_name?: string }
  | { type: 'document'; document: { link: string; filename?: string } }
  | { type: 'image'; image: { link: string } }
  | { type: 'video'; video: { link: string } }
  | { type: 'payload'; payload: string };

export type CloudComponent =
  | { type: 'header' | 'body'; parameters: CloudParameter[] }
  | { type: 'button'; sub_type: string; index: string; parameters: CloudParameter[] };

export interface CloudTemplateMessage {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  to: string;
  type: 'template';
  template: { name: string; language: { code: string }; components?: CloudComponent[] };
}

export type BuildTemplateResult = { ok: true; message: CloudTemplateMessage } | PermanentFailure;

export interface BuildTemplateInput {
  /** E.164, e.g. +4915112345678; spaces, dashes and parentheses are tolerated. */
  to: string;
  template: WhatsAppTemplateSpec;
  values: TemplateContext;
}

/**
 * The Cloud API rejects text parameters with newlines, tabs or more than 4 consecutive spaces
 * (error 132018). Newline/tab runs become one space, runs of 4+ spaces collapse to one.
 */
export function normalizeParameterText(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/ {4,}/g, ' ').trim();
}

/** E.164 → the digits-only form the Cloud API expects, or null when it is not a phone number. */
export function toWhatsAppRecipient(phone: string): string | null {
  const digits = phone.replace(/[\s().-]/g, '').replace(/^\+/, '');
  return /^[1-9]\d{6,14}$/.test(digits) ? digits : null;
}

class InvalidParameter extends Error {}

function renderParam(spec: TemplateParameterSpec, values: TemplateContext, label: string): CloudParameter {
  const field = (tpl: string, what = ''): string => {
    const v = normalizeParameterText(compileTemplate(tpl).render(values, 'text'));
    if (!v) throw new InvalidParameter(`whatsapp parameter ${label}${what} is empty`);
    return v;
  };
  switch (spec.type) {
    case 'text': {
      const p: CloudParameter = { type: 'text', text: field(spec.text) };
      if (spec.parameterName) p.parameter_name = spec.parameterName;
      return p;
    }
    case 'document': {
      const document: { link: string; filename?: string } = { link: field(spec.link, '.link') };
      const filename = spec.filename ? normalizeParameterText(compileTemplate(spec.filename).render(values, 'text')) : '';
      if (filename) document.filename = filename;
      return { type: 'document', document };
    }
    case 'image':
      return { type: 'image', image: { link: field(spec.link, '.link') } };
    case 'video':
      return { type: 'video', video: { link: field(spec.link, '.link') } };
    case 'payload':
      return { type: 'payload', payload: field(spec.payload) };
  }
}

function buildComponent(spec: TemplateComponentSpec, values: TemplateContext): CloudComponent | null {
  if (spec.parameters.length === 0) return null; // a static component needs no entry at all
  if (spec.type === 'button') {
    if (!spec.subType || spec.index === undefined || !Number.isInteger(spec.index) || spec.index < 0) {
      throw new InvalidParameter('whatsapp button component needs subType and a non-negative index');
    }
    const prefix = `button.${spec.index}`;
    return {
      type: 'button',
      sub_type: spec.subType,
      index: String(spec.index),
      parameters: spec.parameters.map((p, i) => renderParam(p, values, `${prefix}.${i + 1}`)),
    };
  }
  // 1-based labels match the template's own {{1}}, {{2}} placeholders.
  return {
    type: spec.type,
    parameters: spec.parameters.map((p, i) => renderParam(p, values, `${spec.type}.${i + 1}`)),
  };
}

export function buildTemplateMessage(input: BuildTemplateInput): BuildTemplateResult {
  const to = toWhatsAppRecipient(input.to);
  if (!to) return permanentFailure(`whatsapp recipient ${JSON.stringify(input.to)} is not an E.164 phone number`);
  if (!input.template.name || !input.template.language) {
    return permanentFailure('whatsapp template needs a name and a language');
  }
  let components: CloudComponent[];
  try {
    components = input.template.components
      .map((c) => buildComponent(c, input.values))
      .filter((c): c is CloudComponent => c !== null);
  } catch (e) {
    if (e instanceof InvalidParameter) return permanentFailure(e.message);
    throw e;
  }
  const template: CloudTemplateMessage['template'] = {
    name: input.template.name,
    language: { code: input.template.language },
  };
  if (components.length > 0) template.components = components;
  return {
    ok: true,
    message: { messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'template', template },
  };
}
