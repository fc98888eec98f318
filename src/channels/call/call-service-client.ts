// Client for an HTTP call service (the platform's own dialer / AI-agent service): one POST per
// contact, de-duplicated on the provider side by our Idempotency-Key (the ledger id).
import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import {
  accepted,
  fetchOrTransient,
  parseRetryAfter,
  permanentFailure,
  readJsonBody,
  TransientError,
  type SendOutcome,
} from '../errors.js';

export interface CallHandlerConfig {
  type: string;
  lang: string;
  teamId: string;
  aiAgentId: string;
}

export interface CallServiceRequest {
  trackingId: string;
  campaignId: string;
  contact: { id: string; name: string; phone: string };
  callHandlerConfig: CallHandlerConfig;
  script: string;
  /** E.164 caller id. */
  sourcePhone: string;
  /** Where the service posts call outcomes (parsed by parseCallServiceWebhook). */
  statusCallbackUrl: string;
}

export interface CallServiceClientOptions {
  /** Base URL; calls are created at `{url}/calls`. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface CallServiceClient {
  createCall(req: CallServiceRequest, opts: { idempotencyKey: string }): Promise<SendOutcome>;
}

function errorMessage(body: unknown, status: number): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    const nested = typeof b.error === 'object' && b.error !== null ? (b.error as Record<string, unknown>).message : b.error;
    for (const candidate of [b.message, nested, b.detail, b.title]) {
      if (typeof candidate === 'string' && candidate.trim()) return candidate.trim();
    }
  }
  return `HTTP ${status}`;
}

export function makeCallServiceClient(opts: CallServiceClientOptions): CallServiceClient {
  const fetchFn = opts.fetch ?? fetch;
  const endpoint = `${opts.url.replace(/\/+$/, '')}/calls`;
  const timeoutMs = opts.timeoutMs ?? 15_000;

  return {
    async createCall(req, { idempotencyKey }) {
      if (!idempotencyKey) throw new AppError('validation', 'call service requests need an idempotency key');
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
      };
      if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
      const res = await fetchOrTransient(fetchFn, endpoint, { method: 'POST', headers, body: JSON.stringify(req) }, timeoutMs, 'call service');
      const body = await readJsonBody(res);

      if (res.ok) {
        const b = (body ?? {}) as { id?: unknown; callId?: unknown };
        const id = b.id ?? b.callId;
        if (typeof id !== 'string' && typeof id !== 'number') {
          throw new TransientError(`call service: HTTP ${res.status} without a call id`, { uncertain: true });
        }
        return accepted(String(id));
      }
      const reason = `call service HTTP ${res.status}: ${errorMessage(body, res.status)}`;
      if (res.status === 408 || res.status === 429 || res.status >= 500) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        throw new TransientError(reason, retryAfterMs === undefined ? {} : { retryAfterMs });
      }
      // 401/403 are our credentials, 409 is "same idempotency key still in flight": neither says
      // anything about this contact, so they are retried rather than recorded as FAILED.
      if (res.status === 401 || res.status === 403 || res.status === 409) throw new TransientError(reason);
      return permanentFailure(reason);
    },
  };
}

// ---- outcome webhook ----

export type CallServiceStatus = 'answered' | 'completed' | 'no-answer' | 'busy' | 'failed';

export interface CallServiceEvent {
  callId: string;
  trackingId: string;
  status: CallServiceStatus;
  /** Answered and completed calls count as a response. */
  answered: boolean;
  durationSec?: number;
}

const idLike = z.union([z.string().min(1), z.number()]).transform(String);

const webhookSchema = z
  .object({
    callId: idLike.optional(),
    id: idLike.optional(),
    trackingId: z.string().min(1),
    // Tolerate NO_ANSWER / no_answer spellings: services differ, the meaning does not.
    status: z
      .string()
      .transform((s) => s.trim().toLowerCase().replace(/_/g, '-'))
      .pipe(z.enum(['answered', 'completed', 'no-answer', 'busy', 'failed'])),
    durationSec: z.coerce.number().nonnegative().optional(),
  })
  .refine((b) => b.callId !== undefined || b.id !== undefined, { message: 'callId is required', path: ['callId'] });

/** Parses the call service's outcome callback. Throws AppError('validation') listing every bad field. */
export function parseCallServiceWebhook(body: unknown): CallServiceEvent {
  const r = webhookSchema.safeParse(body);
  if (!r.success) {
    throw new AppError('validation', 'invalid call service webhook', {
      fields: r.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
    });
  }
  const { callId, id, trackingId, status, durationSec } = r.data;
  const event: CallServiceEvent = {
    callId: (callId ?? id) as string,
    trackingId,
    status,
    answered: status === 'answered' || status === 'completed',
  };
  if (durationSec !== undefined) event.durationSec = durationSec;
  return event;
}
