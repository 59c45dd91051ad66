-- Daily roll-ups of sessions for the reports (store/rollups.go): each
-- session counted on the UTC day it started, by its card side and by its
-- station side, as stored on the session. Reports over whole days read
-- these instead of every session; the days cut by a report's bounds are
-- read from the sessions. A missing card, employee or station is 0.
CREATE TABLE session_days_card (
    card_account_id BIGINT  NOT NULL,
    card_id         BIGINT  NOT NULL,
    employee_id     BIGINT  NOT NULL,
    location_kind   TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    day             BIGINT  NOT NULL,
    n               BIGINT  NOT NULL,
    energy_wh       BIGINT  NOT NULL,
    duration_s      BIGINT  NOT NULL,
    cost_minor      BIGINT  NOT NULL,
    PRIMARY KEY (card_account_id, day, card_id, employee_id, location_kind, currency)
);
CREATE UNIQUE INDEX session_days_card_key ON session_days_card (card_account_id, card_id, employee_id, location_kind, currency, day);
CREATE TABLE session_days_station (
    station_account_id BIGINT  NOT NULL,
    station_id         BIGINT  NOT NULL,
    connector_id       INTEGER NOT NULL,
    location_kind      TEXT    NOT NULL,
    currency           TEXT    NOT NULL,
    day                BIGINT  NOT NULL,
    n                  BIGINT  NOT NULL,
    energy_wh          BIGINT  NOT NULL,
    duration_s         BIGINT  NOT NULL,
    cost_minor         BIGINT  NOT NULL,
    busy_ms            BIGINT  NOT NULL,
    PRIMARY KEY (station_account_id, day, station_id, connector_id, location_kind, currency)
);
CREATE UNIQUE INDEX session_days_station_key ON session_days_station (station_account_id, station_id, connector_id, location_kind, currency, day);
-- The sessions whose charging time a roll-up cannot hold in its day's
-- busy_ms: running ones, those longer than the seven days a station report
-- looks back, and those stopped before they started.
CREATE INDEX sessions_busy_long ON sessions (station_account_id, started_at) WHERE stopped_at IS NULL OR stopped_at - started_at > 604800000 OR stopped_at < started_at;
INSERT INTO session_days_card (card_account_id, card_id, employee_id, location_kind, currency, day, n, energy_wh, duration_s, cost_minor)
SELECT card_account_id, COALESCE(card_id, 0), COALESCE(employee_id, 0), location_kind, currency, started_at - started_at % 86400000,
    COUNT(*), SUM(energy_wh), SUM(duration_s), SUM(cost_minor)
FROM sessions WHERE card_account_id IS NOT NULL
GROUP BY card_account_id, COALESCE(card_id, 0), COALESCE(employee_id, 0), location_kind, currency, started_at - started_at % 86400000;
INSERT INTO session_days_station (station_account_id, station_id, connector_id, location_kind, currency, day, n, energy_wh, duration_s, cost_minor, busy_ms)
SELECT station_account_id, COALESCE(station_id, 0), connector_id, location_kind, currency, started_at - started_at % 86400000,
    COUNT(*), SUM(energy_wh), SUM(duration_s), SUM(cost_minor), SUM(CASE WHEN stopped_at >= started_at THEN stopped_at - started_at ELSE 0 END)
FROM sessions WHERE station_account_id IS NOT NULL
GROUP BY station_account_id, COALESCE(station_id, 0), connector_id, location_kind, currency, started_at - started_at % 86400000;
{{ROLLUP_TRIGGERS}};
