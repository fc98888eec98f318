// Inbound WhatsApp Cloud API webhooks: the GET subscription handshake, the X-Hub-Signature-256
// check, and the translation of Meta's nested payload into our own flat events.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type WhatsAppDeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface WhatsAppStatusEvent {
  kind: 'status';
  /** The wamid returned when we sent the message (our ledger's providerMessageId). */
  providerMessageId: string;
  status: WhatsAppDeliveryStatus;
  at: Date;
  recipientId?: string;
  phoneNumberId?: string;
  /** For `failed`: the provider's reason, e.g. `(#131026) Message undeliverable`. */
  error?: string;
}

export interface WhatsAppReplyEvent {
  kind: 'reply';
  /** The inbound message's own wamid: Meta redelivers webhooks, so use it to de-duplicate. */
  messageId: string;
  /** The wamid of our message the user replied to (quoted reply or template button), if any. */
  contextMessageId?: string;
  /** Sender in digits-only wa_id form (no +). */
  from: string;
  profileName?: string;
  /** Text body, button text, interactive title or media caption; `[type]` when none exists. */
  text: string;
  at: Date;
  phoneNumberId?: string;
  raw: Record<string, unknown>;
}

export type WhatsAppWebhookEvent = WhatsAppStatusEvent | WhatsAppReplyEvent;

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(rawBody, appSecret)>`. Must be given the
 * exact bytes received: re-serialised JSON changes the HMAC. Fails closed on anything missing.
 */
export function verifySignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  if (!header || !appSecret) return false;
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest('hex');
  return safeEqual(expected, m[1].toLowerCase());
}

/** GET subscription handshake: returns hub.challenge to echo back, or null (answer 403). */
export function verifyChallenge(query: Record<string, unknown>, verifyToken: string): string | null {
  const one = (v: unknown) => (Array.isArray(v) ? v[0] : v);
  const mode = one(query['hub.mode']);
  const token = one(query['hub.verify_token']);
  const challenge = one(query['hub.challenge']);
  if (mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string' || !verifyToken) return null;
  return safeEqual(token, verifyToken) ? challenge : null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

// Timestamps are Unix seconds as strings.
function toDate(ts: unknown): Date {
  const n = Number(ts);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000) : new Date(Number.NaN);
}

const STATUSES = new Set<WhatsAppDeliveryStatus>(['sent', 'delivered', 'read', 'failed']);

function statusError(s: Obj): string | undefined {
  const e = arr(s.errors).find(isObj);
  if (!e) return undefined;
  const message = str(e.message) ?? str(e.title) ?? 'unknown error';
  const details = isObj(e.error_data) ? str(e.error_data.details) : undefined;
  const base = e.code !== undefined ? `(#${String(e.code)}) ${message}` : message;
  return details && details.replace(/\.$/, '').toLowerCase() !== message.toLowerCase() ? `${base}: ${details}` : base;
}

function replyText(m: Obj): string {
  const type = str(m.type) ?? 'unknown';
  const part = isObj(m[type]) ? (m[type] as Obj) : {};
  if (type === 'text') return str(part.body) ?? '';
  if (type === 'button') return str(part.text) ?? str(part.payload) ?? '';
  if (type === 'interactive') {
    const reply = isObj(part.button_reply) ? part.button_reply : isObj(part.list_reply) ? part.list_reply : {};
    return str(reply.title) ?? str(reply.id) ?? '';
  }
  return str(part.caption) ?? `[${type}]`;
}

/**
 * Parses a webhook body (already JSON-decoded). Unknown shapes, fields and statuses are skipped,
 * never thrown: Meta adds fields and event kinds over time, and a 500 would only make it retry.
 */
export function parseWebhook(body: unknown): WhatsAppWebhookEvent[] {
  const events: WhatsAppWebhookEvent[] = [];
  if (!isObj(body) || body.object !== 'whatsapp_business_account') return events;
  for (const entry of arr(body.entry).filter(isObj)) {
    for (const change of arr(entry.changes).filter(isObj)) {
      if (change.field !== 'messages' || !isObj(change.value)) continue;
      const value = change.value;
      const phoneNumberId = isObj(value.metadata) ? str(value.metadata.phone_number_id) : undefined;
      const names = new Map<string, string>();
      for (const c of arr(value.contacts).filter(isObj)) {
        const name = isObj(c.profile) ? str(c.profile.name) : undefined;
        if (str(c.wa_id) && name) names.set(c.wa_id as string, name);
      }
      for (const s of arr(value.statuses).filter(isObj)) {
        const id = str(s.id);
        const status = str(s.status) as WhatsAppDeliveryStatus | undefined;
        if (!id || !status || !STATUSES.has(status)) continue;
        const ev: WhatsAppStatusEvent = { kind: 'status', providerMessageId: id, status, at: toDate(s.timestamp) };
        if (str(s.recipient_id)) ev.recipientId = s.recipient_id as string;
        if (phoneNumberId) ev.phoneNumberId = phoneNumberId;
        const error = status === 'failed' ? statusError(s) : undefined;
        if (error) ev.error = error;
        events.push(ev);
      }
      for (const m of arr(value.messages).filter(isObj)) {
        const id = str(m.id);
        const from = str(m.from);
        if (!id || !from) continue;
        const ev: WhatsAppReplyEvent = { kind: 'reply', messageId: id, from, text: replyText(m), at: toDate(m.timestamp), raw: m };
        const contextId = isObj(m.context) ? str(m.context.id) : undefined;
        if (contextId) ev.contextMessageId = contextId;
        if (names.has(from)) ev.profileName = names.get(from);
        if (phoneNumberId) ev.phoneNumberId = phoneNumberId;
        events.push(ev);
      }
    }
  }
  return events;
}
