-- fleetcharge schema, version 5: OCPP 2.0.1 beside 1.6.
-- The version each station spoke on its last connection ('' before its
-- first: '1.6' or '2.0.1').
ALTER TABLE stations ADD COLUMN ocpp_version TEXT NOT NULL DEFAULT '';

-- An OCPP 2.0.1 transaction is named by its station (a string); the session
-- keeps that name, unique per station, beside its own numeric ID. seq_gaps
-- counts the event numbers (seqNo) the station used but never delivered.
ALTER TABLE sessions ADD COLUMN station_tx_id TEXT;
ALTER TABLE sessions ADD COLUMN seq_gaps INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX sessions_station_tx ON sessions (station_id, station_tx_id);

-- Every transaction event received, once per (session, seqNo): a repeat is
-- recognised here and changes nothing.
CREATE TABLE transaction_events (
    session_id     BIGINT  NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq_no         BIGINT  NOT NULL,
    event_type     TEXT    NOT NULL,
    trigger_reason TEXT    NOT NULL,
    offline        BOOLEAN NOT NULL DEFAULT FALSE,
    at             BIGINT  NOT NULL,
    received_at    BIGINT  NOT NULL,
    PRIMARY KEY (session_id, seq_no)
);

-- The device model of OCPP 2.0.1 stations, as their NotifyReport gave it:
-- one row per attribute of a variable of a component.
CREATE TABLE device_variables (
    station_id         BIGINT  NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    component          TEXT    NOT NULL,
    component_instance TEXT    NOT NULL DEFAULT '',
    evse_id            INTEGER NOT NULL DEFAULT 0,
    connector_id       INTEGER NOT NULL DEFAULT 0,
    variable           TEXT    NOT NULL,
    variable_instance  TEXT    NOT NULL DEFAULT '',
    attribute_type     TEXT    NOT NULL,
    value              TEXT,
    mutability         TEXT    NOT NULL DEFAULT '',
    data_type          TEXT    NOT NULL DEFAULT '',
    unit               TEXT    NOT NULL DEFAULT '',
    updated_at         BIGINT  NOT NULL,
    PRIMARY KEY (station_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type)
);

-- Security events stations reported (SecurityEventNotification).
CREATE TABLE security_events (
    id          {{ID}},
    station_id  BIGINT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    type        TEXT   NOT NULL,
    tech_info   TEXT   NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX security_events_station ON security_events (station_id, at);
