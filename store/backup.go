package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// Backups: a SQLite database is copied with VACUUM INTO, which reads one
// snapshot of the database beside the writers (WAL) and writes a compact
// file; a PostgreSQL database is dumped by pg_dump in its custom format,
// which reads one snapshot too (a REPEATABLE READ transaction). A backup
// file is restored only into an empty database of the same engine.

// Backup formats, recognized by the first bytes of a backup file.
const (
	FormatSQLite  = "sqlite"  // a SQLite database file
	FormatPGDump  = "pg_dump" // pg_dump's custom format
	sqliteMagic   = "SQLite format 3\x00"
	pgDumpMagic   = "PGDMP"
	scratchPrefix = "fleetcharge_verify_"
)

// Backup writes a consistent snapshot of the database to the file path,
// which must not exist. The server may run and write meanwhile. The file
// appears complete or not at all: it is written beside path and renamed.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fc.Errorf(fc.EConflict, "backup file %s exists already", path)
	}
	tmp := path + ".partial"
	_ = os.Remove(tmp)
	var err error
	if s.Engine() == "sqlite" {
		err = s.backupSQLite(ctx, tmp)
	} else {
		err = s.backupPostgres(ctx, tmp)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup %s: %w", s.URL, err)
	}
	return os.Rename(tmp, path)
}

func (s *Store) backupSQLite(ctx context.Context, path string) error {
	// The reader pool is query_only, which VACUUM INTO respects; the
	// writer's one connection would hold back the writers. A connection
	// of its own reads the snapshot instead.
	_, file, err := parseURL(s.rawURL)
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `VACUUM INTO `+sqlString(path))
	return err
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (s *Store) backupPostgres(ctx context.Context, path string) error {
	conn, schema, err := pgConn(s.rawURL)
	if err != nil {
		return err
	}
	if err := s.checkPGTool(ctx, "pg_dump"); err != nil {
		return err
	}
	return runPG(ctx, conn, "pg_dump", "--format=custom", "--no-owner", "--no-acl",
		"--schema="+schema, "--file="+path)
}

// checkPGTool refuses a PostgreSQL client tool older than the server:
// pg_dump cannot dump a newer server, and pg_restore may not read its
// archives.
func (s *Store) checkPGTool(ctx context.Context, tool string) error {
	out, err := exec.CommandContext(ctx, tool, "--version").Output()
	if err != nil {
		return fc.Errorf(fc.EUnavailable, "%s is not installed or does not run (%v): install the PostgreSQL client tools (Debian: apt-get install postgresql-client)", tool, err)
	}
	toolMajor, err := pgMajor(string(out))
	if err != nil {
		return err
	}
	var num int
	if err := s.reader.QueryRowContext(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&num); err != nil {
		return s.mapErr(err)
	}
	if serverMajor := num / 10000; toolMajor < serverMajor {
		return fc.Errorf(fc.EUnavailable, "%s is version %d, older than the PostgreSQL server (%d): install the client tools of version %d at least (Debian: postgresql-client-%d)", tool, toolMajor, serverMajor, serverMajor, serverMajor)
	}
	return nil
}

var toolVersion = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// pgMajor reads the major version from a client tool's --version line,
// "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)".
func pgMajor(line string) (int, error) {
	m := toolVersion.FindStringSubmatch(line)
	if m == nil {
		return 0, fmt.Errorf("cannot read a PostgreSQL version from %q", strings.TrimSpace(line))
	}
	return strconv.Atoi(m[1])
}

// pgConn turns a fleetcharge PostgreSQL URL into a libpq one, without the
// search_path parameter (which libpq does not take) and the password
// (which goes to the tools through PGPASSWORD, not their command line),
// and returns the schema the URL works in.
func pgConn(raw string) (pgURL, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return pgURL{}, "", fmt.Errorf("database URL: %w", err)
	}
	q := u.Query()
	schema := "public"
	if sp := q.Get("search_path"); sp != "" {
		schema = strings.TrimSpace(strings.Split(sp, ",")[0])
	}
	q.Del("search_path")
	u.RawQuery = q.Encode()
	var password string
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	return pgURL{u: u, password: password}, schema, nil
}

// pgURL is a libpq URL and the password kept apart from it.
type pgURL struct {
	u        *url.URL
	password string
}

