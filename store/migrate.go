package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order. Files are named
// NNNN_name.sql.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at BIGINT  NOT NULL
)`

// Migrate applies the pending migrations, each in its own transaction with
// its record, and returns how many it applied. It refuses a database whose
// schema is newer than this binary knows.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	return s.migrateTo(ctx, SchemaVersion())
}

// migrateTo applies the pending migrations up to version upTo; the schema
// fixtures' test stops at a fixture's version.
func (s *Store) migrateTo(ctx context.Context, upTo int) (int, error) {
	all, err := migrations()
	if err != nil {
		return 0, err
	}
	current, err := s.schemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	if known := SchemaVersion(); current > known {
		return 0, fc.Errorf(fc.EConflict, "the database schema is at version %d, newer than this binary knows (%d): upgrade fleetcharge", current, known)
	}
	applied := 0
	for _, m := range all {
		if m.version <= current || m.version > upTo {
			continue
		}
		text := strings.ReplaceAll(m.sql, "{{ID}}", s.dialect.idType())
		err := s.write(ctx, func(tx *sql.Tx) error {
			// A concurrent migrator may have applied it meanwhile.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil || n > 0 {
				return err
			}
			var stmts []string
			for _, stmt := range splitStatements(text) {
				switch strings.TrimSpace(stmt) {
				case rollupTriggersMarker:
					stmts = append(stmts, rollupTriggers(s.dialect.name())...)
				case authVersionTriggersMarker:
					stmts = append(stmts, authVersionTriggers(s.dialect.name())...)
				case searchIndexMarker:
					stmts = append(stmts, searchIndexes(s.dialect.name())...)
				default:
					stmts = append(stmts, stmt)
				}
			}
			for _, stmt := range stmts {
				if stmt = s.syncID(stmt); stmt == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w\n%s", m.name, err, stmt)
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, m.version, m.name, ms(s.now()))
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migrate: %w", err)
		}
		applied++
	}
	return applied, nil
}

// CheckSchema returns an error unless the database is exactly at the schema
// version this binary knows.
func (s *Store) CheckSchema(ctx context.Context) error {
	v, err := s.schemaVersion(ctx)
	if err != nil {
		return err
	}
	if known := SchemaVersion(); v != known {
		return fc.Errorf(fc.EConflict, "the database schema is at version %d, this binary needs %d: run 'fleetcharge migrate'", v, known)
	}
	return nil
}

// schemaVersion returns the newest applied migration, 0 for an empty database.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	if _, err := s.writer.ExecContext(ctx, createVersionTable); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	var v sql.NullInt64
	if err := s.writer.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// splitStatements splits a migration on semicolons at line ends, dropping
// comment-only pieces. Migrations keep one statement per semicolon.
// syncID turns the statement {{SYNC_ID table}}, which follows the copy of
// rows with their IDs into a rebuilt table, into what makes the table's
// next ID follow the copied ones: PostgreSQL's identity sequence does not
// see IDs given explicitly; SQLite's INTEGER PRIMARY KEY needs nothing
// (""). Any other statement is returned as it is.
func (s *Store) syncID(stmt string) string {
	table, ok := strings.CutPrefix(strings.TrimSpace(stmt), "{{SYNC_ID ")
	if !ok {
		return stmt
	}
	table = strings.TrimSuffix(table, "}}")
	if s.dialect.name() != "postgres" {
		return ""
	}
	return fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), COALESCE((SELECT MAX(id) FROM %[1]s), 0) + 1, false)`, table)
}

func splitStatements(text string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || trimmed == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

// Migration names an embedded migration.
type Migration struct {
	Version int
	Name    string
}

// Pending lists the migrations Migrate would apply, in order, without
// applying any (migrate --dry-run). Like Migrate, it refuses a database
// whose schema is newer than this binary knows.
func (s *Store) Pending(ctx context.Context) ([]Migration, error) {
	all, err := migrations()
	if err != nil {
		return nil, err
	}
	current, err := s.schemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if known := SchemaVersion(); current > known {
		return nil, fc.Errorf(fc.EConflict, "the database schema is at version %d, newer than this binary knows (%d): upgrade fleetcharge", current, known)
	}
	var out []Migration
	for _, m := range all {
		if m.version > current {
			out = append(out, Migration{Version: m.version, Name: m.name})
		}
	}
	return out, nil
}
