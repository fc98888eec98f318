import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseWebhook, verifyChallenge, verifySignature } from './webhook.js';

const secret = 'app-secret';
const raw = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
const sig = 'sha256=' + createHmac('sha256', secret).update(raw).digest('hex');

describe('verifySignature', () => {
  it('accepts the valid signature (any hex case)', () => {
    expect(verifySignature(raw, sig, secret)).toBe(true);
    expect(verifySignature(raw, sig.toUpperCase().replace('SHA256=', 'sha256='), secret)).toBe(true);
  });
  it('rejects wrong secret, changed body, missing or malformed header', () => {
    expect(verifySignature(raw, sig, 'other')).toBe(false);
    expect(verifySignature(Buffer.concat([raw, Buffer.from(' ')]), sig, secret)).toBe(false);
    expect(verifySignature(raw, undefined, secret)).toBe(false);
    expect(verifySignature(raw, 'sha1=abc', secret)).toBe(false);
    expect(verifySignature(raw, sig.slice(0, -2), secret)).toBe(false);
    expect(verifySignature(raw, sig, '')).toBe(false);
  });
});

describe('verifyChallenge', () => {
  it('echoes the challenge only for the right token', () => {
    const q = { 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': '1158201444' };
    expect(verifyChallenge(q, 'tok')).toBe('1158201444');
    expect(verifyChallenge({ ...q, 'hub.verify_token': 'nope' }, 'tok')).toBeNull();
    expect(verifyChallenge({ ...q, 'hub.mode': 'unsubscribe' }, 'tok')).toBeNull();
    expect(verifyChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': 'tok' }, 'tok')).toBeNull();
  });
});

// Shapes as documented for the Cloud API "messages" webhook field.
const envelope = (value: object) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' }, ...value } }] }],
});

describe('parseWebhook', () => {
  it('parses delivered and failed statuses', () => {
    const events = parseWebhook(
      envelope({
        statuses: [
          { id: 'wamid.AAA', status: 'delivered', timestamp: '1750263773', recipient_id: '16505551234', conversation: { id: 'c1' }, pricing: { billable: true } },
          {
            id: 'wamid.BBB', status: 'failed', timestamp: '1750263800', recipient_id: '16505551235',
            errors: [{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Message Undeliverable.' } }],
          },
          { id: 'wamid.CCC', status: 'deleted', timestamp: '1750263800' },
        ],
      }),
    );
    expect(events).toEqual([
      { kind: 'status', providerMessageId: 'wamid.AAA', status: 'delivered', at: new Date(1750263773000), recipientId: '16505551234', phoneNumberId: '106540352242922' },
      { kind: 'status', providerMessageId: 'wamid.BBB', status: 'failed', at: new Date(1750263800000), recipientId: '16505551235', phoneNumberId: '106540352242922', error: '(#131026) Message undeliverable' },
    ]);
  });

  it('parses a text reply with context and a template button reply', () => {
    const text = { context: { from: '15550783881', id: 'wamid.ORIG' }, from: '16505551234', id: 'wamid.IN1', timestamp: '1750263900', text: { body: 'Yes, call me' }, type: 'text' };
    const button = { context: { from: '15550783881', id: 'wamid.ORIG2' }, from: '16505551234', id: 'wamid.IN2', timestamp: '1750263901', type: 'button', button: { payload: 'STOP', text: 'Stop promotions' } };
    const events = parseWebhook(envelope({ contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: '16505551234' }], messages: [text, button] }));
    expect(events).toEqual([
      { kind: 'reply', messageId: 'wamid.IN1', contextMessageId: 'wamid.ORIG', from: '16505551234', profileName: 'Kerry Fisher', text: 'Yes, call me', at: new Date(1750263900000), phoneNumberId: '106540352242922', raw: text },
      { kind: 'reply', messageId: 'wamid.IN2', contextMessageId: 'wamid.ORIG2', from: '16505551234', profileName: 'Kerry Fisher', text: 'Stop promotions', at: new Date(1750263901000), phoneNumberId: '106540352242922', raw: button },
    ]);
  });

  it('parses a reply without context and media with caption', () => {
    const [a, b] = parseWebhook(
      envelope({
        messages: [
          { from: '1', id: 'wamid.X', timestamp: '1', type: 'text', text: { body: 'hi' } },
          { from: '1', id: 'wamid.Y', timestamp: '1', type: 'image', image: { id: 'm1', caption: 'look' } },
        ],
      }),
    );
    expect(a).toMatchObject({ kind: 'reply', text: 'hi' });
    expect(a).not.toHaveProperty('contextMessageId');
    expect(b).toMatchObject({ text: 'look' });
  });

  it('ignores foreign objects and garbage without throwing', () => {
    expect(parseWebhook(null)).toEqual([]);
    expect(parseWebhook({ object: 'page', entry: [] })).toEqual([]);
    expect(parseWebhook({ object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'account_update', value: {} }, 'x'] }] })).toEqual([]);
  });
});
