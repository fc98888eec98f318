import { withTenant, type Pool } from '../../db/pool.js';
import { recordResponse, tenantOfProviderMessage } from '../../db/queries/responses.js';
import { tenantsOfWhatsAppNumber, whatsappVerifyTokenKnown } from '../../db/queries/channel-settings.js';
import { applyDeliveryReceipt, dispatchByProviderMessage, rememberInbound } from '../../db/queries/provider-events.js';
import type { ResolvedSettings } from '../../domain/settings/service.js';
import { parseWebhook, verifyChallenge, verifySignature, type WhatsAppWebhookEvent } from './webhook.js';

// POST /webhooks/whatsapp: nothing is read from the body before its X-Hub-Signature-256 checks
// out. The global app secret is tried first; then the app secrets of tenants whose own number
// the payload names. A payload signed by one tenant's app only ever touches that tenant's rows,
// and one signed by the global app only the rows of tenants on the global account.
//
// Statuses update the ledger (see db/queries/provider-events.ts); a reply whose context names
// one of our messages is a RESPONDED response, once per inbound message id (Meta redelivers).

export interface WhatsAppInboundDeps {
  pool: Pool;
  global: { appSecret: string | undefined; verifyToken: string | undefined };
  resolveSettings: (tenantId: string) => Promise<ResolvedSettings>;
}

export interface InboundResult {
  verified: boolean;
  statuses: number;
  responses: number;
}

function phoneNumberIdsOf(raw: Buffer): string[] {
  try {
    const body = JSON.parse(raw.toString('utf8'));
    const ids = new Set<string>();
    for (const e of body?.entry ?? []) for (const c of e?.changes ?? []) {
      const id = c?.value?.metadata?.phone_number_id;
      if (typeof id === 'string' && /^[\w-]{1,64}$/.test(id)) ids.add(id);
    }
    return [...ids];
  } catch {
    return [];
  }
}

export function makeWhatsAppInbound(deps: WhatsAppInboundDeps) {
  const { pool } = deps;

  /** Which tenant's rows this signer may touch: a tenant id, or "global" (tenants on the global account). */
  async function signerOf(raw: Buffer, signature: string | undefined): Promise<string | null> {
    if (deps.global.appSecret && verifySignature(raw, signature, deps.global.appSecret)) return 'global';
    if (!signature) return null;
    for (const phoneNumberId of phoneNumberIdsOf(raw)) {
      for (const tenantId of await tenantsOfWhatsAppNumber(pool, phoneNumberId)) {
        const s = await deps.resolveSettings(tenantId).catch(() => null);
        if (s?.source === 'tenant' && s.values.appSecret && verifySignature(raw, signature, s.values.appSecret)) return tenantId;
      }
    }
    return null;
  }

  async function allowed(signer: string, tenantId: string): Promise<boolean> {
    if (signer !== 'global') return signer === tenantId;
    const s = await deps.resolveSettings(tenantId).catch(() => null);
    return s?.source === 'global' || (s?.source === 'tenant' && s.transport === 'sink');
  }

  async function apply(signer: string, ev: WhatsAppWebhookEvent): Promise<'status' | 'response' | null> {
    const wamid = ev.kind === 'status' ? ev.providerMessageId : ev.contextMessageId;
    if (!wamid) return null; // a message that does not answer one of ours
    const tenantId = await tenantOfProviderMessage(pool, 'WHATSAPP', wamid);
    if (!tenantId || !(await allowed(signer, tenantId))) return null;
    return withTenant(pool, tenantId, async (tx) => {
      const d = await dispatchByProviderMessage(tx, tenantId, 'WHATSAPP', wamid);
      if (!d) return null;
      if (ev.kind === 'status') {
        await applyDeliveryReceipt(tx, tenantId, d.id, { status: ev.status, at: ev.at, ...(ev.error ? { error: ev.error } : {}) });
        return 'status';
      }
      if (!(await rememberInbound(tx, tenantId, 'WHATSAPP', ev.messageId, d.id))) return null;
      await recordResponse(tx, tenantId, {
        trackingId: d.tracking_id,
        status: 'RESPONDED',
        responseData: {
          kind: 'reply',
          text: ev.text,
          from: ev.from,
          messageId: ev.messageId,
          ...(ev.profileName ? { profileName: ev.profileName } : {}),
          ...(Number.isFinite(ev.at.getTime()) ? { at: ev.at.toISOString() } : {}),
        },
        ...(Number.isFinite(ev.at.getTime()) ? { at: ev.at } : {}),
      });
      return 'response';
    });
  }

  return {
    /** GET handshake: the global verify token or one a tenant stored. */
    async challenge(query: Record<string, unknown>): Promise<string | null> {
      if (deps.global.verifyToken) {
        const c = verifyChallenge(query, deps.global.verifyToken);
        if (c !== null) return c;
      }
      const token = query['hub.verify_token'];
      if (typeof token === 'string' && token && (await whatsappVerifyTokenKnown(pool, token))) return verifyChallenge(query, token);
      return null;
    },

    async receive(raw: Buffer, signature: string | undefined): Promise<InboundResult> {
      const signer = await signerOf(raw, signature);
      if (!signer) return { verified: false, statuses: 0, responses: 0 };
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return { verified: true, statuses: 0, responses: 0 };
      }
      const result: InboundResult = { verified: true, statuses: 0, responses: 0 };
      for (const ev of parseWebhook(body)) {
        const r = await apply(signer, ev);
        if (r === 'status') result.statuses++;
        if (r === 'response') result.responses++;
      }
      return result;
    },
  };
}