// withDatabase returns the URL of another database on the same server.
func (p pgURL) withDatabase(name string) pgURL {
	u := *p.u
	u.Path = "/" + name
	return pgURL{u: &u, password: p.password}
}

// runPG runs a PostgreSQL client tool against the database of conn and
// returns its error output within the error.
func runPG(ctx context.Context, conn pgURL, tool string, args ...string) error {
	cmd := exec.CommandContext(ctx, tool, append(args, "--dbname="+conn.u.String())...)
	cmd.Env = os.Environ()
	if conn.password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+conn.password)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", tool, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// BackupFormat returns the format of the backup file at path.
func BackupFormat(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, _ := io.ReadFull(f, head)
	switch {
	case n == len(sqliteMagic) && string(head) == sqliteMagic:
		return FormatSQLite, nil
	case n >= len(pgDumpMagic) && string(head[:len(pgDumpMagic)]) == pgDumpMagic:
		return FormatPGDump, nil
	}
	return "", fc.Errorf(fc.EInvalid, "%s is neither a SQLite database nor a pg_dump archive", path)
}

// Restore restores the backup file from into the database named by url,
// which must be empty, of the backup's engine. It does not migrate.
func Restore(ctx context.Context, from, url string) error {
	format, err := BackupFormat(from)
	if err != nil {
		return err
	}
	d, dsn, err := parseURL(url)
	if err != nil {
		return err
	}
	switch {
	case format == FormatSQLite && d.name() == "sqlite":
		err = restoreSQLite(ctx, from, dsn)
	case format == FormatPGDump && d.name() == "postgres":
		err = restorePostgres(ctx, from, url)
	default:
		return fc.Errorf(fc.EInvalid, "a %s backup cannot be restored into a %s database", format, d.name())
	}
	if err != nil {
		return fmt.Errorf("restore %s into %s: %w", from, redact(url), err)
	}
	return nil
}

func restoreSQLite(ctx context.Context, from, path string) error {
	if info, err := os.Stat(path); err == nil {
		if info.Size() > 0 {
			tables, err := sqliteTables(ctx, path)
			if err != nil {
				return err
			}
			if tables > 0 {
				return fc.Errorf(fc.EConflict, "the database %s is not empty (%d tables): restore into a new database", path, tables)
			}
		}
		// An empty file, as a new database is; VACUUM INTO wants none.
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// Copied through SQLite rather than as bytes, so that a damaged
	// backup fails here rather than later.
	src, err := sql.Open("sqlite", "file:"+from+"?mode=ro")
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = src.ExecContext(ctx, `VACUUM INTO `+sqlString(path))
	return err
}

func sqliteTables(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n)
	return n, err
}

// restorePostgres restores a pg_dump archive of schema S into the schema T
// of the URL's database: as it is when S is T, else restored as S and
// renamed to T, which needs S to be absent from the database.
func restorePostgres(ctx context.Context, from, raw string) error {
	conn, target, err := pgConn(raw)
	if err != nil {
		return err
	}
	source, err := archiveSchema(ctx, from)
	if err != nil {
		return err
	}
	db, err := sql.Open("pgx", conn.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1`, target).Scan(&tables); err != nil {
		return err
	}
	if tables > 0 {
		return fc.Errorf(fc.EConflict, "the schema %s of the database is not empty (%d tables): restore into a new database or schema", target, tables)
	}
	exists := func(schema string) (bool, error) {
		var ok bool
		err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&ok)
		return ok, err
	}
	if source != target {
		if source == "public" {
			return fc.Errorf(fc.EInvalid, "the backup holds the schema public: restore it into a database URL without search_path")
		}
		if ok, err := exists(source); err != nil {
			return err
		} else if ok {
			return fc.Errorf(fc.EConflict, "the backup holds the schema %s, which this database has already: restore into another database", source)
		}
	}
	args := []string{"--no-owner", "--no-acl", "--exit-on-error", "--single-transaction"}
	skipSchema := ""
	if source != target {
		// The archive creates its schema, renamed to the target after: an
		// empty target schema goes first (no CASCADE: empty only).
		if _, err := db.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+quoteIdent(target)); err != nil {
			return err
		}
	} else if ok, err := exists(target); err != nil {
		return err
	} else if ok {
		// The target schema (public, say) exists, empty: restore all but
		// the archive's CREATE SCHEMA.
		skipSchema = source
	}
	// The search's trigram indexes are left out and made anew after:
	// they name the schema of the extension pg_trgm in the backed-up
	// database, which this one may not have (search.go).
	list, err := restoreList(ctx, from, skipSchema)
	if err != nil {
		return err
	}
	defer os.Remove(list)
	args = append(args, "--use-list="+list)
	if err := runPG(ctx, conn, "pg_restore", append(args, from)...); err != nil {
		return err
	}
	if source != target {
		if _, err = db.ExecContext(ctx, `ALTER SCHEMA `+quoteIdent(source)+` RENAME TO `+quoteIdent(target)); err != nil {
			return err
		}
	}
	return restoreTrigramIndexes(ctx, db, target)
}

// restoreTrigramIndexes makes the search's trigram indexes of a restored
// schema at a version that has them.
func restoreTrigramIndexes(ctx context.Context, db *sql.DB, schema string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var has bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+quoteIdent(schema)+`.schema_migrations WHERE version = $1)`, searchIndexVersion).Scan(&has); err != nil {
		return err
	}
	if !has {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT set_config('search_path', $1, true)`, quoteIdent(schema)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, pgTrigramIndexes()); err != nil {
		return fmt.Errorf("the search indexes: %w", err)
	}
	return tx.Commit()
}

