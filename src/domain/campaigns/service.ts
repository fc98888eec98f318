import type pg from 'pg';
import { AppError, notFound, validationError } from '../../lib/errors.js';
import { pastEndProblems } from '../schedule/past-end.js';
import type { Schedule as WindowSchedule } from '../schedule/types.js';
import type { Clock } from '../../lib/clock.js';
import { withTenant, type Pool } from '../../db/pool.js';
import * as q from '../../db/queries/campaigns.js';
import * as parts from '../../db/queries/campaign-parts.js';
import { lockCampaign } from '../../db/queries/campaign-runs.js';
import { missingPieces, type PartsCheck } from './completeness.js';
import {
  CHANNELS,
  channelConfigFromRow,
  channelConfigToRow,
  fromSchedule,
  fromTarget,
  toCampaign,
  toSchedule,
  toTarget,
  type Campaign,
  type ChannelName,
  type Schedule,
  type Target,
} from './model.js';
import type { CampaignPlanner } from './planner.js';
import { EDITABLE, allowedFrom, allowedTargets, needsCompleteness, notEditableError, type CampaignStatus } from './status.js';

export interface CampaignServiceDeps {
  pool: Pool;
  clock: Clock;
  planner: CampaignPlanner;
  /** Extra completeness pieces (templates a channel's provider needs); run in the transition's transaction. */
  checkParts?: PartsCheck;
  /** The default sender of the tenant's email provider, when one is configured (sourceEmail may then be left out). */
  defaultSender?: (tenantId: string) => Promise<string | undefined>;
}

export type CampaignFields = q.CampaignFields;

