-- fleetcharge schema, version 16: roaming, continued (issue 17).

-- An imported session's external_ref is unique per provider and party:
-- a CDR received from a partner keeps its own id as external_ref and its
-- CPO's party ('NL*CPO', country code and party ID) as external_party,
-- as OCPI 2.2.1 makes a CDR's id unique per party only. A session of a
-- bulk import has no party (''), so its reference stays unique in the
-- provider as before. Not NULL: a NULL would make every party-less
-- reference distinct to the unique index on PostgreSQL.
ALTER TABLE sessions ADD COLUMN external_party TEXT NOT NULL DEFAULT '';
DROP INDEX sessions_external_ref;
CREATE UNIQUE INDEX sessions_external_ref ON sessions (provider_id, external_party, external_ref);

-- CDRs received before this version were kept as 'CC*PPP*<id>': split the
-- references of CPO parties of the provider's partners (a hub forwards
-- every party's) into the party and the CDR's id, and the credits' stop
-- reasons ('Credit of CC*PPP*<id>') with them. Roles are stored as Go
-- writes fleetcharge.OCPIRole: role, country_code, party_id in that order.
UPDATE sessions SET external_party = substr(external_ref, 1, 6), external_ref = substr(external_ref, 8)
    WHERE source = 'import' AND station_id IS NULL AND external_ref LIKE '__*___*_%'
    AND EXISTS (SELECT 1 FROM ocpi_partners p WHERE p.provider_id = sessions.provider_id
        AND (p.roles LIKE ('%"role":"HUB"%')
            OR p.roles LIKE ('%"role":"CPO","country_code":"' || substr(sessions.external_ref, 1, 2) ||
                '","party_id":"' || substr(sessions.external_ref, 4, 3) || '"%')));
UPDATE sessions SET stop_reason = 'Credit of ' || substr(stop_reason, 18)
    WHERE external_party <> '' AND stop_reason LIKE 'Credit of __*___*_%'
    AND substr(stop_reason, 11, 6) = external_party;

-- Who authorized a partner's token at one of our stations, and how: the
-- eMSP in real time (AUTH_REQUEST, with the authorization_reference it
-- answered), a START_SESSION command of the eMSP (COMMAND, with the
-- command's reference). The session that follows at the station with the
-- token's UID names this token (the partner's party) and reference in the
-- Session and CDR pushed to the partner.
CREATE TABLE ocpi_authorizations (
    id           {{ID}},
    partner_id   BIGINT NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    station_id   BIGINT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    country_code TEXT   NOT NULL,
    party_id     TEXT   NOT NULL,
    uid          TEXT   NOT NULL,
    type         TEXT   NOT NULL,
    method       TEXT   NOT NULL CHECK (method IN ('AUTH_REQUEST', 'COMMAND')),
    reference    TEXT   NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX ocpi_authorizations_token ON ocpi_authorizations (station_id, uid, created_at);
CREATE INDEX ocpi_authorizations_partner ON ocpi_authorizations (partner_id);

-- The outbox worker reads due messages by next_at then id (DueOCPI): with
-- both in the index the first batch is read in order and the scan stops
-- at the batch's end, rather than reading and sorting every waiting
-- message.
DROP INDEX ocpi_outbox_due;
CREATE INDEX ocpi_outbox_due ON ocpi_outbox (next_at, id);
