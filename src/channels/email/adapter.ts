import type { Readable } from 'node:stream';
import type { CampaignRef, ChannelAdapter, OutboundMessage } from '../channel.js';
import { permanentFailure, TransientError, type SendOutcome } from '../errors.js';
import { isAppError } from '../../lib/errors.js';
import type { ContentLoader } from '../../domain/templates/campaign-content.js';
import type { OpenedAttachment } from '../../domain/attachments/index.js';
import type { ResolvedSettings } from '../../domain/settings/service.js';
import { buildEmailMessage, compileEmailTemplate, type CompiledEmailTemplate } from './message.js';
import { makeSmtpSender, type EmailSender } from './smtp-transport.js';
import { makeHttpEmailSender } from './http-transport.js';

// The EMAIL channel: per batch, the tenant's settings (or the global ones) choose the sink, SMTP
// or an HTTP email service; the campaign's template is compiled once and rendered per contact
// with the contact, templateData and the contact's one-click unsubscribe link; the attachment is
// streamed afresh for every message. Senders are kept per account (SMTP URL, or HTTP URL and
// key) for the life of the process, so SMTP connections are pooled across batches.

export interface EmailAdapterDeps {
  sink: ChannelAdapter;
  resolveSettings: (tenantId: string) => Promise<ResolvedSettings>;
  loadContent: ContentLoader;
  publicBaseUrl: string;
  smtpMaxConnections?: number;
  fetch?: typeof fetch;
  /** Tests and special setups: how a sender is made for an SMTP URL. */
  makeSender?: (url: string) => EmailSender;
}

type Prepared =
  | { kind: 'sink'; inner: unknown }
  | { kind: 'broken'; reason: string }
  | {
      kind: 'send';
      /** `global:EMAIL` when the account is shared by every tenant on the global settings. */
      sharedAccount: string | null;
      sender: EmailSender;
      template: CompiledEmailTemplate;
      from: string;
      data: Record<string, unknown>;
      campaign: { id: string; title: string };
      attachment: OpenedAttachment | null;
    };

export const unsubscribeUrlOf = (publicBaseUrl: string, trackingId: string) => `${publicBaseUrl}/unsubscribe/${encodeURIComponent(trackingId)}`;

export function makeEmailAdapter(deps: EmailAdapterDeps): ChannelAdapter<Prepared> & { close(): void } {
  const senders = new Map<string, EmailSender>();
  const cached = (key: string, make: () => EmailSender) => {
    let s = senders.get(key);
    if (!s) {
      s = make();
      senders.set(key, s);
    }
    return s;
  };
  /** The sender of the settings in force, or why there is none (retried: an operator fixes it). */
  function senderFor(settings: ResolvedSettings): EmailSender {
    const v = settings.values;
    if (settings.transport === 'http') {
      if (!v.httpUrl || !v.httpApiKey) throw new TransientError('email transport http has no URL or API key configured');
      const { httpUrl, httpApiKey } = v;
      return cached(`http|${httpUrl}|${settings.cacheKey}`, () =>
        makeHttpEmailSender({ url: httpUrl, apiKey: httpApiKey, ...(deps.fetch ? { fetch: deps.fetch } : {}) }),
      );
    }
    const url = v.smtpUrl;
    if (!url) throw new TransientError('email transport smtp has no SMTP URL configured');
    return cached(`smtp|${url}`, () => (deps.makeSender ? deps.makeSender(url) : makeSmtpSender({ url, maxConnections: deps.smtpMaxConnections ?? 5 })));
  }

  async function prepare(ref: CampaignRef): Promise<Prepared> {
    let settings: ResolvedSettings;
    try {
      settings = await deps.resolveSettings(ref.tenantId);
    } catch (e) {
      throw new TransientError(`email settings unavailable: ${(e as Error).message}`, { cause: e });
    }
    if (settings.transport === 'sink') return { kind: 'sink', inner: deps.sink.prepare ? await deps.sink.prepare(ref) : undefined };
    const sender = senderFor(settings);
    const content = await deps.loadContent(ref, 'email');
    if (!content) return { kind: 'broken', reason: 'the campaign has no email configuration' };
    const t = content.template;
    if (!t || t.kind !== 'EMAIL') return { kind: 'broken', reason: 'the campaign has no EMAIL template' };
    const from = (content.config.sourceEmail as string | null) || settings.values.from;
    if (!from) return { kind: 'broken', reason: 'no sender: set sourceEmail or EMAIL_FROM' };
    return {
      kind: 'send',
      sharedAccount: settings.source === 'global' ? 'global:EMAIL' : null,
      sender,
      template: compileEmailTemplate({ subject: t.subject!, html: t.html!, text: t.text }),
      from,
      data: (content.config.templateData as Record<string, unknown>) ?? {},
      campaign: content.campaign,
      attachment: content.attachment,
    };
  }

  async function send(m: OutboundMessage, p: Prepared): Promise<SendOutcome> {
    if (p.kind === 'sink') return deps.sink.send(m, p.inner);
    if (p.kind === 'broken') return permanentFailure(p.reason);
    let content: Readable | undefined;
    if (p.attachment) {
      try {
        content = await p.attachment.stream();
      } catch (e) {
        // Nothing left for the provider yet: safe to retry.
        throw new TransientError(`attachment could not be read: ${(e as Error).message}`, { cause: e });
      }
    }
    let msg;
    try {
      msg = buildEmailMessage({
        template: p.template,
        contact: { ...m.contact },
        data: p.data,
        campaign: p.campaign,
        from: p.from,
        unsubscribeUrl: unsubscribeUrlOf(deps.publicBaseUrl, m.trackingId),
        dispatchId: m.dispatchId,
        ...(p.attachment && content
          ? { attachment: { fileName: p.attachment.fileName, contentType: p.attachment.contentType, content } }
          : {}),
      });
    } catch (e) {
      content?.destroy();
      if (isAppError(e) && e.code === 'validation') return permanentFailure(e.message);
      throw e;
    }
    return p.sender.send(msg, { idempotencyKey: m.dispatchId });
  }

  return {
    channel: 'EMAIL',
    prepare,
    send,
    sharedAccount: (p) => (p.kind === 'send' ? p.sharedAccount : null),
    close() {
      for (const s of senders.values()) s.close();
      senders.clear();
    },
  };
}
