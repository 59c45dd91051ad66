-- fleetcharge schema, version 19: single sign-on (issue 24).
-- An identity provider (OpenID Connect) is configured on an organization.
-- Its client secret is stored sealed (secret.Box, AES-256-GCM with the
-- server's key), never in clear; its SCIM token as a SHA-256 hash.
CREATE TABLE identity_providers (
    id                 {{ID}},
    provider_id        BIGINT  NOT NULL REFERENCES providers(id),
    organization_id    BIGINT  NOT NULL REFERENCES organizations(id),
    issuer             TEXT    NOT NULL,
    client_id          TEXT    NOT NULL,
    client_secret      TEXT    NOT NULL DEFAULT '',
    password_sign_in   BOOLEAN NOT NULL DEFAULT TRUE,
    scim_token_hash    TEXT,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
CREATE INDEX identity_providers_provider ON identity_providers (provider_id, id);
CREATE UNIQUE INDEX identity_providers_scim_token ON identity_providers (scim_token_hash);

-- The e-mail domains routed to an identity provider: one provider per
-- domain on the whole platform, as e-mail addresses are unique on it.
CREATE TABLE identity_provider_domains (
    domain               TEXT   PRIMARY KEY,
    identity_provider_id BIGINT NOT NULL REFERENCES identity_providers(id) ON DELETE CASCADE
);
CREATE INDEX identity_provider_domains_idp ON identity_provider_domains (identity_provider_id);

-- The mapping from the provider's group claim values to role assignments
-- on organizations of the configuring organization's subtree.
CREATE TABLE identity_provider_group_roles (
    id                   {{ID}},
    identity_provider_id BIGINT NOT NULL REFERENCES identity_providers(id) ON DELETE CASCADE,
    group_name           TEXT   NOT NULL,
    role                 TEXT   NOT NULL,
    organization_id      BIGINT NOT NULL REFERENCES organizations(id)
);
CREATE INDEX identity_provider_group_roles_idp ON identity_provider_group_roles (identity_provider_id, id);

-- A role assignment made by an identity provider's group mapping names it;
-- every sign-in through it replaces exactly these.
ALTER TABLE role_assignments ADD COLUMN identity_provider_id BIGINT REFERENCES identity_providers(id);
CREATE INDEX role_assignments_identity_provider ON role_assignments (identity_provider_id, user_id);

-- Who a user is at an identity provider: its subject (sub), and for users
-- provisioned over SCIM their userName and externalId.
CREATE TABLE sso_identities (
    identity_provider_id BIGINT NOT NULL REFERENCES identity_providers(id) ON DELETE CASCADE,
    user_id              BIGINT NOT NULL REFERENCES users(id),
    subject              TEXT,
    user_name            TEXT   NOT NULL DEFAULT '',
    external_id          TEXT   NOT NULL DEFAULT '',
    created_at           BIGINT NOT NULL,
    PRIMARY KEY (identity_provider_id, user_id)
);
CREATE UNIQUE INDEX sso_identities_subject ON sso_identities (identity_provider_id, subject);
CREATE INDEX sso_identities_user ON sso_identities (user_id);

-- A sign-in on its way through the identity provider, under the SHA-256 of
-- its state: its nonce, PKCE verifier and the hash of the browser cookie it
-- is bound to. It is used once (used_at) and expires within minutes.
CREATE TABLE sso_states (
    state_hash           TEXT   PRIMARY KEY,
    identity_provider_id BIGINT NOT NULL REFERENCES identity_providers(id) ON DELETE CASCADE,
    nonce                TEXT   NOT NULL,
    verifier             TEXT   NOT NULL,
    browser_hash         TEXT   NOT NULL,
    next_path            TEXT   NOT NULL DEFAULT '/',
    created_at           BIGINT NOT NULL,
    expires_at           BIGINT NOT NULL,
    used_at              BIGINT
);
CREATE INDEX sso_states_expires ON sso_states (expires_at);

-- The identity provider session behind a web session: for RP-initiated
-- logout (the sealed ID token as its hint) and back-channel logout (sid,
-- subject).
CREATE TABLE sso_sessions (
    web_session_id       TEXT   PRIMARY KEY REFERENCES web_sessions(id) ON DELETE CASCADE,
    identity_provider_id BIGINT NOT NULL REFERENCES identity_providers(id) ON DELETE CASCADE,
    subject              TEXT   NOT NULL,
    sid                  TEXT   NOT NULL DEFAULT '',
    id_token             TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX sso_sessions_subject ON sso_sessions (identity_provider_id, subject);

-- SCIM groups of an identity provider's directory and their members.
CREATE TABLE scim_groups (
    id                   {{ID}},
    identity_provider_id BIGINT NOT NULL REFERENCES identity_providers(id) ON DELETE CASCADE,
    display_name         TEXT   NOT NULL,
    external_id          TEXT   NOT NULL DEFAULT '',
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE UNIQUE INDEX scim_groups_name ON scim_groups (identity_provider_id, display_name);

CREATE TABLE scim_group_members (
    group_id BIGINT NOT NULL REFERENCES scim_groups(id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX scim_group_members_user ON scim_group_members (user_id);
