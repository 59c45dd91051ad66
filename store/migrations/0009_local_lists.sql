-- fleetcharge schema, version 9: stations' local authorization lists.
-- Whether the stations of a provider's public charge groups get a local
-- list holding every active card of the provider (by default they get an
-- empty one: a public station admits every card online).
ALTER TABLE providers ADD COLUMN local_list_public BOOLEAN NOT NULL DEFAULT FALSE;

-- The contents of local lists that some station acknowledged, kept once
-- per provider and content: the stations of one charge group hold the
-- same list, so a thousand stations in sync share one row here. hash is
-- the SHA-256 of the entries in their canonical form (store/locallists.go).
CREATE TABLE local_list_snapshots (
    id          {{ID}},
    provider_id BIGINT  NOT NULL REFERENCES providers(id),
    hash        TEXT    NOT NULL,
    entries     INTEGER NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX local_list_snapshots_hash ON local_list_snapshots (provider_id, hash);

-- The entries of a snapshot: an ID tag with its status, expiry (NULL:
-- none) and parent ID tag.
CREATE TABLE local_list_snapshot_entries (
    snapshot_id   BIGINT NOT NULL REFERENCES local_list_snapshots(id) ON DELETE CASCADE,
    id_tag        TEXT   NOT NULL,
    status        TEXT   NOT NULL,
    expiry_at     BIGINT,
    parent_id_tag TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (snapshot_id, id_tag)
);

-- Each station's local list as the station last acknowledged it: its
-- version, the snapshot of its content (NULL when unknown: the next sync
-- sends a full list), the sync state ('pending', 'synced', 'failed',
-- 'not_supported') with the last error, and whether the station's
-- authorization cache is to be cleared (a card it may have cached was
-- blocked). A station without a row has never been synced.
CREATE TABLE local_lists (
    station_id   BIGINT  NOT NULL PRIMARY KEY REFERENCES stations(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL DEFAULT 0,
    snapshot_id  BIGINT  REFERENCES local_list_snapshots(id),
    state        TEXT    NOT NULL DEFAULT 'pending',
    error        TEXT    NOT NULL DEFAULT '',
    clear_cache  BOOLEAN NOT NULL DEFAULT FALSE,
    synced_at    BIGINT,
    attempted_at BIGINT,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX local_lists_snapshot ON local_lists (snapshot_id);
