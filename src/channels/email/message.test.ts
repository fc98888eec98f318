import { Readable } from 'node:stream';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { buildEmailMessage, compileEmailTemplate, DISPATCH_ID_HEADER, isMailbox, type BuildEmailInput } from './message.js';

const base: BuildEmailInput = {
  template: {
    subject: 'Hello {{ contact.firstName }}\n{{ data.offer }}',
    html: '<p>Hi {{ contact.firstName }} {{ contact.lastName }}, {{ data.offer }} <a href="{{ unsubscribeUrl }}">stop</a></p>',
    text: 'Hi {{ contact.firstName }}, {{ data.offer }} {{ contact.attributes.city }}',
  },
  contact: { firstName: "O'Neil & Hijos", lastName: null, email: 'oneil@example.com', attributes: { city: 'Köln' } },
  data: { offer: '10% <off>' },
  from: { name: 'Acme', address: 'news@acme.test' },
  unsubscribeUrl: 'https://acme.test/u/abc?x=1&y=2',
  unsubscribeMailto: 'unsubscribe@acme.test',
  dispatchId: 'd-123',
};

// Serialises with nodemailer itself (no network) and parses back, like a receiving MTA would.
async function roundTrip(msg: ReturnType<typeof buildEmailMessage>) {
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await t.sendMail(msg);
  return simpleParser(info.message as Buffer);
}

describe('buildEmailMessage', () => {
  it('renders subject/html/text and sets unsubscribe and dispatch headers', async () => {
    const msg = buildEmailMessage(base);
    expect(msg.subject).toBe("Hello O'Neil & Hijos 10% <off>");
    expect(msg.html).toBe(
      '<p>Hi O&#39;Neil &amp; Hijos , 10% &lt;off&gt; <a href="https://acme.test/u/abc?x=1&amp;y=2">stop</a></p>',
    );
    expect(msg.text).toBe("Hi O'Neil & Hijos, 10% <off> Köln");
    expect(msg.to).toEqual({ name: "O'Neil & Hijos", address: 'oneil@example.com' });
    expect(msg.messageId).toBe('<d-123@acme.test>');

    const parsed = await roundTrip(msg);
    // Raw lines: mailparser folds List-* headers into a structured `list` entry.
    const line = (key: string) => parsed.headerLines.find((h) => h.key === key)?.line;
    expect(line('list-unsubscribe')).toBe(
      'List-Unsubscribe: <https://acme.test/u/abc?x=1&y=2>, <mailto:unsubscribe@acme.test?subject=unsubscribe>',
    );
    expect(line('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(parsed.headers.get('x-campaign-dispatch-id')).toBe('d-123');
    expect(parsed.messageId).toBe('<d-123@acme.test>');
    expect(parsed.subject).toBe("Hello O'Neil & Hijos 10% <off>");
  });

  it('accepts a precompiled template and a mailto URL', () => {
    const compiled = compileEmailTemplate({ subject: 'S {{ data.n }}', html: '<b>{{ data.n }}</b>' });
    const msg = buildEmailMessage({ ...base, template: compiled, data: { n: 7 }, unsubscribeMailto: 'mailto:u@acme.test?subject=stop' });
    expect(msg.subject).toBe('S 7');
    expect(msg.html).toBe('<b>7</b>');
    expect(msg.text).toBeUndefined();
    const headers = msg.headers as Record<string, { value: string }>;
    expect(headers['List-Unsubscribe'].value).toBe('<https://acme.test/u/abc?x=1&y=2>, <mailto:u@acme.test?subject=stop>');
    expect(headers[DISPATCH_ID_HEADER].value).toBe('d-123');
  });

  it('adds the attachment (buffer or stream)', async () => {
    const msg = buildEmailMessage({
      ...base,
      attachment: { fileName: 'offer.pdf', contentType: 'application/pdf', content: Readable.from([Buffer.from('%PDF-1.4 x')]) },
    });
    const parsed = await roundTrip(msg);
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0].filename).toBe('offer.pdf');
    expect(parsed.attachments[0].contentType).toBe('application/pdf');
    expect(parsed.attachments[0].content.toString()).toBe('%PDF-1.4 x');
  });

  it('rejects a contact without email and a bad unsubscribe URL', () => {
    expect(() => buildEmailMessage({ ...base, contact: { firstName: 'A', email: ' ' } })).toThrow(AppError);
    expect(() => buildEmailMessage({ ...base, unsubscribeUrl: 'not a url' })).toThrow(/unsubscribeUrl/);
    expect(() => buildEmailMessage({ ...base, unsubscribeUrl: 'javascript:alert(1)' })).toThrow(/http/);
  });

  it('refuses addresses nodemailer would parse into another recipient, or none', () => {
    for (const email of ['x y@z.test', 'Bo <bo@z.test>', 'a@b.test, c@d.test', 'a@b@c.test', 'no-at-sign', 'a@nodot', 'a@b..test', '"q"@z.test']) {
      expect(() => buildEmailMessage({ ...base, contact: { firstName: 'A', email } }), email).toThrow(/is not a valid address/);
    }
    for (const email of ['a.b+tag@sub.example.co.uk', 'jörg@bücher.de', "o'neil@example.com"]) {
      expect(isMailbox(email), email).toBe(true);
      expect(buildEmailMessage({ ...base, contact: { email } }).to).toBe(email);
    }
  });

  it('uses the plain email when the contact has no name', () => {
    const msg = buildEmailMessage({ ...base, contact: { email: 'x@y.test' } });
    expect(msg.to).toBe('x@y.test');
    expect(msg.html).toContain('Hi  ,');
  });
});
