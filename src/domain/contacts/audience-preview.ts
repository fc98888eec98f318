// "Who would this campaign reach?" for the operator editing a target. It evaluates the target
// with the audience freeze's own SQL predicate (db/queries/targeting.ts) on the day the freeze
// would use: today in the campaign's schedule zone (UTC without a schedule), by the injected
// clock, so the preview and the frozen ledger cannot disagree about the same contacts and day.
import { withTenant, type Pool } from '../../db/pool.js';
import { getCampaign } from '../../db/queries/campaigns.js';
import { getSchedule, getTarget, type TargetRow } from '../../db/queries/campaign-parts.js';
import type { TargetSpec } from '../../db/queries/targeting.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { localDateAt } from '../schedule/windows.js';
import type { Contact, ContactDirectory } from './store.js';

export interface AudiencePreview {
  /** Exact number of contacts the target matches on `onDate`. */
  count: number;
  onDate: string;
  timeZone: string;
  sample: Contact[];
  nextAfterId: string | null;
}

/** The target as the freeze reads it (see jobs/planner.ts, RUNNING). */
export function targetSpecOf(t: TargetRow): TargetSpec {
  return {
    contactType: t.contact_type,
    genders: t.genders,
    contactTags: t.contact_tags,
    tagMatch: t.tag_match,
    minAge: t.min_age,
    maxAge: t.max_age,
  };
}

export function makeAudiencePreview(deps: { pool: Pool; clock: Clock; directory: ContactDirectory }) {
  const { pool, clock, directory } = deps;
  return {
    async preview(
      tenantId: string,
      campaignId: string,
      opts: { limit: number; afterId?: string; onDate?: string },
    ): Promise<AudiencePreview> {
      const { target, timeZone } = await withTenant(pool, tenantId, async (tx) => {
        if (!(await getCampaign(tx, tenantId, campaignId))) throw notFound('campaign');
        const targetRow = await getTarget(tx, tenantId, campaignId);
        const schedule = await getSchedule(tx, tenantId, campaignId);
        return { target: targetRow, timeZone: schedule?.time_zone ?? 'UTC' };
      });
      if (!target) {
        throw new AppError('conflict', 'the campaign has no target yet; PUT /campaigns/{id}/targets first', {
          details: { missing: ['target'] },
        });
      }
      const spec = targetSpecOf(target);
      const onDate = opts.onDate ?? localDateAt(clock.now(), timeZone);
      const [count, page] = await Promise.all([
        directory.countTargeted(tenantId, spec, onDate),
        directory.targeted(tenantId, spec, onDate, { limit: opts.limit, afterId: opts.afterId }),
      ]);
      return { count, onDate, timeZone, sample: page.items, nextAfterId: page.nextAfterId };
    },
  };
}

export type AudiencePreviewService = ReturnType<typeof makeAudiencePreview>;
