-- fleetcharge schema, version 15: home-charging reimbursement (issue 15).
-- Dates (valid_from, valid_to) are calendar days in the provider's time
-- zone, as TEXT 'YYYY-MM-DD', which compares in date order on both engines;
-- periods are months as TEXT 'YYYY-MM'. Rates are millionths of the
-- currency unit per kWh; amounts are the currency's minor unit.

-- The rate per kWh at which an employee's home charging is reimbursed,
-- from valid_from until valid_to (exclusive; NULL: open-ended). The rates
-- of one employee never overlap and share one currency: the writer checks
-- both in the transaction of the change. They go with their employee,
-- who can be deleted only without sessions, so without statements.
CREATE TABLE reimbursement_rates (
    id             {{ID}},
    provider_id    BIGINT NOT NULL REFERENCES providers(id),
    employee_id    BIGINT NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    per_kwh_micros BIGINT NOT NULL,
    currency       TEXT   NOT NULL,
    valid_from     TEXT   NOT NULL,
    valid_to       TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX reimbursement_rates_employee ON reimbursement_rates (employee_id, valid_from);

-- One employee's statement of one month. account_id is the employee's
-- account when the statement was first generated: where it is read and
-- approved. status is 'draft' (recomputed by every generation of its month),
-- 'approved' or 'paid'; an approved or paid statement and its lines never
-- change again. The totals are the sums of its lines. The names it shows
-- (employee, employee number, account, provider) and the provider's time
-- zone its dates are read in are NULL while draft (read as they are now)
-- and copied at approval, so that a later rename changes nothing; an
-- erasure of the employee overwrites them.
CREATE TABLE reimbursement_statements (
    id           {{ID}},
    provider_id  BIGINT  NOT NULL REFERENCES providers(id),
    employee_id  BIGINT  NOT NULL REFERENCES employees(id),
    account_id   BIGINT  NOT NULL REFERENCES accounts(id),
    period       TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'draft',
    currency     TEXT    NOT NULL,
    sessions     INTEGER NOT NULL DEFAULT 0,
    energy_wh    BIGINT  NOT NULL DEFAULT 0,
    amount_minor BIGINT  NOT NULL DEFAULT 0,
    approved_at  BIGINT,
    approved_by  BIGINT REFERENCES users(id),
    paid_at      BIGINT,
    paid_by      BIGINT REFERENCES users(id),
    employee_name   TEXT,
    employee_number TEXT,
    account_name    TEXT,
    provider_name   TEXT,
    time_zone       TEXT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE UNIQUE INDEX reimbursement_statements_employee_period ON reimbursement_statements (employee_id, period);
CREATE INDEX reimbursement_statements_account ON reimbursement_statements (account_id, period);
CREATE INDEX reimbursement_statements_provider_period ON reimbursement_statements (provider_id, period);

-- The reimbursed sessions of a statement, each with the rate it was priced
-- at and its amount (rounded once, half up). A session is on at most one
-- statement. original_period is the month the session started in; it
-- differs from the statement's period on a correction line (a session that
-- arrived after its month's statement was approved). The station and its
-- identity are copied so that a statement reads the same after the station
-- moves or goes.
CREATE TABLE reimbursement_lines (
    id              {{ID}},
    statement_id    BIGINT NOT NULL REFERENCES reimbursement_statements(id) ON DELETE CASCADE,
    session_id      BIGINT NOT NULL REFERENCES sessions(id),
    started_at      BIGINT NOT NULL,
    station_id      BIGINT,
    station_name    TEXT   NOT NULL DEFAULT '',
    energy_wh       BIGINT NOT NULL,
    per_kwh_micros  BIGINT NOT NULL,
    amount_minor    BIGINT NOT NULL,
    original_period TEXT   NOT NULL
);
CREATE UNIQUE INDEX reimbursement_lines_session ON reimbursement_lines (session_id);
CREATE INDEX reimbursement_lines_statement ON reimbursement_lines (statement_id, started_at);
