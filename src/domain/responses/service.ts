import { withTenant, type Pool, type Queryable } from '../../db/pool.js';
import { getStatus } from '../../db/queries/campaign-runs.js';
import {
  findTracked,
  listResponses,
  recordResponse,
  type ResponseChannel,
  type ResponseRow,
  type ResponseStatus,
} from '../../db/queries/responses.js';
import { AppError, notFound } from '../../lib/errors.js';

// Responses: what recipients did, and letters the operator marked as posted. One row per
// dispatch and status; a repeat bumps the row's count and last time (or, for SEND, changes
// nothing). The contact snapshot is always taken from our own contact row by the SQL.

export interface CampaignResponse {
  id: string;
  trackingId: string;
  campaignId: string;
  channel: ResponseChannel;
  status: ResponseStatus;
  responseData: Record<string, unknown>;
  contact: Record<string, unknown>;
  eventCount: number;
  firstAt: string;
  lastAt: string;
  createdAt: string;
}

export const toResponse = (r: ResponseRow): CampaignResponse => ({
  id: r.id,
  trackingId: r.tracking_id,
  campaignId: r.campaign_id,
  channel: r.channel,
  status: r.status,
  responseData: r.response_data,
  contact: r.contact,
  eventCount: r.event_count,
  firstAt: r.first_at.toISOString(),
  lastAt: r.last_at.toISOString(),
  createdAt: r.created_at.toISOString(),
});

async function mustExist(tx: Queryable, tenantId: string, campaignId: string): Promise<void> {
  if (!(await getStatus(tx, tenantId, campaignId))) throw notFound('campaign');
}

export function makeResponseService(deps: { pool: Pool }) {
  const { pool } = deps;

  return {
    async list(
      tenantId: string,
      campaignId: string,
      opts: { channel?: ResponseChannel; status?: ResponseStatus; limit: number; after?: { ts: string; id: string } },
    ) {
      return withTenant(pool, tenantId, async (tx) => {
        await mustExist(tx, tenantId, campaignId);
        const rows = await listResponses(tx, tenantId, campaignId, { ...opts, limit: opts.limit + 1 });
        const page = rows.slice(0, opts.limit);
        const last = page.at(-1);
        return {
          items: page.map(toResponse),
          next: rows.length > opts.limit && last ? { ts: last.cursor_ts, id: last.id } : null,
        };
      });
    },

    /**
     * A response reported by an authenticated system (a landing page, a call service...). The
     * tracking id must belong to this campaign (else 404, like an id that does not exist); a
     * channel, when given, must be the dispatch's own.
     */
    async record(
      tenantId: string,
      campaignId: string,
      input: { trackingId: string; status: ResponseStatus; channel?: ResponseChannel; responseData?: Record<string, unknown> },
    ) {
      return withTenant(pool, tenantId, async (tx) => {
        await mustExist(tx, tenantId, campaignId);
        const tracked = await findTracked(tx, tenantId, input.trackingId);
        if (!tracked || tracked.campaign_id !== campaignId) throw notFound('tracking id');
        if (input.channel && input.channel !== tracked.channel) {
          throw new AppError('validation', `the tracking id belongs to a ${tracked.channel} dispatch`, {
            fields: [{ field: 'channel', message: `must be ${tracked.channel} for this tracking id (or left out)` }],
          });
        }
        const r = await recordResponse(tx, tenantId, {
          trackingId: input.trackingId,
          campaignId,
          status: input.status,
          responseData: input.responseData,
          // Marking sent twice is the same fact; responding twice is a second event.
          onRepeat: input.status === 'SEND' ? 'keep' : 'count',
        });
        if (!r) throw notFound('tracking id');
        return { response: toResponse(r.row), created: r.created };
      });
    },

    /**
     * The operator posted a letter: a SEND response for a MAIL dispatch of this campaign that was
     * handed to print (ledger SENT). Idempotent: a repeat returns the first record unchanged.
     */
    async markLetterSent(tenantId: string, campaignId: string, trackId: string) {
      return withTenant(pool, tenantId, async (tx) => {
        await mustExist(tx, tenantId, campaignId);
        const tracked = await findTracked(tx, tenantId, trackId);
        if (!tracked || tracked.campaign_id !== campaignId || tracked.channel !== 'MAIL') throw notFound('letter');
        if (tracked.status !== 'SENT') {
          throw new AppError('conflict', `the letter is not ready for print (ledger status ${tracked.status})`, {
            details: { ledgerStatus: tracked.status },
          });
        }
        const r = await recordResponse(tx, tenantId, { trackingId: trackId, campaignId, channel: 'MAIL', status: 'SEND', onRepeat: 'keep' });
        if (!r) throw notFound('letter');
        return { response: toResponse(r.row), created: r.created };
      });
    },
  };
}

export type ResponseService = ReturnType<typeof makeResponseService>;
