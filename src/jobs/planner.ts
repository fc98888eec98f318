import type pg from 'pg';
import type { CampaignPlanner, TransitionContext } from '../domain/campaigns/planner.js';
import type { Schedule as ModelSchedule } from '../domain/campaigns/model.js';
import { CHANNEL_OF_FLAG, type Channel } from '../channels/channel.js';
import { getTarget } from '../db/queries/campaign-parts.js';
import { closeGate } from '../db/queries/gate.js';
import { freezeAudience, markInFlightUncertain, skipUnreached } from '../db/queries/dispatches.js';
import { addJob, removeJob } from '../db/queries/jobs.js';
import { endAt, startAt } from '../domain/execution/plan.js';
import { localDateAt, nextOpening, type Schedule } from '../domain/schedule/windows.js';
import { jobKey, TASKS, type TaskName } from './keys.js';

// The real planner: every status change writes the job changes it implies in the SAME
// transaction (through app_add_job / app_remove_job), so "status changed" and "scheduler told"
// commit together or not at all.
//
//   -> SCHEDULED   plan start (first window opening) and end (last window close); no batch
//   -> RUNNING     first time: freeze the audience into the ledger; plan the batch now (or at
//                  the next window opening) and the end; drop the start job
//   -> PAUSED      close the send gate (waits for the contact being handed over), drop the batch
//                  (from SCHEDULED also the start; the end stays: a paused campaign still ends)
//   -> DRAFT       drop everything
//   -> COMPLETED   close the gate, drop everything, record unreached rows as campaign_ended
//                  and rows still SENDING as UNCERTAIN

const windowsSchedule = (s: ModelSchedule): Schedule => s as unknown as Schedule;

export function channelsOf(c: { call: boolean; email: boolean; whatsapp: boolean; mail: boolean }): Channel[] {
  return (Object.keys(CHANNEL_OF_FLAG) as (keyof typeof CHANNEL_OF_FLAG)[]).filter((f) => c[f]).map((f) => CHANNEL_OF_FLAG[f]);
}

/** The first batch of a campaign that (re)starts at `now`: now, or the next window opening. */
export function firstBatchAt(now: Date, schedule: Schedule | null): Date | null {
  if (!schedule) return now;
  const w = nextOpening(schedule, now);
  if (!w) return null;
  return w.opensAt.getTime() > now.getTime() ? w.opensAt : now;
}

export function makeJobPlanner(): CampaignPlanner {
  const plan = (tx: pg.PoolClient, task: TaskName, tenantId: string, campaignId: string, at: Date) =>
    addJob(tx, task, { tenantId, campaignId }, at, jobKey(task, tenantId, campaignId));
  const drop = (tx: pg.PoolClient, task: TaskName, tenantId: string, campaignId: string) =>
    removeJob(tx, jobKey(task, tenantId, campaignId));

  async function planEnd(tx: pg.PoolClient, tenantId: string, campaignId: string, schedule: Schedule | null) {
    const end = schedule ? endAt(schedule) : null;
    if (end) await plan(tx, TASKS.end, tenantId, campaignId, end);
    else await drop(tx, TASKS.end, tenantId, campaignId);
  }

  async function planStartAndEnd(tx: pg.PoolClient, tenantId: string, campaignId: string, schedule: Schedule, now: Date) {
    // A schedule with no window at all still gets a start job: it then completes at once.
    await plan(tx, TASKS.start, tenantId, campaignId, startAt(schedule, now) ?? now);
    await planEnd(tx, tenantId, campaignId, schedule);
  }

  async function onTransition(tx: pg.PoolClient, ctx: TransitionContext): Promise<void> {
    const { tenantId, campaign, from, to, now } = ctx;
    const id = campaign.id;
    const schedule = ctx.schedule ? windowsSchedule(ctx.schedule) : null;
    // Leaving RUNNING: wait for the contacts being handed over; none is handed over after this.
    if (from === 'RUNNING') await closeGate(tx, id);

    switch (to) {
      case 'SCHEDULED':
        await drop(tx, TASKS.batch, tenantId, id);
        if (schedule) await planStartAndEnd(tx, tenantId, id, schedule, now);
        return;
      case 'RUNNING': {
        const target = await getTarget(tx, tenantId, id);
        if (target) {
          const onDate = localDateAt(now, schedule?.timeZone ?? 'UTC');
          await freezeAudience(tx, tenantId, id, channelsOf(campaign), {
            contactType: target.contact_type,
            genders: target.genders,
            contactTags: target.contact_tags,
            tagMatch: target.tag_match,
            minAge: target.min_age,
            maxAge: target.max_age,
          }, onDate);
        }
        await drop(tx, TASKS.start, tenantId, id);
        const at = firstBatchAt(now, schedule);
        if (at) await plan(tx, TASKS.batch, tenantId, id, at);
        await planEnd(tx, tenantId, id, schedule);
        return;
      }
      case 'PAUSED':
        await drop(tx, TASKS.batch, tenantId, id);
        if (from === 'SCHEDULED') await drop(tx, TASKS.start, tenantId, id);
        return;
      case 'DRAFT':
        for (const t of [TASKS.start, TASKS.end, TASKS.batch]) await drop(tx, t, tenantId, id);
        return;
      case 'COMPLETED':
        for (const t of [TASKS.start, TASKS.end, TASKS.batch]) await drop(tx, t, tenantId, id);
        await skipUnreached(tx, tenantId, id, 'campaign_ended');
        await markInFlightUncertain(tx, tenantId, id);
        return;
    }
  }

  return {
    onTransition,
    async onScheduleChanged(tx, { tenantId, campaign, schedule, now }) {
      await planStartAndEnd(tx, tenantId, campaign.id, windowsSchedule(schedule), now);
    },
    async onDeleted(tx, { tenantId, campaignId }) {
      for (const t of [TASKS.start, TASKS.end, TASKS.batch]) await drop(tx, t, tenantId, campaignId);
    },
  };
}
