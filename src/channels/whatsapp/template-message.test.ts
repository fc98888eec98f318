import { describe, expect, it } from 'vitest';
import {
  buildTemplateMessage,
  normalizeParameterText,
  toWhatsAppRecipient,
  type WhatsAppTemplateSpec,
} from './template-message.js';

const template: WhatsAppTemplateSpec = {
  name: 'payment_reminder',
  language: 'en_US',
  components: [
    { type: 'header', parameters: [{ type: 'document', link: '{{ data.invoiceUrl }}', filename: 'invoice-{{ data.invoiceNo }}.pdf' }] },
    { type: 'body', parameters: [{ type: 'text', text: '{{ contact.firstName }}' }, { type: 'text', text: '{{ data.amount }} EUR' }] },
    { type: 'button', subType: 'url', index: 0, parameters: [{ type: 'text', text: '{{ data.token }}' }] },
  ],
};

const values = {
  contact: { firstName: 'Ana\nMaria', lastName: 'Díaz' },
  data: { invoiceUrl: 'https://files.test/i/42.pdf', invoiceNo: 42, amount: 19.5, token: 'abc123' },
};

describe('buildTemplateMessage', () => {
  it('produces exactly the Cloud API template shape', () => {
    const r = buildTemplateMessage({ to: '+49 151 1234-5678', template, values });
    expect(r).toEqual({
      ok: true,
      message: {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '4915112345678',
        type: 'template',
        template: {
          name: 'payment_reminder',
          language: { code: 'en_US' },
          components: [
            {
              type: 'header',
              parameters: [{ type: 'document', document: { link: 'https://files.test/i/42.pdf', filename: 'invoice-42.pdf' } }],
            },
            {
              type: 'body',
              parameters: [
                { type: 'text', text: 'Ana Maria' },
                { type: 'text', text: '19.5 EUR' },
              ],
            },
            { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'abc123' }] },
          ],
        },
      },
    });
  });

  it('fails permanently on an empty parameter, naming it', () => {
    const r2 = buildTemplateMessage({
      to: '+4915112345678',
      template: { ...template, components: [{ type: 'body', parameters: [{ type: 'text', text: 'x' }, { type: 'text', text: '{{ data.missing }}' }] }] },
      values,
    });
    expect(r2).toEqual({ ok: false, permanent: true, reason: 'whatsapp parameter body.2 is empty' });
  });

  it('treats a whitespace-only value as empty and names button parameters', () => {
    const r = buildTemplateMessage({
      to: '+4915112345678',
      template: { ...template, components: [{ type: 'button', subType: 'url', index: 1, parameters: [{ type: 'text', text: '{{ data.t }}' }] }] },
      values: { data: { t: ' \n\t  ' } },
    });
    expect(r).toEqual({ ok: false, permanent: true, reason: 'whatsapp parameter button.1.1 is empty' });
  });

  it('rejects a bad phone number and a button without subType', () => {
    expect(buildTemplateMessage({ to: 'abc', template, values })).toMatchObject({ ok: false, permanent: true });
    const r = buildTemplateMessage({
      to: '+4915112345678',
      template: { ...template, components: [{ type: 'button', parameters: [{ type: 'payload', payload: 'p' }] }] },
      values,
    });
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('subType') });
  });

  it('omits components when the template has no parameters and keeps parameter names', () => {
    const plain = buildTemplateMessage({ to: '4915112345678', template: { name: 'hello_world', language: 'en_US', components: [] }, values });
    expect(plain.ok && plain.message.template).toEqual({ name: 'hello_world', language: { code: 'en_US' } });
    const named = buildTemplateMessage({
      to: '4915112345678',
      template: { name: 'n', language: 'de', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Hi', parameterName: 'greeting' }] }] },
      values,
    });
    expect(named.ok && named.message.template.components).toEqual([
      { type: 'body', parameters: [{ type: 'text', text: 'Hi', parameter_name: 'greeting' }] },
    ]);
  });
});

describe('normalizeParameterText', () => {
  it.each([
    ['line\nbreak', 'line break'],
    ['crlf\r\n\r\nx', 'crlf x'],
    ['tab\there', 'tab here'],
    ['four    spaces', 'four spaces'],
    ['three   ok', 'three   ok'],
    ['eight        x', 'eight x'],
    ['  padded  ', 'padded'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeParameterText(input)).toBe(expected);
  });

  it('recipient digits', () => {
    expect(toWhatsAppRecipient('+1 (555) 010-9999')).toBe('15550109999');
    expect(toWhatsAppRecipient('+0123')).toBeNull();
  });
});
