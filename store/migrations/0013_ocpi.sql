-- fleetcharge schema, version 13: roaming over OCPI 2.2.1 (issue 17).

-- The provider's OCPI identity: ISO 3166-1 alpha-2 country code and the
-- three-character party ID its EVSE IDs, contract IDs and credentials
-- carry.
ALTER TABLE providers ADD COLUMN ocpi_country_code TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN ocpi_party_id TEXT NOT NULL DEFAULT '';

-- A roaming charge group's stations are published to partners and admit
-- partners' tokens.
ALTER TABLE charge_groups ADD COLUMN roaming BOOLEAN NOT NULL DEFAULT FALSE;

-- The platforms the provider roams with. incoming_hash is the SHA-256 (hex)
-- of the token the partner authenticates with at us, of incoming_kind A
-- (issued, opens the credentials module only) or C (after registration);
-- outgoing_token is the token we authenticate with at the partner, kept as
-- given since it must be sent. roles and endpoints are JSON: the partner's
-- credentials roles and its version's module endpoints.
CREATE TABLE ocpi_partners (
    id             {{ID}},
    provider_id    BIGINT NOT NULL REFERENCES providers(id),
    name           TEXT   NOT NULL,
    status         TEXT   NOT NULL CHECK (status IN ('pending', 'connected', 'suspended')),
    incoming_hash  TEXT   NOT NULL,
    incoming_kind  TEXT   NOT NULL CHECK (incoming_kind IN ('A', 'C')),
    outgoing_token TEXT   NOT NULL DEFAULT '',
    versions_url   TEXT   NOT NULL DEFAULT '',
    version        TEXT   NOT NULL DEFAULT '',
    roles          TEXT   NOT NULL DEFAULT '[]',
    endpoints      TEXT   NOT NULL DEFAULT '[]',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX ocpi_partners_incoming ON ocpi_partners (incoming_hash);
CREATE INDEX ocpi_partners_provider ON ocpi_partners (provider_id);

-- The outbox: pushes to partners waiting to be delivered. The messages of
-- one (partner, object_key) go out in id order, each once the one before it
-- was delivered; a failed attempt waits until next_at.
CREATE TABLE ocpi_outbox (
    id         {{ID}},
    partner_id BIGINT  NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    module     TEXT    NOT NULL,
    object_key TEXT    NOT NULL,
    method     TEXT    NOT NULL CHECK (method IN ('PUT', 'PATCH', 'POST', 'DELETE')),
    path       TEXT    NOT NULL DEFAULT '',
    body       TEXT    NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    BIGINT  NOT NULL,
    last_error TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL
);
CREATE INDEX ocpi_outbox_object ON ocpi_outbox (partner_id, object_key, id);
CREATE INDEX ocpi_outbox_due ON ocpi_outbox (next_at);

-- Requests to and from partners: the last exchange per module, and the
-- failures with their payloads (cut to a few KiB).
CREATE TABLE ocpi_exchanges (
    id          {{ID}},
    partner_id  BIGINT  NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    module      TEXT    NOT NULL,
    direction   TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    method      TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    http_status INTEGER NOT NULL DEFAULT 0,
    ocpi_status INTEGER NOT NULL DEFAULT 0,
    ok          BOOLEAN NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    request     TEXT    NOT NULL DEFAULT '',
    response    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX ocpi_exchanges_partner ON ocpi_exchanges (partner_id, module, at);

-- Tokens partners (eMSPs) pushed to us as a CPO. object is the OCPI Token
-- as received (JSON).
CREATE TABLE ocpi_tokens (
    partner_id    BIGINT  NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    country_code  TEXT    NOT NULL,
    party_id      TEXT    NOT NULL,
    uid           TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    contract_id   TEXT    NOT NULL,
    visual_number TEXT    NOT NULL DEFAULT '',
    issuer        TEXT    NOT NULL,
    group_id      TEXT    NOT NULL DEFAULT '',
    valid         BOOLEAN NOT NULL,
    whitelist     TEXT    NOT NULL,
    language      TEXT    NOT NULL DEFAULT '',
    last_updated  BIGINT  NOT NULL,
    object        TEXT    NOT NULL,
    PRIMARY KEY (partner_id, country_code, party_id, uid, type)
);
CREATE INDEX ocpi_tokens_uid ON ocpi_tokens (uid);

-- A location's geographic coordinates (OCPI GeoLocation): WGS84 decimal
-- degrees as OCPI writes them, with 5 to 7 decimals; both empty when
-- unknown.
ALTER TABLE locations ADD COLUMN latitude TEXT NOT NULL DEFAULT '';
ALTER TABLE locations ADD COLUMN longitude TEXT NOT NULL DEFAULT '';
