import type { PartsCheck } from '../campaigns/completeness.js';
import { templateKinds, type TemplateKind } from '../../db/queries/templates.js';
import type { FieldError } from '../../lib/errors.js';

// Leaving DRAFT: the email and WhatsApp configs' templateId must name an existing template of the
// channel's kind, for every channel whose provider renders templates (not the local sink, which
// records who would have been sent what and renders nothing). Checked at the transition rather
// than on PUT of the config, so a config can be written before its template exists and a
// template deleted meanwhile is still caught; deleting a template a live campaign uses is 409.

const KIND: Record<'email' | 'whatsapp', TemplateKind> = { email: 'EMAIL', whatsapp: 'WHATSAPP' };

export function makeTemplateCheck(deps: { rendersTemplates: (tenantId: string, channel: 'email' | 'whatsapp') => Promise<boolean> }): PartsCheck {
  return async (tx, tenantId, campaign, configs) => {
    const wanted: { ch: 'email' | 'whatsapp'; id: string }[] = [];
    for (const ch of ['email', 'whatsapp'] as const) {
      const id = configs[ch]?.templateId;
      if (campaign[ch] && typeof id === 'string' && id && (await deps.rendersTemplates(tenantId, ch))) wanted.push({ ch, id });
    }
    if (wanted.length === 0) return [];
    const kinds = await templateKinds(tx, tenantId, wanted.map((w) => w.id));
    const problems: FieldError[] = [];
    for (const { ch, id } of wanted) {
      const kind = kinds[id];
      if (!kind) problems.push({ field: `${ch}.templateId`, message: `template ${id} does not exist (POST /templates)` });
      else if (kind !== KIND[ch]) problems.push({ field: `${ch}.templateId`, message: `template ${id} is a ${kind} template; the ${ch} channel needs a ${KIND[ch]} template` });
    }
    return problems;
  };
}
