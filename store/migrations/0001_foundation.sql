-- fleetcharge schema, version 1.
-- Portable SQL for SQLite and PostgreSQL. {{ID}} is the dialect's
-- auto-incrementing 64-bit primary key. Times are BIGINT milliseconds since
-- the Unix epoch (UTC); energy is Wh, durations seconds, money the currency's
-- minor unit, tariff prices millionths of the currency unit.

CREATE TABLE providers (
    id           {{ID}},
    name         TEXT    NOT NULL,
    time_zone    TEXT    NOT NULL DEFAULT 'UTC',
    require_totp BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT  NOT NULL
);

CREATE TABLE organizations (
    id          {{ID}},
    provider_id BIGINT NOT NULL REFERENCES providers(id),
    parent_id   BIGINT REFERENCES organizations(id),
    name        TEXT   NOT NULL,
    country     TEXT   NOT NULL DEFAULT '',
    depth       INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX organizations_provider_parent ON organizations (provider_id, parent_id);

-- The closure of the organization tree: one row for every (ancestor,
-- descendant) pair, including each node with itself at distance 0.
CREATE TABLE org_closure (
    ancestor_id   BIGINT  NOT NULL REFERENCES organizations(id),
    descendant_id BIGINT  NOT NULL REFERENCES organizations(id),
    distance      INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX org_closure_descendant ON org_closure (descendant_id, distance);

CREATE TABLE accounts (
    id              {{ID}},
    provider_id     BIGINT NOT NULL REFERENCES providers(id),
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    name            TEXT   NOT NULL,
    kind            TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX accounts_organization ON accounts (organization_id);
CREATE INDEX accounts_provider ON accounts (provider_id, id);

CREATE TABLE employees (
    id              {{ID}},
    provider_id     BIGINT  NOT NULL REFERENCES providers(id),
    account_id      BIGINT  NOT NULL REFERENCES accounts(id),
    name            TEXT    NOT NULL,
    email           TEXT    NOT NULL DEFAULT '',
    employee_number TEXT    NOT NULL DEFAULT '',
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX employees_account ON employees (account_id);

CREATE TABLE cards (
    id           {{ID}},
    provider_id  BIGINT NOT NULL REFERENCES providers(id),
    account_id   BIGINT NOT NULL REFERENCES accounts(id),
    employee_id  BIGINT REFERENCES employees(id),
    internal_id  TEXT   NOT NULL,
    external_id  TEXT   NOT NULL,
    status       TEXT   NOT NULL,
    last_used_at BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX cards_internal ON cards (provider_id, internal_id);
CREATE UNIQUE INDEX cards_external ON cards (provider_id, external_id);
CREATE INDEX cards_account ON cards (account_id);
CREATE INDEX cards_employee ON cards (employee_id);

CREATE TABLE locations (
    id          {{ID}},
    provider_id BIGINT NOT NULL REFERENCES providers(id),
    account_id  BIGINT NOT NULL REFERENCES accounts(id),
    name        TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    address     TEXT   NOT NULL DEFAULT '',
    city        TEXT   NOT NULL DEFAULT '',
    postal_code TEXT   NOT NULL DEFAULT '',
    country     TEXT   NOT NULL DEFAULT '',
    employee_id BIGINT REFERENCES employees(id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX locations_account ON locations (account_id);
CREATE INDEX locations_employee ON locations (employee_id);

CREATE TABLE charge_groups (
    id                {{ID}},
    provider_id       BIGINT NOT NULL REFERENCES providers(id),
    account_id        BIGINT NOT NULL REFERENCES accounts(id),
    name              TEXT   NOT NULL,
    kind              TEXT   NOT NULL,
    access            TEXT   NOT NULL,
    currency          TEXT   NOT NULL,
    per_kwh_micros    BIGINT NOT NULL DEFAULT 0,
    per_minute_micros BIGINT NOT NULL DEFAULT 0,
    start_fee_micros  BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX charge_groups_account ON charge_groups (account_id);

-- Who a restricted charge group admits: subject_kind is 'account',
-- 'organization' or 'card'.
CREATE TABLE charge_group_access (
    charge_group_id BIGINT NOT NULL REFERENCES charge_groups(id) ON DELETE CASCADE,
    subject_kind    TEXT   NOT NULL,
    subject_id      BIGINT NOT NULL,
    PRIMARY KEY (charge_group_id, subject_kind, subject_id)
);
CREATE INDEX charge_group_access_subject ON charge_group_access (subject_kind, subject_id);

CREATE TABLE stations (
    id                {{ID}},
    provider_id       BIGINT  NOT NULL REFERENCES providers(id),
    account_id        BIGINT  NOT NULL REFERENCES accounts(id),
    location_id       BIGINT  NOT NULL REFERENCES locations(id),
    charge_group_id   BIGINT  NOT NULL REFERENCES charge_groups(id),
    identity          TEXT    NOT NULL,
    password_hash     TEXT    NOT NULL DEFAULT '',
    vendor            TEXT    NOT NULL DEFAULT '',
    model             TEXT    NOT NULL DEFAULT '',
    serial_number     TEXT    NOT NULL DEFAULT '',
    firmware          TEXT    NOT NULL DEFAULT '',
    online            BOOLEAN NOT NULL DEFAULT FALSE,
    last_heartbeat_at BIGINT,
    last_boot_at      BIGINT,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
CREATE UNIQUE INDEX stations_identity ON stations (identity);
CREATE INDEX stations_account ON stations (account_id);
CREATE INDEX stations_location ON stations (location_id);
CREATE INDEX stations_charge_group ON stations (charge_group_id);

CREATE TABLE charge_points (
    id           {{ID}},
    station_id   BIGINT  NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    connector_id INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'Unknown',
    error_code   TEXT    NOT NULL DEFAULT '',
    status_at    BIGINT
);
CREATE UNIQUE INDEX charge_points_connector ON charge_points (station_id, connector_id);

-- A session records both owners as they were when it happened: the card
-- side (card_account_id) and the station side (station_account_id).
CREATE TABLE sessions (
    id                 {{ID}},
    provider_id        BIGINT  NOT NULL REFERENCES providers(id),
    source             TEXT    NOT NULL,
    external_ref       TEXT,
    card_id            BIGINT REFERENCES cards(id),
    id_tag             TEXT    NOT NULL DEFAULT '',
    employee_id        BIGINT REFERENCES employees(id),
    card_account_id    BIGINT REFERENCES accounts(id),
    station_id         BIGINT REFERENCES stations(id),
    connector_id       INTEGER NOT NULL DEFAULT 0,
    station_account_id BIGINT REFERENCES accounts(id),
    location_id        BIGINT REFERENCES locations(id),
    location_kind      TEXT    NOT NULL,
    location_name      TEXT    NOT NULL DEFAULT '',
    started_at         BIGINT  NOT NULL,
    stopped_at         BIGINT,
    meter_start_wh     BIGINT  NOT NULL DEFAULT 0,
    meter_stop_wh      BIGINT,
    last_meter_wh      BIGINT,
    last_meter_at      BIGINT,
    energy_wh          BIGINT  NOT NULL DEFAULT 0,
    duration_s         BIGINT  NOT NULL DEFAULT 0,
    stop_reason        TEXT    NOT NULL DEFAULT '',
    cost_minor         BIGINT  NOT NULL DEFAULT 0,
    currency           TEXT    NOT NULL DEFAULT '',
    start_key          TEXT,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
CREATE UNIQUE INDEX sessions_external_ref ON sessions (provider_id, external_ref);
CREATE UNIQUE INDEX sessions_start_key ON sessions (station_id, start_key);
CREATE INDEX sessions_card_side ON sessions (card_account_id, started_at);
CREATE INDEX sessions_station_side ON sessions (station_account_id, started_at);
CREATE INDEX sessions_card ON sessions (card_id, started_at);
CREATE INDEX sessions_station ON sessions (station_id, connector_id, started_at);
CREATE INDEX sessions_provider_started ON sessions (provider_id, started_at);

CREATE TABLE users (
    id                   {{ID}},
    provider_id          BIGINT  NOT NULL REFERENCES providers(id),
    email                TEXT    NOT NULL,
    name                 TEXT    NOT NULL DEFAULT '',
    password_hash        TEXT    NOT NULL DEFAULT '',
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret          TEXT    NOT NULL DEFAULT '',
    totp_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step       BIGINT  NOT NULL DEFAULT 0,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    last_sign_in_at      BIGINT,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);
-- One login per e-mail address on the whole platform.
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_provider ON users (provider_id, id);

CREATE TABLE role_assignments (
    id              {{ID}},
    provider_id     BIGINT NOT NULL REFERENCES providers(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    role            TEXT   NOT NULL,
    organization_id BIGINT REFERENCES organizations(id),
    account_id      BIGINT REFERENCES accounts(id),
    created_by      BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX role_assignments_unique ON role_assignments (user_id, role, COALESCE(organization_id, 0), COALESCE(account_id, 0));
CREATE INDEX role_assignments_organization ON role_assignments (organization_id);
CREATE INDEX role_assignments_account ON role_assignments (account_id);

CREATE TABLE api_tokens (
    id           {{ID}},
    user_id      BIGINT NOT NULL REFERENCES users(id),
    name         TEXT   NOT NULL,
    hash         TEXT   NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_events (
    id              {{ID}},
    provider_id     BIGINT NOT NULL REFERENCES providers(id),
    at              BIGINT NOT NULL,
    actor_user_id   BIGINT,
    actor           TEXT   NOT NULL,
    action          TEXT   NOT NULL,
    object_type     TEXT   NOT NULL,
    object_id       BIGINT,
    organization_id BIGINT,
    account_id      BIGINT,
    before_json     TEXT   NOT NULL DEFAULT '',
    after_json      TEXT   NOT NULL DEFAULT '',
    remote_addr     TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_provider ON audit_events (provider_id, id);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id);
