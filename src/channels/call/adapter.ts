import type { CampaignRef, ChannelAdapter, OutboundMessage } from '../channel.js';
import { permanentFailure, TransientError, type SendOutcome } from '../errors.js';
import { makeThrottle, type Throttle } from '../throttle.js';
import { compileTemplate, type CompiledTemplate } from '../templates/render.js';
import type { ContentLoader } from '../../domain/templates/campaign-content.js';
import type { ResolvedSettings } from '../../domain/settings/service.js';
import { makeCallServiceClient, type CallHandlerConfig, type CallServiceClient } from './call-service-client.js';
import { makeTwilioClient, type TwilioClient } from './twilio-client.js';
import { buildTwiml } from './twiml.js';

// The CALL channel: one outbound call per contact, to the platform's call service (HTTP, with the
// ledger id as Idempotency-Key) or to Twilio's Calls API (TwiML <Say> of the script in the
// configured language, the ledger id as I-Twilio-Idempotency-Token). The script may use
// {{ contact.* }} placeholders (text, never escaped: TwiML escapes it as XML itself).
// Outcomes come back through POST /webhooks/calls and POST /webhooks/twilio/status.

export interface CallAdapterDeps {
  sink: ChannelAdapter;
  resolveSettings: (tenantId: string) => Promise<ResolvedSettings>;
  loadContent: ContentLoader;
  publicBaseUrl: string;
  fetch?: typeof fetch;
  throttle?: Throttle;
}

interface Script {
  /** `global:CALL` when every tenant on the global settings shares this account. */
  sharedAccount: string | null;
  script: CompiledTemplate;
  sourcePhone: string;
  handler: CallHandlerConfig;
  campaign: { id: string; title: string };
}

type Prepared =
  | { kind: 'sink'; inner: unknown }
  | { kind: 'broken'; reason: string }
  | ({ kind: 'http'; account: string; client: CallServiceClient } & Script)
  | ({ kind: 'twilio'; account: string; client: TwilioClient } & Script);

export const CALL_WEBHOOK_PATH = '/webhooks/calls';
export const TWILIO_STATUS_PATH = '/webhooks/twilio/status';

/** Twilio's status callback carries the tracking id, so the webhook finds the tenant even before the CallSid is recorded. */
export const twilioStatusUrl = (publicBaseUrl: string, trackingId: string) =>
  `${publicBaseUrl}${TWILIO_STATUS_PATH}?trackingId=${encodeURIComponent(trackingId)}`;

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function makeCallAdapter(deps: CallAdapterDeps): ChannelAdapter<Prepared> {
  const throttle = deps.throttle ?? makeThrottle();
  const clients = new Map<string, CallServiceClient | TwilioClient>();
  const cached = <T extends CallServiceClient | TwilioClient>(key: string, make: () => T): T => {
    if (!clients.has(key)) clients.set(key, make());
    return clients.get(key) as T;
  };
  const fetchOpt = deps.fetch ? { fetch: deps.fetch } : {};

  async function prepare(ref: CampaignRef): Promise<Prepared> {
    let settings: ResolvedSettings;
    try {
      settings = await deps.resolveSettings(ref.tenantId);
    } catch (e) {
      throw new TransientError(`call settings unavailable: ${(e as Error).message}`, { cause: e });
    }
    if (settings.transport === 'sink') return { kind: 'sink', inner: deps.sink.prepare ? await deps.sink.prepare(ref) : undefined };
    const v = settings.values;
    const content = await deps.loadContent(ref, 'call');
    if (!content) return { kind: 'broken', reason: 'the campaign has no call configuration' };
    const cfg = content.config;
    const h = (cfg.callHandlerConfig ?? {}) as Record<string, unknown>;
    const script: Script = {
      sharedAccount: settings.source === 'global' ? 'global:CALL' : null,
      script: compileTemplate(str(cfg.script)),
      sourcePhone: str(cfg.sourcePhone),
      handler: { type: str(h.type), lang: str(h.lang), teamId: str(h.teamId), aiAgentId: str(h.aiAgentId) },
      campaign: content.campaign,
    };
    if (settings.transport === 'twilio') {
      if (!v.twilioAccountSid || !v.twilioAuthToken) throw new TransientError('twilio settings are incomplete');
      const account = `twilio|${v.twilioAccountSid}`;
      throttle.checkBatch(account);
      const client = cached(`${account}|${settings.cacheKey}`, () =>
        makeTwilioClient({ accountSid: v.twilioAccountSid!, authToken: v.twilioAuthToken!, baseUrl: v.twilioApiBaseUrl, ...fetchOpt }),
      );
      return { kind: 'twilio', account, client, ...script };
    }
    if (!v.callServiceUrl) throw new TransientError('call service settings are incomplete');
    const account = `http|${v.callServiceUrl}`;
    throttle.checkBatch(account);
    const client = cached(`${account}|${settings.cacheKey}`, () =>
      makeCallServiceClient({ url: v.callServiceUrl!, ...(v.callServiceApiKey ? { apiKey: v.callServiceApiKey } : {}), ...fetchOpt }),
    );
    return { kind: 'http', account, client, ...script };
  }

  async function send(m: OutboundMessage, p: Prepared): Promise<SendOutcome> {
    if (p.kind === 'sink') return deps.sink.send(m, p.inner);
    if (p.kind === 'broken') return permanentFailure(p.reason);
    if (!m.contact.phone) return permanentFailure('contact has no phone number');
    const text = p.script.render({ contact: { ...m.contact }, data: {}, campaign: p.campaign }, 'text');
    if (p.kind === 'twilio') {
      const client = p.client;
      return throttle.run(p.account, () =>
        client.createCall({
          to: m.contact.phone!,
          from: p.sourcePhone,
          twiml: buildTwiml(text, p.handler.lang),
          statusCallback: twilioStatusUrl(deps.publicBaseUrl, m.trackingId),
          idempotencyKey: m.dispatchId,
        }),
      );
    }
    const client = p.client;
    const name = [m.contact.firstName, m.contact.lastName].filter(Boolean).join(' ');
    return throttle.run(p.account, () =>
      client.createCall(
        {
          trackingId: m.trackingId,
          campaignId: m.campaignId,
          contact: { id: m.contact.id, name, phone: m.contact.phone! },
          callHandlerConfig: p.handler,
          script: text,
          sourcePhone: p.sourcePhone,
          statusCallbackUrl: `${deps.publicBaseUrl}${CALL_WEBHOOK_PATH}`,
        },
        { idempotencyKey: m.dispatchId },
      ),
    );
  }

  return { channel: 'CALL', prepare, send, sharedAccount: (p) => (p.kind === 'http' || p.kind === 'twilio' ? p.sharedAccount : null) };
}
