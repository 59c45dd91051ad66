package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// openCachedTest opens a cached pool of one connection on a fresh file, so
// that every query of the test meets the same connection's cache.
func openCachedTest(t testing.TB) *sql.DB {
	t.Helper()
	db := openCached("file:" + filepath.Join(t.TempDir(), "c.db") + "?_pragma=journal_mode(WAL)")
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if _, err := db.Exec(`INSERT INTO t (id, v) VALUES ($1, $2)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// The same SQL text run again inside the loop over its own rows gets a
// statement of its own: the outer rows go on where they were.
func TestStmtCacheNestedSameQuery(t *testing.T) {
	db := openCachedTest(t)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT id, v FROM t WHERE id >= $1 ORDER BY id`
	rows, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		var n int
		inner, err := tx.QueryContext(ctx, q, id)
		if err != nil {
			t.Fatal(err)
		}
		for inner.Next() {
			n++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s:%d", v, n))
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	want := "[v1:5 v2:4 v3:3 v4:2 v5:1]"
	if fmt.Sprint(got) != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

// A statement is reused with new arguments, for queries and for writes,
// also after an error on it and after the rows were left unread.
func TestStmtCacheReuse(t *testing.T) {
	db := openCachedTest(t)
	const q = `SELECT v FROM t WHERE id = $1`
	for i := 1; i <= 5; i++ {
		var v string
		if err := db.QueryRow(q, i).Scan(&v); err != nil || v != fmt.Sprint("v", i) {
			t.Fatalf("id %d: got %q, %v", i, v, err)
		}
	}
	if err := db.QueryRow(q, 99).Scan(new(string)); err != sql.ErrNoRows {
		t.Fatalf("missing row: got %v, want sql.ErrNoRows", err)
	}
	// A unique violation on the cached insert, then the same insert succeeds.
	const ins = `INSERT INTO t (id, v) VALUES ($1, $2)`
	if _, err := db.Exec(ins, 1, "dup"); err == nil {
		t.Fatal("duplicate id inserted")
	}
	if _, err := db.Exec(ins, 6, "v6"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t WHERE v = $1`, "dup").Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows of the failed insert: %d, %v", n, err)
	}
	// Rows opened and closed before the end.
	rows, err := db.Query(`SELECT id FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	rows.Close()
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 6 {
		t.Fatalf("count: %d, %v", n, err)
	}
	rows, err = db.Query(`SELECT id FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if fmt.Sprint(ids) != "[1 2 3 4 5 6]" {
		t.Fatalf("ids after a half-read query: %v", ids)
	}
}

// More distinct texts than the cache holds: the oldest are closed and the
// answers stay right; the cache never holds more than its size.
func TestStmtCacheEviction(t *testing.T) {
	db := openCachedTest(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := 0; i < 3*stmtCacheSize; i++ {
		var got int
		q := fmt.Sprintf(`SELECT count(*) + %d FROM t`, i)
		if err := conn.QueryRowContext(context.Background(), q).Scan(&got); err != nil || got != 5+i {
			t.Fatalf("query %d: got %d, %v", i, got, err)
		}
	}
	err = conn.Raw(func(dc any) error {
		c := dc.(*cachedConn)
		if c.order.Len() != stmtCacheSize || len(c.byQuery) != stmtCacheSize {
			t.Errorf("cache holds %d statements (%d by text), want %d", c.order.Len(), len(c.byQuery), stmtCacheSize)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPointQuery is a lookup by primary key, the shape of most OCPP
// handler queries, with and without the statement cache.
func BenchmarkPointQuery(b *testing.B) {
	for _, cached := range []bool{false, true} {
		b.Run(fmt.Sprintf("cached=%v", cached), func(b *testing.B) {
			var db *sql.DB
			if cached {
				db = openCachedTest(b)
			} else {
				var err error
				db, err = sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "p.db"))
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				db.SetMaxOpenConns(1)
				db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
				db.Exec(`INSERT INTO t VALUES (1, 'v1'), (2, 'v2')`)
			}
			const q = `SELECT t.v, t.id FROM t WHERE t.id = $1 AND t.v <> '' AND t.id IN (SELECT id FROM t WHERE id > 0)`
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				var v string
				var id int
				if err := db.QueryRow(q, 1+i%2).Scan(&v, &id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
