-- Attachments of channel configs (email, WhatsApp, letter). The bytes live in the object store
-- under object_key; this row is what makes an object "owned": an object under the attachments
-- prefix without a row is an orphan that the sweeper deletes once it is old enough.

CREATE TABLE attachments (
  tenant_id text NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  campaign_id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'whatsapp', 'mail')),
  object_key text NOT NULL UNIQUE,
  file_name text NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 255),
  content_type text NOT NULL,
  size bigint NOT NULL CHECK (size > 0),
  sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (tenant_id, id),
  -- One attachment per channel config: a replacement deletes the old row in the same transaction.
  UNIQUE (tenant_id, campaign_id, channel),
  -- Deleting a campaign deletes its rows; the sweeper then removes the objects.
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);

SELECT app_enable_tenant_rls('attachments'::regclass);

-- A config can only point at an attachment of its own tenant; deleting the row clears the
-- pointer (only attachment_id: tenant_id is part of the key and must stay).
ALTER TABLE email_campaigns ADD FOREIGN KEY (tenant_id, attachment_id)
  REFERENCES attachments (tenant_id, id) ON DELETE SET NULL (attachment_id);
ALTER TABLE whatsapp_campaigns ADD FOREIGN KEY (tenant_id, attachment_id)
  REFERENCES attachments (tenant_id, id) ON DELETE SET NULL (attachment_id);
ALTER TABLE mail_campaigns ADD FOREIGN KEY (tenant_id, attachment_id)
  REFERENCES attachments (tenant_id, id) ON DELETE SET NULL (attachment_id);
