-- Contacts: our own store (behind an interface, so an external contact service can replace it).
-- Identity is externalId, else email, else phone, per tenant: each has its own partial unique
-- index, and the importer resolves a row to an existing contact in that order of priority.

CREATE TABLE contacts (
  tenant_id text NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  external_id text,
  first_name text,
  last_name text,
  email text,                 -- trimmed, lower-cased
  phone text,                 -- E.164
  birth_date date,
  gender text CHECK (gender IN ('MALE', 'FEMALE', 'OTHER', 'UNKNOWN')),
  contact_type text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',      -- as entered (trimmed, de-duplicated)
  tag_keys text[] NOT NULL DEFAULT '{}',  -- lower-cased tags, what targeting compares
  address jsonb,              -- {line1, line2, city, region, postalCode, country}
  attributes jsonb NOT NULL DEFAULT '{}',
  opt_out_call boolean NOT NULL DEFAULT false,
  opt_out_email boolean NOT NULL DEFAULT false,
  opt_out_whatsapp boolean NOT NULL DEFAULT false,
  opt_out_mail boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id)
);

CREATE UNIQUE INDEX contacts_identity_external ON contacts (tenant_id, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX contacts_identity_email ON contacts (tenant_id, email) WHERE email IS NOT NULL AND external_id IS NULL;
CREATE UNIQUE INDEX contacts_identity_phone ON contacts (tenant_id, phone)
  WHERE phone IS NOT NULL AND email IS NULL AND external_id IS NULL;
-- Targeting and keyset pages: contact type first (always part of a target), then id.
CREATE INDEX contacts_target ON contacts (tenant_id, contact_type, id);
CREATE INDEX contacts_tags ON contacts USING gin (tag_keys);
CREATE INDEX contacts_keyset ON contacts (tenant_id, id);

SELECT app_enable_tenant_rls('contacts'::regclass);
