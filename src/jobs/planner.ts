import type { CampaignPlanner } from '../domain/campaigns/planner.js';

// Placeholder until the execution engine lands: status changes are recorded but no jobs are
// planned yet. Replaced by the real planner (start/end/batch jobs) in the engine work.
export function makeJobPlanner(): CampaignPlanner {
  return {
    async onTransition() {},
    async onScheduleChanged() {},
    async onDeleted() {},
  };
}
