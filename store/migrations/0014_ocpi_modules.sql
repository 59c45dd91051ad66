-- fleetcharge schema, version 14: the OCPI 2.2.1 modules beyond tokens and
-- CDRs (issue 17): what partners publish to us, and commands.

-- Objects CPO partners push to us as an eMSP (their locations, tariffs and
-- the sessions of our cards), kept as sent (JSON), under the partner's
-- party and the object's ID. last_updated is the object's, in milliseconds.
CREATE TABLE ocpi_objects (
    partner_id   BIGINT NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    module       TEXT   NOT NULL CHECK (module IN ('locations', 'tariffs', 'sessions')),
    country_code TEXT   NOT NULL,
    party_id     TEXT   NOT NULL,
    object_id    TEXT   NOT NULL,
    last_updated BIGINT NOT NULL,
    object       TEXT   NOT NULL,
    PRIMARY KEY (partner_id, module, country_code, party_id, object_id)
);
CREATE INDEX ocpi_objects_updated ON ocpi_objects (partner_id, module, last_updated);

-- Commands (OCPI 2.2.1, 13). Direction in: an eMSP partner asked us, the
-- CPO, to act on one of our stations; the result goes to its
-- response_url. Direction out: we asked a CPO partner to act for one of
-- our cards; the partner posts the result to our URL, which names the
-- command's id. result is empty while waiting, then a CommandResultType
-- (ACCEPTED, CANCELED_RESERVATION, EVSE_OCCUPIED, EVSE_INOPERATIVE,
-- FAILED, NOT_SUPPORTED, REJECTED, TIMEOUT, UNKNOWN_RESERVATION).
CREATE TABLE ocpi_commands (
    id           {{ID}},
    partner_id   BIGINT  NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    direction    TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    command      TEXT    NOT NULL,
    response_url TEXT    NOT NULL DEFAULT '',
    card_id      BIGINT  REFERENCES cards(id) ON DELETE SET NULL,
    station_id   BIGINT  REFERENCES stations(id) ON DELETE SET NULL,
    connector_id INTEGER NOT NULL DEFAULT 0,
    request      TEXT    NOT NULL,
    result       TEXT    NOT NULL DEFAULT '',
    message      TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX ocpi_commands_partner ON ocpi_commands (partner_id, id);
