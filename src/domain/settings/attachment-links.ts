import type { OpenedAttachment } from '../attachments/index.js';
import type { LinkSigner } from './crypto.js';

// Links a provider can fetch an attachment from without our bearer token (WhatsApp media
// headers). With S3 the store's own presigned URL is used; otherwise a link to
// GET /public/attachments/{id}?tenant=..&exp=..&sig=.. signed with the link key, valid for `ttl`.

export const ATTACHMENT_LINK_TTL_SECONDS = 24 * 3600;

export function makeAttachmentLinks(deps: { publicBaseUrl: string; signer: LinkSigner; ttlSeconds?: number; now?: () => number }) {
  const ttl = deps.ttlSeconds ?? ATTACHMENT_LINK_TTL_SECONDS;
  const now = deps.now ?? Date.now;
  return {
    async linkFor(tenantId: string, attachment: OpenedAttachment): Promise<string> {
      const presigned = await attachment.url(ttl);
      if (presigned) return presigned;
      const exp = Math.floor(now() / 1000) + ttl;
      const q = new URLSearchParams({ tenant: tenantId, exp: String(exp), sig: deps.signer.sign(tenantId, attachment.id, exp) });
      return `${deps.publicBaseUrl}/public/attachments/${attachment.id}?${q}`;
    },
  };
}

export type AttachmentLinks = ReturnType<typeof makeAttachmentLinks>;