// restoreList writes the archive's table of contents without the search's
// trigram indexes and, unless schema is "", the entry that creates the
// schema, for pg_restore --use-list, and returns its file's name.
func restoreList(ctx context.Context, archive, schema string) (string, error) {
	out, err := exec.CommandContext(ctx, "pg_restore", "--list", archive).Output()
	if err != nil {
		return "", fmt.Errorf("pg_restore --list: %w", err)
	}
	trigram, _ := trigramIndexes()
	var b strings.Builder
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		// "4; 2615 2200 SCHEMA - public owner" and its COMMENT.
		if !strings.HasPrefix(line, ";") && len(f) >= 6 && f[4] == "-" && schema != "" &&
			(f[3] == "SCHEMA" && f[5] == schema || f[3] == "COMMENT" && len(f) >= 7 && f[5] == "SCHEMA" && f[6] == schema) {
			continue
		}
		// "3345; 1259 16789 INDEX schema cards_external_id_trgm owner".
		if !strings.HasPrefix(line, ";") && len(f) >= 6 && f[3] == "INDEX" && slices.Contains(trigram, f[5]) {
			continue
		}
		b.WriteString(line + "\n")
	}
	f, err := os.CreateTemp("", "fleetcharge-restore-*.list")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.WriteString(b.String()); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// dsn returns the URL with its password, for the pgx driver.
func (p pgURL) dsn() string {
	u := *p.u
	if p.password != "" && u.User != nil {
		u.User = url.UserPassword(u.User.Username(), p.password)
	}
	return u.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// archiveSchema returns the schema of the tables in a pg_dump archive,
// read from its table of contents ("… TABLE schema name owner").
func archiveSchema(ctx context.Context, path string) (string, error) {
	out, err := exec.CommandContext(ctx, "pg_restore", "--list", path).Output()
	if err != nil {
		return "", fmt.Errorf("pg_restore --list: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), ";") {
			continue
		}
		f := strings.Fields(sc.Text())
		for i := 0; i+2 < len(f); i++ {
			if f[i] == "TABLE" && f[i+2] == "schema_migrations" {
				return f[i+1], nil
			}
		}
	}
	return "", fc.Errorf(fc.EInvalid, "%s holds no fleetcharge database (no schema_migrations table)", path)
}

// TableRows is a table's name and number of rows.
type TableRows struct {
	Table string
	Rows  int64
}

// Check is what Verify found in a database.
type Check struct {
	Engine        string
	SchemaVersion int
	Tables        []TableRows
}

// Verify checks a database as a restored backup should be: its schema
// version is one this binary knows, every table can be counted, and its
// integrity holds (SQLite: integrity_check and foreign_key_check;
// PostgreSQL: every constraint validated). It returns an error naming the
// first problem.
func (s *Store) Verify(ctx context.Context) (*Check, error) {
	c := &Check{Engine: s.Engine()}
	var err error
	if c.SchemaVersion, err = s.appliedVersion(ctx); err != nil {
		return nil, err
	}
	if c.SchemaVersion == 0 {
		return nil, fc.Errorf(fc.EUnprocessable, "no fleetcharge schema in the database")
	}
	if known := SchemaVersion(); c.SchemaVersion > known {
		return nil, fc.Errorf(fc.EUnprocessable, "schema version %d is newer than this binary knows (%d)", c.SchemaVersion, known)
	}
	if err := s.integrity(ctx); err != nil {
		return nil, err
	}
	names, err := s.tableNames(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		t := TableRows{Table: name}
		if err := s.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(name)).Scan(&t.Rows); err != nil {
			return nil, fmt.Errorf("count %s: %w", name, err)
		}
		c.Tables = append(c.Tables, t)
	}
	return c, nil
}

