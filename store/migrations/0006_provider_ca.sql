-- fleetcharge schema, version 6: OCPP security profile 3.
-- The certificate authority of a provider: the stations of the provider
-- authenticate with TLS client certificates it issued. key_pem is its
-- private key (PKCS #8 PEM) for signing the certificates stations ask for,
-- or '' when the provider keeps the key elsewhere. It is stored as it is:
-- fleetcharge has no secret of its own to encrypt it with, so the database
-- and its backups are to be guarded as the CA key itself (docs/SECURITY.md).
CREATE TABLE provider_cas (
    provider_id BIGINT NOT NULL PRIMARY KEY REFERENCES providers(id) ON DELETE CASCADE,
    cert_pem    TEXT   NOT NULL,
    key_pem     TEXT   NOT NULL DEFAULT '',
    updated_at  BIGINT NOT NULL
);
