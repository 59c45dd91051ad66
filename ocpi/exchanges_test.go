package ocpi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFailedIncomingExchangeKeepsPayloads: a partner's request we refuse is
// recorded with what it sent and what we answered, so that an admin sees
// why; a success is recorded without them.
func TestFailedIncomingExchangeKeepsPayloads(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		card := b.card("BETA-0042")
		bAtA, aAtB := connect(t, a, b)
		receiver := bAtA.EndpointURL(ModuleCDRs, RoleReceiver)
		auth := AuthorizationHeader(bAtA.OutgoingToken)
		start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
		bad := aCDR("CDR-BAD-1", card.InternalID, start, 5, 2)
		delete(bad, "currency")
		call(t, http.MethodPost, receiver, auth, bad).want(t, "a CDR without currency", http.StatusOK, StatusInvalidParameters)
		call(t, http.MethodPost, receiver, auth, aCDR("CDR-GOOD-1", card.InternalID, start, 5, 2)).
			want(t, "a valid CDR", http.StatusCreated, StatusSuccess)

		ex, err := b.store.OCPIExchanges(context.Background(), b.provider.ID, aAtB.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		var failed, ok int
		for _, e := range ex {
			if e.Module != ModuleCDRs || e.Direction != "in" {
				continue
			}
			if e.OK {
				ok++
				if e.Request != "" || e.Response != "" {
					t.Errorf("a success keeps payloads: %+v", e)
				}
				continue
			}
			failed++
			if !strings.Contains(e.Request, `"CDR-BAD-1"`) || !strings.Contains(e.Response, `"status_code":2001`) ||
				!strings.Contains(e.Response, "currency") || e.HTTPStatus != http.StatusOK || e.OCPIStatus != StatusInvalidParameters {
				t.Errorf("the failed exchange: %+v", e)
			}
			if strings.Contains(e.Request+e.Response, bAtA.OutgoingToken) {
				t.Errorf("the failed exchange holds the partner's token: %+v", e)
			}
		}
		if failed != 1 || ok != 1 {
			t.Errorf("%d failed and %d successful CDR exchanges recorded, want 1 and 1: %+v", failed, ok, ex)
		}
	})
}
