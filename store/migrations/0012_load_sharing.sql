-- fleetcharge schema, version 12: how load management shares a location's
-- limit (issue 20).
-- load_sharing: 'equal' shares the limit equally over the charging
-- sessions; 'priority' serves the sessions of the charge groups with the
-- highest load_priority first.
ALTER TABLE locations ADD COLUMN load_sharing TEXT NOT NULL DEFAULT 'equal' CHECK (load_sharing IN ('equal', 'priority'));
ALTER TABLE charge_groups ADD COLUMN load_priority INTEGER NOT NULL DEFAULT 0 CHECK (load_priority BETWEEN -1000 AND 1000);
-- The most each connector of a station delivers, in watts (NULL: unknown,
-- the location's limit bounds it).
ALTER TABLE stations ADD COLUMN connector_max_power_w BIGINT CHECK (connector_max_power_w > 0);
-- The running sessions of a station, which load management reads at every
-- start, stop and reconnection.
CREATE INDEX sessions_running ON sessions (station_id) WHERE stopped_at IS NULL;
