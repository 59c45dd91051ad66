package store

import (
	"context"
	"database/sql"

	fc "github.com/fleetcharge/fleetcharge"
)

// MigrateTo applies the pending migrations up to version upTo, for the
// schema fixtures' test.
func (s *Store) MigrateTo(ctx context.Context, upTo int) (int, error) {
	return s.migrateTo(ctx, upTo)
}

// QueueBuilt queues a push built when sent in a write of its own, for the
// outbox's coalescing test.
func (s *Store) QueueBuilt(ctx context.Context, providerID fc.ID, module, key string) error {
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error { return queueBuilt(ctx, tx, providerID, module, key, now) })
}
