import type { ScheduleRow, TargetRow } from '../../db/queries/campaign-parts.js';
import type { CampaignRow as CRow } from '../../db/queries/campaigns.js';
import type { CampaignStatus } from './status.js';

// API shapes (camelCase JSON) and their mapping from database rows (snake_case), kept apart so
// a column rename never leaks into the public contract.

export type ChannelName = 'call' | 'email' | 'whatsapp' | 'mail';
export const CHANNELS: readonly ChannelName[] = ['call', 'email', 'whatsapp', 'mail'];

export interface Schedule {
  startOn: string;
  endOn: string | null;
  operationalStartTime: string | null; // HH:mm
  operationalEndTime: string | null;
  timeZone: string;
  operationalDays: string[];
  operationFrequency: string;
}

export interface Target {
  minAge: number | null;
  maxAge: number | null;
  contactTags: string[];
  tagMatch: 'ANY' | 'ALL';
  genders: string[];
  contactType: string[];
}

export interface Campaign {
  id: string;
  title: string;
  description: string | null;
  campaignStatus: CampaignStatus;
  call: boolean;
  email: boolean;
  whatsapp: boolean;
  mail: boolean;
  executionBatchSize: number | null;
  executionInterval: number | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

const hhmm = (t: string | null) => (t == null ? null : t.slice(0, 5));

export function toCampaign(r: CRow): Campaign {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    campaignStatus: r.campaign_status,
    call: r.call,
    email: r.email,
    whatsapp: r.whatsapp,
    mail: r.mail,
    executionBatchSize: r.execution_batch_size,
    executionInterval: r.execution_interval_seconds == null ? null : Number(r.execution_interval_seconds),
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    completedAt: r.completed_at?.toISOString() ?? null,
  };
}

export function toSchedule(r: ScheduleRow): Schedule {
  return {
    startOn: r.start_on,
    endOn: r.end_on,
    operationalStartTime: hhmm(r.operational_start_time),
    operationalEndTime: hhmm(r.operational_end_time),
    timeZone: r.time_zone,
    operationalDays: r.operational_days,
    operationFrequency: r.operation_frequency,
  };
}

export function fromSchedule(s: Schedule): ScheduleRow {
  return {
    start_on: s.startOn,
    end_on: s.endOn,
    operational_start_time: s.operationalStartTime,
    operational_end_time: s.operationalEndTime,
    time_zone: s.timeZone,
    operational_days: s.operationalDays,
    operation_frequency: s.operationFrequency,
  };
}

export function toTarget(r: TargetRow): Target {
  return {
    minAge: r.min_age,
    maxAge: r.max_age,
    contactTags: r.contact_tags,
    tagMatch: r.tag_match,
    genders: r.genders,
    contactType: r.contact_type,
  };
}

export function fromTarget(t: Target): TargetRow {
  return {
    min_age: t.minAge,
    max_age: t.maxAge,
    contact_tags: t.contactTags,
    tag_match: t.tagMatch,
    genders: t.genders,
    contact_type: t.contactType,
  };
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Channel configs map key by key; attachment ids are managed by the attachments API only. */
export function channelConfigToRow(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (k !== 'attachment') out[snake(k)] = v ?? null;
  return out;
}

export function channelConfigFromRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k !== 'attachment_id') out[camel(k)] = v;
  return out;
}


