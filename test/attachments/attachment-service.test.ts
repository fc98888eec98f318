import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeAttachmentService,
  makeChannelAttachmentEditor,
  objectKeyFor,
  sweepOrphanAttachments,
  tenantPrefix,
  type AttachmentService,
} from '../../src/domain/attachments/index.js';
import { makeCampaignService, type CampaignFields, type CampaignService } from '../../src/domain/campaigns/service.js';
import { makeJobPlanner } from '../../src/jobs/planner.js';
import { makeManualClock, systemClock } from '../../src/lib/clock.js';
import { makeLocalStore } from '../../src/storage/local-store.js';
import { makeS3Store } from '../../src/storage/s3-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { PNG_BYTES } from '../../src/storage/test-files.js';
import { startS3Server, type FakeS3Server } from '../fakes/s3-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { newTenant } from '../helpers/app.js';

// The attachment service as the channels and the sweep job use it, on both stores.

const stores: { name: string; make(): Promise<{ store: ObjectStore; close(): Promise<void> }> }[] = [
  {
    name: 'local',
    async make() {
      const dir = await mkdtemp(path.join(tmpdir(), 'attachment-service-'));
      return { store: makeLocalStore({ dir }), close: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3',
    async make() {
      const s3: FakeS3Server = await startS3Server();
      const store = makeS3Store({ ...s3, forcePathStyle: true, checksumWhenRequired: true });
      return { store, close: () => s3.close() };
    },
  },
];

describe.each(stores)('attachment service on the $name store', (kind) => {
  let db: TestDatabase;
  let store: ObjectStore;
  let close: () => Promise<void>;
  let campaigns: CampaignService;
  let attachments: AttachmentService;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ store, close } = await kind.make());
    campaigns = makeCampaignService({ pool: db.pool, clock: systemClock, planner: makeJobPlanner() });
    attachments = makeAttachmentService({ pool: db.pool, store, maxBytes: 1_000_000 });
  });
  afterAll(async () => {
    await db?.drop();
    await close?.();
  });

  async function keysOf(tenant: string): Promise<string[]> {
    const out: string[] = [];
    for await (const o of store.list(tenantPrefix(tenant))) out.push(o.key);
    return out.sort();
  }

  const fields = (f: Partial<CampaignFields>): CampaignFields => ({
    title: 'c',
    description: null,
    call: false,
    email: false,
    whatsapp: false,
    mail: false,
    executionBatchSize: null,
    executionIntervalSeconds: null,
    ...f,
  });

  async function withAttachment(tenant: string, name = 'logo.png', bytes = PNG_BYTES) {
    const campaign = await campaigns.create(tenant, fields({ email: true }));
    const editor = makeChannelAttachmentEditor({ attachments, campaigns });
    const { config } = await editor.setConfig(tenant, campaign.id, 'email', { sourceEmail: 'a@b.example' }, null, {
      source: Readable.from([bytes]),
      fileName: name,
    });
    return { campaignId: campaign.id, attachment: config!.attachment! };
  }

  it('opens an attachment for the channels, only for its own tenant', async () => {
    const tenant = newTenant();
    const { attachment } = await withAttachment(tenant, 'notes.txt', Buffer.from('Grüße\n'));
    const opened = await attachments.open(tenant, attachment.id);
    expect(opened).toMatchObject({ id: attachment.id, fileName: 'notes.txt', contentType: 'text/plain; charset=utf-8', size: 8 });
    expect(opened.sha256).toBe(createHash('sha256').update('Grüße\n').digest('hex'));
    // Each stream() is a fresh read of the whole file.
    expect(await text(await opened.stream())).toBe('Grüße\n');
    expect(await text(await opened.stream())).toBe('Grüße\n');
    const url = await opened.url(60);
    if (kind.name === 's3') expect(url).toMatch(/X-Amz-Signature=/);
    else expect(url).toBeNull();
    await expect(attachments.open(newTenant(), attachment.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('deletes the uploaded object when the campaign stops being editable during the upload', async () => {
    const tenant = newTenant();
    const campaign = await campaigns.create(tenant, fields({ title: 'race', mail: true }));
    await campaigns.setChannelConfig(tenant, campaign.id, 'mail', { subject: 'S', message: 'M' }, null);
    await campaigns.setTarget(tenant, campaign.id, { minAge: null, maxAge: null, contactTags: [], tagMatch: 'ANY', genders: [], contactType: ['C'] }, null);
    // The campaign starts after the editability check passed, while the file is being stored.
    const racing: CampaignService = {
      ...campaigns,
      async get(t, id) {
        const r = await campaigns.get(t, id);
        await campaigns.transition(t, id, 'RUNNING');
        return r;
      },
    };
    const editor = makeChannelAttachmentEditor({ attachments, campaigns: racing });
    await expect(
      editor.setConfig(tenant, campaign.id, 'mail', { subject: 'S2' }, null, { source: Readable.from([PNG_BYTES]), fileName: 'a.png' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await keysOf(tenant)).toEqual([]);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM attachments WHERE tenant_id = $1', [tenant]);
    expect(rows[0].n).toBe(0);
  });

  it('sweeps objects without a row once they are an hour old, and nothing else', async () => {
    const tenant = newTenant();
    const other = newTenant();
    const { attachment } = await withAttachment(tenant);
    const owned = objectKeyFor(tenant, attachment.id);
    const orphan = objectKeyFor(tenant, '00000000-0000-4000-8000-000000000001');
    const otherOrphan = objectKeyFor(other, '00000000-0000-4000-8000-000000000002');
    const notOurs = `${tenantPrefix(tenant)}readme.txt`;
    for (const key of [orphan, otherOrphan, notOurs]) {
      await store.put(key, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' });
    }

    // Young orphans may be uploads whose transaction has not committed yet: kept.
    expect(await sweepOrphanAttachments({ pool: db.pool, store, tenantId: tenant })).toMatchObject({ deleted: 0 });
    expect(await keysOf(tenant)).toEqual([owned, orphan, notOurs].sort());

    const later = makeManualClock(new Date(Date.now() + 2 * 3_600_000));
    const one = await sweepOrphanAttachments({ pool: db.pool, store, clock: later, tenantId: tenant });
    expect(one.deleted).toBe(1);
    expect(await keysOf(tenant)).toEqual([owned, notOurs].sort());
    expect(await keysOf(other)).toEqual([otherOrphan]);

    // Without a tenant it walks every tenant's prefix, checking each key as its own tenant.
    await sweepOrphanAttachments({ pool: db.pool, store, clock: later });
    expect(await keysOf(other)).toEqual([]);
    expect(await keysOf(tenant)).toEqual([owned, notOurs].sort());
    expect((await attachments.open(tenant, attachment.id)).size).toBe(PNG_BYTES.length);
  });
});
