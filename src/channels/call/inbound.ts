import { createHmac, timingSafeEqual } from 'node:crypto';
import { withTenant, type Pool } from '../../db/pool.js';
import { recordResponse, tenantOfProviderMessage, tenantOfTracking } from '../../db/queries/responses.js';
import { applyCallProgress, dispatchByProviderMessage, dispatchByTracking, type DispatchRef } from '../../db/queries/provider-events.js';
import type { ResolvedSettings } from '../../domain/settings/service.js';
import { isAppError } from '../../lib/errors.js';
import { parseCallServiceWebhook } from './call-service-client.js';
import { parseTwilioStatus, verifyTwilioSignature, type TwilioParams } from './twilio-webhook.js';

// Call outcome webhooks. Both find the tenant through the tracking id (ours, unguessable) and
// check the provider's signature with that tenant's credentials (or the global ones) before
// anything is written:
//  - Twilio: X-Twilio-Signature over PUBLIC_BASE_URL + path + query and the form parameters,
//    HMAC-SHA1 with the account's auth token.
//  - Call service: X-Signature-256: sha256=<hex HMAC-SHA256(raw body, call service API key)>.
// Progress goes to the ledger (failed -> FAILED); an answered or completed call is a RESPONDED
// response with channel CALL (recorded once per dispatch; repeats bump its count).

export interface CallInboundDeps {
  pool: Pool;
  publicBaseUrl: string;
  resolveSettings: (tenantId: string) => Promise<ResolvedSettings>;
  global: ResolvedSettings;
}

export type InboundOutcome = { ok: false; status: 400 | 401; reason: string } | { ok: true; recorded: boolean };

export function verifyHmacSha256(raw: Buffer, header: string | undefined, key: string | undefined): boolean {
  if (!header || !key) return false;
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m) return false;
  const want = Buffer.from(createHmac('sha256', key).update(raw).digest('hex'));
  const got = Buffer.from(m[1].toLowerCase());
  return want.length === got.length && timingSafeEqual(want, got);
}

export function makeCallInbound(deps: CallInboundDeps) {
  const { pool } = deps;

  async function settingsFor(tenantId: string | null): Promise<ResolvedSettings> {
    return tenantId ? deps.resolveSettings(tenantId) : deps.global;
  }

  async function record(tenantId: string, d: DispatchRef, status: string, answered: boolean, data: Record<string, unknown>, reason?: string) {
    await withTenant(pool, tenantId, async (tx) => {
      await applyCallProgress(tx, tenantId, d.id, status, reason);
      if (answered) await recordResponse(tx, tenantId, { trackingId: d.tracking_id, status: 'RESPONDED', responseData: data });
    });
  }

  return {
    async twilioStatus(pathAndQuery: string, trackingId: string | undefined, params: TwilioParams, signature: string | undefined): Promise<InboundOutcome> {
      const tenantId = trackingId ? await tenantOfTracking(pool, trackingId) : null;
      const s = await settingsFor(tenantId);
      if (!verifyTwilioSignature(`${deps.publicBaseUrl}${pathAndQuery}`, params, signature, s.values.twilioAuthToken ?? '')) {
        return { ok: false, status: 401, reason: 'invalid X-Twilio-Signature' };
      }
      let ev;
      try {
        ev = parseTwilioStatus(params);
      } catch (e) {
        if (isAppError(e)) return { ok: false, status: 400, reason: e.message };
        throw e;
      }
      const owner = tenantId ?? (await tenantOfProviderMessage(pool, 'CALL', ev.providerCallId));
      if (!owner || (!tenantId && (await settingsFor(owner)).source !== 'global')) return { ok: true, recorded: false };
      const d = await withTenant(pool, owner, (tx) =>
        trackingId ? dispatchByTracking(tx, owner, trackingId) : dispatchByProviderMessage(tx, owner, 'CALL', ev.providerCallId),
      );
      if (!d || d.channel !== 'CALL') return { ok: true, recorded: false };
      await record(owner, d, ev.status, ev.answered, {
        provider: 'twilio',
        callSid: ev.providerCallId,
        callStatus: ev.status,
        durationSec: ev.durationSec,
        ...(ev.answeredBy ? { answeredBy: ev.answeredBy } : {}),
      }, ev.status === 'failed' ? 'Twilio could not place the call' : undefined);
      return { ok: true, recorded: true };
    },

    async callService(raw: Buffer, signature: string | undefined): Promise<InboundOutcome> {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      const trackingId = typeof (body as { trackingId?: unknown })?.trackingId === 'string' ? (body as { trackingId: string }).trackingId : undefined;
      const tenantId = trackingId ? await tenantOfTracking(pool, trackingId) : null;
      const s = await settingsFor(tenantId);
      if (!verifyHmacSha256(raw, signature, s.values.callServiceApiKey)) return { ok: false, status: 401, reason: 'invalid X-Signature-256' };
      let ev;
      try {
        ev = parseCallServiceWebhook(body);
      } catch (e) {
        if (isAppError(e)) return { ok: false, status: 400, reason: e.message };
        throw e;
      }
      if (!tenantId) return { ok: true, recorded: false };
      const d = await withTenant(pool, tenantId, (tx) => dispatchByTracking(tx, tenantId, ev.trackingId));
      if (!d || d.channel !== 'CALL') return { ok: true, recorded: false };
      await record(tenantId, d, ev.status, ev.answered, {
        provider: 'call-service',
        callId: ev.callId,
        callStatus: ev.status,
        ...(ev.durationSec !== undefined ? { durationSec: ev.durationSec } : {}),
      }, ev.status === 'failed' ? 'the call service could not place the call' : undefined);
      return { ok: true, recorded: true };
    },
  };
}
