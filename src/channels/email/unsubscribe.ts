import { withTenant, type Pool } from '../../db/pool.js';
import { tenantOfTracking } from '../../db/queries/responses.js';
import { optOutEmailByTracking, skipPendingEmailOf } from '../../db/queries/provider-events.js';

// One-click unsubscribe (RFC 8058). The link carries the dispatch's tracking id (122 random
// bits), so it needs no login; it only ever opts that one contact out of email, and the
// contact's EMAIL rows not sent yet are skipped with reason opted_out.

export function makeUnsubscribe(deps: { pool: Pool }) {
  return {
    /** True when the tracking id belongs to an email we sent (the confirmation page can be shown). */
    async known(trackingId: string): Promise<boolean> {
      return (await tenantOfTracking(deps.pool, trackingId)) !== null;
    },
    /** Opts the recipient out; false when the tracking id is unknown or not an email. */
    async optOut(trackingId: string): Promise<boolean> {
      const tenantId = await tenantOfTracking(deps.pool, trackingId);
      if (!tenantId) return false;
      return withTenant(deps.pool, tenantId, async (tx) => {
        const contactId = await optOutEmailByTracking(tx, tenantId, trackingId);
        if (!contactId) return false;
        await skipPendingEmailOf(tx, tenantId, contactId);
        return true;
      });
    },
  };
}
