// SMTP sending through nodemailer, with the provider's answers translated into our outcome
// vocabulary (see ../errors.ts): permanent refusals are returned, everything retryable is thrown.
import nodemailer, { type NodemailerError, type SendMailOptions } from 'nodemailer';
import { AppError } from '../../lib/errors.js';
import { accepted, permanentFailure, TransientError, type PermanentFailure, type SendOutcome } from '../errors.js';

export interface SmtpSenderOptions {
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465 (implicit TLS). */
  url: string;
  pool?: boolean;
  maxConnections?: number;
  /** Never upgrade with STARTTLS: only for local sinks and trusted relays. */
  ignoreTLS?: boolean;
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
}

/** What the email adapter sends through: SMTP (below) or an HTTP email service (./http-transport.ts). */
export interface EmailSender {
  /** `idempotencyKey` is the ledger id: HTTP services de-duplicate on it; SMTP has no such thing. */
  send(msg: SendMailOptions, opts?: { idempotencyKey: string }): Promise<SendOutcome>;
  close(): void;
}

export type SmtpSender = EmailSender;

function parseSmtpUrl(url: string): { host: string; port: number; secure: boolean; user?: string; pass?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new AppError('validation', 'SMTP url is not a valid URL', { cause: e });
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') {
    throw new AppError('validation', `SMTP url must start with smtp:// or smtps:// (got ${u.protocol})`);
  }
  const secure = u.protocol === 'smtps:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port ? Number(u.port) : secure ? 465 : 587;
  return {
    host,
    port,
    secure,
    ...(u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : {}),
  };
}

const smtpReply = (e: NodemailerError): string => (e.response ?? e.message).trim();

/**
 * Maps a nodemailer failure. Policy:
 * - 5xx to RCPT TO (550 no such mailbox, 553 bad address) or to the message itself (552/554
 *   content refused): this contact cannot get this message; retrying gives the same answer.
 * - 5xx to MAIL FROM and authentication failures are OUR configuration (sender domain, relay
 *   credentials): every contact would fail alike, so they are thrown as transient. Returning them
 *   as permanent would mark the whole audience FAILED for one typo an operator can fix.
 * - 4xx replies and network errors: transient.
 * - Anything else (a bug, an unreadable attachment stream) is rethrown untouched.
 */
export function mapSmtpError(e: unknown): PermanentFailure {
  const err = e as NodemailerError;
  const code = typeof err?.responseCode === 'number' ? err.responseCode : undefined;
  if (code !== undefined) {
    const isPermanent = code >= 500 && code !== 503;
    if (isPermanent && (err.command === 'RCPT TO' || err.command === 'DATA' || err.code === 'EMESSAGE')) {
      return permanentFailure(`SMTP ${smtpReply(err)}`);
    }
    throw new TransientError(`SMTP ${err.command ?? 'reply'}: ${smtpReply(err)}`, { cause: e });
  }
  switch (err?.code) {
    // Refused by nodemailer itself before any byte left. No usable recipient: this contact
    // cannot get it. An invalid sender is our configuration, like a 5xx to MAIL FROM.
    case 'EENVELOPE':
      if (/sender/i.test(err.message)) throw new TransientError(`SMTP envelope: ${err.message}`, { cause: e });
      return permanentFailure(`SMTP envelope: ${err.message}`);
    case 'ECONNECTION':
    case 'ETIMEDOUT':
    case 'ESOCKET':
    case 'EDNS':
    case 'ETLS':
    case 'EAUTH':
    case 'ECONNREFUSED': {
      // Refused/DNS failures happen before the message left; a socket or timeout failure may
      // happen after DATA was sent, so the outcome is unknown.
      const beforeSend =
        err.code === 'EDNS' || err.code === 'EAUTH' || err.code === 'ECONNREFUSED' ||
        err.originalCode === 'ECONNREFUSED' || err.timeoutType === 'CONNECT_TIMEOUT' ||
        err.timeoutType === 'GREETING_TIMEOUT';
      throw new TransientError(`SMTP ${err.code}: ${err.message}`, { uncertain: !beforeSend, cause: e });
    }
    default:
      throw e;
  }
}

export function makeSmtpSender(opts: SmtpSenderOptions): SmtpSender {
  const { host, port, secure, user, pass } = parseSmtpUrl(opts.url);
  const transport = nodemailer.createTransport({
    pool: opts.pool ?? true,
    host,
    port,
    secure,
    ignoreTLS: opts.ignoreTLS ?? false,
    maxConnections: opts.maxConnections ?? 5,
    // A message whose connection dropped mid-send is NOT silently requeued by the pool: it may
    // already be delivered, and the engine (which owns the ledger) decides whether to resend.
    maxRequeues: 0,
    connectionTimeout: opts.connectionTimeoutMs ?? 10_000,
    greetingTimeout: opts.connectionTimeoutMs ?? 10_000,
    socketTimeout: opts.socketTimeoutMs ?? 60_000,
    ...(user ? { auth: { user, pass: pass ?? '' } } : {}),
  });

  return {
    async send(msg) {
      try {
        const info = await transport.sendMail(msg);
        // With one recipient per message, a partial rejection cannot happen; if a caller adds
        // more, an accepted message counts as sent and the Message-ID is our provider id.
        if (info.accepted.length === 0 && info.rejected.length > 0) {
          return permanentFailure(`SMTP recipient rejected: ${info.rejected.join(', ')}`);
        }
        return accepted(info.messageId);
      } catch (e) {
        return mapSmtpError(e);
      }
    },
    close() {
      transport.close();
    },
  };
}
