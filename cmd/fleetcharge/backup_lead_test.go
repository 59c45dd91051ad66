package main

import (
	"context"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fleetcharge/fleetcharge/cluster"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestScheduledBackupsOneNodeAtATime: three nodes on one database, each
// given a backup folder, back up under the lease "backups": never two at
// once, and when the leaders stop, the node left backs up.
func TestScheduledBackupsOneNodeAtATime(t *testing.T) {
	if len(storetest.Engines()) < 2 {
		t.Skip("several nodes need PostgreSQL: set " + storetest.EnvPostgres)
	}
	ctx := context.Background()
	natsURL := startNATS(t)
	dbURL := storetest.URL(t, "postgres")
	var running, maxRunning atomic.Int32
	var mu sync.Mutex
	taken := map[string]int{}
	count := func(name string) int {
		mu.Lock()
		defer mu.Unlock()
		return taken[name]
	}
	names := []string{"a", "b", "c"}
	var schedules []*backupSchedule
	for _, name := range names {
		st, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		n, err := cluster.Open(ctx, cluster.Config{URL: natsURL, Store: st, ID: name, Lease: 1500 * time.Millisecond,
			Logger: newLogger(io.Discard)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close(context.Background()) })
		b, err := newBackupSchedule(t.TempDir(), 20*time.Millisecond, 2, st, newLogger(io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		b.take = func(ctx context.Context, path string) error {
			r := running.Add(1)
			defer running.Add(-1)
			for {
				m := maxRunning.Load()
				if r <= m || maxRunning.CompareAndSwap(m, r) {
					break
				}
			}
			mu.Lock()
			taken[name]++
			mu.Unlock()
			// A backup takes a while: long enough for another node's
			// schedule to start one, were it not for the lease.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
			return os.WriteFile(path, nil, 0o600)
		}
		b.start(n.Lead)
		t.Cleanup(b.close)
		schedules = append(schedules, b)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	total := func() int { return count("a") + count("b") + count("c") }
	waitFor("backups", func() bool { return total() >= 5 })
	// Stop the nodes one by one: each time the backups go on.
	for i := range schedules[:2] {
		schedules[i].close()
		before := total()
		waitFor("backups after node "+names[i]+" stopped", func() bool { return total() >= before+3 })
	}
	before := count("c")
	waitFor("backups on the node left", func() bool { return count("c") > before })
	schedules[2].close()
	if got := maxRunning.Load(); got != 1 {
		t.Errorf("at most %d backups ran at once, want 1", got)
	}
	t.Logf("backups by node: %v", taken)
}
