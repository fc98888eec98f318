// The attachments API for the rest of the service (HTTP routes, channels, the sweep job).
export {
  ATTACHMENT_CHANNELS,
  makeAttachmentService,
  type AttachmentChannel,
  type AttachmentInfo,
  type AttachmentService,
  type AttachmentServiceDeps,
  type OpenedAttachment,
} from './service.js';
export { makeChannelAttachmentEditor, type ChannelAttachmentEditor, type IncomingFile } from './editor.js';
export { sweepOrphanAttachments, type SweepDeps, type SweepResult } from './sweep.js';
export { objectKeyFor, parseObjectKey, tenantPrefix } from './keys.js';
