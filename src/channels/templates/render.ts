// A deliberately tiny template engine for campaign messages. Operators write `{{ contact.firstName }}`
// or `{{ data.offer.code }}`; a campaign renders the same template for up to hundreds of thousands
// of contacts, so templates are parsed once (compileTemplate) and rendering is a flat loop.
//
// Decisions (documented for operators):
// - `{{ path }}` is escaped in html mode; `{{{ path }}}` is inserted raw (html mode only, for
//   trusted templateData such as a pre-built HTML snippet). Text mode never escapes.
// - A missing, null or undefined value renders as the empty string, never "undefined", "null" or
//   the placeholder itself: a recipient must not see template machinery.
// - Strings are inserted as-is, numbers/booleans/bigints stringified, Dates as ISO-8601.
// - Objects and arrays render EMPTY, not JSON: JSON in a customer email leaks internal fields and
//   is never what the author meant; listPlaceholders/validateTemplate let the UI catch the mistake.
// - Only own properties are looked up, so `{{ contact.constructor }}` cannot reach prototypes.
// - Text that merely looks like a placeholder but has an invalid path (`{{ a b }}`) stays literal.

export type RenderMode = 'html' | 'text';

/** Contact fields usable as `contact.*`; attributes are the contact's custom JSON. */
export interface TemplateContact {
  id?: string;
  externalId?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  attributes?: Record<string, unknown> | null;
  [field: string]: unknown;
}

/** The rendering context. Known namespaces: contact, data (templateData), campaign, unsubscribeUrl. */
export interface TemplateContext {
  contact?: TemplateContact;
  data?: Record<string, unknown> | null;
  campaign?: Record<string, unknown>;
  unsubscribeUrl?: string;
  [key: string]: unknown;
}

export const TEMPLATE_ROOTS = ['contact', 'data', 'campaign', 'unsubscribeUrl'] as const;

type Segment = string | { path: readonly string[]; raw: boolean };

export interface CompiledTemplate {
  readonly source: string;
  /** Unique dotted paths in order of first appearance. */
  readonly placeholders: readonly string[];
  render(ctx: TemplateContext, mode: RenderMode): string;
}

// Triple braces first so `{{{ x }}}` is not read as `{` + `{{ x }}` + `}`.
const PLACEHOLDER = /\{\{\{\s*([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)\s*\}\}\}|\{\{\s*([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)\s*\}\}/g;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes the five HTML-significant characters; applied exactly once per inserted value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function lookup(ctx: unknown, path: readonly string[]): unknown {
  let cur: unknown = ctx;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Converts a looked-up value to its text form according to the rules above. */
export function stringifyValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'object':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
      return '';
    default:
      return '';
  }
}

function parse(tpl: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const m of tpl.matchAll(PLACEHOLDER)) {
    const index = m.index ?? 0;
    if (index > last) segments.push(tpl.slice(last, index));
    const raw = m[1] !== undefined;
    segments.push({ path: (m[1] ?? m[2]).split('.'), raw });
    last = index + m[0].length;
  }
  if (last < tpl.length) segments.push(tpl.slice(last));
  return segments;
}

export function compileTemplate(tpl: string): CompiledTemplate {
  const segments = parse(tpl);
  const placeholders = [
    ...new Set(segments.flatMap((s) => (typeof s === 'string' ? [] : [s.path.join('.')]))),
  ];
  return {
    source: tpl,
    placeholders,
    render(ctx, mode) {
      let out = '';
      for (const s of segments) {
        if (typeof s === 'string') {
          out += s;
          continue;
        }
        const text = stringifyValue(lookup(ctx, s.path));
        out += mode === 'html' && !s.raw ? escapeHtml(text) : text;
      }
      return out;
    },
  };
}

export function renderTemplate(tpl: string, ctx: TemplateContext, mode: RenderMode): string {
  return compileTemplate(tpl).render(ctx, mode);
}

export function listPlaceholders(tpl: string): string[] {
  return [...compileTemplate(tpl).placeholders];
}

/**
 * Problems an editor should show before a campaign is started: placeholders outside the known
 * namespaces (a typo renders empty silently otherwise) and `{{` that never became a placeholder.
 */
export function validateTemplate(tpl: string): string[] {
  const problems: string[] = [];
  for (const p of listPlaceholders(tpl)) {
    const root = p.split('.')[0];
    if (!(TEMPLATE_ROOTS as readonly string[]).includes(root)) {
      problems.push(`unknown placeholder {{ ${p} }}: use contact.*, data.*, campaign.* or unsubscribeUrl`);
    }
  }
  const leftover = tpl.replace(PLACEHOLDER, '');
  const broken = leftover.match(/\{\{[^}]{0,40}/);
  if (broken) problems.push(`malformed placeholder near "${broken[0]}"`);
  return problems;
}
