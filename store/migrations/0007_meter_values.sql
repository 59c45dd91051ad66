-- fleetcharge schema, version 7: the charging curve.
-- Every meter value sample a station sent for a session, once per
-- (session, time, measurand, phase, context, location, format): a station
-- that sends a message again adds nothing. An OCPP 1.6 SignedData sample
-- (format 'SignedData', beside the plain sample of the same reading) has
-- value NULL: its value is the signed data itself. signed_data
-- holds the signed reading as received (JSON text: a 1.6 value as a
-- string, a 2.0.1 signedMeterValue as its object).
CREATE TABLE meter_values (
    session_id  BIGINT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    measurand   TEXT   NOT NULL,
    phase       TEXT   NOT NULL DEFAULT '',
    context     TEXT   NOT NULL DEFAULT '',
    location    TEXT   NOT NULL DEFAULT '',
    format      TEXT   NOT NULL DEFAULT '',
    unit        TEXT   NOT NULL DEFAULT '',
    value       DOUBLE PRECISION,
    signed_data TEXT,
    PRIMARY KEY (session_id, at, measurand, phase, context, location, format)
);

-- The retention job drops samples by age.
CREATE INDEX meter_values_at ON meter_values (at);

-- The status history of stations' connectors: every StatusNotification
-- received, once per (station, connector, time, status, error code), with
-- the vendor's error code and text. Connector 0 is the station as a whole.
CREATE TABLE status_history (
    station_id        BIGINT  NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    connector_id      INTEGER NOT NULL,
    at                BIGINT  NOT NULL,
    status            TEXT    NOT NULL,
    error_code        TEXT    NOT NULL DEFAULT '',
    vendor_error_code TEXT    NOT NULL DEFAULT '',
    vendor_id         TEXT    NOT NULL DEFAULT '',
    info              TEXT    NOT NULL DEFAULT '',
    received_at       BIGINT  NOT NULL,
    PRIMARY KEY (station_id, connector_id, at, status, error_code)
);
CREATE INDEX status_history_station_at ON status_history (station_id, at);
