import type { Readable } from 'node:stream';
import type { CampaignService } from '../campaigns/service.js';
import { EDITABLE, notEditableError } from '../campaigns/status.js';
import type { AttachmentChannel, AttachmentInfo, AttachmentService, ReceivedUpload } from './service.js';

// Channel config edits that involve an attachment. The order is what keeps the store clean:
//   1. check the campaign exists and is editable (404/409 before a byte is stored);
//   2. stream the file into the store (413/415 leave nothing behind);
//   3. in the campaign's edit transaction write the config, the row and the pointer;
//   4. after commit delete the replaced object; if 3 failed, delete the new object instead.
// A status change between 1 and 3 is caught by the edit itself (409) and lands in step 4.

export interface IncomingFile {
  source: Readable;
  fileName: string;
  declaredContentType?: string;
  /**
   * Checks what follows the file in the request (a second file is refused); called once the
   * file is stored, before the config is written, so a refusal leaves nothing behind.
   */
  end?: () => Promise<void>;
}

export function makeChannelAttachmentEditor(deps: { attachments: AttachmentService; campaigns: CampaignService }) {
  const { attachments, campaigns } = deps;

  async function assertEditable(tenantId: string, campaignId: string): Promise<void> {
    const { campaign } = await campaigns.get(tenantId, campaignId); // not_found for other tenants
    if (!EDITABLE.includes(campaign.campaignStatus)) throw notEditableError(campaign.campaignStatus);
  }

  return {
    /** A GET of a channel config: the config plus its attachment (or null). */
    async getConfig(tenantId: string, campaignId: string, channel: AttachmentChannel) {
      const { campaign, config, attachmentId } = await campaigns.getChannelConfig(tenantId, campaignId, channel);
      const attachment = config ? await attachments.describe(tenantId, attachmentId) : null;
      return { campaign, config: config ? { ...config, attachment } : null };
    },

    /** A PUT of a channel config, with or without a new attachment file. */
    async setConfig(
      tenantId: string,
      campaignId: string,
      channel: AttachmentChannel,
      body: Record<string, unknown>,
      expectedVersion: number | null,
      file?: IncomingFile,
    ) {
      let upload: ReceivedUpload | undefined;
      if (file) {
        await assertEditable(tenantId, campaignId);
        upload = await attachments.receive(tenantId, file);
      }
      // Written by the transaction callback (a holder object, so the types survive the closure).
      const done: { attachment: AttachmentInfo | null; replaced: { objectKey: string } | null } = {
        attachment: null,
        replaced: null,
      };
      let out;
      try {
        await file?.end?.();
        out = await campaigns.setChannelConfig(tenantId, campaignId, channel, body, expectedVersion, async (tx) => {
          if (upload) {
            Object.assign(done, await attachments.attachInTx(tx, tenantId, campaignId, channel, upload));
          } else {
            done.attachment = await attachments.currentInTx(tx, tenantId, campaignId, channel);
          }
        });
      } catch (e) {
        if (upload) await attachments.discard(upload.objectKey);
        throw e;
      }
      if (done.replaced) await attachments.discard(done.replaced.objectKey);
      return { campaign: out.campaign, config: out.result ? { ...out.result, attachment: done.attachment } : null };
    },

    /** DELETE of a channel's attachment: row and object (not_found when there is none). */
    async removeAttachment(tenantId: string, campaignId: string, channel: AttachmentChannel, expectedVersion: number | null) {
      const removed: { objectKey?: string } = {};
      // No config change (null); the edit still checks status and If-Match and bumps the
      // version. With no config at all the not_found rolls back the empty insert.
      const out = await campaigns.setChannelConfig(tenantId, campaignId, channel, null, expectedVersion, async (tx) => {
        removed.objectKey = (await attachments.detachInTx(tx, tenantId, campaignId, channel)).objectKey;
      });
      if (removed.objectKey) await attachments.discard(removed.objectKey);
      return { campaign: out.campaign };
    },
  };
}

export type ChannelAttachmentEditor = ReturnType<typeof makeChannelAttachmentEditor>;
