// Package store keeps fleetcharge's data in SQLite (embedded, the default) or
// PostgreSQL, through one SQL code path. Every public method is one
// transaction made of lowercase helpers that take the transaction; every read
// is scoped by provider and by the caller's reach, in SQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Store implements fleetcharge.Store on a SQL database.
type Store struct {
	dialect dialect
	// writer takes every write transaction. On SQLite it holds a single
	// connection, so that writers queue in Go instead of failing busy.
	writer *sql.DB
	// reader serves reads; on PostgreSQL it is the same pool as writer.
	reader *sql.DB
	// group commits concurrent SQLite writes together; nil on PostgreSQL.
	group *committer
	// ocpiPartners counts the changes of OCPI partners (OCPIPartnersChanged).
	ocpiPartners atomic.Uint64
	// Now is the clock; tests replace it.
	Now func() time.Time
	// OfflineGrace is how long a station stays away before its
	// station.offline event leaves; 0 is DefaultOfflineGrace.
	OfflineGrace time.Duration
	// StationChanged, when set, hears the ID of a station whose connection
	// or connector status a write of this store changed, once the write
	// committed; it must return at once (the web application's live
	// updates, web.LiveHub). It is set before the store serves.
	StationChanged func(fc.ID)
	// URL is the database URL the store was opened with, password removed.
	URL string
	// rawURL is the URL as given, for the backup tools.
	rawURL string
	// auth caches card authorizations (authcache.go).
	auth authCache
	// closed is set by Close: a call still running then gets
	// fc.EUnavailable, as from any database that went away.
	closed atomic.Bool
}

var _ fc.Store = (*Store)(nil)

// Open connects to the database named by url (see ParseURL) and checks that
// its schema is not newer than this binary knows. It does not migrate; call
// Migrate for that.
func Open(ctx context.Context, url string) (*Store, error) {
	d, dsn, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	s := &Store{dialect: d, Now: time.Now, URL: redact(url), rawURL: url}
	if s.writer, s.reader, err = d.open(dsn); err != nil {
		return nil, fmt.Errorf("open %s: %w", s.URL, err)
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", s.URL, err)
	}
	if d.name() == "sqlite" {
		s.group = newCommitter(s.writer)
	}
	return s, nil
}

// Engine returns "sqlite" or "postgres".
func (s *Store) Engine() string { return s.dialect.name() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reader.PingContext(ctx); err != nil {
		return fc.Errorf(fc.EUnavailable, "the database does not answer")
	}
	return nil
}

