package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect isolates the few differences between SQLite and PostgreSQL; all
// queries are otherwise the same text, with $N placeholders, which both
// engines read.
type dialect interface {
	name() string
	open(dsn string) (writer, reader *sql.DB, err error)
	idType() string
	writeIsolation() sql.IsolationLevel
	retryable(err error) bool
	uniqueViolation(err error) bool
	foreignKeyViolation(err error) bool
	// unavailable reports whether err says that the database cannot take
	// the request now (full, read-only, failing storage, unreachable),
	// rather than that the request or the code is wrong.
	unavailable(err error) bool
	// room returns an fc.EUnavailable error when the database, read within
	// tx, has no space left for new data.
	room(ctx context.Context, tx *sql.Tx) error
	// byCodePoint returns the text expression expr collated by code point,
	// so that ORDER BY sorts names alike on both engines whatever the
	// database's collation.
	byCodePoint(expr string) string
}

// parseURL picks the engine: postgres:// and postgresql:// URLs select
// PostgreSQL; sqlite:///path, sqlite://relative or a bare path select SQLite.
func parseURL(raw string) (dialect, string, error) {
	switch {
	case raw == "":
		return sqliteDialect{}, "fleetcharge.db", nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return postgresDialect{}, raw, nil
	case strings.HasPrefix(raw, "sqlite://"):
		p := strings.TrimPrefix(raw, "sqlite://")
		if p == "" {
			return nil, "", fmt.Errorf("database URL %q names no file", raw)
		}
		return sqliteDialect{}, p, nil
	case strings.Contains(raw, "://"):
		return nil, "", fmt.Errorf("database URL %q: unknown engine (use sqlite:///path/file.db or postgres://...)", raw)
	}
	return sqliteDialect{}, raw, nil
}

// redact removes a password from a database URL for logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) open(path string) (*sql.DB, *sql.DB, error) {
	// WAL lets readers run beside the writer; synchronous=FULL makes a
	// commit durable before it returns, which the OCPP endpoint relies on.
	// secure_delete overwrites deleted content, for erasures (docs/PRIVACY.md).
	pragmas := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)"
	// Both pools cache their prepared statements (stmtcache.go). The
	// writer keeps statement journals in memory (temp_store): a multi-row
	// INSERT into indexed tables journals every index page it touches,
	// which otherwise goes through a temporary file (docs/INVOICING.md).
	writer := openCached("file:" + path + "?" + pragmas + "&_pragma=temp_store(2)&_txlock=immediate")
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	reader := openCached("file:" + path + "?" + pragmas + "&_pragma=query_only(1)")
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	reader.SetConnMaxLifetime(0)
	return writer, reader, nil
}

func (sqliteDialect) idType() string { return "INTEGER PRIMARY KEY" }

// SQLite transactions are serializable; the write lock is taken at BEGIN.
func (sqliteDialect) writeIsolation() sql.IsolationLevel { return sql.LevelDefault }

func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return -1
}

func (sqliteDialect) retryable(err error) bool {
	c := sqliteCode(err)
	return c&0xff == sqlite3.SQLITE_BUSY || c&0xff == sqlite3.SQLITE_LOCKED
}

func (sqliteDialect) uniqueViolation(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func (sqliteDialect) byCodePoint(expr string) string { return expr }

// unavailable: the database or its disk is full, the file or its
// file system is read-only, the storage fails, or the file cannot be
// opened; by primary result code, so that every extended code counts.
func (sqliteDialect) unavailable(err error) bool {
	switch sqliteCode(err) & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
		return true
	}
	return false
}

// minRoom is the pages a database needs free, or within its page limit, to
// be ready: one write may split pages of several tables and their indexes.
const minRoom = 64

// room: a database near its page limit (max_page_count, a quota) with few
// free pages can take an update in place but not a new row. (A full disk
// fails the readiness write itself.)
func (sqliteDialect) room(ctx context.Context, tx *sql.Tx) error {
	var pages, free, most int64
	err := tx.QueryRowContext(ctx, `SELECT p.page_count, f.freelist_count, m.max_page_count
		FROM pragma_page_count() p, pragma_freelist_count() f, pragma_max_page_count() m`).Scan(&pages, &free, &most)
	if err != nil {
		return err
	}
	if most-pages+free < minRoom {
		return errUnavailable(fmt.Errorf("no room: %d pages of at most %d, %d free", pages, most, free))
	}
	return nil
}

func (sqliteDialect) foreignKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

// open connects with JIT compilation off unless the DSN sets jit: the
// reports' aggregations cost enough for the planner to compile them, which
// takes longer than running them (docs/BENCHMARKS.md: a month of the largest
// organization's charge cards in 0.88 s with JIT, 0.25 s without).
func (postgresDialect) open(dsn string) (*sql.DB, *sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	return db, db, nil
}

func (postgresDialect) idType() string {
	return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
}

func (postgresDialect) writeIsolation() sql.IsolationLevel { return sql.LevelSerializable }

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// retryable: serialization_failure and deadlock_detected.
func (postgresDialect) retryable(err error) bool {
	c := pgCode(err)
	return c == "40001" || c == "40P01"
}

func (postgresDialect) uniqueViolation(err error) bool { return pgCode(err) == "23505" }

func (postgresDialect) foreignKeyViolation(err error) bool { return pgCode(err) == "23503" }

func (postgresDialect) byCodePoint(expr string) string { return expr + ` COLLATE "C"` }

// unavailable: the server cannot be reached or the connection was lost
// (a connect error, a network error or a connection cut mid-message; class
// 08, connection exception; 57P01-57P03, the server shutting down or
// starting), it lacks resources (class 53: disk full, out of memory, too
// many connections), or it is read-only (25006, a standby).
func (postgresDialect) unavailable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	switch c := pgCode(err); {
	case strings.HasPrefix(c, "08"), strings.HasPrefix(c, "53"):
		return true
	case c == "57P01", c == "57P02", c == "57P03", c == "25006":
		return true
	}
	return false
}

// room: PostgreSQL reports a full disk on the write itself (53100).
func (postgresDialect) room(context.Context, *sql.Tx) error { return nil }
