import type { ClaimedRow, Outcome } from '../../db/queries/dispatches.js';
import type { OutboundMessage, RecipientContact } from '../../channels/channel.js';
import { isTransientError, type SendOutcome } from '../../channels/errors.js';
import { backoffMs } from './plan.js';

// Pure translation between ledger rows, adapter messages and ledger outcomes.

export function messageOf(tenantId: string, campaignId: string, row: ClaimedRow): OutboundMessage {
  const contact: RecipientContact = {
    id: row.contact_id,
    externalId: row.external_id,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
    birthDate: row.birth_date,
    gender: row.gender,
    contactType: row.contact_type ?? '',
    tags: row.tags ?? [],
    address: row.address,
    attributes: row.attributes ?? {},
  };
  return {
    dispatchId: row.id,
    trackingId: row.tracking_id,
    tenantId,
    campaignId,
    channel: row.channel,
    attempt: row.attempts + 1,
    contact,
  };
}

const messageOfError = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 1000);

/**
 * What the ledger records for one handed-over row:
 *  accepted -> SENT; refused for good -> FAILED with the provider's reason;
 *  TransientError -> PENDING again after a back-off, or FAILED once maxAttempts are used up;
 *  TransientError marked uncertain (the request may have arrived) -> UNCERTAIN;
 *  any other throw (a bug, or an adapter that could not tell) -> UNCERTAIN, never resent blindly.
 */
export function outcomeOf(row: ClaimedRow, result: SendOutcome | unknown, now: Date, maxAttempts: number): Outcome {
  const attempt = row.attempts + 1;
  if (result && typeof result === 'object' && 'ok' in result) {
    const r = result as SendOutcome;
    if (r.ok) return { id: row.id, status: 'SENT', attempted: true, providerMessageId: r.providerMessageId, error: null };
    return { id: row.id, status: 'FAILED', attempted: true, error: r.reason };
  }
  if (isTransientError(result)) {
    if (result.uncertain) return { id: row.id, status: 'UNCERTAIN', attempted: true, error: messageOfError(result) };
    if (attempt >= maxAttempts) {
      return { id: row.id, status: 'FAILED', attempted: true, error: `gave up after ${attempt} attempts: ${messageOfError(result)}` };
    }
    return {
      id: row.id,
      status: 'PENDING',
      attempted: true,
      error: messageOfError(result),
      nextAttemptAt: new Date(now.getTime() + backoffMs(attempt, result.retryAfterMs)),
    };
  }
  return { id: row.id, status: 'UNCERTAIN', attempted: true, error: `adapter error: ${messageOfError(result)}` };
}

/** A claimed row that was not handed over (paused, stopping, gate held long enough). */
export const released = (row: ClaimedRow, campaignOver: boolean): Outcome =>
  campaignOver
    ? { id: row.id, status: 'SKIPPED', attempted: false, skipReason: 'campaign_ended' }
    : { id: row.id, status: 'PENDING', attempted: false };
