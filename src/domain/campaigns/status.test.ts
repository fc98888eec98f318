import { describe, expect, it } from 'vitest';
import { CAMPAIGN_STATUSES, allowedFrom, canTransition, isEditable, type CampaignStatus } from './status.js';

// The product's diagram, written out independently of the table under test.
const EXPECTED = new Set([
  'DRAFT>SCHEDULED',
  'DRAFT>RUNNING',
  'SCHEDULED>RUNNING',
  'SCHEDULED>PAUSED',
  'SCHEDULED>DRAFT',
  'RUNNING>PAUSED',
  'RUNNING>COMPLETED',
  'PAUSED>RUNNING',
  'PAUSED>SCHEDULED',
]);

describe('campaign status machine', () => {
  const pairs: [CampaignStatus, CampaignStatus][] = CAMPAIGN_STATUSES.flatMap((from) =>
    CAMPAIGN_STATUSES.map((to) => [from, to] as [CampaignStatus, CampaignStatus]),
  );

  it.each(pairs)('%s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(EXPECTED.has(`${from}>${to}`));
  });

  it('allowedFrom is the inverse of the table', () => {
    for (const to of CAMPAIGN_STATUSES) {
      const expected = CAMPAIGN_STATUSES.filter((from) => EXPECTED.has(`${from}>${to}`));
      expect(allowedFrom(to)).toEqual(expected);
    }
  });

  it('COMPLETED is final and editing is allowed only in DRAFT, SCHEDULED, PAUSED', () => {
    expect(CAMPAIGN_STATUSES.filter((to) => canTransition('COMPLETED', to))).toEqual([]);
    expect(CAMPAIGN_STATUSES.filter(isEditable)).toEqual(['DRAFT', 'SCHEDULED', 'PAUSED']);
  });
});
