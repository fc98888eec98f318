import { withTenant, type Pool } from '../../db/pool.js';
import { getCampaign } from '../../db/queries/campaigns.js';
import { getChannelConfig } from '../../db/queries/campaign-parts.js';
import { getTemplate } from '../../db/queries/templates.js';
import { channelConfigFromRow } from '../campaigns/model.js';
import type { AttachmentService, OpenedAttachment } from '../attachments/index.js';
import { isAppError } from '../../lib/errors.js';
import { toTemplate, type Template } from './model.js';
import type { CampaignRef } from '../../channels/channel.js';

// What a channel adapter loads once per batch: the campaign's channel config, its template and
// its attachment. One read transaction; the attachment bytes are streamed later, per message.

export interface CampaignContent {
  campaign: { id: string; title: string };
  config: Record<string, unknown>;
  template: Template | null;
  attachment: OpenedAttachment | null;
}

export type ContentLoader = (ref: CampaignRef, channel: 'email' | 'whatsapp' | 'call') => Promise<CampaignContent | null>;

export function makeContentLoader(deps: { pool: Pool; attachments: Pick<AttachmentService, 'open'> }): ContentLoader {
  return async ({ tenantId, campaignId }, channel) => {
    const loaded = await withTenant(deps.pool, tenantId, async (tx) => {
      const campaign = await getCampaign(tx, tenantId, campaignId);
      const row = campaign ? await getChannelConfig(tx, tenantId, campaignId, channel) : null;
      if (!campaign || !row) return null;
      const templateId = typeof row.template_id === 'string' ? row.template_id : null;
      const template = templateId ? await getTemplate(tx, tenantId, templateId) : null;
      return { campaign: { id: campaign.id, title: campaign.title }, row, template: template ? toTemplate(template) : null };
    });
    if (!loaded) return null;
    const attachmentId = typeof loaded.row.attachment_id === 'string' ? loaded.row.attachment_id : null;
    // A row deleted meanwhile means "no attachment"; any other failure (database) is thrown.
    const attachment = attachmentId
      ? await deps.attachments.open(tenantId, attachmentId).catch((e: unknown) => {
          if (isAppError(e) && e.code === 'not_found') return null;
          throw e;
        })
      : null;
    return { campaign: loaded.campaign, config: channelConfigFromRow(loaded.row), template: loaded.template, attachment };
  };
}
