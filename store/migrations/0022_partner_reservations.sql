-- fleetcharge schema, version 22: roaming partners' reservations (issue 17).
-- A reservation is of one of our cards (card_id) or of a roaming partner's
-- token (partner_id and id_tag, the token's UID, which the station knows
-- the reservation by): a partner's RESERVE_NOW the station accepted is a
-- reservation like ours, listed with the station's and used by the session
-- it starts. SQLite cannot drop a NOT NULL, so the table is rebuilt.
CREATE TABLE reservations_0022 (
    id             {{ID}},
    provider_id    BIGINT  NOT NULL REFERENCES providers(id),
    station_id     BIGINT  NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    connector_id   INTEGER NOT NULL,
    reservation_id BIGINT  NOT NULL,
    card_id        BIGINT  REFERENCES cards(id) ON DELETE CASCADE,
    partner_id     BIGINT  REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    id_tag         TEXT    NOT NULL DEFAULT '',
    expires_at     BIGINT  NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'active',
    session_id     BIGINT  REFERENCES sessions(id) ON DELETE SET NULL,
    ended_at       BIGINT,
    created_at     BIGINT  NOT NULL,
    CHECK ((card_id IS NOT NULL AND partner_id IS NULL) OR (card_id IS NULL AND partner_id IS NOT NULL AND id_tag <> ''))
);
INSERT INTO reservations_0022 (id, provider_id, station_id, connector_id, reservation_id, card_id, expires_at, status, session_id,
    ended_at, created_at)
    SELECT id, provider_id, station_id, connector_id, reservation_id, card_id, expires_at, status, session_id, ended_at, created_at
    FROM reservations;
DROP TABLE reservations;
ALTER TABLE reservations_0022 RENAME TO reservations;
{{SYNC_ID reservations}};
CREATE UNIQUE INDEX reservations_station_active ON reservations (station_id, reservation_id) WHERE status = 'active';
CREATE INDEX reservations_station ON reservations (station_id, id);
CREATE INDEX reservations_card ON reservations (card_id, id);
CREATE INDEX reservations_partner ON reservations (partner_id, id);
