-- fleetcharge schema, version 27: event snapshots (issue 21).

-- What deciding on an event's recipients needs, as the change's transaction
-- left it: the owners of the object and the object itself (store/
-- events_snapshot.go). '' for events written before this version, which are
-- decided on the object as it reads at dispatch; emptied at dispatch.
ALTER TABLE events ADD COLUMN snapshot TEXT NOT NULL DEFAULT '';
