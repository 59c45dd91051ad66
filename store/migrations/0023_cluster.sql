-- fleetcharge schema, version 23: several nodes on one PostgreSQL (issue 23).
-- A node is a serving process of `serve --nats`: it holds its row by
-- renewing a lease (expires_at); a node whose lease ran out is dead, and its
-- stations' registrations are released by any other node. A station's
-- registration names the node holding its WebSocket and the connection's
-- epoch, which grows by one at every connection: a node releases a
-- registration only under the epoch it registered, so a stale connection
-- never undoes a live one. node_id is '' once released (the row stays, so
-- that the epoch keeps growing). A lease of cluster_leases is held by one
-- node at a time for work that must run once (outbox drainers, retention,
-- backups, station jobs). A single node on SQLite leaves these tables empty.
CREATE TABLE cluster_nodes (
    id          TEXT   PRIMARY KEY,
    addr        TEXT   NOT NULL DEFAULT '',
    started_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE TABLE station_registrations (
    station_id   BIGINT PRIMARY KEY REFERENCES stations(id) ON DELETE CASCADE,
    node_id      TEXT   NOT NULL,
    epoch        BIGINT NOT NULL,
    connected_at BIGINT NOT NULL
);
CREATE INDEX station_registrations_node ON station_registrations (node_id);
CREATE TABLE cluster_leases (
    name        TEXT   PRIMARY KEY,
    node_id     TEXT   NOT NULL,
    expires_at  BIGINT NOT NULL
);
