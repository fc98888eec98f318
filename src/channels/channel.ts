import type { SendOutcome, TransientError } from './errors.js';

// The one channel seam. The execution engine hands an adapter one message (or, when the adapter
// supports it, a chunk of them) and reads back a SendOutcome; it never knows which provider is
// behind it. Retryable failures are thrown as TransientError (with `uncertain` when the request
// may have reached the provider); permanent ones are returned. Anything else thrown is treated
// as "outcome unknown" (the ledger row becomes UNCERTAIN), never retried blindly.
//
// A real provider is plugged in by building its adapter in src/app.ts and putting it into the
// registry (Record<Channel, ChannelAdapter>) in place of the local sink. Webhook parsing is the
// adapter's own business and lives beside it, not here.

export const CHANNEL_IDS = ['CALL', 'EMAIL', 'WHATSAPP', 'MAIL'] as const;
export type Channel = (typeof CHANNEL_IDS)[number];

/** Campaign flag (API, lower case) -> ledger channel. */
export const CHANNEL_OF_FLAG = { call: 'CALL', email: 'EMAIL', whatsapp: 'WHATSAPP', mail: 'MAIL' } as const;

export interface PostalAddress {
  line1?: string;
  line2?: string;
  city?: string;
  region?: string;
  postalCode?: string;
  country?: string;
}

/** The contact as it is when the message is sent (the ledger froze who, not what). */
export interface RecipientContact {
  id: string;
  externalId: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  birthDate: string | null;
  gender: string | null;
  contactType: string;
  tags: string[];
  address: PostalAddress | null;
  attributes: Record<string, unknown>;
}

export interface OutboundMessage {
  /** The ledger row id: pass it as the idempotency key to providers that accept one. */
  dispatchId: string;
  /** The recipient's secret for links and QR codes (responses find the dispatch by it). */
  trackingId: string;
  tenantId: string;
  campaignId: string;
  channel: Channel;
  /** 1 for the first try, 2 for the first retry after a transient failure, ... */
  attempt: number;
  contact: RecipientContact;
}

export interface CampaignRef {
  tenantId: string;
  campaignId: string;
}

/** What comes back for each message of a bulk send, in order. */
export type BulkOutcome = SendOutcome | TransientError;

export interface ChannelAdapter<Prepared = unknown> {
  readonly channel: Channel;
  /**
   * Loads what every message of this campaign needs (channel config, template, attachment) once
   * per batch. Throwing a TransientError postpones the batch's sends on this channel; any other
   * error fails the job (and the queue retries it).
   */
  prepare?(campaign: CampaignRef): Promise<Prepared>;
  /** Sends one message. */
  send(message: OutboundMessage, prepared: Prepared): Promise<SendOutcome>;
  /**
   * Optional: sends a chunk in one provider call. One outcome per message, in order. A pause
   * takes effect between chunks for such adapters (a provider call cannot be split).
   */
  sendMany?(messages: OutboundMessage[], prepared: Prepared): Promise<BulkOutcome[]>;
  /**
   * Optional: the provider account this batch sends through when other tenants share it (the
   * global account), as a stable key such as `global:WHATSAPP`; null for a tenant's own account
   * or the local sink. The engine then also takes every message from that account's token
   * bucket, so the configured rate holds for the account as a whole.
   */
  sharedAccount?(prepared: Prepared): string | null;
}

export type ChannelRegistry = Readonly<Record<Channel, ChannelAdapter>>;
