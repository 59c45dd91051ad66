package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestImportSessionConcurrentRepeat: the same import made by several
// callers at once stores one session; one caller is told created, the
// others get the stored session with created=false, as a sequential
// repeat would, and none a conflict.
func TestImportSessionConcurrentRepeat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Race")
		start := time.Now().UTC().Add(-5 * time.Hour).Truncate(time.Second)
		for round := range 5 {
			begin, end := start.Add(-time.Duration(round)*time.Hour), start.Add(-time.Duration(round)*time.Hour+30*time.Minute)
			const n = 8
			created := make([]bool, n)
			ids := make([]fc.ID, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					stop := end
					x := &fc.Session{ProviderID: w.Provider.ID, ExternalRef: "RACE-" + string(rune('A'+round)), CardID: w.Card.ID,
						StartedAt: begin, StoppedAt: &stop, EnergyWh: 5000, CostMinor: 250, Currency: "EUR",
						LocationKind: fc.LocationPublic, LocationName: "Elsewhere"}
					var err error
					if created[i], err = s.ImportSession(ctx, x); err != nil {
						t.Errorf("round %d, import %d: %v", round, i, err)
					}
					ids[i] = x.ID
				})
			}
			wg.Wait()
			n1 := 0
			for i := range n {
				if created[i] {
					n1++
				}
				if ids[i] != ids[0] {
					t.Errorf("round %d: imports answered sessions %v", round, ids)
					break
				}
			}
			if n1 != 1 {
				t.Errorf("round %d: %d imports say created", round, n1)
			}
		}
	})
}
