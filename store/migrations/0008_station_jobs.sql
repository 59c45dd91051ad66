-- fleetcharge schema, version 8: station jobs, one command over many
-- stations (issue 19).
-- A job keeps the command as given (args, the body of the station command
-- route) and as the runner sends it (call_json); request_id is the
-- requestId of update-firmware and get-diagnostics on OCPP 2.0.1, one per
-- job. Times are unix milliseconds.
CREATE TABLE station_jobs (
    id          {{ID}},
    provider_id BIGINT  NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    created_by  BIGINT  REFERENCES users(id),
    command     TEXT    NOT NULL,
    args        TEXT    NOT NULL DEFAULT '{}',
    call_json   TEXT    NOT NULL,
    request_id  INTEGER NOT NULL DEFAULT 0,
    status      TEXT    NOT NULL,
    deadline    BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    finished_at BIGINT
);
-- A user's jobs, and the running ones the runner walks.
CREATE INDEX station_jobs_creator ON station_jobs (provider_id, created_by, id);
CREATE INDEX station_jobs_status ON station_jobs (status, id);

-- One result per station of a job: its status (pending, sent, accepted,
-- rejected, offline, failed), the latest firmware or diagnostics status it
-- reported (progress), its answer (reply, JSON text, bounded) or the error,
-- and whether nothing more happens to it (final).
CREATE TABLE station_job_results (
    job_id     BIGINT  NOT NULL REFERENCES station_jobs(id) ON DELETE CASCADE,
    station_id BIGINT  NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    status     TEXT    NOT NULL,
    progress   TEXT    NOT NULL DEFAULT '',
    reply      TEXT,
    error      TEXT    NOT NULL DEFAULT '',
    final      BOOLEAN NOT NULL DEFAULT FALSE,
    attempts   INTEGER NOT NULL DEFAULT 0,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (job_id, station_id)
);
-- The runner's claims and the progress counts, by job and status; a
-- station's results, for its reconnection and its status notifications.
CREATE INDEX station_job_results_status ON station_job_results (job_id, status, station_id);
CREATE INDEX station_job_results_station ON station_job_results (station_id, status);
