-- fleetcharge schema, version 18: events and webhooks (issue 21).

-- The outbox of events: each written in the transaction of the change it
-- describes. due_at is when it may leave (a station offline waits out a
-- grace period, and is deleted when the station comes back in it);
-- dispatched_at is set once it became deliveries and notifications.
CREATE TABLE events (
    id            {{ID}},
    provider_id   BIGINT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    type          TEXT   NOT NULL,
    object_kind   TEXT   NOT NULL,
    object_id     BIGINT NOT NULL,
    detail        TEXT   NOT NULL DEFAULT '',
    at            BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,
    dispatched_at BIGINT
);
CREATE INDEX events_waiting ON events (due_at, id) WHERE dispatched_at IS NULL;
CREATE INDEX events_object ON events (object_kind, object_id, id);

-- Webhooks act as the user who created them. secret is whsec_ and the
-- base64 of the signing key (needed to sign, so kept as is). events is
-- the comma-separated event types, or *.
CREATE TABLE webhooks (
    id              {{ID}},
    provider_id     BIGINT  NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    user_id         BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL,
    organization_id BIGINT  REFERENCES organizations(id) ON DELETE CASCADE,
    account_id      BIGINT  REFERENCES accounts(id) ON DELETE CASCADE,
    description     TEXT    NOT NULL DEFAULT '',
    secret          TEXT    NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT    NOT NULL DEFAULT '',
    failing_since   BIGINT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX webhooks_user ON webhooks (provider_id, user_id, id);

-- One event for one webhook: the payload as signed, and the last attempt.
-- The deliveries of one (webhook, object_key) go out in id order.
CREATE TABLE webhook_deliveries (
    id               {{ID}},
    webhook_id       BIGINT  NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id         BIGINT  NOT NULL,
    event_type       TEXT    NOT NULL,
    object_key       TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_at          BIGINT  NOT NULL,
    last_attempt_at  BIGINT,
    response_status  INTEGER NOT NULL DEFAULT 0,
    latency_ms       BIGINT  NOT NULL DEFAULT 0,
    response_excerpt TEXT    NOT NULL DEFAULT '',
    error            TEXT    NOT NULL DEFAULT '',
    created_at       BIGINT  NOT NULL,
    delivered_at     BIGINT,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_object ON webhook_deliveries (webhook_id, object_key, id) WHERE status = 'pending';

-- Every attempt of a delivery: status, latency and an excerpt of the answer.
CREATE TABLE webhook_attempts (
    id               {{ID}},
    delivery_id      BIGINT  NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    at               BIGINT  NOT NULL,
    response_status  INTEGER NOT NULL DEFAULT 0,
    latency_ms       BIGINT  NOT NULL DEFAULT 0,
    response_excerpt TEXT    NOT NULL DEFAULT '',
    error            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- Whether a provider's webhooks may reach private addresses (on-premises
-- receivers, tests).
CREATE TABLE webhook_settings (
    provider_id   BIGINT  PRIMARY KEY REFERENCES providers(id) ON DELETE CASCADE,
    allow_private BOOLEAN NOT NULL DEFAULT FALSE
);

-- E-mail alerts: a user's subscription to one event type, mailed at once
-- or in a daily digest. token names it in the unsubscribe link.
CREATE TABLE event_subscriptions (
    id          {{ID}},
    provider_id BIGINT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    event_type  TEXT   NOT NULL,
    mode        TEXT   NOT NULL CHECK (mode IN ('immediate', 'digest')),
    token       TEXT   NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    UNIQUE (user_id, event_type)
);
CREATE INDEX event_subscriptions_type ON event_subscriptions (provider_id, event_type);

-- Events waiting to be mailed to a subscriber, with the line the mail
-- gives them.
CREATE TABLE event_notifications (
    id              {{ID}},
    subscription_id BIGINT NOT NULL REFERENCES event_subscriptions(id) ON DELETE CASCADE,
    event_id        BIGINT NOT NULL,
    summary         TEXT   NOT NULL,
    at              BIGINT NOT NULL,
    sent_at         BIGINT,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX event_notifications_unsent ON event_notifications (at) WHERE sent_at IS NULL;
