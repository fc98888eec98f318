-- The primary key of contacts becomes (tenant_id, id), replacing the key on id alone and the
-- unique (tenant_id, id) of 003, which were two copies of the same index: every query names
-- the tenant with the id, and nothing references contacts by id alone. One index fewer to
-- write for every imported contact, and keyset pages of one tenant read that tenant's
-- stretch of the key instead of every tenant's ids.
ALTER TABLE contacts DROP CONSTRAINT contacts_pkey;
ALTER TABLE contacts DROP CONSTRAINT contacts_tenant_id_id_key;
ALTER TABLE contacts ADD PRIMARY KEY (tenant_id, id);
