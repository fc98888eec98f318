-- Physical mail and responses: response counters for metrics, and the indexes the print batch
-- and the per-campaign metrics read.

-- How many dispatches of a campaign have a response of each status (SEND = letters marked sent,
-- RESPONDED = distinct responders). campaign_responses holds one row per dispatch and status, so
-- counting its INSERTs counts distinct dispatches; repeats are UPDATEs and do not count.
-- Maintained by a trigger in the very statement that records the response, so the metrics
-- endpoints read a few rows instead of counting responses per request.
CREATE TABLE campaign_response_counts (
  tenant_id text NOT NULL,
  campaign_id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('CALL', 'EMAIL', 'WHATSAPP', 'MAIL')),
  status text NOT NULL CHECK (status IN ('SEND', 'RESPONDED')),
  n bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, channel, status),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);
SELECT app_enable_tenant_rls('campaign_response_counts'::regclass);

-- Runs as the inserting role (campaign_app under withTenant): row-level security applies to the
-- counter row as well, and it always belongs to the response's own tenant.
CREATE FUNCTION app_count_response() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO campaign_response_counts AS c (tenant_id, campaign_id, channel, status, n)
  SELECT tenant_id, campaign_id, channel, status, count(*) FROM new_rows
  GROUP BY tenant_id, campaign_id, channel, status
  ON CONFLICT (campaign_id, channel, status) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $$;

-- Statement level with a transition table: one counter upsert per statement, whatever the
-- number of rows it inserted. INSERT ... ON CONFLICT DO UPDATE puts only the really inserted
-- rows into new_rows.
CREATE TRIGGER campaign_responses_count AFTER INSERT ON campaign_responses
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app_count_response();

-- Counts from responses recorded before this migration.
INSERT INTO campaign_response_counts (tenant_id, campaign_id, channel, status, n)
SELECT tenant_id, campaign_id, channel, status, count(*) FROM campaign_responses
GROUP BY tenant_id, campaign_id, channel, status;

-- The print batch: a campaign's letters handed to print, in keyset order. Partial, so it holds
-- only MAIL rows that are SENT, and a page never filters through other channels' rows.
CREATE INDEX dispatches_mail_print ON dispatches (tenant_id, campaign_id, id)
  WHERE channel = 'MAIL' AND status = 'SENT';
