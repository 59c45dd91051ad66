package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Failed sign-in attempts are counted here rather than in each process, so
// that every node on one database refuses at the same count: an attacker
// spreading attempts over N nodes gets no more of them than on one. A key
// (an account or a remote address, see auth/limit.go) has one row per
// window it failed in; the limiter sums the windows that are recent.

// CountSignInFailures adds one failure to each key in the window that starts
// at start, in one statement.
func (s *Store) CountSignInFailures(ctx context.Context, start time.Time, keys ...string) error {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	// A key twice in one statement would be updated twice, which
	// PostgreSQL refuses; sorted keys also lock rows in one order.
	keys = slices.Compact(keys)
	if len(keys) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO signin_limits (key, window_start, failures) VALUES `)
	args := make([]any, 0, 2*len(keys))
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("($" + strconv.Itoa(2*i+1) + ", $" + strconv.Itoa(2*i+2) + ", 1)")
		args = append(args, k, ms(start))
	}
	b.WriteString(` ON CONFLICT (key, window_start) DO UPDATE SET failures = signin_limits.failures + 1`)
	_, err := s.execState(ctx, b.String(), args...)
	return err
}

// SignInFailures returns the failures of each key in the windows that
// started after since, in one statement; a key without any is absent.
func (s *Store) SignInFailures(ctx context.Context, since time.Time, keys ...string) (map[string]int, error) {
	out := make(map[string]int, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	q := &query{}
	q.add(`SELECT key, SUM(failures) FROM signin_limits WHERE window_start > `).arg(ms(since)).add(` AND key IN (`)
	for i, k := range keys {
		if i > 0 {
			q.add(", ")
		}
		q.arg(k)
	}
	q.add(`) GROUP BY key`)
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			out[k] = n
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ResetSignInFailures forgets the failures of key.
func (s *Store) ResetSignInFailures(ctx context.Context, key string) error {
	_, err := s.execState(ctx, `DELETE FROM signin_limits WHERE key = $1`, key)
	return err
}

// PruneSignInLimits drops the windows that started before before, in
// bounded writes, and returns how many it dropped.
func (s *Store) PruneSignInLimits(ctx context.Context, before time.Time) (int64, error) {
	return deleteInBatches(ctx, s.writeState, `DELETE FROM signin_limits WHERE (key, window_start) IN
		(SELECT key, window_start FROM signin_limits WHERE window_start < $1 LIMIT $2)`, ms(before), pruneBatch)
}
