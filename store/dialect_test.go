package store_test

import (
	"context"
	"testing"

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
