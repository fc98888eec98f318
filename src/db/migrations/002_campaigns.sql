-- Campaigns and their parts. Every table carries tenant_id; child tables reference the
-- campaign through (tenant_id, campaign_id) so a row can never point across tenants.

CREATE TABLE campaigns (
  tenant_id text NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  description text,
  campaign_status text NOT NULL DEFAULT 'DRAFT'
    CHECK (campaign_status IN ('DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED', 'COMPLETED')),
  call boolean NOT NULL DEFAULT false,
  email boolean NOT NULL DEFAULT false,
  whatsapp boolean NOT NULL DEFAULT false,
  mail boolean NOT NULL DEFAULT false,
  -- per-campaign overrides of CAMPAIGN_EXECUTION_BATCH_SIZE / _INTERVAL; NULL = configured default
  execution_batch_size int CHECK (execution_batch_size BETWEEN 1 AND 10000),
  execution_interval_seconds numeric CHECK (execution_interval_seconds BETWEEN 0 AND 86400),
  version int NOT NULL DEFAULT 1,
  started_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id)
);
-- Keyset pagination: newest first, id as the tie-breaker.
CREATE INDEX campaigns_tenant_created ON campaigns (tenant_id, created_at DESC, id DESC);
CREATE INDEX campaigns_tenant_status ON campaigns (tenant_id, campaign_status, created_at DESC, id DESC);

CREATE TABLE campaign_schedules (
  tenant_id text NOT NULL,
  campaign_id uuid PRIMARY KEY,
  start_on date NOT NULL,
  end_on date,
  operational_start_time time,
  operational_end_time time,
  time_zone text NOT NULL,
  operational_days text[] NOT NULL DEFAULT '{}',
  operation_frequency text NOT NULL
    CHECK (operation_frequency IN ('WEEKDAYS', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY')),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE,
  CHECK (end_on IS NULL OR end_on >= start_on)
);

CREATE TABLE campaign_targets (
  tenant_id text NOT NULL,
  campaign_id uuid PRIMARY KEY,
  min_age int CHECK (min_age BETWEEN 0 AND 150),
  max_age int CHECK (max_age BETWEEN 0 AND 150),
  contact_tags text[] NOT NULL DEFAULT '{}',
  tag_match text NOT NULL DEFAULT 'ANY' CHECK (tag_match IN ('ANY', 'ALL')),
  genders text[] NOT NULL DEFAULT '{}',
  contact_type text[] NOT NULL DEFAULT '{}',
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE,
  CHECK (min_age IS NULL OR max_age IS NULL OR min_age <= max_age)
);

CREATE TABLE call_campaigns (
  tenant_id text NOT NULL,
  campaign_id uuid PRIMARY KEY,
  call_handler_config jsonb NOT NULL DEFAULT '{}',
  script text,
  source_phone text,
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE email_campaigns (
  tenant_id text NOT NULL,
  campaign_id uuid PRIMARY KEY,
  template_id uuid,
  source_email text,
  template_data jsonb NOT NULL DEFAULT '{}',
  attachment_id uuid,
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE whatsapp_campaigns (
  tenant_id text NOT NULL,
  campaign_id uuid PRIMARY KEY,
  template_id uuid,
  template_data jsonb NOT NULL DEFAULT '{}',
  attachment_id uuid,
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE mail_campaigns (
  tenant_id text NOT NULL,
  campaign_id uuid PRIMARY KEY,
  subject text,
  message text,
  response_url text,
  landing_url text,
  attachment_id uuid,
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);

SELECT app_enable_tenant_rls(t) FROM unnest(ARRAY[
  'campaigns', 'campaign_schedules', 'campaign_targets',
  'call_campaigns', 'email_campaigns', 'whatsapp_campaigns', 'mail_campaigns'
]::regclass[]) AS t;
