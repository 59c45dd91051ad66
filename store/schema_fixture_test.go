package store_test

import (
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestSchemaFixturesMigrate loads every schema fixture (the demo database
// of a past release, store/testdata/schema/NNNN.sql.gz, made by
// scripts/schema-fixture.sh) into a database at the fixture's schema
// version, migrates it to the newest, and checks that the database passes
// its integrity checks and that every row of every table the fixture had
// is still there with the values it had, on both engines. The store must
// also work on it: it reads the demo provider and creates a new one.
func TestSchemaFixturesMigrate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "schema", "*.sql.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no schema fixtures in testdata/schema")
	}
	for _, file := range files {
		version, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(file), ".sql.gz"))
		if err != nil {
			t.Fatalf("%s: a fixture is named by its schema version: %v", file, err)
		}
		stmts := readFixture(t, file)
		for _, engine := range storetest.Engines() {
			t.Run(fmt.Sprintf("%04d/%s", version, engine), func(t *testing.T) {
				testFixtureMigrates(t, engine, version, stmts)
			})
		}
	}
}

func testFixtureMigrates(t *testing.T, engine string, version int, stmts []string) {
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.URL(t, engine))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MigrateTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	loadFixture(t, s, stmts)
	before, err := s.Verify(ctx)
	if err != nil {
		t.Fatalf("the fixture at schema %d: %v", version, err)
	}
	if before.SchemaVersion != version {
		t.Fatalf("schema version %d, want the fixture's %d", before.SchemaVersion, version)
	}
	contents := map[string]*tableContent{}
	for _, tr := range before.Tables {
		if tr.Table == "schema_migrations" {
			continue
		}
		contents[tr.Table] = readTable(t, s.DB(), tr.Table, nil)
	}

	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate from %d: %v", version, err)
	}
	after, err := s.Verify(ctx)
	if err != nil {
		t.Fatalf("migrated from %d: %v", version, err)
	}
	if after.SchemaVersion != store.SchemaVersion() {
		t.Errorf("migrated to schema %d, want %d", after.SchemaVersion, store.SchemaVersion())
	}
	for table, want := range contents {
		got := readTable(t, s.DB(), table, want.columns)
		if len(got.rows) != len(want.rows) {
			t.Errorf("%s: %d rows after the migration, want %d", table, len(got.rows), len(want.rows))
			continue
		}
		for i := range want.rows {
			if got.rows[i] != want.rows[i] {
				t.Errorf("%s: row %d after the migration\n%s\nwant\n%s", table, i, got.rows[i], want.rows[i])
				break
			}
		}
	}

	ctx = fc.WithActor(ctx, fc.Actor{Label: "test"})
	providers, err := s.Providers(ctx)
	if err != nil || len(providers) != 1 {
		t.Fatalf("providers after the migration: %v, %v; want the demo's", providers, err)
	}
	p := &fc.Provider{Name: "Added after the upgrade", TimeZone: "UTC"}
	if err := s.CreateProvider(ctx, p); err != nil {
		t.Fatalf("a new provider after the migration: %v", err)
	}
	if p.ID <= providers[0].ID {
		t.Errorf("the new provider's ID %s, want above the fixture's %s", p.ID, providers[0].ID)
	}
}

// readFixture returns the statements of a gzipped SQL fixture.
func readFixture(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return splitSQL(string(b))
}

// splitSQL splits SQL text at the semicolons outside string literals,
// dropping comment lines.
func splitSQL(text string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case !quoted && c == '-' && strings.HasPrefix(text[i:], "--"):
			for i < len(text) && text[i] != '\n' {
				i++
			}
			continue
		case c == '\'':
			quoted = !quoted
		case c == ';' && !quoted:
			if stmt := strings.TrimSpace(cur.String()); stmt != "" {
				out = append(out, stmt)
			}
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	if stmt := strings.TrimSpace(cur.String()); stmt != "" {
		out = append(out, stmt)
	}
	return out
}

// loadFixture runs the fixture's statements in one transaction and, on
// PostgreSQL, moves each identity past the IDs the fixture gave, as a
// restore does.
func loadFixture(t *testing.T, s *store.Store, stmts []string) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	tables := map[string]bool{}
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%v\n%.300s", err, stmt)
		}
		if f := strings.Fields(stmt); len(f) > 2 && f[0] == "INSERT" {
			tables[f[2]] = true
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if s.Engine() != "postgres" {
		return
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'`)
	if err != nil {
		t.Fatal(err)
	}
	var identities []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			t.Fatal(err)
		}
		identities = append(identities, table)
	}
	rows.Close()
	for _, table := range identities {
		if !tables[table] {
			continue
		}
		if _, err := s.DB().ExecContext(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT MAX(id) FROM `+table+`))`, table); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
	}
}

// tableContent is a table's columns and its rows, each as one line of
// text, in the order of all columns.
type tableContent struct {
	columns []string
	rows    []string
}

// readTable reads the columns of table (all of them when columns is nil).
func readTable(t *testing.T, db *sql.DB, table string, columns []string) *tableContent {
	t.Helper()
	list := "*"
	if columns != nil {
		list = `"` + strings.Join(columns, `", "`) + `"`
	}
	var order []string
	n := len(columns)
	if columns == nil {
		rows, err := db.Query(`SELECT * FROM "` + table + `" WHERE 1 = 0`)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		columns, err = rows.Columns()
		rows.Close()
		if err != nil {
			t.Fatal(err)
		}
		n = len(columns)
	}
	for i := 1; i <= n; i++ {
		order = append(order, strconv.Itoa(i))
	}
	rows, err := db.Query(`SELECT ` + list + ` FROM "` + table + `" ORDER BY ` + strings.Join(order, ", "))
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	defer rows.Close()
	c := &tableContent{columns: columns}
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var line strings.Builder
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fmt.Fprintf(&line, "%s=%v ", columns[i], v)
		}
		c.rows = append(c.rows, line.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}
