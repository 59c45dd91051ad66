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
