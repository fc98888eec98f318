import type pg from 'pg';
import type { FieldError } from '../../lib/errors.js';
import type { ChannelName, Target } from './model.js';
import type { CampaignRow } from '../../db/queries/campaigns.js';

// What a campaign must have before it leaves DRAFT (or PAUSED) for SCHEDULED or RUNNING.
// Every missing piece is listed at once, so the operator fixes them in one pass.

export interface CampaignParts {
  campaign: CampaignRow;
  hasSchedule: boolean;
  target: Target | null;
  configs: Partial<Record<ChannelName, Record<string, unknown> | null>>;
  /** The email provider has a default sender (EMAIL_FROM, or the tenant's own `from`): sourceEmail may be left out. */
  hasDefaultSender?: boolean;
}

const REQUIRED: Record<ChannelName, { key: string; message: string }[]> = {
  call: [
    { key: 'sourcePhone', message: 'a source phone number is required' },
    { key: 'script', message: 'a call script is required' },
  ],
  email: [
    { key: 'templateId', message: 'an email template is required' },
    { key: 'sourceEmail', message: 'a sender address is required (or configure a default sender: EMAIL_FROM, or `from` in /settings/channels/email)' },
  ],
  whatsapp: [{ key: 'templateId', message: 'a WhatsApp template is required' }],
  mail: [
    { key: 'subject', message: 'a letter subject is required' },
    { key: 'message', message: 'a letter message is required' },
  ],
};

/**
 * A further check wired in by the composition root (e.g. "the email templateId names an existing
 * EMAIL template"), run inside the transition's transaction; its pieces are listed with the rest.
 */
export type PartsCheck = (
  tx: pg.PoolClient,
  tenantId: string,
  campaign: CampaignRow,
  configs: CampaignParts['configs'],
) => Promise<FieldError[]>;

export function missingPieces(parts: CampaignParts, to: 'SCHEDULED' | 'RUNNING'): FieldError[] {
  const missing: FieldError[] = [];
  const c = parts.campaign;
  const enabled = (['call', 'email', 'whatsapp', 'mail'] as const).filter((ch) => c[ch]);
  if (enabled.length === 0) {
    missing.push({ field: 'channels', message: 'turn on at least one channel (call, email, whatsapp, mail)' });
  }
  for (const ch of enabled) {
    const cfg = parts.configs[ch];
    if (!cfg) {
      missing.push({ field: ch, message: `the ${ch} channel is on but has no configuration (PUT /campaigns/{id}/${pathOf(ch)})` });
      continue;
    }
    for (const r of REQUIRED[ch]) {
      if (ch === 'email' && r.key === 'sourceEmail' && parts.hasDefaultSender) continue;
      const v = cfg[r.key];
      if (v == null || v === '') missing.push({ field: `${ch}.${r.key}`, message: r.message });
    }
  }
  if (!parts.target) {
    missing.push({ field: 'target', message: 'set a target audience (PUT /campaigns/{id}/targets)' });
  } else if (parts.target.contactType.length === 0) {
    missing.push({ field: 'target.contactType', message: 'the target needs at least one contactType' });
  }
  if (to === 'SCHEDULED' && !parts.hasSchedule) {
    missing.push({ field: 'schedule', message: 'set a schedule first (POST /campaigns/{id}/schedule)' });
  }
  return missing;
}

export function pathOf(ch: ChannelName): string {
  return ch === 'call' ? 'calls' : ch === 'email' ? 'emails' : ch === 'mail' ? 'mails' : 'whatsapp';
}
