-- fleetcharge schema, version 11: load management (issue 20).
-- A location's grid connection: max_power_w is the most its charging
-- sessions may draw together, in watts (NULL: no limit); phases (1 or 3)
-- and voltage (per phase) turn the minimum current a car accepts, 6 A per
-- phase, and profiles in amperes into watts.
ALTER TABLE locations ADD COLUMN max_power_w BIGINT CHECK (max_power_w > 0);
ALTER TABLE locations ADD COLUMN phases INTEGER NOT NULL DEFAULT 3 CHECK (phases IN (1, 3));
ALTER TABLE locations ADD COLUMN voltage INTEGER NOT NULL DEFAULT 230 CHECK (voltage BETWEEN 100 AND 480);

-- The allocation history of a session: every limit it was given (limit_w,
-- watts) at a time (unix milliseconds), and why (the allocator's reason:
-- share, waiting, offline, offline_freed, rejected). One row per session
-- and millisecond: a later allocation in the same millisecond replaces it.
CREATE TABLE session_allocations (
    session_id BIGINT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    limit_w    BIGINT NOT NULL,
    reason     TEXT   NOT NULL,
    PRIMARY KEY (session_id, at)
);
-- For a retention job that drops the history by age.
CREATE INDEX session_allocations_at ON session_allocations (at);
