-- Failed sign-in attempts per limiter key (an account or a remote address)
-- and window (store/signin_limits.go): one row per key and window start,
-- incremented with INSERT … ON CONFLICT DO UPDATE, so that every node on
-- one database counts the same attempts. Rows whose window ended are pruned.
CREATE TABLE signin_limits (
    key          TEXT    NOT NULL,
    window_start BIGINT  NOT NULL,
    failures     INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX signin_limits_window_start ON signin_limits (window_start);
