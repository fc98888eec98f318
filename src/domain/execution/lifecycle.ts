import { withTenant, type Pool } from '../../db/pool.js';
import type { Clock } from '../../lib/clock.js';
import { getCampaignRun, listScheduledRuns } from '../../db/queries/campaign-runs.js';
import { addJob } from '../../db/queries/jobs.js';
import { jobKey, TASKS } from '../../jobs/keys.js';
import type { CampaignService } from '../campaigns/service.js';
import { endAt, scheduleOf, startAt } from './plan.js';

// The start and end of scheduled campaigns, shared by the start/end jobs and by
// POST /campaign-schedule. Each step re-reads the campaign and the schedule and acts only
// when due, so a stale job, a repeated call or two instances racing change nothing twice
// (the status change itself is one conditional UPDATE).

export interface LifecycleDeps {
  pool: Pool;
  clock: Clock;
  campaigns: Pick<CampaignService, 'systemTransition'>;
}

export type StartResult = 'started' | 'started_and_ended' | 'not_due' | 'not_scheduled';
export type EndResult = 'completed' | 'not_due' | 'no_end' | 'not_running';

export function makeLifecycle({ pool, clock, campaigns }: LifecycleDeps) {
  async function replan(tenantId: string, campaignId: string, task: typeof TASKS.start | typeof TASKS.end, at: Date) {
    await withTenant(pool, tenantId, (tx) => addJob(tx, task, { tenantId, campaignId }, at, jobKey(task, tenantId, campaignId)));
  }

  /** The end: RUNNING or PAUSED -> COMPLETED at the close of the last window; unreached rows SKIPPED. */
  async function end(tenantId: string, campaignId: string): Promise<EndResult> {
    const now = clock.now();
    const run = await withTenant(pool, tenantId, (tx) => getCampaignRun(tx, tenantId, campaignId));
    if (!run || (run.campaign_status !== 'RUNNING' && run.campaign_status !== 'PAUSED')) return 'not_running';
    const at = run.schedule ? endAt(scheduleOf(run.schedule)) : null;
    if (!at) return 'no_end';
    if (at.getTime() > now.getTime()) {
      // The schedule moved the end (edited while PAUSED): wait for the new one.
      await replan(tenantId, campaignId, TASKS.end, at);
      return 'not_due';
    }
    // PAUSED -> COMPLETED is not an operator's move (the API's table lacks it); the end makes it.
    const done = await campaigns.systemTransition(tenantId, campaignId, 'COMPLETED', ['RUNNING', 'PAUSED']);
    return done ? 'completed' : 'not_running';
  }

  /** The start: SCHEDULED -> RUNNING at the opening of the first window; late and past the end: completes. */
  async function start(tenantId: string, campaignId: string): Promise<StartResult> {
    const now = clock.now();
    const run = await withTenant(pool, tenantId, (tx) => getCampaignRun(tx, tenantId, campaignId));
    if (!run || run.campaign_status !== 'SCHEDULED' || !run.schedule) return 'not_scheduled';
    const schedule = scheduleOf(run.schedule);
    const at = startAt(schedule, now) ?? now;
    if (at.getTime() > now.getTime()) {
      await replan(tenantId, campaignId, TASKS.start, at);
      return 'not_due';
    }
    const started = await campaigns.systemTransition(tenantId, campaignId, 'RUNNING', ['SCHEDULED']);
    if (!started) return 'not_scheduled';
    const endsAt = endAt(schedule);
    // Down past the end as well: it completes with nothing sent (every row campaign_ended).
    if (endsAt && endsAt.getTime() <= now.getTime()) {
      await end(tenantId, campaignId);
      return 'started_and_ended';
    }
    return 'started';
  }

  /** Runs every due start and end of a tenant now; answers what changed. */
  async function checkDue(tenantId: string): Promise<{ started: string[]; completed: string[] }> {
    const instant = clock.now();
    const now = instant.getTime();
    const runs = await withTenant(pool, tenantId, (tx) => listScheduledRuns(tx, tenantId, ['SCHEDULED', 'RUNNING', 'PAUSED']));
    const started: string[] = [];
    const completed: string[] = [];
    for (const run of runs) {
      const schedule = scheduleOf(run.schedule!);
      if (run.campaign_status === 'SCHEDULED') {
        const at = startAt(schedule, instant);
        if (at && at.getTime() > now) continue;
        const r = await start(tenantId, run.id);
        if (r === 'started' || r === 'started_and_ended') started.push(run.id);
        if (r === 'started_and_ended') completed.push(run.id);
      } else {
        const at = endAt(schedule);
        if (!at || at.getTime() > now) continue;
        if ((await end(tenantId, run.id)) === 'completed') completed.push(run.id);
      }
    }
    return { started, completed };
  }

  return { start, end, checkDue };
}

export type Lifecycle = ReturnType<typeof makeLifecycle>;
