-- The delivery ledger and what the execution engine needs around it.
--
-- dispatches: one row per campaign x contact x channel, written once when the campaign first
-- becomes RUNNING (the audience freeze). Its id is the idempotency key handed to providers;
-- its tracking_id is the unguessable secret printed into QR codes and links.

-- 16 random bytes of a v4 UUID (122 random bits) as 22 characters of unpadded base64url.
CREATE FUNCTION app_new_tracking_id() RETURNS text
  LANGUAGE sql VOLATILE
  AS $$ SELECT translate(rtrim(encode(uuid_send(gen_random_uuid()), 'base64'), '='), '+/', '-_') $$;
GRANT EXECUTE ON FUNCTION app_new_tracking_id() TO campaign_app;

CREATE TABLE dispatches (
  tenant_id text NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  campaign_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('CALL', 'EMAIL', 'WHATSAPP', 'MAIL')),
  status text NOT NULL DEFAULT 'PENDING'
    CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'SKIPPED', 'UNCERTAIN')),
  tracking_id text NOT NULL DEFAULT app_new_tracking_id() UNIQUE,
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',
  lease_until timestamptz,          -- set while SENDING: past it the outcome is unknown
  last_error text,
  skip_reason text,                 -- no_email, no_phone, no_address, opted_out, campaign_ended
  provider_message_id text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (campaign_id, contact_id, channel),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);
-- Every index costs a write on each status change (a status change is never a HOT update),
-- so there are few: claiming (the due PENDING rows of a campaign and channel, oldest due
-- first) and progress (counts per channel and status) share one; the ledger API pages by
-- the (campaign_id, contact_id, channel) key.
CREATE INDEX dispatches_claim ON dispatches (campaign_id, status, channel, next_attempt_at);
-- Webhooks find their row by the provider's message id.
CREATE INDEX dispatches_provider_message ON dispatches (tenant_id, channel, provider_message_id)
  WHERE provider_message_id IS NOT NULL;
SELECT app_enable_tenant_rls('dispatches'::regclass);

-- Per-tenant overrides of the configured per-channel rate limits (messages per second;
-- 0 = unlimited).
CREATE TABLE rate_limit_settings (
  tenant_id text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('CALL', 'EMAIL', 'WHATSAPP', 'MAIL')),
  per_second numeric NOT NULL CHECK (per_second >= 0 AND per_second <= 1000000),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, channel)
);
SELECT app_enable_tenant_rls('rate_limit_settings'::regclass);

-- Token buckets shared by every instance: one row per tenant and channel, refilled and taken
-- from in one atomic UPDATE (see src/db/queries/rate-limits.ts).
CREATE TABLE rate_limit_buckets (
  tenant_id text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('CALL', 'EMAIL', 'WHATSAPP', 'MAIL')),
  tokens double precision NOT NULL,
  refilled_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, channel)
);
SELECT app_enable_tenant_rls('rate_limit_buckets'::regclass);

-- What the local sink adapters would have sent: one row per dispatch at most (the unique key
-- makes a double send visible as an error instead of a silent duplicate).
CREATE TABLE sink_outbox (
  tenant_id text NOT NULL,
  id bigserial PRIMARY KEY,
  dispatch_id uuid NOT NULL UNIQUE,
  channel text NOT NULL CHECK (channel IN ('CALL', 'EMAIL', 'WHATSAPP', 'MAIL')),
  campaign_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sink_outbox_keyset ON sink_outbox (tenant_id, id);
CREATE INDEX sink_outbox_campaign ON sink_outbox (tenant_id, campaign_id, channel, id);
SELECT app_enable_tenant_rls('sink_outbox'::regclass);

-- Engine-wide counters for /metrics, shared by every instance (a worker-only instance serves
-- no HTTP, so per-process counters could not be scraped). Not tenant data: no tenant column,
-- no row-level security; the application role may only read and bump them.
CREATE TABLE engine_stats (
  metric text NOT NULL,
  channel text NOT NULL DEFAULT '',
  value bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (metric, channel)
);
GRANT SELECT, INSERT, UPDATE ON engine_stats TO campaign_app;
