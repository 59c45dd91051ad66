-- fleetcharge schema, version 10: reservations, and the connection history
-- of stations.
-- A connector of a station kept for a card until expires_at, recorded when
-- the station accepted ReserveNow. reservation_id is the station's
-- reservationId; connector_id 0 reserves any connector of the station.
-- status is what the writers last recorded: 'active', 'used' (a
-- transaction started with it; session_id names it), 'cancelled' or
-- 'expired' (the station said so). An 'active' row whose expires_at has
-- passed reads as expired: the readers compute it, so no job has to run at
-- the expiry. ended_at is when a writer ended it. The card is named by its
-- ID only: its numbers are read from cards, so that an erasure of the card
-- leaves no copy here.
CREATE TABLE reservations (
    id             {{ID}},
    provider_id    BIGINT  NOT NULL REFERENCES providers(id),
    station_id     BIGINT  NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    connector_id   INTEGER NOT NULL,
    reservation_id BIGINT  NOT NULL,
    card_id        BIGINT  NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
    expires_at     BIGINT  NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'active',
    session_id     BIGINT  REFERENCES sessions(id) ON DELETE SET NULL,
    ended_at       BIGINT,
    created_at     BIGINT  NOT NULL
);
-- One active reservation per reservationId and station, as the station
-- keeps them.
CREATE UNIQUE INDEX reservations_station_active ON reservations (station_id, reservation_id) WHERE status = 'active';
-- The station page's and the card page's lists, newest first.
CREATE INDEX reservations_station ON reservations (station_id, id);
CREATE INDEX reservations_card ON reservations (card_id, id);

-- The connection history of stations: one row each time a station connects
-- (online) or its connection ends (not online), and for every station left
-- online when a process starts (MarkAllOffline). With status_history it
-- tells the station reports' availability.
CREATE TABLE station_connections (
    station_id BIGINT  NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    at         BIGINT  NOT NULL,
    online     BOOLEAN NOT NULL,
    PRIMARY KEY (station_id, at, online)
);
