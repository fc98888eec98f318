// Email through an HTTP email service (EMAIL_TRANSPORT=http): one JSON POST per message to
// EMAIL_HTTP_URL, `Authorization: Bearer <EMAIL_HTTP_API_KEY>`, the ledger id as Idempotency-Key.
// Same message as over SMTP (built by ./message.ts), translated to this wire shape:
//
//   { "from": { "email", "name"? }, "to": [{ "email", "name"? }], "subject", "html", "text"?,
//     "messageId", "headers": { "List-Unsubscribe", "List-Unsubscribe-Post", "X-Campaign-Dispatch-Id" },
//     "attachments"?: [{ "filename", "contentType", "content": <base64> }] }
//
// Answers: 2xx accepted (`id` or `messageId` of the body, else our Message-ID); 429, 408 and 5xx
// transient (Retry-After honoured); 401/403 (our credentials) and 409 (same key still in flight)
// transient too, since they say nothing about the contact; any other 4xx is permanent with the
// service's own message.
import type { Readable } from 'node:stream';
import type { SendMailOptions } from 'nodemailer';
import { accepted, fetchOrTransient, parseRetryAfter, permanentFailure, readJsonBody, TransientError, type SendOutcome } from '../errors.js';
import type { EmailSender } from './smtp-transport.js';
import { DISPATCH_ID_HEADER } from './message.js';
import { AppError } from '../../lib/errors.js';

export interface HttpEmailSenderOptions {
  url: string;
  apiKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface HttpEmailAddress {
  email: string;
  name?: string;
}

export interface HttpEmailAttachment {
  filename: string;
  contentType: string;
  /** The file's bytes, base64. */
  content: string;
}

export interface HttpEmailBody {
  from: HttpEmailAddress;
  to: HttpEmailAddress[];
  subject: string;
  html: string;
  text?: string;
  messageId?: string;
  headers: Record<string, string>;
  attachments?: HttpEmailAttachment[];
}

type AddressLike = string | { name?: string; address: string };

/** `Acme <news@acme.test>`, `"Acme, Inc." <news@acme.test>`, `news@acme.test` or nodemailer's object. */
export function toHttpAddress(a: AddressLike): HttpEmailAddress {
  if (typeof a !== 'string') return a.name ? { email: a.address, name: a.name } : { email: a.address };
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^<>\s]+)>\s*$/.exec(a);
  if (!m) return { email: a.trim() };
  const name = (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]).trim();
  return name ? { email: m[3], name } : { email: m[3] };
}

async function readAll(content: Buffer | Readable | string): Promise<Buffer> {
  if (Buffer.isBuffer(content)) return content;
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of content) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

function headerValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'value' in v) return String((v as { value: unknown }).value);
  return String(v);
}

/** The JSON body for a message built by buildEmailMessage (reads the attachment stream, if any). */
export async function toHttpEmailBody(msg: SendMailOptions): Promise<HttpEmailBody> {
  const to = (Array.isArray(msg.to) ? msg.to : [msg.to]).filter(Boolean) as AddressLike[];
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((msg.headers ?? {}) as Record<string, unknown>)) headers[k] = headerValue(v);
  const body: HttpEmailBody = {
    from: toHttpAddress(msg.from as AddressLike),
    to: to.map(toHttpAddress),
    subject: String(msg.subject ?? ''),
    html: String(msg.html ?? ''),
    headers,
  };
  if (typeof msg.text === 'string') body.text = msg.text;
  if (msg.messageId) body.messageId = msg.messageId;
  if (msg.attachments?.length) {
    body.attachments = [];
    for (const a of msg.attachments) {
      const bytes = await readAll(a.content as Buffer | Readable | string);
      body.attachments.push({ filename: String(a.filename ?? 'attachment'), contentType: a.contentType ?? 'application/octet-stream', content: bytes.toString('base64') });
    }
  }
  return body;
}

function errorMessage(body: unknown, status: number): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    const err = b.error;
    const nested = typeof err === 'object' && err !== null ? (err as Record<string, unknown>).message : err;
    const first = Array.isArray(b.errors) && typeof b.errors[0] === 'object' && b.errors[0] ? (b.errors[0] as Record<string, unknown>).message : undefined;
    for (const c of [b.message, nested, b.detail, first, b.title]) if (typeof c === 'string' && c.trim()) return c.trim();
  }
  return `HTTP ${status}`;
}

export function makeHttpEmailSender(opts: HttpEmailSenderOptions): EmailSender {
  const fetchFn = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    async send(msg, sendOpts) {
      let body: HttpEmailBody;
      try {
        body = await toHttpEmailBody(msg);
      } catch (e) {
        // The attachment could not be read: nothing left yet, safe to retry.
        throw new TransientError(`email attachment could not be read: ${(e as Error).message}`, { cause: e });
      }
      // The ledger id; a caller that gives none still has it in X-Campaign-Dispatch-Id.
      const idempotencyKey = sendOpts?.idempotencyKey ?? body.headers[DISPATCH_ID_HEADER];
      if (!idempotencyKey) throw new AppError('validation', 'email service requests need an idempotency key');
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${opts.apiKey}`,
        'idempotency-key': idempotencyKey,
      };
      const res = await fetchOrTransient(fetchFn, opts.url, { method: 'POST', headers, body: JSON.stringify(body) }, timeoutMs, 'email service');
      const answer = await readJsonBody(res);
      if (res.ok) {
        const a = (answer ?? {}) as { id?: unknown; messageId?: unknown };
        const id = a.id ?? a.messageId ?? body.messageId;
        return accepted(String(id ?? idempotencyKey));
      }
      const reason = `email service HTTP ${res.status}: ${errorMessage(answer, res.status)}`;
      if (res.status === 408 || res.status === 429 || res.status >= 500) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        throw new TransientError(reason, retryAfterMs === undefined ? {} : { retryAfterMs });
      }
      if (res.status === 401 || res.status === 403) throw new TransientError(`email service configuration: ${reason}`);
      if (res.status === 409) throw new TransientError(reason);
      return permanentFailure(reason);
    },
    close() {},
  };
}
