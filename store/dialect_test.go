package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestPostgresJIT checks that connections run with JIT compilation off, as
// the reports' figures in docs/BENCHMARKS.md were measured, unless the URL
// asks for it.
func TestPostgresJIT(t *testing.T) {
	base := storetest.URL(t, "postgres")
	for _, c := range []struct{ url, want string }{
		{base, "off"},
		{base + "&jit=on", "on"},
	} {
		s, err := store.Open(context.Background(), c.url)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := s.DB().QueryRow("SHOW jit").Scan(&got); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if got != c.want {
			t.Errorf("jit with %s = %s, want %s", c.url, got, c.want)
		}
	}
}

// fillUntilFull creates providers until a write fails, and returns that
// error; the test fails if none does within many writes.
func fillUntilFull(t *testing.T, s *store.Store) error {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < 10000; i++ {
		if err := s.CreateProvider(ctx, &fc.Provider{Name: fmt.Sprintf("filler %d %s", i, strings.Repeat("x", 150))}); err != nil {
			return err
		}
	}
	t.Fatal("the database never filled up")
	return nil
}

// wantUnavailable checks that err is fc.EUnavailable with a message that
// tells the client nothing of the engine.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if !fc.IsCode(err, fc.EUnavailable) {
		t.Fatalf("%s: %v (%s), want unavailable", what, err, fc.ErrorCode(err))
	}
	if msg := fc.ErrorMessage(err); strings.Contains(strings.ToLower(msg), "sql") || strings.Contains(msg, "full") {
		t.Errorf("%s: message %q tells the engine's detail", what, msg)
	}
}

// TestSQLiteFull fills an SQLite database to its page limit: the write
// that finds no room is unavailable (503), not internal, and so is the
// readiness check, until room is made again.
func TestSQLiteFull(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	ctx := context.Background()
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("ready on an empty database: %v", err)
	}
	var pages int
	if err := s.DB().QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The writer is one connection, which keeps the limit.
	if _, err := s.DB().Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+2)); err != nil {
		t.Fatal(err)
	}
	err := fillUntilFull(t, s)
	wantUnavailable(t, "the write that finds the database full", err)
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_FULL {
		t.Errorf("cause %v, want SQLITE_FULL", err)
	}
	wantUnavailable(t, "ready on a full database", s.Ready(ctx))
	if _, err := s.DB().Exec(`PRAGMA max_page_count = 1000000`); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("ready with room again: %v", err)
	}
	if err := s.CreateProvider(ctx, &fc.Provider{Name: "after"}); err != nil {
		t.Errorf("write with room again: %v", err)
	}
}

// TestSQLiteReadOnly makes the write connection read-only: writes and the
// readiness check are unavailable, reads still work.
func TestSQLiteReadOnly(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	ctx := context.Background()
	if _, err := s.DB().Exec(`PRAGMA query_only = 1`); err != nil {
		t.Fatal(err)
	}
	err := s.CreateProvider(ctx, &fc.Provider{Name: "refused"})
	wantUnavailable(t, "a write on a read-only database", err)
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_READONLY {
		t.Errorf("cause %v, want SQLITE_READONLY", err)
	}
	wantUnavailable(t, "ready on a read-only database", s.Ready(ctx))
	if _, err := s.Providers(ctx); err != nil {
		t.Errorf("a read on a read-only database: %v", err)
	}
}

// TestPostgresUnavailable loses the database under a store: its backend
// terminated by the server (57P01), then its pool closed.
func TestPostgresUnavailable(t *testing.T) {
	u := storetest.URL(t, "postgres")
	ctx := context.Background()
	s, err := store.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db := s.DB()
	db.SetMaxOpenConns(1)
	var pid int
	if err := db.QueryRow(`SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	admin, err := store.Open(ctx, os.Getenv(storetest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var gone bool
	if err := admin.DB().QueryRow(`SELECT pg_terminate_backend($1, 5000)`, pid).Scan(&gone); err != nil || !gone {
		t.Fatalf("terminate backend %d: %v", pid, err)
	}
	err = s.CreateProvider(ctx, &fc.Provider{Name: "after the backend was terminated"})
	wantUnavailable(t, "a write on a terminated backend", err)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57P01" {
		t.Errorf("cause %v, want SQLSTATE 57P01", err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("ready once the pool has reconnected: %v", err)
	}

	s.Close()
	wantUnavailable(t, "a write on a closed store", s.CreateProvider(ctx, &fc.Provider{Name: "closed"}))
	wantUnavailable(t, "ready on a closed store", s.Ready(ctx))
}
