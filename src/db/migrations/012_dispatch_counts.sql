-- Ledger counters per campaign, channel and status, so progress and metrics read a few rows
-- instead of counting a million-row ledger per request.
--
-- Append-only deltas, not one counter row per status: the dispatcher's claims and outcomes run in
-- many concurrent transactions (several workers on one campaign), and a shared counter row would
-- serialise them all on its row lock. Each statement on the ledger appends its net change here;
-- readers sum a campaign's rows, and fold them into one row per status once they pile up
-- (db/queries/dispatch-counts.ts). The trigger runs in the very statement that changes the
-- ledger, so the sums are exactly what count(*) over the ledger would answer in any snapshot.
CREATE TABLE dispatch_counts (
  tenant_id text NOT NULL,
  campaign_id uuid NOT NULL,
  channel text NOT NULL,
  status text NOT NULL,
  n bigint NOT NULL
);
CREATE INDEX dispatch_counts_campaign ON dispatch_counts (tenant_id, campaign_id);
SELECT app_enable_tenant_rls('dispatch_counts'::regclass);

-- No foreign key to campaigns, on purpose: its check would share-lock the campaign row from
-- inside the send gate, while a pause holds that row and waits for the gate: a deadlock. A
-- campaign's counters go with it through the trigger on campaigns below instead.
--
-- Runs as the writing role (campaign_app under withTenant), so row-level security applies to the
-- counter rows too. Ledger rows are only ever deleted with their campaign: there is no DELETE
-- trigger on the ledger.
CREATE FUNCTION app_count_dispatch_inserts() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dispatch_counts (tenant_id, campaign_id, channel, status, n)
  SELECT tenant_id, campaign_id, channel, status, count(*) FROM new_rows
  GROUP BY tenant_id, campaign_id, channel, status;
  RETURN NULL;
END $$;

CREATE FUNCTION app_count_dispatch_updates() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  -- Net change per status: rows whose status did not change cancel out and write nothing.
  INSERT INTO dispatch_counts (tenant_id, campaign_id, channel, status, n)
  SELECT tenant_id, campaign_id, channel, status, sum(d) FROM (
    SELECT tenant_id, campaign_id, channel, status, -1 AS d FROM old_rows
    UNION ALL
    SELECT tenant_id, campaign_id, channel, status, 1 AS d FROM new_rows
  ) moved
  GROUP BY tenant_id, campaign_id, channel, status
  HAVING sum(d) <> 0;
  RETURN NULL;
END $$;

CREATE TRIGGER dispatches_count_inserts AFTER INSERT ON dispatches
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app_count_dispatch_inserts();

CREATE TRIGGER dispatches_count_updates AFTER UPDATE ON dispatches
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app_count_dispatch_updates();

CREATE FUNCTION app_drop_dispatch_counts() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM dispatch_counts c USING old_rows o WHERE c.tenant_id = o.tenant_id AND c.campaign_id = o.id;
  RETURN NULL;
END $$;

CREATE TRIGGER campaigns_drop_dispatch_counts AFTER DELETE ON campaigns
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app_drop_dispatch_counts();

-- Ledgers written before this migration.
INSERT INTO dispatch_counts (tenant_id, campaign_id, channel, status, n)
SELECT tenant_id, campaign_id, channel, status, count(*) FROM dispatches
GROUP BY tenant_id, campaign_id, channel, status;
