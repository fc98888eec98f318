// Builds one nodemailer message for one contact from an email template. Pure: no I/O, so the
// engine can build, log and test messages without an SMTP server.
import type { Readable } from 'node:stream';
import type { SendMailOptions } from 'nodemailer';
import { AppError } from '../../lib/errors.js';
import {
  compileTemplate,
  type CompiledTemplate,
  type TemplateContact,
  type TemplateContext,
} from '../templates/render.js';

export interface EmailTemplate {
  subject: string;
  html: string;
  text?: string | null;
}

/** An email template parsed once per campaign; see compileEmailTemplate. */
export interface CompiledEmailTemplate {
  subject: CompiledTemplate;
  html: CompiledTemplate;
  text: CompiledTemplate | null;
}

export interface EmailAttachment {
  fileName: string;
  contentType: string;
  /** A stream can be read only once: build a fresh message (and stream) for every attempt. */
  content: Buffer | Readable;
}

export interface EmailAddress {
  name?: string;
  address: string;
}

export interface BuildEmailInput {
  template: EmailTemplate | CompiledEmailTemplate;
  contact: TemplateContact & { email?: string | null };
  data?: Record<string, unknown> | null;
  campaign?: Record<string, unknown>;
  from: string | EmailAddress;
  replyTo?: string | EmailAddress;
  /** One-click unsubscribe endpoint (RFC 8058): must be https in production. */
  unsubscribeUrl: string;
  /** Optional mailto fallback for clients without one-click support: an address or a mailto: URL. */
  unsubscribeMailto?: string;
  attachment?: EmailAttachment;
  /** Our ledger (dispatch) id; written to X-Campaign-Dispatch-Id and the default Message-ID. */
  dispatchId: string;
  /** Overrides the default Message-ID `<dispatchId@sender-domain>`. */
  messageId?: string;
}

export const DISPATCH_ID_HEADER = 'X-Campaign-Dispatch-Id';

export function compileEmailTemplate(t: EmailTemplate): CompiledEmailTemplate {
  return {
    subject: compileTemplate(t.subject),
    html: compileTemplate(t.html),
    text: t.text ? compileTemplate(t.text) : null,
  };
}

function isCompiled(t: EmailTemplate | CompiledEmailTemplate): t is CompiledEmailTemplate {
  return typeof (t as CompiledEmailTemplate).subject === 'object';
}

function addressOf(a: string | EmailAddress): string {
  const s = typeof a === 'string' ? a : a.address;
  const m = s.match(/<([^>]+)>\s*$/);
  return (m ? m[1] : s).trim();
}

// Header values are emitted "prepared" (verbatim) so that nodemailer never folds a line inside
// the <...> of a URL, which some clients then fail to parse. That is only safe for plain ASCII
// without CR/LF, which URL serialisation guarantees.
function unsubscribeHeader(url: string, mailto: string | undefined): string {
  let https: URL;
  try {
    https = new URL(url);
  } catch (e) {
    throw new AppError('validation', `unsubscribeUrl is not a valid URL: ${url}`, { cause: e });
  }
  if (https.protocol !== 'https:' && https.protocol !== 'http:') {
    throw new AppError('validation', 'unsubscribeUrl must be an http(s) URL');
  }
  const parts = [`<${https.href}>`];
  if (mailto) {
    const target = mailto.startsWith('mailto:') ? mailto : `mailto:${encodeURI(mailto)}?subject=unsubscribe`;
    if (/[\s<>]/.test(target)) throw new AppError('validation', 'unsubscribeMailto is not a valid address');
    parts.push(`<${target}>`);
  }
  return parts.join(', ');
}

// One mailbox, no display name, no comments or groups: `local@domain.tld`. Deliberately
// strict: nodemailer PARSES a recipient string, so `x y@z.test` would silently go to `y@z.test`
// and `a, b@c.test` to two people. Unicode (internationalised) addresses pass.
const MAILBOX = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$/u;

export function isMailbox(address: string): boolean {
  return address.length <= 254 && MAILBOX.test(address) && !address.includes('..');
}

/** Builds the message. Throws AppError('validation') for a contact without a valid email or a bad URL. */
export function buildEmailMessage(input: BuildEmailInput): SendMailOptions {
  const email = input.contact.email?.trim();
  if (!email) throw new AppError('validation', 'contact has no email address');
  if (!isMailbox(email)) throw new AppError('validation', `contact email ${JSON.stringify(email)} is not a valid address`);
  const tpl = isCompiled(input.template) ? input.template : compileEmailTemplate(input.template);

  const ctx: TemplateContext = {
    contact: input.contact,
    data: input.data ?? {},
    campaign: input.campaign ?? {},
    unsubscribeUrl: input.unsubscribeUrl,
  };
  // A value containing a newline must not break the Subject header into two.
  const subject = tpl.subject.render(ctx, 'text').replace(/[\r\n\t]+/g, ' ').trim();
  const fullName = [input.contact.firstName, input.contact.lastName].filter(Boolean).join(' ');

  const domain = addressOf(input.from).split('@')[1] || 'localhost';
  const messageId = input.messageId ?? `<${input.dispatchId}@${domain}>`;

  const message: SendMailOptions = {
    from: input.from,
    to: fullName ? { name: fullName, address: email } : email,
    subject,
    html: tpl.html.render(ctx, 'html'),
    messageId,
    headers: {
      'List-Unsubscribe': { prepared: true, value: unsubscribeHeader(input.unsubscribeUrl, input.unsubscribeMailto) },
      'List-Unsubscribe-Post': { prepared: true, value: 'List-Unsubscribe=One-Click' },
      [DISPATCH_ID_HEADER]: { prepared: true, value: input.dispatchId.replace(/[^\x21-\x7e]/g, '') },
    },
  };
  if (tpl.text) message.text = tpl.text.render(ctx, 'text');
  if (input.replyTo) message.replyTo = input.replyTo;
  if (input.attachment) {
    message.attachments = [
      {
        filename: input.attachment.fileName,
        contentType: input.attachment.contentType,
        content: input.attachment.content,
      },
    ];
  }
  return message;
}
