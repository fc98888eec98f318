import type { Pool } from '../db/pool.js';
import type { ChannelsConfig } from '../config.js';
import type { AttachmentService } from '../domain/attachments/index.js';
import { makeChannelSettings } from '../domain/settings/service.js';
import { linkKeyOf, makeLinkSigner } from '../domain/settings/crypto.js';
import { makeAttachmentLinks } from '../domain/settings/attachment-links.js';
import { makeContentLoader } from '../domain/templates/campaign-content.js';
import { makeTemplateCheck } from '../domain/templates/completeness.js';
import type { Channel, ChannelAdapter, ChannelRegistry } from './channel.js';
import { makeEmailAdapter } from './email/adapter.js';
import { makeWhatsAppAdapter } from './whatsapp/adapter.js';
import { makeCallAdapter } from './call/adapter.js';
import { makeWhatsAppInbound } from './whatsapp/inbound.js';
import { makeCallInbound } from './call/inbound.js';
import { makeUnsubscribe } from './email/unsubscribe.js';
import { globalSettings } from '../domain/settings/service.js';

// The real providers of EMAIL (SMTP or an HTTP email service), WHATSAPP and CALL, built for the composition root. Each adapter
// decides per batch between its provider and the local sink from the tenant's settings (else
// EMAIL_TRANSPORT / WHATSAPP_TRANSPORT / CALL_TRANSPORT). Benchmarks (CHANNEL_SINK=noop) keep the
// plain bulk sink for a channel whose global transport is the sink.

export interface ProviderDeps {
  pool: Pool;
  channels: ChannelsConfig;
  publicBaseUrl: string;
  channelSink: 'outbox' | 'noop';
  sink: (ch: Channel) => ChannelAdapter;
  /** Resolved lazily: the attachment service may be built after the registry. */
  attachments: () => Pick<AttachmentService, 'open' | 'download'>;
  fetch?: typeof fetch;
}

export function makeProviders(deps: ProviderDeps) {
  const { pool, channels, publicBaseUrl } = deps;
  const settings = makeChannelSettings({ pool, channels });
  const signer = makeLinkSigner(linkKeyOf(channels.publicLinkSecret, channels.settingsEncryptionKey));
  const links = makeAttachmentLinks({ publicBaseUrl, signer });
  const loadContent = makeContentLoader({ pool, attachments: { open: (t, id) => deps.attachments().open(t, id) } });
  const fetchOpt = deps.fetch ? { fetch: deps.fetch } : {};
  const bulkSink = (ch: Channel, transport: string) => deps.channelSink === 'noop' && transport === 'sink';

  const email = makeEmailAdapter({
    sink: deps.sink('EMAIL'),
    resolveSettings: (t) => settings.resolve(t, 'email'),
    loadContent,
    publicBaseUrl,
    smtpMaxConnections: channels.email.smtpMaxConnections,
    ...fetchOpt,
  });
  const adapters: Partial<ChannelRegistry> = {
    EMAIL: bulkSink('EMAIL', channels.email.transport) ? deps.sink('EMAIL') : email,
    WHATSAPP: bulkSink('WHATSAPP', channels.whatsapp.transport)
      ? deps.sink('WHATSAPP')
      : makeWhatsAppAdapter({
          sink: deps.sink('WHATSAPP'),
          resolveSettings: (t) => settings.resolve(t, 'whatsapp'),
          loadContent,
          linkFor: links.linkFor,
          ...fetchOpt,
        }),
    CALL: bulkSink('CALL', channels.call.transport)
      ? deps.sink('CALL')
      : makeCallAdapter({ sink: deps.sink('CALL'), resolveSettings: (t) => settings.resolve(t, 'call'), loadContent, publicBaseUrl, ...fetchOpt }),
  };

  return {
    adapters,
    settings,
    signer,
    /** Completeness: templates must exist for channels whose provider renders them. */
    checkParts: makeTemplateCheck({ rendersTemplates: async (t, ch) => (await settings.resolve(t, ch)).transport !== 'sink' }),
    whatsappInbound: makeWhatsAppInbound({
      pool,
      global: { appSecret: channels.whatsapp.appSecret, verifyToken: channels.whatsapp.verifyToken },
      resolveSettings: (t) => settings.resolve(t, 'whatsapp'),
    }),
    callInbound: makeCallInbound({ pool, publicBaseUrl, resolveSettings: (t) => settings.resolve(t, 'call'), global: globalSettings(channels, 'call') }),
    unsubscribe: makeUnsubscribe({ pool }),
    close() {
      email.close();
    },
  };
}

export type Providers = ReturnType<typeof makeProviders>;
