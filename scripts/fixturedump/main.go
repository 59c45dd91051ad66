// Command fixturedump writes the data of a fleetcharge SQLite database as
// SQL INSERT statements that both SQLite and PostgreSQL read: the schema
// fixtures under store/testdata/schema, which the migration test loads into
// a database at their schema version and migrates to the newest.
//
//	go run ./scripts/fixturedump demo.db | gzip > store/testdata/schema/0004.sql.gz
//
// Tables come in the order of their foreign keys, rows by rowid; the
// schema_migrations table is left out (the test applies the migrations).
package main

import (
	"database/sql"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fixturedump FILE.db > FIXTURE.sql")
		os.Exit(2)
	}
	if err := dump(os.Stdout, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "fixturedump:", err)
		os.Exit(1)
	}
}

type column struct {
	name    string
	boolean bool
}

func dump(w io.Writer, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	tables, err := strings1(db, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations' ORDER BY name`)
	if err != nil {
		return err
	}
	order, err := byForeignKeys(db, tables)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "-- The data of a fleetcharge demo database, made by scripts/schema-fixture.sh.\n")
	for _, t := range order {
		cols, err := columns(db, t)
		if err != nil {
			return err
		}
		if err := dumpTable(w, db, t, cols); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	return nil
}

func strings1(db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// byForeignKeys orders tables so that each comes after the tables it
// refers to (a table referring to itself aside).
func byForeignKeys(db *sql.DB, tables []string) ([]string, error) {
	deps := map[string][]string{}
	for _, t := range tables {
		parents, err := strings1(db, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, t)
		if err != nil {
			return nil, err
		}
		deps[t] = parents
	}
	var order []string
	done := map[string]bool{}
	var visit func(t string, path []string) error
	visit = func(t string, path []string) error {
		if done[t] {
			return nil
		}
		if slices.Contains(path, t) {
			return fmt.Errorf("foreign keys in a cycle: %v", append(path, t))
		}
		for _, p := range deps[t] {
			if p != t {
				if err := visit(p, append(path, t)); err != nil {
					return err
				}
			}
		}
		done[t] = true
		order = append(order, t)
		return nil
	}
	for _, t := range tables {
		if err := visit(t, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

func columns(db *sql.DB, table string) ([]column, error) {
	rows, err := db.Query(`SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		var typ string
		if err := rows.Scan(&c.name, &typ); err != nil {
			return nil, err
		}
		c.boolean = strings.EqualFold(typ, "BOOLEAN")
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

func dumpTable(w io.Writer, db *sql.DB, table string, cols []column) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = `"` + c.name + `"`
	}
	rows, err := db.Query(`SELECT ` + strings.Join(names, ", ") + ` FROM "` + table + `" ORDER BY rowid`)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		lits := make([]string, len(cols))
		for i, v := range vals {
			if lits[i], err = literal(v, cols[i].boolean); err != nil {
				return fmt.Errorf("column %s: %w", cols[i].name, err)
			}
		}
		fmt.Fprintf(w, "INSERT INTO %s (%s) VALUES (%s);\n", table, strings.Join(names, ", "), strings.Join(lits, ", "))
	}
	return rows.Err()
}

// literal writes a value as SQL both engines read.
func literal(v any, boolean bool) (string, error) {
	switch v := v.(type) {
	case nil:
		return "NULL", nil
	case int64:
		if boolean {
			return strconv.FormatBool(v != 0), nil
		}
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'", nil
	case []byte:
		return "'" + strings.ReplaceAll(string(v), "'", "''") + "'", nil
	}
	return "", fmt.Errorf("value %T cannot be written", v)
}
