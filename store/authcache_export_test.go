package store

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
)

// CardAuthFromDB is CardAuth read from the database, the cache neither read
// nor filled.
func (s *Store) CardAuthFromDB(ctx context.Context, stationID fc.ID, idTag string) (fc.CardAuth, error) {
	return s.cardAuthFromDB(ctx, stationID, idTag)
}

// AuthCacheCounts returns how many CardAuth calls the cache answered and
// how many the database did.
func (s *Store) AuthCacheCounts() (hits, misses uint64) {
	return s.auth.hits.Load(), s.auth.misses.Load()
}

// AuthCacheOn tells whether CardAuth uses the cache on the engine.
func AuthCacheOn(engine string) bool { return authCacheOn(engine) }
