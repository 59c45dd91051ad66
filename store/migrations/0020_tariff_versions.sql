-- fleetcharge schema, version 20: tariff versions (issue 16).
-- A charge group's tariff has versions, each pricing the sessions that
-- start from its valid_from (ms since the epoch, UTC) until the next
-- one's. Prices are millionths of the currency unit, as in charge_groups;
-- bands holds the time-of-day energy prices as JSON
-- ([{"from_minute":1320,"to_minute":360,"per_kwh_micros":200000}]), read
-- on the provider's clock. min/max_price_micros of 0 is no bound. The
-- tariff columns of charge_groups stay, holding the version in effect when
-- the group was last written, for readers that predate versions.
CREATE TABLE tariff_versions (
    id                         {{ID}},
    provider_id                BIGINT  NOT NULL REFERENCES providers(id),
    charge_group_id            BIGINT  NOT NULL REFERENCES charge_groups(id) ON DELETE CASCADE,
    valid_from                 BIGINT  NOT NULL,
    currency                   TEXT    NOT NULL,
    per_kwh_micros             BIGINT  NOT NULL DEFAULT 0,
    per_minute_micros          BIGINT  NOT NULL DEFAULT 0,
    start_fee_micros           BIGINT  NOT NULL DEFAULT 0,
    bands                      TEXT    NOT NULL DEFAULT '[]',
    idle_fee_per_minute_micros BIGINT  NOT NULL DEFAULT 0,
    idle_grace_minutes         INTEGER NOT NULL DEFAULT 0,
    min_price_micros           BIGINT  NOT NULL DEFAULT 0,
    max_price_micros           BIGINT  NOT NULL DEFAULT 0,
    created_at                 BIGINT  NOT NULL,
    UNIQUE (charge_group_id, valid_from)
);

-- Every group's tariff so far is its first version, valid from always.
INSERT INTO tariff_versions (provider_id, charge_group_id, valid_from, currency, per_kwh_micros, per_minute_micros,
    start_fee_micros, created_at)
SELECT provider_id, id, 0, currency, per_kwh_micros, per_minute_micros, start_fee_micros, created_at FROM charge_groups;

-- The version a session was priced with; NULL for sessions priced before
-- versions, imported with a price, or not priced yet.
ALTER TABLE sessions ADD COLUMN tariff_version_id BIGINT REFERENCES tariff_versions(id) ON DELETE SET NULL;
