-- Contact imports (one row per uploaded file, its counters and its first row errors) and the
-- indexes the contacts API needs beyond 003.

CREATE TABLE contact_imports (
  tenant_id text NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  status text NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED')),
  format text CHECK (format IN ('csv', 'vcard')),
  file_name text,
  rows int NOT NULL DEFAULT 0,           -- records read (valid or not)
  imported int NOT NULL DEFAULT 0,       -- new contacts
  updated int NOT NULL DEFAULT 0,        -- existing contacts whose values changed
  unchanged int NOT NULL DEFAULT 0,      -- existing contacts the row matched exactly
  failed int NOT NULL DEFAULT 0,         -- records rejected (each has at least one error)
  errors jsonb NOT NULL DEFAULT '[]',    -- [{line, field, reason}], capped by the importer
  errors_omitted int NOT NULL DEFAULT 0, -- errors beyond the cap
  failure text,                          -- why a FAILED import stopped (file-level problem)
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id)
);
CREATE INDEX contact_imports_recent ON contact_imports (tenant_id, created_at DESC, id DESC);

SELECT app_enable_tenant_rls('contact_imports'::regclass);

-- UNIQUE (tenant_id, id) of 003 already is this index; a second copy only slows every insert.
DROP INDEX IF EXISTS contacts_keyset;

-- Text search (GET /contacts?q=): a trigram index over name, email and phone serves
-- "contains" searches of 3 characters or more. pg_trgm ships with PostgreSQL's contrib and is a
-- trusted extension; where it is missing the search still works, as a scan.
CREATE FUNCTION contact_search_text(first_name text, last_name text, email text, phone text)
  RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
                     coalesce(email, '') || ' ' || coalesce(phone, '')) $$;

DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
  CREATE INDEX contacts_search ON contacts
    USING gin (contact_search_text(first_name, last_name, email, phone) gin_trgm_ops);
EXCEPTION WHEN others THEN
  RAISE WARNING 'pg_trgm unavailable (%): contact search will scan', SQLERRM;
END $$;
