package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

// TestGroupCommit runs many concurrent writes through the SQLite committer,
// some of which fail after writing and one of which panics: each failed
// write is rolled back alone, every other write is stored, and each caller
// hears its own outcome.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "group.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.group == nil {
		t.Fatal("SQLite store without a committer")
	}
	if err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE g (x INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	errOdd := errors.New("odd")
	const n = 400
	var wg sync.WaitGroup
	got := make([]error, n)
	for i := range n {
		wg.Go(func() {
			got[i] = s.write(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO g (x) VALUES ($1)`, i); err != nil {
					return err
				}
				switch {
				case i == 7:
					panic("broken write")
				case i%2 == 1:
					return errOdd
				}
				return nil
			})
		})
	}
	wg.Wait()
	if s.group.largest.Load() < 2 {
		t.Fatalf("no commit took more than one write (largest %d): the savepoints were not exercised", s.group.largest.Load())
	}
	for i, err := range got {
		switch {
		case i == 7:
			if err == nil {
				t.Errorf("write %d panicked but reported success", i)
			}
		case i%2 == 1:
			if !errors.Is(err, errOdd) {
				t.Errorf("write %d: err = %v, want its own error", i, err)
			}
		case err != nil:
			t.Errorf("write %d: %v", i, err)
		}
	}
	var count, odd int
	if err := s.reader.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(x % 2), 0) FROM g`).Scan(&count, &odd); err != nil {
		t.Fatal(err)
	}
	if count != n/2 || odd != 0 {
		t.Errorf("stored %d rows, %d of them failed writes; want %d and 0", count, odd, n/2)
	}

	// A cancelled caller is told so and nothing of its write is stored.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.write(cctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(cctx, `INSERT INTO g (x) VALUES (100000)`)
		return err
	}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled write: err = %v", err)
	}
	s.Close()
	if err := s.write(ctx, func(tx *sql.Tx) error { return nil }); err == nil {
		t.Error("a write after Close succeeded")
	}
}
