-- fleetcharge schema, version 25: the deliverer's due deliveries in order
-- (issue 21). A round reads the pending deliveries by (next_at, id) and
-- stops at its limit; an index on next_at alone made PostgreSQL sort every
-- pending delivery of a backlog (tens of thousands) at each round.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at, id) WHERE status = 'pending';
