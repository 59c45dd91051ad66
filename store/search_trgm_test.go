package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestSearchWithoutTrigramExtension migrates, on PostgreSQL, a new database
// as a user that may not create the extension pg_trgm (no CREATE on the
// database): the migration succeeds without the trigram indexes, and the
// search finds the same as with them.
func TestSearchWithoutTrigramExtension(t *testing.T) {
	base := os.Getenv(storetest.EnvPostgres)
	if base == "" {
		t.Skip(storetest.EnvPostgres + " is not set")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	const role = "fct_search_no_extension"
	if _, err := admin.ExecContext(ctx, `DO $$ BEGIN
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '`+role+`') THEN CREATE ROLE `+role+` LOGIN; END IF; END $$`); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("fct_no_trgm_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	owner, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	// The user owns its schema but may not create objects in the database
	// itself, which a trusted extension needs.
	if _, err := owner.ExecContext(ctx, `REVOKE CREATE ON DATABASE `+name+` FROM PUBLIC; CREATE SCHEMA app AUTHORIZATION `+role); err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	q := u.Query()
	q.Set("search_path", "app")
	u.RawQuery = q.Encode()
	s, err := store.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate without pg_trgm: %v", err)
	}
	var extensions, indexes int
	if err := owner.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_trgm'`).Scan(&extensions); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = 'app' AND indexname LIKE '%\_trgm'`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if extensions != 0 || indexes != 0 {
		t.Fatalf("pg_trgm installed %d times, %d trigram indexes: the test's user could create the extension", extensions, indexes)
	}

	p := mustProvider(t, s, "No trigrams")
	a := mustAccount(t, s, p.ID, mustOrg(t, s, p.ID, 0, "Holding").ID, "Fleet")
	ada := mustEmployee(t, s, a, "Ada Lövelace")
	card := mustCard(t, s, a, ada.ID, "04AB12CD")
	other := mustCard(t, s, a, 0, "04FF0000")
	for _, c := range []struct {
		text string
		want []fc.ID
	}{
		{"LÖVE", []fc.ID{card.ID}},
		{"b12c", []fc.ID{card.ID}},
		{"04", []fc.ID{card.ID, other.ID}},
		{"lovelace", nil},
	} {
		cs, err := s.Cards(ctx, fc.ProviderScope(p.ID), fc.CardFilter{Search: c.text})
		if err != nil {
			t.Fatal(err)
		}
		if got := idsOf(cs, func(c fc.Card) fc.ID { return c.ID }); !slices.Equal(got, c.want) {
			t.Errorf("cards found by %q = %v, want %v", c.text, got, c.want)
		}
	}
}
