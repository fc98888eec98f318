import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../channel.js';
import { makeMailAdapter, type LetterSettings } from './adapter.js';
import { makeQrPngEncoder } from './qr-png.js';

const campaign = { tenantId: 't1', campaignId: '3f2a1c4e-7d1b-4c8e-9a55-0c1d2e3f4a5b' };

function message(over: Partial<OutboundMessage['contact']> = {}, trackingId = 'AbCdEfGhIjKlMnOpQrStUv'): OutboundMessage {
  return {
    dispatchId: '00000000-0000-4000-8000-0000000000aa',
    trackingId,
    tenantId: campaign.tenantId,
    campaignId: campaign.campaignId,
    channel: 'MAIL',
    attempt: 1,
    contact: {
      id: 'c1',
      externalId: null,
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: null,
      phone: null,
      birthDate: null,
      gender: null,
      contactType: 'LEAD',
      tags: [],
      address: { line1: 'Street 1', city: 'Berlin', postalCode: '10115' },
      attributes: {},
      ...over,
    },
  };
}

const adapterWith = (s: LetterSettings | null) => makeMailAdapter({ qr: makeQrPngEncoder(), loadSettings: async () => s });

describe('MAIL adapter', () => {
  it('accepts a letter with a postal address: ready for print', async () => {
    const a = adapterWith({ responseUrl: 'https://x.example/r', contactTypes: ['LEAD'] });
    const p = await a.prepare!(campaign);
    expect(p.problem).toBeNull();
    expect(await a.send(message(), p)).toEqual({ ok: true, providerMessageId: 'print-00000000-0000-4000-8000-0000000000aa' });
    const many = await a.sendMany!([message(), message({ address: null })], p);
    expect(many.map((o) => ('ok' in o ? o.ok : null))).toEqual([true, false]);
  });

  it('refuses for good what cannot be printed', async () => {
    const a = adapterWith({ responseUrl: 'https://x.example/r', contactTypes: ['LEAD'] });
    const p = await a.prepare!(campaign);
    expect(await a.send(message({ address: { line1: 'Street 1' } }), p)).toMatchObject({ ok: false, permanent: true, reason: expect.stringMatching(/^no_address/) });
    expect(await a.send(message({ contactType: '' }), p)).toMatchObject({ ok: false, permanent: true });

    const missing = adapterWith(null);
    expect(await missing.send(message(), await missing.prepare!(campaign))).toMatchObject({ ok: false, reason: 'the campaign has no mail config' });

    // A payload too long for a 300×300 code is found once, in prepare, for the whole batch.
    const long = adapterWith({ responseUrl: `https://x.example/${'a'.repeat(1800)}`, contactTypes: ['LEAD'] });
    const lp = await long.prepare!(campaign);
    expect(lp.problem).toMatch(/QR code cannot be made/);
    expect(await long.send(message(), lp)).toMatchObject({ ok: false, permanent: true });
  });

  it('checks a payload longer than the probed ones by encoding it', async () => {
    const a = adapterWith({ responseUrl: `https://x.example/${'a'.repeat(560)}`, contactTypes: ['LEAD'] });
    const p = await a.prepare!(campaign);
    expect(p.problem).toBeNull();
    // A contact type outside the target (changed after the freeze), long enough not to fit.
    expect(await a.send(message({ contactType: 'z'.repeat(1200) }), p)).toMatchObject({ ok: false, permanent: true });
    expect(await a.send(message({ contactType: 'LEAD2' }), p)).toMatchObject({ ok: true });
  });
});
