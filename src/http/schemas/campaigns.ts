import { z } from 'zod';
import { validateSchedule } from '../../domain/schedule/windows.js';
import { CAMPAIGN_STATUSES } from '../../domain/campaigns/status.js';
import { e164, email } from './common.js';

export const campaignStatus = z.enum(CAMPAIGN_STATUSES);

export const campaignBody = z
  .object({
    title: z.string().trim().min(1, 'title must not be empty').max(200, 'title must be at most 200 characters'),
    description: z.string().max(5000).nullable().optional(),
    call: z.boolean().default(false),
    email: z.boolean().default(false),
    whatsapp: z.boolean().default(false),
    mail: z.boolean().default(false),
    executionBatchSize: z.number().int().min(1).max(10_000).nullable().optional(),
    executionInterval: z.number().min(0).max(86_400).nullable().optional(),
  })
  .strict()
  .meta({ id: 'CampaignInput' });
export type CampaignBody = z.infer<typeof campaignBody>;

export const statusBody = z.object({ status: campaignStatus }).strict();

const day = z.enum(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY']);

export const scheduleBody = z
  .object({
    startOn: z.string(),
    endOn: z.string().nullable().optional(),
    operationalStartTime: z.string().nullable().optional(),
    operationalEndTime: z.string().nullable().optional(),
    timeZone: z.string(),
    operationalDays: z.array(day).max(7).optional(),
    operationFrequency: z.enum(['WEEKDAYS', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']),
  })
  .strict()
  // The calendar rules (real dates, IANA zone, startOn <= endOn, both times or none) live in
  // the pure schedule module; every problem is reported with its field name. They run even
  // when a field's type is already wrong (a bad frequency must not hide a bad date), and skip
  // the fields zod has reported, so nothing is said twice.
  .superRefine(
    (s, ctx) => {
      const reported = new Set(ctx.issues.map((i) => String(i.path?.[0])));
      for (const p of validateSchedule(s)) if (!reported.has(p.field)) ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  )
  .meta({ id: 'Schedule' });
export type ScheduleBody = z.infer<typeof scheduleBody>;

const gender = z.enum(['MALE', 'FEMALE', 'OTHER', 'UNKNOWN']);
const tag = z.string().trim().min(1).max(100);

export const targetBody = z
  .object({
    minAge: z.number().int().min(0).max(150).nullable().optional(),
    maxAge: z.number().int().min(0).max(150).nullable().optional(),
    contactTags: z.array(tag).max(100).optional(),
    tagMatch: z.enum(['ANY', 'ALL']).default('ANY'),
    genders: z.array(gender).max(4).optional(),
    contactType: z.union([z.string().trim().min(1).max(100), z.array(z.string().trim().min(1).max(100)).min(1).max(50)]),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.minAge != null && t.maxAge != null && t.minAge > t.maxAge) {
      ctx.addIssue({ code: 'custom', path: ['minAge'], message: 'minAge must not be greater than maxAge' });
    }
  })
  .meta({ id: 'Target' });
export type TargetBody = z.infer<typeof targetBody>;

export const callConfigBody = z
  .object({
    callHandlerConfig: z
      .object({
        type: z.string().max(100).nullable().optional(),
        lang: z.string().max(35).nullable().optional(),
        teamId: z.string().max(200).nullable().optional(),
        aiAgentId: z.string().max(200).nullable().optional(),
      })
      .strict()
      .default({}),
    script: z.string().max(20_000).nullable().optional(),
    sourcePhone: e164.nullable().optional(),
  })
  .strict()
  .meta({ id: 'CallCampaign' });

const templateData = z.record(z.string(), z.unknown()).default({});
// What GET shows of the attachment may be sent back with a PUT (a read-modify-write round
// trip); it is ignored: only the multipart `attachment` part and DELETE .../attachment change it.
const attachmentEcho = z.unknown().optional().meta({ description: 'read-only, ignored (GET shows it)' });

export const emailConfigBody = z
  .object({
    templateId: z.uuid().nullable().optional(),
    sourceEmail: email.nullable().optional(),
    templateData,
    attachment: attachmentEcho,
  })
  .strict()
  .meta({ id: 'EmailCampaign' });

export const whatsappConfigBody = z
  .object({ templateId: z.uuid().nullable().optional(), templateData, attachment: attachmentEcho })
  .strict()
  .meta({ id: 'WhatsappCampaign' });

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2000);

export const mailConfigBody = z
  .object({
    subject: z.string().max(500).nullable().optional(),
    message: z.string().max(20_000).nullable().optional(),
    responseUrl: httpUrl.nullable().optional(),
    landingUrl: httpUrl.nullable().optional(),
    attachment: attachmentEcho,
  })
  .strict()
  .meta({ id: 'MailCampaign' });

export const channelBodies = {
  call: callConfigBody,
  email: emailConfigBody,
  whatsapp: whatsappConfigBody,
  mail: mailConfigBody,
} as const;
