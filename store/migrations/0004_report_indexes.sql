-- fleetcharge schema, version 4: covering indexes for the reports.
-- A report over a period reads the sessions of the accounts in scope that
-- started in the period, and sums their figures. With every figure in the
-- index, both engines answer from the index alone, in (account, time)
-- order, without visiting the table: a month of a holding's sessions out of
-- 10,000,000 went from seconds to a fraction of a second
-- (docs/BENCHMARKS.md). They replace the narrower (account, started_at)
-- indexes, of which they are extensions.
CREATE INDEX sessions_card_report ON sessions (card_account_id, started_at, id, card_id, employee_id, currency, location_kind, energy_wh, duration_s, cost_minor);
CREATE INDEX sessions_station_report ON sessions (station_account_id, started_at, station_id, connector_id, currency, stopped_at, energy_wh, duration_s, cost_minor);
DROP INDEX sessions_card_side;
DROP INDEX sessions_station_side;
