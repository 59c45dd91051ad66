-- fleetcharge schema, version 26: the provider's invoice contact (issue
-- 16, docs/INVOICING.md): who answers questions about its invoices, the
-- seller contact (EN 16931 BG-6) of its e-invoices. Peppol's German rules
-- require a contact name, telephone and e-mail of a German seller invoicing
-- a German buyer (DE-R-005..007).
ALTER TABLE providers ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN email TEXT NOT NULL DEFAULT '';