export function makeCampaignService({ pool, clock, planner, checkParts, defaultSender }: CampaignServiceDeps) {
  /** Runs an edit: claims the campaign (editable, expected version) then writes the part. */
  async function edit<T>(
    tenantId: string,
    id: string,
    expectedVersion: number | null,
    write: (tx: pg.PoolClient, row: q.CampaignRow) => Promise<T>,
    fields?: q.CampaignFields,
  ): Promise<{ campaign: Campaign; result: T }> {
    return withTenant(pool, tenantId, async (tx) => {
      const row = await q.lockForEdit(tx, tenantId, id, { editable: EDITABLE, expectedVersion, fields });
      if (!row) throw await whyNotEditable(tx, tenantId, id, expectedVersion);
      const result = await write(tx, row);
      return { campaign: toCampaign(row), result };
    });
  }

  async function whyNotEditable(tx: pg.PoolClient, tenantId: string, id: string, expected: number | null) {
    const current = await q.getCampaign(tx, tenantId, id);
    if (!current) return notFound('campaign');
    if (!EDITABLE.includes(current.campaign_status)) return notEditableError(current.campaign_status);
    return new AppError('precondition_failed', `the campaign changed since you read it (version ${current.version}, If-Match said ${expected})`, {
      details: { currentVersion: current.version },
    });
  }

  async function mustGet(tx: pg.PoolClient, tenantId: string, id: string) {
    const row = await q.getCampaign(tx, tenantId, id);
    if (!row) throw notFound('campaign');
    return row;
  }

  async function loadConfigs(tx: pg.PoolClient, tenantId: string, id: string) {
    const configs: Partial<Record<ChannelName, Record<string, unknown> | null>> = {};
    for (const ch of CHANNELS) {
      const row = await parts.getChannelConfig(tx, tenantId, id, ch);
      configs[ch] = row ? channelConfigFromRow(row) : null;
    }
    return configs;
  }

  /** The job changes a status change implies, in its transaction; answers the moved campaign. */
  async function planMove(
    tx: pg.PoolClient,
    tenantId: string,
    moved: NonNullable<Awaited<ReturnType<typeof q.transitionStatus>>>,
    to: CampaignStatus,
    scheduleRow: Awaited<ReturnType<typeof parts.getSchedule>>,
  ): Promise<Campaign> {
    await planner.onTransition(tx, {
      tenantId,
      campaign: moved.row,
      from: moved.previous,
      to,
      schedule: scheduleRow ? toSchedule(scheduleRow) : null,
      now: clock.now(),
    });
    return toCampaign(moved.row);
  }

  return {
    async create(tenantId: string, fields: q.CampaignFields): Promise<Campaign> {
      return withTenant(pool, tenantId, async (tx) => toCampaign(await q.insertCampaign(tx, tenantId, fields)));
    },

    async get(tenantId: string, id: string): Promise<{ campaign: Campaign; schedule: Schedule | null }> {
      return withTenant(pool, tenantId, async (tx) => {
        const row = await mustGet(tx, tenantId, id);
        const schedule = await parts.getSchedule(tx, tenantId, id);
        return { campaign: toCampaign(row), schedule: schedule ? toSchedule(schedule) : null };
      });
    },

    async list(tenantId: string, opts: { status?: CampaignStatus[]; limit: number; after?: { ts: string; id: string } }) {
      return withTenant(pool, tenantId, async (tx) => {
        const rows = await q.listCampaigns(tx, tenantId, { ...opts, limit: opts.limit + 1 });
        const page = rows.slice(0, opts.limit);
        const last = page.at(-1);
        const next = rows.length > opts.limit && last ? { ts: last.cursor_ts, id: last.id } : null;
        return { items: page.map(toCampaign), next };
      });
    },

    async update(tenantId: string, id: string, fields: q.CampaignFields, expectedVersion: number | null) {
      return (await edit(tenantId, id, expectedVersion, async () => undefined, fields)).campaign;
    },

    async remove(tenantId: string, id: string): Promise<void> {
      await withTenant(pool, tenantId, async (tx) => {
        const deletable = ['DRAFT', 'SCHEDULED', 'PAUSED', 'COMPLETED'] as const;
        const row = await q.deleteCampaign(tx, tenantId, id, deletable);
        if (!row) {
          const current = await mustGet(tx, tenantId, id);
          throw new AppError('conflict', `a ${current.campaign_status} campaign cannot be deleted; pause it first`, {
            details: { campaignStatus: current.campaign_status },
          });
        }
        await planner.onDeleted(tx, { tenantId, campaignId: id });
      });
    },

    /** The status machine: one conditional update, the implied job changes in the same transaction. */
    async transition(tenantId: string, id: string, to: CampaignStatus): Promise<Campaign> {
      return withTenant(pool, tenantId, async (tx) => {
        const moved = await q.transitionStatus(tx, tenantId, id, to, allowedFrom(to));
        if (!moved) {
          const current = await mustGet(tx, tenantId, id);
          throw new AppError('invalid_transition', `cannot move a ${current.campaign_status} campaign to ${to}`, {
            details: { campaignStatus: current.campaign_status, allowed: allowedTargets(current.campaign_status) },
          });
        }
        const scheduleRow = await parts.getSchedule(tx, tenantId, id);
        if (needsCompleteness(moved.previous, to)) {
          const targetRow = await parts.getTarget(tx, tenantId, id);
          const configs = await loadConfigs(tx, tenantId, id);
          const missing = missingPieces(
            {
              campaign: moved.row,
              hasSchedule: scheduleRow != null,
              target: targetRow ? toTarget(targetRow) : null,
              configs,
              hasDefaultSender: moved.row.email && defaultSender ? Boolean(await defaultSender(tenantId)) : false,
            },
            to as 'SCHEDULED' | 'RUNNING',
          );
          if (checkParts) missing.push(...(await checkParts(tx, tenantId, moved.row, configs)));
          // Throwing rolls the status change back with everything else.
          if (missing.length > 0) {
            throw new AppError('incomplete', `the campaign cannot become ${to} yet: ${missing.length} piece(s) missing`, {
              fields: missing,
            });
          }
        }
        return planMove(tx, tenantId, moved, to, scheduleRow);
      });
    },

    /**
     * Transitions made by the execution engine, not by an operator: the start job, completion,
     * and the end job. `from` is given explicitly because the end completes a PAUSED campaign
     * too (PRODUCT.md: the end completes it), an edge the API's table deliberately does not
     * offer. `guard` runs with the campaign row locked and can veto (e.g. "rows remain"), so a
     * concurrent retry can never slip in between the check and the change. null = not moved.
     */
    async systemTransition(
      tenantId: string,
      id: string,
      to: CampaignStatus,
      from: readonly CampaignStatus[],
      guard?: (tx: pg.PoolClient) => Promise<boolean>,
    ): Promise<Campaign | null> {
      return withTenant(pool, tenantId, async (tx) => {
        if (guard) {
          const status = await lockCampaign(tx, tenantId, id);
          if (!status || !from.includes(status) || !(await guard(tx))) return null;
        }
        const moved = await q.transitionStatus(tx, tenantId, id, to, from);
        if (!moved) return null;
        const scheduleRow = await parts.getSchedule(tx, tenantId, id);
        return planMove(tx, tenantId, moved, to, scheduleRow);
      });
    },

    async getSchedule(tenantId: string, id: string) {
      return withTenant(pool, tenantId, async (tx) => {
        const row = await mustGet(tx, tenantId, id);
        const s = await parts.getSchedule(tx, tenantId, id);
        return { campaign: toCampaign(row), schedule: s ? toSchedule(s) : null };
      });
    },

    async setSchedule(tenantId: string, id: string, given: Schedule, expectedVersion: number | null) {
      // A schedule whose end has passed would complete the campaign with nothing sent the
      // moment it is SCHEDULED; refused while the operator can still fix it. (An end that
      // passes later, e.g. while the service is down, still completes: that schedule was valid.)
      // The body was validated (days and frequency are known names), so the maths' types hold.
      const pastEnd = pastEndProblems(given as WindowSchedule, clock.now());
      if (pastEnd.length > 0) throw validationError(pastEnd, 'The schedule has already ended');
      // A day listed twice means the same as once; stored once, in the order given.
      const schedule = { ...given, operationalDays: [...new Set(given.operationalDays)] };
      return edit(tenantId, id, expectedVersion, async (tx, row) => {
        await parts.upsertSchedule(tx, tenantId, id, fromSchedule(schedule));
        if (row.campaign_status === 'SCHEDULED') {
          await planner.onScheduleChanged(tx, { tenantId, campaign: row, schedule, now: clock.now() });
        }
        return schedule;
      });
    },

    async getTarget(tenantId: string, id: string) {
      return withTenant(pool, tenantId, async (tx) => {
        const row = await mustGet(tx, tenantId, id);
        const t = await parts.getTarget(tx, tenantId, id);
        return { campaign: toCampaign(row), target: t ? toTarget(t) : null };
      });
    },

    async setTarget(tenantId: string, id: string, target: Target, expectedVersion: number | null) {
      return edit(tenantId, id, expectedVersion, async (tx, row) => {
        // The audience was frozen into the ledger when the campaign first ran: a new target
        // would change nothing, so say so instead of accepting it (the edit is rolled back).
        if (row.started_at) {
          throw new AppError('conflict', 'the audience was frozen when the campaign first ran; a new target applies only to a new campaign', {
            details: { campaignStatus: row.campaign_status, frozenAt: row.started_at.toISOString() },
          });
        }
        await parts.upsertTarget(tx, tenantId, id, fromTarget(target));
        return target;
      });
    },

    async getChannelConfig(tenantId: string, id: string, channel: ChannelName) {
      return withTenant(pool, tenantId, async (tx) => {
        const row = await mustGet(tx, tenantId, id);
        const cfg = await parts.getChannelConfig(tx, tenantId, id, channel);
        return { campaign: toCampaign(row), config: cfg ? channelConfigFromRow(cfg) : null, attachmentId: (cfg?.attachment_id as string | null) ?? null };
      });
    },

    async setChannelConfig(
      tenantId: string,
      id: string,
      channel: ChannelName,
      /** The new config; null leaves it as it is (an attachment-only change). */
      body: Record<string, unknown> | null,
      expectedVersion: number | null,
      inTx?: (tx: pg.PoolClient) => Promise<void>,
    ) {
      return edit(tenantId, id, expectedVersion, async (tx) => {
        // PUT replaces the config: a field left out is cleared, not kept from before (the
        // attachment is the exception: only its own part and route change it).
        const row = body === null ? {} : channelConfigToRow(body);
        if (body !== null) {
          for (const [col, type] of Object.entries(parts.CHANNEL_TABLES[channel].columns)) {
            if (col !== 'attachment_id' && !(col in row)) row[col] = type === 'jsonb' ? {} : null; // JSON fields are {} when empty
          }
        }
        await parts.upsertChannelConfig(tx, tenantId, id, channel, row);
        if (inTx) await inTx(tx);
        const cfg = await parts.getChannelConfig(tx, tenantId, id, channel);
        return cfg ? channelConfigFromRow(cfg) : null;
      });
    },
  };
}

export type CampaignService = ReturnType<typeof makeCampaignService>;
