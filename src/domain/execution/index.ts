import type { Pool } from '../../db/pool.js';
import type { Clock } from '../../lib/clock.js';
import type { ChannelRegistry } from '../../channels/channel.js';
import type { CampaignService } from '../campaigns/service.js';
import { makeDispatcher, type ExecutionSettings } from './dispatcher.js';
import { makeLedger } from './ledger.js';
import { makeLifecycle } from './lifecycle.js';

// The execution engine's pieces, built from explicit dependencies.
export function makeExecution(deps: {
  pool: Pool;
  clock: Clock;
  campaigns: CampaignService;
  channels: ChannelRegistry;
  settings: ExecutionSettings;
  isStopping: () => boolean;
}) {
  const { pool, clock, campaigns } = deps;
  return {
    dispatcher: makeDispatcher({ pool, clock, adapters: deps.channels, settings: deps.settings, campaigns, isStopping: deps.isStopping }),
    lifecycle: makeLifecycle({ pool, clock, campaigns }),
    ledger: makeLedger({ pool, clock, rateDefaults: deps.settings.rateLimits }),
  };
}

export type Execution = ReturnType<typeof makeExecution>;
export type { ExecutionSettings } from './dispatcher.js';
