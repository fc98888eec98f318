import { withTenant, type Pool } from '../db/pool.js';
import { insertSinkRecords, type SinkRecord } from '../db/queries/sink-outbox.js';
import type { Channel, ChannelAdapter, OutboundMessage } from './channel.js';
import { accepted, type SendOutcome } from './errors.js';

// The local sink: the embedded default for every channel until a real provider is plugged in.
// It records what it would have sent in `sink_outbox` (visible through GET /outbox), one row
// per dispatch: its unique key turns an accidental second send of the same dispatch into an
// error instead of a silent duplicate. The `noop` mode records nothing (benchmarks).

export type SinkMode = 'outbox' | 'noop';

/** What each channel would be addressed to: data, not a provider switch. */
const RECIPIENT: Readonly<Record<Channel, (m: OutboundMessage) => unknown>> = {
  CALL: (m) => m.contact.phone,
  WHATSAPP: (m) => m.contact.phone,
  EMAIL: (m) => m.contact.email,
  MAIL: (m) => m.contact.address,
};

function recordOf(m: OutboundMessage): SinkRecord {
  return {
    dispatchId: m.dispatchId,
    campaignId: m.campaignId,
    contactId: m.contact.id,
    payload: {
      to: RECIPIENT[m.channel](m),
      trackingId: m.trackingId,
      attempt: m.attempt,
      name: [m.contact.firstName, m.contact.lastName].filter(Boolean).join(' ') || null,
    },
  };
}

const providerId = (m: OutboundMessage) => `sink-${m.dispatchId}`;

export function makeSinkAdapter(channel: Channel, deps: { pool: Pool; mode?: SinkMode }): ChannelAdapter {
  const mode = deps.mode ?? 'outbox';

  async function record(messages: OutboundMessage[]): Promise<void> {
    if (mode === 'noop' || messages.length === 0) return;
    const tenantId = messages[0].tenantId;
    const inserted = await withTenant(deps.pool, tenantId, (tx) =>
      insertSinkRecords(tx, tenantId, channel, messages.map(recordOf)),
    );
    if (inserted !== messages.length) {
      // Not a TransientError: the engine must never retry a message that was already sent.
      throw new Error(`sink: ${messages.length - inserted} dispatch(es) were already sent once`);
    }
  }

  const adapter: ChannelAdapter = {
    channel,
    async send(message): Promise<SendOutcome> {
      await record([message]);
      return accepted(providerId(message));
    },
  };
  // The outbox sink sends one message at a time, like the real providers, so it exercises the
  // engine's per-contact path (pause between contacts); the no-op sink takes whole chunks.
  if (mode === 'noop') adapter.sendMany = async (messages) => messages.map((m) => accepted(providerId(m)));
  return adapter;
}
