// The campaign status machine as data. Every transition is persisted with one conditional
// UPDATE ... WHERE campaign_status = ANY(allowedFrom(to)), so two pods or two clicks can never
// both win; this table is the only place that knows which moves exist.
import { AppError } from '../../lib/errors.js';

export const CAMPAIGN_STATUSES = ['DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED', 'COMPLETED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** from -> the statuses it may move to, exactly as in the product's diagram. */
export const TRANSITIONS: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = Object.freeze({
  DRAFT: ['SCHEDULED', 'RUNNING'],
  SCHEDULED: ['RUNNING', 'PAUSED', 'DRAFT'],
  RUNNING: ['PAUSED', 'COMPLETED'],
  PAUSED: ['RUNNING', 'SCHEDULED'],
  COMPLETED: [],
});

/** Statuses in which the campaign and its parts may be edited. */
export const EDITABLE: readonly CampaignStatus[] = ['DRAFT', 'SCHEDULED', 'PAUSED'];

export function canTransition(from: CampaignStatus, to: CampaignStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function allowedTargets(from: CampaignStatus): readonly CampaignStatus[] {
  return TRANSITIONS[from];
}

/** The statuses from which `to` can be reached: the WHERE clause of the conditional update. */
export function allowedFrom(to: CampaignStatus): CampaignStatus[] {
  return CAMPAIGN_STATUSES.filter((from) => TRANSITIONS[from].includes(to));
}

export function isEditable(status: CampaignStatus): boolean {
  return EDITABLE.includes(status);
}

/**
 * The 409 for an edit of a campaign in a status that is not editable, saying what to do: a
 * RUNNING campaign is paused first; a COMPLETED one is final and cannot be paused.
 */
export function notEditableError(status: CampaignStatus): AppError {
  const message =
    status === 'COMPLETED'
      ? 'a COMPLETED campaign cannot be edited: COMPLETED is final; create a new campaign instead'
      : `a ${status} campaign cannot be edited; pause it first`;
  return new AppError('conflict', message, { details: { campaignStatus: status, editableIn: EDITABLE } });
}

/** Leaving DRAFT or PAUSED for SCHEDULED or RUNNING needs a complete campaign. */
export function needsCompleteness(from: CampaignStatus, to: CampaignStatus): boolean {
  return (to === 'SCHEDULED' || to === 'RUNNING') && (from === 'DRAFT' || from === 'PAUSED');
}
