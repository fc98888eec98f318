-- Tenancy groundwork: the application role that cannot bypass row-level security, the
-- per-transaction tenant setting, and a helper every tenant table uses for its policy.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'campaign_app') THEN
    CREATE ROLE campaign_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  -- Roles are cluster-wide: another database of the same cluster created it meanwhile.
  NULL;
END $$;

-- A non-superuser login must be a member to SET ROLE; a superuser needs nothing.
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT campaign_app TO %I', current_user);
  END IF;
EXCEPTION WHEN others THEN
  RAISE WARNING 'could not grant campaign_app to %: %', current_user, SQLERRM;
END $$;

CREATE FUNCTION app_tenant() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.tenant_id', true), '') $$;

-- Turns on forced row-level security for a table with a tenant_id column: rows of other
-- tenants are invisible and cannot be written, and with no tenant set nothing is visible.
CREATE FUNCTION app_enable_tenant_rls(tbl regclass) RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())',
    tbl);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO campaign_app', tbl);
END $$;

GRANT USAGE ON SCHEMA public TO campaign_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO campaign_app;

-- Job changes are written in the same transaction as the status change that implies them.
-- The tenant-scoped role may not touch the queue's tables directly; these definer functions
-- are its only door, and they refuse a job for any tenant but the transaction's own.
CREATE FUNCTION app_add_job(task text, payload json, run_at timestamptz, job_key text, max_attempts int DEFAULT 25)
  RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF app_tenant() IS NOT NULL AND payload->>'tenantId' IS DISTINCT FROM app_tenant() THEN
    RAISE EXCEPTION 'job payload tenant % does not match the transaction tenant', payload->>'tenantId';
  END IF;
  PERFORM graphile_worker.add_job(task, payload, run_at := run_at, job_key := job_key,
    job_key_mode := 'replace', max_attempts := max_attempts);
END $$;

CREATE FUNCTION app_remove_job(job_key text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  -- Job keys embed the tenant id (see src/jobs/keys.ts), so a tenant can only name its own.
  IF app_tenant() IS NOT NULL AND position(app_tenant() || ':' IN job_key) = 0 THEN
    RAISE EXCEPTION 'job key % does not belong to the transaction tenant', job_key;
  END IF;
  PERFORM graphile_worker.remove_job(job_key);
END $$;

GRANT EXECUTE ON FUNCTION app_add_job(text, json, timestamptz, text, int) TO campaign_app;
GRANT EXECUTE ON FUNCTION app_remove_job(text) TO campaign_app;
