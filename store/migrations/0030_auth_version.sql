-- The version of everything a card authorization reads (store/authcache.go):
-- one row whose v changes in the transaction of every write that can change
-- a decision on a card at a station: cards, accounts, organizations and
-- their closure, providers (their time zone), charge groups and their
-- access lists, stations, OCPI partners and their tokens. Triggers bump
-- it whichever code path writes (API, web, bulk loads, imports, SCIM,
-- OCPI, migrations of assets), so that a cached decision read at version v
-- holds exactly while v is the stored one, on every node sharing the
-- database. PostgreSQL bumps it once per transaction.
CREATE TABLE auth_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  BIGINT  NOT NULL
);
INSERT INTO auth_version (id, v) VALUES (1, 1);
{{AUTH_VERSION_TRIGGERS}};