// Ready proves that the database takes writes now: it commits a write
// (the newest schema_migrations row rewritten as it is, which a read-only
// database, failing storage or a full write-ahead log refuses at commit)
// and checks that there is room for new rows. It returns an
// fc.EUnavailable error when not.
func (s *Store) Ready(ctx context.Context) error {
	return s.writeState(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE schema_migrations SET name = name
			WHERE version = (SELECT MAX(version) FROM schema_migrations)`); err != nil {
			return err
		}
		return s.dialect.room(ctx, tx)
	})
}

// Close closes the connections.
func (s *Store) Close() error {
	s.closed.Store(true)
	if s.group != nil {
		s.group.close()
	}
	err := s.writer.Close()
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}

// DB returns the write connection pool, for bulk loaders that need it.
func (s *Store) DB() *sql.DB { return s.writer }

// now returns the clock's time truncated to the stored precision.
func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// write runs fn in a write transaction, retrying it when the database
// reports a transient conflict (a PostgreSQL serialization failure or
// deadlock, by SQLSTATE; a busy SQLite). fn must be safe to run again.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writeAt(ctx, s.dialect.writeIsolation(), fn)
}

// writeState runs fn like write, but at READ COMMITTED on PostgreSQL: for
// the hot writes whose correctness rests on row locks and unique keys alone
// (a token's or a web session's last use, moved forward only, and the
// writes of the OCPP endpoint). The "latest known state" updates of a station
// (connection, boot information, heartbeat, connector status, meter
// reading) have WHERE clauses that keep them monotonic; StartTransaction is
// made idempotent by the unique start key (INSERT … ON CONFLICT DO
// NOTHING), StopTransaction by stopping only a running session. At
// SERIALIZABLE, a storm of stations exhausted PostgreSQL's predicate-lock
// memory (SQLSTATE 53200) and raised false conflicts, and every failure is
// a station told to try again.
func (s *Store) writeState(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writeAt(ctx, sql.LevelReadCommitted, fn)
}

func (s *Store) writeAt(ctx context.Context, iso sql.IsolationLevel, fn func(tx *sql.Tx) error) error {
	const attempts = 8
	var err error
	for i := 0; i < attempts; i++ {
		if s.group != nil {
			err = s.group.do(ctx, fn)
		} else {
			err = s.txAt(ctx, iso, fn)
		}
		if err == nil || !s.dialect.retryable(err) {
			return s.mapErr(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(1<<i) * 2 * time.Millisecond):
		}
	}
	return s.mapErr(err)
}

// read runs fn in a read-only transaction, so that it sees one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.mapErr(s.tx(ctx, s.reader, true, fn))
}

// Analyze refreshes the planner's statistics. A bulk load calls for it:
// without statistics SQLite picks an index by its shape alone, and read a
// page of a holding's organizations by sorting every organization of the
// provider (178 ms at 100,000) instead of walking the holding's subtree.
// On SQLite the analysis samples each index (analysis_limit) so that it
// takes well under a second on ten million sessions.
func (s *Store) Analyze(ctx context.Context) error {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return s.mapErr(err)
	}
	defer conn.Close()
	if s.Engine() == "sqlite" {
		if _, err := conn.ExecContext(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
			return s.mapErr(err)
		}
	}
	stmt := `ANALYZE`
	if s.Engine() == "postgres" {
		// VACUUM also marks the freshly loaded pages all-visible, so that
		// the reports' covering indexes answer without visiting the table.
		// Only the bulk-loaded tables, of the schema in use.
		stmt = `VACUUM (ANALYZE) organizations, org_closure, accounts, employees, cards, locations, charge_groups, stations, charge_points, sessions`
	}
	_, err = conn.ExecContext(ctx, stmt)
	return s.mapErr(err)
}

// each runs the one statement q and calls fn on every row. A single
// statement sees one snapshot by itself, so it needs no transaction: on
// PostgreSQL that saves the BEGIN and COMMIT round trips on the hottest
// reads (pages of lists, a user's assignments).
func (s *Store) each(ctx context.Context, q *query, fn func(rows *sql.Rows) error) error {
	if err := counted(ctx, s.reader, q); err != nil {
		return s.mapErr(err)
	}
	rows, err := s.reader.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return s.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return s.mapErr(err)
		}
	}
	return s.mapErr(rows.Err())
}

func (s *Store) tx(ctx context.Context, db *sql.DB, readOnly bool, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: readOnly}
	if !readOnly {
		opts.Isolation = s.dialect.writeIsolation()
	}
	return s.run(ctx, db, opts, fn)
}

// txAt runs fn in a write transaction at the isolation level iso.
func (s *Store) txAt(ctx context.Context, iso sql.IsolationLevel, fn func(tx *sql.Tx) error) error {
	return s.run(ctx, s.writer, &sql.TxOptions{Isolation: iso}, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// errUnavailable is what a caller learns of a database that cannot take
// the request now; the cause stays wrapped, for the log.
func errUnavailable(cause error) error {
	return fmt.Errorf("%w: %w", fc.Errorf(fc.EUnavailable, "the database is unavailable: try again later"), cause)
}

// mapErr turns constraint violations into domain errors, the errors of a
// database that cannot take the request now (by result code or SQLSTATE,
// never by message) into fc.EUnavailable, and leaves domain errors as they
// are.
func (s *Store) mapErr(err error) error {
	if err == nil {
		return nil
	}
	var e *fc.Error
	if errors.As(err, &e) {
		return err
	}
	switch {
	case s.dialect.uniqueViolation(err):
		return fc.Errorf(fc.EConflict, "an object with the same unique key exists already")
	case s.dialect.foreignKeyViolation(err):
		return fc.Errorf(fc.EUnprocessable, "the change refers to an object that does not exist or is still referred to")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case s.dialect.unavailable(err), errors.Is(err, sql.ErrConnDone), s.closed.Load():
		return errUnavailable(err)
	}
	return err
}

// ms converts a time to stored milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// msPtr converts an optional time to a nullable column value.
func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// fromMS converts stored milliseconds to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromNullMS converts a nullable stored time.
func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// nullID turns the zero ID into SQL NULL.
func nullID(id fc.ID) any {
	if id == 0 {
		return nil
	}
	return int64(id)
}

// notFound returns the domain error for a missing or invisible object.
func notFound(kind string, id fc.ID) error {
	return fc.Errorf(fc.ENotFound, "%s %s not found", kind, id)
}

// stationChanged tells StationChanged, if set, that the write of the
// station's state committed.
func (s *Store) stationChanged(id fc.ID) {
	if s.StationChanged != nil {
		s.StationChanged(id)
	}
}

// limit returns the page size to use.
func limit(p fc.Page) int {
	switch {
	case p.Limit <= 0:
		return fc.DefaultPageSize
	case p.Limit > fc.MaxPageSize:
		return fc.MaxPageSize
	}
	return p.Limit
}

// list runs the one statement q and scans every row into a T.
func list[T any](ctx context.Context, s *Store, q *query, scan func(row rowScanner, v *T) error) ([]T, error) {
	var out []T
	err := s.each(ctx, q, func(rows *sql.Rows) error {
		var v T
		if err := scan(rows, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return inOrder(q, out), err
}
