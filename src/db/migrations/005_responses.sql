-- Responses: what recipients did (scanned a letter's QR code, replied on WhatsApp, answered a
-- call) and letters marked as sent. One row per dispatch and status: a repeat of the same
-- event bumps its count and last time instead of counting twice.

CREATE TABLE campaign_responses (
  tenant_id text NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  tracking_id text NOT NULL,          -- the dispatch's tracking id (QR codes, links)
  campaign_id uuid NOT NULL,
  dispatch_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('CALL', 'EMAIL', 'WHATSAPP', 'MAIL')),
  status text NOT NULL CHECK (status IN ('SEND', 'RESPONDED')),
  response_data jsonb NOT NULL DEFAULT '{}',
  contact jsonb NOT NULL DEFAULT '{}', -- snapshot of the contact when the response came in
  event_count int NOT NULL DEFAULT 1,
  first_at timestamptz NOT NULL DEFAULT now(),
  last_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (dispatch_id, status),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX campaign_responses_list ON campaign_responses (tenant_id, campaign_id, created_at DESC, id DESC);
CREATE INDEX campaign_responses_channel ON campaign_responses (campaign_id, channel, status);
SELECT app_enable_tenant_rls('campaign_responses'::regclass);

-- The public QR scan and provider webhooks arrive without a tenant: these definer functions are
-- their only way to find which tenant a tracking id or provider message id belongs to, and they
-- return nothing else.
CREATE FUNCTION app_tenant_of_tracking(p_tracking_id text) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT tenant_id FROM dispatches WHERE tracking_id = p_tracking_id $$;

CREATE FUNCTION app_tenant_of_provider_message(p_channel text, p_provider_message_id text) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT tenant_id FROM dispatches
        WHERE channel = p_channel AND provider_message_id = p_provider_message_id LIMIT 1 $$;

GRANT EXECUTE ON FUNCTION app_tenant_of_tracking(text) TO campaign_app;
GRANT EXECUTE ON FUNCTION app_tenant_of_provider_message(text, text) TO campaign_app;
