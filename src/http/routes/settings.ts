import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChannelSettings, SettingsChannelName } from '../../domain/settings/service.js';

// Per-tenant provider settings. Secrets are write-only: a stored one reads "********"; sending
// "********" back (or leaving the field out) keeps it, null clears it.

const secret = z.string().min(1).max(4000).nullable().optional();
const plainUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2000).nullable().optional();

const bodies: Record<SettingsChannelName, z.ZodType> = {
  email: z
    .object({
      transport: z.enum(['sink', 'smtp', 'http']),
      smtpUrl: z.string().regex(/^(smtps?:\/\/.+|\*{8})$/, 'must start with smtp:// or smtps://').max(2000).nullable().optional(),
      from: z.string().max(320).nullable().optional(),
      httpUrl: plainUrl,
      httpApiKey: secret,
    })
    .strict()
    .meta({ id: 'EmailProviderSettings' }),
  whatsapp: z
    .object({
      transport: z.enum(['sink', 'cloud-api']),
      apiBaseUrl: plainUrl,
      phoneNumberId: z.string().regex(/^[\w-]{1,64}$/).nullable().optional(),
      accessToken: secret,
      appSecret: secret,
      verifyToken: z.string().min(8).max(200).nullable().optional(),
    })
    .strict()
    .meta({ id: 'WhatsAppProviderSettings' }),
  call: z
    .object({
      transport: z.enum(['sink', 'http', 'twilio']),
      callServiceUrl: plainUrl,
      callServiceApiKey: secret,
      twilioAccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'AC followed by 32 hex digits').nullable().optional(),
      twilioAuthToken: secret,
      twilioApiBaseUrl: plainUrl,
    })
    .strict()
    .meta({ id: 'CallProviderSettings' }),
};

export function settingsRoutes(deps: { settings: ChannelSettings }) {
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['settings'];
    for (const ch of ['email', 'whatsapp', 'call'] as SettingsChannelName[]) {
      const path = `/settings/channels/${ch}`;
      app.get(path, { schema: { tags, summary: `The ${ch} provider in force for this tenant (secrets masked)` } }, async (req) =>
        deps.settings.get(req.tenantId, ch),
      );
      app.put(
        path,
        { schema: { tags, summary: `Choose this tenant's ${ch} provider and its credentials`, body: bodies[ch] } },
        async (req) => deps.settings.put(req.tenantId, ch, req.body as Record<string, unknown>),
      );
    }
  };
}