// appliedVersion reads the schema version without creating the version
// table, which a read-only check must not.
func (s *Store) appliedVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.reader.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fc.Errorf(fc.EUnprocessable, "no fleetcharge schema in the database (%v)", err)
	}
	return int(v.Int64), nil
}

func (s *Store) tableNames(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`
	if s.Engine() == "postgres" {
		q = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	var names []string
	rows, err := s.reader.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

func (s *Store) integrity(ctx context.Context) error {
	if s.Engine() == "postgres" {
		var bad []string
		rows, err := s.reader.QueryContext(ctx, `SELECT c.conname FROM pg_constraint c
			JOIN pg_namespace n ON n.oid = c.connamespace
			WHERE n.nspname = current_schema() AND NOT c.convalidated ORDER BY 1`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			bad = append(bad, n)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(bad) > 0 {
			return fc.Errorf(fc.EUnprocessable, "constraints not validated: %s", strings.Join(bad, ", "))
		}
		return nil
	}
	var res string
	if err := s.reader.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fc.Errorf(fc.EUnprocessable, "integrity check: %s", res)
	}
	rows, err := s.reader.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		return fc.Errorf(fc.EUnprocessable, "foreign key check: a row of %s refers to a missing %s", table, parent)
	}
	return rows.Err()
}

// VerifyBackup restores the backup file into a scratch database and
// verifies it there: a temporary SQLite file, or for a pg_dump archive a
// temporary database on the server that serverURL reaches. The scratch
// database is removed afterwards.
func VerifyBackup(ctx context.Context, file, serverURL string) (*Check, error) {
	format, err := BackupFormat(file)
	if err != nil {
		return nil, err
	}
	var scratch string
	switch format {
	case FormatSQLite:
		dir, err := os.MkdirTemp("", scratchPrefix)
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		scratch = "sqlite://" + filepath.Join(dir, "verify.db")
	case FormatPGDump:
		d, _, err := parseURL(serverURL)
		if err != nil {
			return nil, err
		}
		if d.name() != "postgres" {
			return nil, fc.Errorf(fc.EInvalid, "verifying a pg_dump archive needs a PostgreSQL server: give its URL with --db or FLEETCHARGE_DB")
		}
		var drop func()
		if scratch, drop, err = scratchDatabase(ctx, serverURL, file); err != nil {
			return nil, err
		}
		defer drop()
	}
	if err := Restore(ctx, file, scratch); err != nil {
		return nil, err
	}
	s, err := Open(ctx, scratch)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Verify(ctx)
}

// scratchDatabase creates an empty database on the server of serverURL
// and returns a URL of it in the archive's schema, and how to drop it.
func scratchDatabase(ctx context.Context, serverURL, file string) (string, func(), error) {
	conn, _, err := pgConn(serverURL)
	if err != nil {
		return "", nil, err
	}
	schema, err := archiveSchema(ctx, file)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := scratchPrefix + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", conn.dsn())
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+quoteIdent(name)); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create a scratch database: %w", err)
	}
	drop := func() {
		_, _ = admin.ExecContext(context.WithoutCancel(ctx), `DROP DATABASE IF EXISTS `+quoteIdent(name)+` WITH (FORCE)`)
		admin.Close()
	}
	u := *conn.withDatabase(name).u
	if conn.password != "" {
		u.User = url.UserPassword(u.User.Username(), conn.password)
	}
	if schema != "public" {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
	}
	return u.String(), drop, nil
}
