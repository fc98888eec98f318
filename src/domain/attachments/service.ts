import { createHash, randomUUID } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import type pg from 'pg';
import { notFound } from '../../lib/errors.js';
import { withTenant, type Pool } from '../../db/pool.js';
import * as q from '../../db/queries/attachments.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { guardUpload } from '../../storage/upload-guard.js';
import { objectKeyFor } from './keys.js';

// Attachment bytes and rows. Uploads stream through the upload guard (size limit, type from the
// bytes, sanitised name) into the object store before any row exists; the row is written inside
// the caller's edit transaction (attachInTx), so an object is owned only once that commits. Every
// path that gives up on an object deletes it (discard); what a crash leaves behind is an object
// without a row, which sweepOrphanAttachments removes.

export type AttachmentChannel = q.AttachmentChannel;
export const ATTACHMENT_CHANNELS: readonly AttachmentChannel[] = ['email', 'whatsapp', 'mail'];

/** The API shape shown in channel configs. */
export interface AttachmentInfo {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
}

/** What the channels use to send an attachment. */
export interface OpenedAttachment extends AttachmentInfo {
  sha256: string | null;
  createdAt: Date;
  /** A fresh stream of the bytes on every call (retries need a new one). */
  stream(): Promise<Readable>;
  /**
   * A time-limited URL that fetches the bytes directly from the store (S3 only), e.g. for a
   * WhatsApp document header link; null when the store cannot sign URLs (the local store).
   */
  url(ttlSeconds: number): Promise<string | null>;
}

/** An object stored by `receive`, not yet owned by any row. */
export interface ReceivedUpload {
  id: string;
  objectKey: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface AttachmentServiceDeps {
  pool: Pool;
  store: ObjectStore;
  maxBytes: number;
  /** pino-compatible; told when deleting an abandoned object fails (the sweeper retries it). */
  log?: { warn(obj: object, msg: string): void };
}

export function makeAttachmentService({ pool, store, maxBytes, log }: AttachmentServiceDeps) {
  const toInfo = (r: q.AttachmentRow): AttachmentInfo => ({
    id: r.id,
    fileName: r.file_name,
    contentType: r.content_type,
    size: r.size,
  });

  function opened(r: q.AttachmentRow): OpenedAttachment {
    return {
      ...toInfo(r),
      sha256: r.sha256,
      createdAt: r.created_at,
      stream: async () => (await store.get(r.object_key)).body,
      url: async (ttl) => (store.presignedGetUrl ? store.presignedGetUrl(r.object_key, ttl, r.file_name) : null),
    };
  }

  async function find(tenantId: string, attachmentId: string): Promise<q.AttachmentRow> {
    const row = await withTenant(pool, tenantId, (tx) => q.getAttachment(tx, tenantId, attachmentId));
    if (!row) throw notFound('attachment');
    return row;
  }

  /** Deletes an object nobody owns (any more). Never throws: a failure is left to the sweeper. */
  async function discard(objectKey: string): Promise<void> {
    try {
      await store.delete(objectKey);
    } catch (err) {
      log?.warn({ err, objectKey }, 'could not delete an attachment object; the orphan sweep will retry');
    }
  }

  return {
    maxBytes,

    /** Rejects with not_found for a missing id and for another tenant's id alike. */
    async open(tenantId: string, attachmentId: string): Promise<OpenedAttachment> {
      return opened(await find(tenantId, attachmentId));
    },

    async describe(tenantId: string, attachmentId: string | null): Promise<AttachmentInfo | null> {
      if (!attachmentId) return null;
      const row = await withTenant(pool, tenantId, (tx) => q.getAttachment(tx, tenantId, attachmentId));
      return row ? toInfo(row) : null;
    },

    /** For GET /attachments/{id}: the row plus the stored object. */
    async download(tenantId: string, attachmentId: string) {
      const row = await find(tenantId, attachmentId);
      return { info: toInfo(row), objectKey: row.object_key, object: () => store.get(row.object_key) };
    },

    /** A presigned download URL when the store can sign them, else null. */
    async presignedUrl(tenantId: string, attachmentId: string, ttlSeconds: number): Promise<string | null> {
      return opened(await find(tenantId, attachmentId)).url(ttlSeconds);
    },

    /**
     * Streams an upload into the store. Rejects with payload_too_large, unsupported_media_type or
     * validation (empty file) and then nothing is stored; the source is consumed or destroyed.
     */
    async receive(
      tenantId: string,
      file: { source: Readable; fileName: string; declaredContentType?: string },
    ): Promise<ReceivedUpload> {
      const id = randomUUID();
      const objectKey = objectKeyFor(tenantId, id);
      const guarded = guardUpload(file.source, {
        maxBytes,
        declaredFileName: file.fileName,
        declaredContentType: file.declaredContentType,
      });
      let guardError: unknown;
      guarded.once('error', (e) => (guardError ??= e));
      // The type decides the stored Content-Type, so wait for it before the store starts; the
      // guard holds at most its 8 KiB sample plus one stream buffer meanwhile.
      const detected = await guarded.detected;
      const hash = createHash('sha256');
      const hasher = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      pipeline(guarded, hasher, () => {}); // errors reach store.put through `hasher`
      try {
        const { size } = await store.put(objectKey, hasher, { contentType: detected.contentType });
        return { id, objectKey, fileName: detected.fileName, contentType: detected.contentType, size, sha256: hash.digest('hex') };
      } catch (e) {
        // The stores promise that a failed put leaves nothing; deleting again costs one call and
        // covers a store that half-wrote before failing.
        await discard(objectKey);
        throw guardError ?? e;
      }
    },

    /**
     * Inside the edit transaction: makes `upload` the channel's attachment and returns the row it
     * replaced, whose object the caller deletes after commit.
     */
    async attachInTx(
      tx: pg.PoolClient,
      tenantId: string,
      campaignId: string,
      channel: AttachmentChannel,
      upload: ReceivedUpload,
    ): Promise<{ attachment: AttachmentInfo; replaced: { objectKey: string } | null }> {
      const old = await q.getChannelAttachment(tx, tenantId, campaignId, channel, { forUpdate: true });
      if (old) await q.deleteAttachment(tx, tenantId, old.id);
      const row = await q.insertAttachment(tx, tenantId, {
        id: upload.id,
        campaignId,
        channel,
        objectKey: upload.objectKey,
        fileName: upload.fileName,
        contentType: upload.contentType,
        size: upload.size,
        sha256: upload.sha256,
      });
      await q.setConfigAttachment(tx, tenantId, campaignId, channel, row.id);
      return { attachment: toInfo(row), replaced: old ? { objectKey: old.object_key } : null };
    },

    /** Inside the edit transaction: removes the channel's attachment row (not_found when none). */
    async detachInTx(
      tx: pg.PoolClient,
      tenantId: string,
      campaignId: string,
      channel: AttachmentChannel,
    ): Promise<{ objectKey: string }> {
      const old = await q.getChannelAttachment(tx, tenantId, campaignId, channel, { forUpdate: true });
      if (!old) throw notFound('attachment');
      await q.deleteAttachment(tx, tenantId, old.id);
      return { objectKey: old.object_key };
    },

    /** Inside a transaction: the channel's current attachment. */
    async currentInTx(tx: pg.PoolClient, tenantId: string, campaignId: string, channel: AttachmentChannel) {
      const row = await q.getChannelAttachment(tx, tenantId, campaignId, channel);
      return row ? toInfo(row) : null;
    },

    discard,
  };
}

export type AttachmentService = ReturnType<typeof makeAttachmentService>;
