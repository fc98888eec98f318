import { withTenant, type Pool } from '../../db/pool.js';
import { getMailSettings, type MailSettingsRow } from '../../db/queries/mail.js';

// What a campaign's letters are made of, resolved once per batch (adapter) or per print run.

/** The path of the public scan endpoint, under PUBLIC_BASE_URL. */
export const SCAN_PATH = '/r';

export interface MailSettings {
  campaignId: string;
  /** Where the QR code points: the config's responseUrl, or our own scan endpoint. */
  responseUrl: string;
  /** true when responseUrl is our own scan endpoint (scans are recorded by us). */
  ownScanEndpoint: boolean;
  landingUrl: string | null;
  subject: string;
  message: string;
  /** The target's contact types: the values a letter's contactType can take. */
  contactTypes: string[];
  /** The mail config's attachment (an enclosure the print PDF can append), if any. */
  attachmentId: string | null;
}

export const scanEndpointOf = (publicBaseUrl: string) => `${publicBaseUrl.replace(/\/+$/, '')}${SCAN_PATH}`;

export function mailSettingsOf(row: MailSettingsRow, publicBaseUrl: string): MailSettings {
  const own = !row.response_url;
  return {
    campaignId: row.campaign_id,
    responseUrl: row.response_url || scanEndpointOf(publicBaseUrl),
    ownScanEndpoint: own,
    landingUrl: row.landing_url || null,
    subject: row.subject ?? '',
    message: row.message ?? '',
    contactTypes: row.contact_types,
    attachmentId: row.attachment_id ?? null,
  };
}

/** Loads a campaign's mail settings (null: no such campaign for this tenant). */
export function makeMailSettingsLoader(deps: { pool: Pool; publicBaseUrl: string }) {
  return async (tenantId: string, campaignId: string): Promise<MailSettings | null> => {
    const row = await withTenant(deps.pool, tenantId, (tx) => getMailSettings(tx, tenantId, campaignId));
    return row ? mailSettingsOf(row, deps.publicBaseUrl) : null;
  };
}

export type MailSettingsLoader = ReturnType<typeof makeMailSettingsLoader>;
