// A real SMTP server on 127.0.0.1 that keeps every accepted message, parsed with mailparser, for
// assertions. Knobs let a test refuse (550) or defer (451) chosen recipients at RCPT TO, which is
// where real mailbox providers reject unknown addresses.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitUntil } from './http-server.js';

export interface SinkMessage {
  envelope: { from: string; to: string[] };
  /** The user the client logged in as (AUTH), when it did. */
  user?: string;
  parsed: ParsedMail;
  raw: Buffer;
}

export interface SmtpSinkOptions {
  /** Recipients answered with `550 5.1.1 mailbox unavailable` (permanent). */
  rejectRcpt?: (address: string) => boolean;
  /** Recipients answered with `451 4.3.0 try again later` (transient). */
  deferRcpt?: (address: string) => boolean;
  /** Accept AUTH PLAIN/LOGIN with exactly these credentials (535 otherwise); plain-text SMTP allowed. */
  auth?: { user: string; pass: string };
}

export interface SmtpSink {
  host: string;
  port: number;
  /** smtp://127.0.0.1:<port>, usable with makeSmtpSender({ url, ignoreTLS: true }). */
  url: string;
  messages: SinkMessage[];
  /** Every RCPT TO seen, accepted or not. */
  rcptAttempts: string[];
  rejectRcpt: (address: string) => boolean;
  deferRcpt: (address: string) => boolean;
  waitFor(n: number, timeoutMs?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const sink: SmtpSink = {
    host: '127.0.0.1',
    port: 0,
    url: '',
    messages: [],
    rcptAttempts: [],
    rejectRcpt: opts.rejectRcpt ?? (() => false),
    deferRcpt: opts.deferRcpt ?? (() => false),
    async waitFor(n, timeoutMs = 5000) {
      await waitUntil(() => sink.messages.length, n, timeoutMs, 'messages');
      return sink.messages;
    },
    close: async () => {},
  };

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    // Pooled clients keep connections open; do not let close() wait for them.
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return callback(null, { user: auth.username });
      callback(smtpError(535, '5.7.8 authentication failed'));
    },
    onRcptTo(address, _session, callback) {
      sink.rcptAttempts.push(address.address);
      if (sink.rejectRcpt(address.address)) return callback(smtpError(550, '5.1.1 mailbox unavailable'));
      if (sink.deferRcpt(address.address)) return callback(smtpError(451, '4.3.0 try again later'));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            const user = typeof session.user === 'string' ? session.user : undefined;
            sink.messages.push({ envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) }, ...(user ? { user } : {}), parsed, raw });
            callback();
          })
          .catch((e: Error) => callback(smtpError(554, `5.6.0 unparseable message: ${e.message}`)));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  sink.port = (server.server.address() as AddressInfo).port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
