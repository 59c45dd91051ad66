package store

import "context"

// MigrateTo applies the pending migrations up to version upTo, for the
// schema fixtures' test.
func (s *Store) MigrateTo(ctx context.Context, upTo int) (int, error) {
	return s.migrateTo(ctx, upTo)
}
