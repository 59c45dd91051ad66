package store

import (
	"context"
	"database/sql"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Load management's allocation history: every limit a session was given
// (session_allocations, schema 0011), one row per session and millisecond.

// maxReasonLen bounds an allocation's reason.
const maxReasonLen = 32

// RecordAllocations keeps the limits load management gave sessions of the
// provider, in one write: a session given a limit twice in one millisecond
// keeps the later one. A session the provider does not have is not found,
// and nothing is kept.
func (s *Store) RecordAllocations(ctx context.Context, providerID fc.ID, allocs []fc.SessionAllocation) error {
	for _, a := range allocs {
		if a.LimitW < 0 || a.Reason == "" || len(a.Reason) > maxReasonLen || a.At.IsZero() {
			return fc.Errorf(fc.EInvalid, "allocation of session %s: a limit of at least 0 W, a time and a reason of at most %d characters", a.SessionID, maxReasonLen)
		}
	}
	return s.writeState(ctx, func(tx *sql.Tx) error {
		for _, a := range allocs {
			res, err := tx.ExecContext(ctx, `INSERT INTO session_allocations (session_id, at, limit_w, reason)
				SELECT id, $1, $2, $3 FROM sessions WHERE id = $4 AND provider_id = $5
				ON CONFLICT (session_id, at) DO UPDATE SET limit_w = excluded.limit_w, reason = excluded.reason`,
				ms(a.At), a.LimitW, a.Reason, int64(a.SessionID), int64(providerID))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if n == 0 {
				return notFound(fc.KindSession, a.SessionID)
			}
		}
		return nil
	})
}

// maxAllocations bounds the history one read returns.
const maxAllocations = 100000

// SessionAllocations returns the limits a session within the scope was
// given, by time. A session out of scope is not found.
func (s *Store) SessionAllocations(ctx context.Context, sc fc.SessionScope, sessionID fc.ID) ([]fc.SessionAllocation, error) {
	q := &query{}
	q.add(`SELECT COUNT(*) FROM sessions s WHERE s.id = `).arg(int64(sessionID)).
		add(" AND s.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ")
	sessionVisible(q, sc)
	out := []fc.SessionAllocation{}
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		var found int
		if err := tx.QueryRowContext(ctx, q.String(), q.args...).Scan(&found); err != nil {
			return err
		}
		if found == 0 {
			return notFound(fc.KindSession, sessionID)
		}
		rows, err := tx.QueryContext(ctx, `SELECT at, limit_w, reason FROM session_allocations WHERE session_id = $1 ORDER BY at LIMIT $2`,
			int64(sessionID), maxAllocations)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a := fc.SessionAllocation{SessionID: sessionID}
			var at int64
			if err := rows.Scan(&at, &a.LimitW, &a.Reason); err != nil {
				return err
			}
			a.At = fromMS(at)
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PruneSessionAllocations drops the allocations made before before, in
// bounded writes, and returns how many it dropped.
func (s *Store) PruneSessionAllocations(ctx context.Context, before time.Time) (int64, error) {
	return deleteInBatches(ctx, s.writeState, `DELETE FROM session_allocations WHERE at < $1 AND session_id IN
		(SELECT DISTINCT session_id FROM session_allocations WHERE at < $2 LIMIT $3)`, ms(before), ms(before), pruneBatch)
}
