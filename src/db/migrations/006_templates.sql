-- Message templates, per-tenant provider settings, and what provider webhooks record about a
-- dispatch after it was sent.

-- Email templates (subject/html/text with {{ contact.* }}, {{ data.* }} placeholders) and
-- WhatsApp templates (the approved name and language plus the ordered parameters, each mapped
-- to a contact field, a templateData key or the campaign's attachment).
CREATE TABLE templates (
  tenant_id text NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('EMAIL', 'WHATSAPP')),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  description text,
  subject text,
  html text,
  text_body text,
  wa_name text,
  wa_language text,
  wa_components jsonb NOT NULL DEFAULT '[]',
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id),
  CHECK (kind <> 'EMAIL' OR (subject IS NOT NULL AND html IS NOT NULL)),
  CHECK (kind <> 'WHATSAPP' OR (wa_name IS NOT NULL AND wa_language IS NOT NULL))
);
CREATE INDEX templates_keyset ON templates (tenant_id, created_at DESC, id DESC);
SELECT app_enable_tenant_rls('templates'::regclass);

-- Per-tenant provider settings, one row per tenant and channel. `settings` holds what is not
-- secret (transport, URLs, ids); `secrets` is AES-256-GCM ciphertext of a JSON object
-- (access tokens, auth tokens, SMTP URLs with passwords), bound to the tenant and channel.
CREATE TABLE channel_settings (
  tenant_id text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('CALL', 'EMAIL', 'WHATSAPP')),
  transport text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}',
  secrets text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, channel)
);
SELECT app_enable_tenant_rls('channel_settings'::regclass);
CREATE INDEX channel_settings_wa_phone ON channel_settings ((settings->>'phoneNumberId')) WHERE channel = 'WHATSAPP';

-- WhatsApp webhooks arrive without a tenant: these definer functions let the webhook find the
-- tenants whose own WhatsApp app may have signed it (by the phone number id in the payload),
-- and check a subscription verify token. They return nothing else.
CREATE FUNCTION app_tenants_of_whatsapp_number(p_phone_number_id text) RETURNS SETOF text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT tenant_id FROM channel_settings
        WHERE channel = 'WHATSAPP' AND settings->>'phoneNumberId' = p_phone_number_id LIMIT 10 $$;
CREATE FUNCTION app_whatsapp_verify_token_known(p_token text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT EXISTS (SELECT 1 FROM channel_settings
        WHERE channel = 'WHATSAPP' AND settings->>'verifyToken' = p_token AND p_token <> '') $$;
GRANT EXECUTE ON FUNCTION app_tenants_of_whatsapp_number(text) TO campaign_app;
GRANT EXECUTE ON FUNCTION app_whatsapp_verify_token_known(text) TO campaign_app;

-- What the provider told us after the send: WhatsApp sent/delivered/read, a call's progress.
-- The engine's status column keeps its own meaning (SENT = handed to the provider); a provider
-- failure after acceptance turns a SENT row FAILED (see src/db/queries/provider-events.ts).
ALTER TABLE dispatches
  ADD COLUMN delivery_status text,
  ADD COLUMN delivered_at timestamptz,
  ADD COLUMN read_at timestamptz,
  ADD COLUMN delivery_updated_at timestamptz;

-- Inbound messages already processed (Meta redelivers webhooks): one row per inbound id.
CREATE TABLE inbound_messages (
  tenant_id text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('CALL', 'EMAIL', 'WHATSAPP', 'MAIL')),
  message_id text NOT NULL,
  dispatch_id uuid,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, channel, message_id)
);
SELECT app_enable_tenant_rls('inbound_messages'::regclass);
