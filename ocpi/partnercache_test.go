package ocpi

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
)

// countingStore counts the partners read by token.
type countingStore struct {
	*store.Store
	byToken atomic.Int64
}

func (c *countingStore) OCPIPartnerByToken(ctx context.Context, hash string) (*fc.OCPIPartner, string, error) {
	c.byToken.Add(1)
	return c.Store.OCPIPartnerByToken(ctx, hash)
}

// TestPartnerCache: A reads a partner by its token once for many
// requests; a change of the partner through the store (a suspension, a
// resumption) is seen by the next request.
func TestPartnerCache(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		bAtA, aAtB := connect(t, a, b)
		counting := &countingStore{Store: a.store}
		a.server.store = counting
		list := aAtB.EndpointURL(ModuleTokens, RoleSender)
		auth := AuthorizationHeader(aAtB.OutgoingToken)
		for range 5 {
			call(t, http.MethodGet, list, auth, nil).want(t, "B lists A's tokens", http.StatusOK, StatusSuccess)
		}
		if n := counting.byToken.Load(); n != 1 {
			t.Errorf("five requests read the partner %d times, want once", n)
		}
		set := func(status string) {
			t.Helper()
			if _, err := a.store.UpdateOCPIPartner(ctx, a.provider.ID, bAtA.ID, "", "", func(p *fc.OCPIPartner) error {
				p.Status = status
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		set(fc.PartnerSuspended)
		call(t, http.MethodGet, list, auth, nil).want(t, "suspended", http.StatusUnauthorized, StatusClientError)
		set(fc.PartnerConnected)
		call(t, http.MethodGet, list, auth, nil).want(t, "resumed", http.StatusOK, StatusSuccess)
		if n := counting.byToken.Load(); n != 3 {
			t.Errorf("the partner read %d times in all, want 3 (once more after each change)", n)
		}
	})
}
