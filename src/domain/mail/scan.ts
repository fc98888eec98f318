import { withTenant, type Pool } from '../../db/pool.js';
import { getMailSettings } from '../../db/queries/mail.js';
import { findTracked, recordResponse, tenantOfTracking } from '../../db/queries/responses.js';
import { notAPerson, type ScanRequestInfo } from './scan-guards.js';

// A QR code scanned: the public endpoint's logic. The tracking id is the secret; the answer
// never tells whether it exists (an unknown id and a wrong campaign get the same thank-you page
// a real scan without a landing page gets). Recorded: one RESPONDED response per tracking id;
// a repeat scan bumps its count and last time. Not recorded: HEAD and prefetch requests,
// link-preview bots, a campaignId that is not the tracking id's campaign.

export interface ScanInput extends ScanRequestInfo {
  trackId: string | undefined;
  campaignId: string | undefined;
  contactType: string | undefined;
}

export interface ScanResult {
  /** What happened, for logs and tests. */
  outcome: 'recorded' | 'repeat' | 'ignored_not_a_person' | 'unknown' | 'campaign_mismatch';
  /** Where to send the visitor: the campaign's landing page, or null for the thank-you page. */
  landingUrl: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TRACK_ID = 128;

export function makeScanService(deps: { pool: Pool }) {
  const { pool } = deps;

  return async function scan(input: ScanInput): Promise<ScanResult> {
    const trackId = input.trackId?.trim();
    if (!trackId || trackId.length > MAX_TRACK_ID) return { outcome: 'unknown', landingUrl: null };
    const tenantId = await tenantOfTracking(pool, trackId);
    if (!tenantId) return { outcome: 'unknown', landingUrl: null };

    const campaignId = input.campaignId?.trim().toLowerCase();
    const why = notAPerson(input);
    return withTenant(pool, tenantId, async (tx) => {
      const tracked = await findTracked(tx, tenantId, trackId);
      if (!tracked) return { outcome: 'unknown', landingUrl: null };
      // A code with a campaignId of another campaign was tampered with or mixed up: the scan
      // cannot be attributed, so nothing is recorded and no campaign's page is revealed.
      if (!campaignId || !UUID.test(campaignId) || tracked.campaign_id !== campaignId) {
        return { outcome: 'campaign_mismatch', landingUrl: null };
      }
      const settings = await getMailSettings(tx, tenantId, campaignId);
      const landingUrl = settings?.landing_url || null;
      if (why) return { outcome: 'ignored_not_a_person', landingUrl };
      const contactType = input.contactType?.slice(0, 200);
      const r = await recordResponse(tx, tenantId, {
        trackingId: trackId,
        campaignId,
        status: 'RESPONDED',
        responseData: { source: 'qr_scan', ...(contactType ? { contactType } : {}) },
      });
      return { outcome: r?.created ? 'recorded' : 'repeat', landingUrl };
    });
  };
}

export type ScanService = ReturnType<typeof makeScanService>;
