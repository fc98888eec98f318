-- Token buckets of provider accounts shared between tenants (the global WhatsApp number, SMTP
-- relay, HTTP email service, call service or Twilio account that every tenant without its own
-- settings sends through). The per-tenant buckets of 004 alone would let N tenants on one
-- account send N times the account's rate. Not tenant data: the key names the account (never a
-- credential), so there is no tenant column and no row-level security; the application role may
-- only read and update the rows.
CREATE TABLE provider_rate_buckets (
  account text PRIMARY KEY CHECK (char_length(account) BETWEEN 1 AND 200),
  tokens double precision NOT NULL,
  refilled_at timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON provider_rate_buckets TO campaign_app;
