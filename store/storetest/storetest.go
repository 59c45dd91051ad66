// Package storetest opens fresh, migrated stores for tests: an SQLite file
// per test always, and a PostgreSQL schema per test when the environment
// variable FLEETCHARGE_TEST_POSTGRES holds a postgres:// URL.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/fleetcharge/fleetcharge/store"
)

// EnvPostgres names the variable that enables the PostgreSQL runs.
const EnvPostgres = "FLEETCHARGE_TEST_POSTGRES"

// Engines returns the engines the tests run on: "sqlite", and "postgres"
// when FLEETCHARGE_TEST_POSTGRES is set.
func Engines() []string {
	if os.Getenv(EnvPostgres) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Each runs fn as a subtest on a fresh store of every engine.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, engine := range Engines() {
		t.Run(engine, func(t *testing.T) { fn(t, Open(t, engine)) })
	}
}

// Open returns a fresh, migrated store of the engine, removed when the test
// ends.
func Open(t testing.TB, engine string) *store.Store {
	t.Helper()
	u := URL(t, engine)
	ctx := context.Background()
	s, err := store.Open(ctx, u)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return s
}

// URL returns the URL of a fresh, empty database of the engine, removed when
// the test ends.
func URL(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case "sqlite":
		return "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	case "postgres":
		return freshSchema(t)
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

// freshSchema creates a schema of its own for one test and returns a URL
// whose search_path points at it.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "fct_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// EmptyDatabase returns the URL of a new, empty database of the engine,
// removed when the test ends: a file, or on PostgreSQL a database of its own
// (a restore keeps the schema name of its backup, which exists already in
// the test database).
func EmptyDatabase(t *testing.T, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return "sqlite://" + filepath.Join(t.TempDir(), "restored.db")
	}
	base := os.Getenv(EnvPostgres)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("fct_restore_%d", time.Now().UnixNano())
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
