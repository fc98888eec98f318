import { isAppError } from '../../lib/errors.js';
import type { CampaignRef, ChannelAdapter, OutboundMessage } from '../channel.js';
import { accepted, permanentFailure, type SendOutcome } from '../errors.js';
import { buildScanUrl } from './qr-payload.js';
import type { QrPngEncoder } from './qr-png.js';

// The MAIL channel. "Sending" a letter means making it ready for print: the engine hands the
// adapter a ledger row, the adapter checks that a printable letter can be made of it (postal
// address, a QR payload that fits a 300×300 code) and answers accepted, so the row becomes SENT,
// meaning "handed to print": it appears in GET /campaigns/{id}/mails/print from then on. Nothing
// leaves the building here, so there is nothing to retry and nothing uncertain: a letter is
// either ready or refused for good (FAILED with the reason).
//
// The letter's own "sent" (posted) is the operator's word, POST /campaigns/{id}/mails/{trackId}/status
// {status: SEND}, recorded as a SEND response; mail metrics count those, not the ledger.
//
// The QR image itself is drawn at print time (GET .../mails/print), from the tracking id, so the
// ledger stays small and a reprint is the same code.

export interface LetterSettings {
  responseUrl: string;
  contactTypes: string[];
}

export interface MailAdapterDeps {
  /** The campaign's mail settings (null: the campaign or its mail config is gone). */
  loadSettings(campaign: CampaignRef): Promise<LetterSettings | null>;
  /** Used to prove, once per batch, that the longest payload still fits the image. */
  qr: QrPngEncoder;
}

export interface MailPrepared {
  responseUrl: string;
  /** Set when no letter of this campaign can be made; every send fails with it. */
  problem: string | null;
  /** The longest payload proven to encode; a longer one is checked by encoding it. */
  provenLength: number;
}

// Tracking ids are 22 characters of base64url (no percent-encoding): the probe's stand-in.
const PROBE_TRACKING_ID = 'x'.repeat(22);
const MAX_PROBES = 20;

function hasPostalAddress(m: OutboundMessage): boolean {
  const a = m.contact.address;
  return !!a && !!a.line1?.trim() && (!!a.city?.trim() || !!a.postalCode?.trim());
}

const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function makeMailAdapter(deps: MailAdapterDeps): ChannelAdapter<MailPrepared> {
  function probe(url: string): string | null {
    try {
      deps.qr.png(url);
      return null;
    } catch (e) {
      if (isAppError(e)) return `QR code cannot be made: ${e.message}`;
      throw e;
    }
  }

  async function prepare(campaign: CampaignRef): Promise<MailPrepared> {
    const s = await deps.loadSettings(campaign);
    if (!s) return { responseUrl: '', problem: 'the campaign has no mail config', provenLength: 0 };
    let provenLength = 0;
    for (const contactType of (s.contactTypes.length ? s.contactTypes : ['X']).slice(0, MAX_PROBES)) {
      let url: string;
      try {
        url = buildScanUrl(s.responseUrl, { trackId: PROBE_TRACKING_ID, campaignId: campaign.campaignId, contactType });
      } catch (e) {
        if (!isAppError(e)) throw e;
        return { responseUrl: s.responseUrl, problem: `invalid responseUrl: ${e.message}`, provenLength: 0 };
      }
      if (url.length <= provenLength) continue;
      const problem = probe(url);
      if (problem) return { responseUrl: s.responseUrl, problem, provenLength: 0 };
      provenLength = url.length;
    }
    return { responseUrl: s.responseUrl, problem: null, provenLength };
  }

  function send(m: OutboundMessage, p: MailPrepared): SendOutcome {
    if (p.problem) return permanentFailure(p.problem);
    if (!hasPostalAddress(m)) return permanentFailure('no_address: the contact has no postal address');
    let url: string;
    try {
      url = buildScanUrl(p.responseUrl, { trackId: m.trackingId, campaignId: m.campaignId, contactType: m.contact.contactType });
    } catch (e) {
      if (!isAppError(e)) throw e;
      return permanentFailure(`QR payload: ${reasonOf(e)}`);
    }
    if (url.length > p.provenLength) {
      const problem = probe(url);
      if (problem) return permanentFailure(problem);
    }
    return accepted(`print-${m.dispatchId}`);
  }

  return {
    channel: 'MAIL',
    prepare,
    async send(m, p) {
      return send(m, p);
    },
    // No provider call: a whole chunk is made ready at once (the engine then claims big chunks).
    async sendMany(messages, p) {
      return messages.map((m) => send(m, p));
    },
  };
}
