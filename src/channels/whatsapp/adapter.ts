import type { CampaignRef, ChannelAdapter, OutboundMessage } from '../channel.js';
import { permanentFailure, TransientError, type SendOutcome } from '../errors.js';
import { makeThrottle, type Throttle } from '../throttle.js';
import type { ContentLoader } from '../../domain/templates/campaign-content.js';
import type { ResolvedSettings } from '../../domain/settings/service.js';
import { usesAttachment, whatsappSpecOf } from '../../domain/templates/model.js';
import type { OpenedAttachment } from '../../domain/attachments/index.js';
import { makeCloudApiClient, type CloudApiClient } from './cloud-api-client.js';
import { buildTemplateMessage, type WhatsAppTemplateSpec } from './template-message.js';

// The WHATSAPP channel: template messages through the Cloud API for the tenant's own account or
// the global one. Per batch: settings, template (parameter mappings -> builder spec) and a
// short-lived public link to the attachment for a media header. Per contact: parameters
// rendered and checked before any API call (an empty one fails that contact with the reason).
// A 429 / throttling answer holds the whole account (see ../throttle.ts), not just one message.

export interface WhatsAppAdapterDeps {
  sink: ChannelAdapter;
  resolveSettings: (tenantId: string) => Promise<ResolvedSettings>;
  loadContent: ContentLoader;
  linkFor: (tenantId: string, attachment: OpenedAttachment) => Promise<string>;
  fetch?: typeof fetch;
  throttle?: Throttle;
}

type Prepared =
  | { kind: 'sink'; inner: unknown }
  | { kind: 'broken'; reason: string }
  | {
      kind: 'cloud';
      account: string;
      sharedAccount: string | null;
      client: CloudApiClient;
      spec: WhatsAppTemplateSpec;
      data: Record<string, unknown>;
      campaign: { id: string; title: string };
    };

export function makeWhatsAppAdapter(deps: WhatsAppAdapterDeps): ChannelAdapter<Prepared> {
  const throttle = deps.throttle ?? makeThrottle();
  const clients = new Map<string, CloudApiClient>();

  async function prepare(ref: CampaignRef): Promise<Prepared> {
    let settings: ResolvedSettings;
    try {
      settings = await deps.resolveSettings(ref.tenantId);
    } catch (e) {
      throw new TransientError(`whatsapp settings unavailable: ${(e as Error).message}`, { cause: e });
    }
    if (settings.transport === 'sink') return { kind: 'sink', inner: deps.sink.prepare ? await deps.sink.prepare(ref) : undefined };
    const { apiBaseUrl, accessToken, phoneNumberId } = settings.values;
    if (!apiBaseUrl || !accessToken || !phoneNumberId) throw new TransientError('whatsapp cloud-api settings are incomplete');
    const account = `${apiBaseUrl}|${phoneNumberId}`;
    throttle.checkBatch(account);
    const clientKey = `${account}|${settings.cacheKey}`;
    let client = clients.get(clientKey);
    if (!client) {
      client = makeCloudApiClient({ baseUrl: apiBaseUrl, accessToken, phoneNumberId, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
      clients.set(clientKey, client);
    }
    const content = await deps.loadContent(ref, 'whatsapp');
    if (!content) return { kind: 'broken', reason: 'the campaign has no whatsapp configuration' };
    const t = content.template;
    if (!t || t.kind !== 'WHATSAPP' || !t.whatsapp) return { kind: 'broken', reason: 'the campaign has no WHATSAPP template' };
    if (usesAttachment(t.whatsapp) && !content.attachment) {
      return { kind: 'broken', reason: 'the template sends the campaign attachment as its header, but the campaign has none' };
    }
    const link = content.attachment && usesAttachment(t.whatsapp) ? await deps.linkFor(ref.tenantId, content.attachment) : null;
    return {
      kind: 'cloud',
      account,
      sharedAccount: settings.source === 'global' ? 'global:WHATSAPP' : null,
      client,
      spec: whatsappSpecOf(t.whatsapp, link && content.attachment ? { link, fileName: content.attachment.fileName } : null),
      data: (content.config.templateData as Record<string, unknown>) ?? {},
      campaign: content.campaign,
    };
  }

  async function send(m: OutboundMessage, p: Prepared): Promise<SendOutcome> {
    if (p.kind === 'sink') return deps.sink.send(m, p.inner);
    if (p.kind === 'broken') return permanentFailure(p.reason);
    if (!m.contact.phone) return permanentFailure('contact has no phone number');
    const built = buildTemplateMessage({
      to: m.contact.phone,
      template: p.spec,
      values: { contact: { ...m.contact }, data: p.data, campaign: p.campaign },
    });
    if (!built.ok) return built;
    return throttle.run(p.account, () => p.client.send(built.message, { idempotencyKey: m.dispatchId }));
  }

  return { channel: 'WHATSAPP', prepare, send, sharedAccount: (p) => (p.kind === 'cloud' ? p.sharedAccount : null) };
}
