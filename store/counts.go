package store

import (
	"context"
	"database/sql"

	fc "github.com/fleetcharge/fleetcharge"
)

// Counts of what a scope reaches, for GET /api/v1/me/access. Each is one
// COUNT in SQL under the same predicate as the matching list, so a count
// never tells more than the list would.

// CountOrganizations counts the organizations within the scope.
func (s *Store) CountOrganizations(ctx context.Context, sc fc.Scope) (int64, error) {
	q := &query{}
	q.add(`SELECT COUNT(*) FROM organizations o WHERE o.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").orgReach("o.id", sc.Reach)
	return s.count(ctx, q)
}

// CountAccounts counts the accounts within the scope.
func (s *Store) CountAccounts(ctx context.Context, sc fc.Scope) (int64, error) {
	q := &query{}
	q.add(`SELECT COUNT(*) FROM accounts a WHERE a.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").reach("a.id", sc.Reach)
	return s.count(ctx, q)
}

// CountCards counts the cards within the scope.
func (s *Store) CountCards(ctx context.Context, sc fc.Scope) (int64, error) {
	q := &query{}
	q.add(`SELECT COUNT(*) FROM cards c WHERE c.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").reachOf("c.account_id", "c.employee_id", sc.Reach)
	return s.count(ctx, q)
}

// CountStations counts the stations visible in the station scope, the home
// stations of employees in sc.HomesOf included.
func (s *Store) CountStations(ctx context.Context, sc fc.StationScope) (int64, error) {
	inner := stationQuery(sc)
	q := &query{args: inner.args}
	q.add(`SELECT COUNT(*) FROM (` + inner.String() + `) visible`)
	return s.count(ctx, q)
}

func (s *Store) count(ctx context.Context, q *query) (int64, error) {
	var n int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, q.String(), q.args...).Scan(&n)
	})
	return n, err
}
