package ocpp_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
)

// TestCardValidUntil: a card past its last valid day (to the end of that
// day in the provider's time zone, here New York, UTC-4 in June) is Expired
// for OCPP 1.6 Authorize and StartTransaction and OCPP 2.0.1 Authorize and
// TransactionEvent, and Accepted the day before, with its validity end as
// expiryDate (1.6) and as the latest cacheExpiryDateTime (2.0.1). The
// servers share one store, so the card read (and cached) by one is decided
// by the clock of each.
func TestCardValidUntil(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, _ *endpoint) {
		ctx := context.Background()
		if _, err := w.Store.UpdateProvider(ctx, w.Provider.ID, func(p *fc.Provider) error {
			p.TimeZone = "America/New_York"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// fixedNow is 2025-06-02 05:30 in New York: a card whose last day
		// is 2025-06-01 ended at 04:00 UTC. One such card for each clock,
		// so that no transaction of one runs at another.
		newCard := func(i int) *fc.Card {
			c := &fc.Card{ProviderID: w.Provider.ID, AccountID: w.Admitted.ID, InternalID: fmt.Sprintf("VALID-%d-%d", w.Provider.ID, i),
				ExternalID: fmt.Sprintf("EXT-VALID-%d-%d", w.Provider.ID, i), Status: fc.CardActive, ValidUntil: "2025-06-01"}
			if err := w.Store.CreateCard(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		const expiry = "2025-06-02T04:00:00.000Z"
		clocks := []struct {
			name string
			now  time.Time
			want string
		}{
			{"the day after its last day", fixedNow, "Expired"},
			{"the minute its last day ends", time.Date(2025, 6, 2, 4, 0, 0, 0, time.UTC), "Expired"},
			{"its last day, late in New York (already the next day in UTC)", time.Date(2025, 6, 2, 3, 30, 0, 0, time.UTC), "Accepted"},
			{"the day before", fixedNow.Add(-24 * time.Hour), "Accepted"},
		}
		for i, c := range clocks {
			t.Run(c.name, func(t *testing.T) {
				now, card := c.now, newCard(i)
				e := startServer(t, ocpp.Config{Store: w.Store, Now: func() time.Time { return now }})

				st := connect(t, e, w.Station.Identity, w.Password)
				var auth struct {
					IDTagInfo struct {
						Status     string `json:"status"`
						ExpiryDate string `json:"expiryDate"`
					} `json:"idTagInfo"`
				}
				st.call("Authorize", map[string]string{"idTag": card.InternalID}, &auth)
				if auth.IDTagInfo.Status != c.want || auth.IDTagInfo.ExpiryDate != expiry {
					t.Errorf("1.6 Authorize: %+v, want %s with expiryDate %s", auth.IDTagInfo, c.want, expiry)
				}
				var started struct {
					IDTagInfo struct {
						Status     string `json:"status"`
						ExpiryDate string `json:"expiryDate"`
					} `json:"idTagInfo"`
					TransactionID int64 `json:"transactionId"`
				}
				st.call("StartTransaction", map[string]any{"connectorId": 1, "idTag": card.InternalID, "meterStart": 1000,
					"timestamp": ts(now.Add(-time.Minute))}, &started)
				if started.IDTagInfo.Status != c.want || started.IDTagInfo.ExpiryDate != expiry || started.TransactionID <= 0 {
					t.Errorf("1.6 StartTransaction: %+v, want %s with expiryDate %s", started, c.want, expiry)
				}
				// Stopped, so that the 2.0.1 transaction below is the card's
				// only running one.
				st.call("StopTransaction", map[string]any{"transactionId": started.TransactionID, "meterStop": 1500,
					"timestamp": ts(now)}, nil)
				shutdown(t, e, st)

				e = startServer(t, ocpp.Config{Store: w.Store, Now: func() time.Time { return now }})
				st = connect201(t, e, w.Restricted.Identity, w.Password)
				var auth201 struct {
					IDTokenInfo struct {
						Status              string `json:"status"`
						CacheExpiryDateTime string `json:"cacheExpiryDateTime"`
					} `json:"idTokenInfo"`
				}
				st.call("Authorize", map[string]any{"idToken": token(card.InternalID, "ISO14443")}, &auth201)
				if auth201.IDTokenInfo.Status != c.want {
					t.Errorf("2.0.1 Authorize: %+v, want %s", auth201.IDTokenInfo, c.want)
				}
				// The station may cache the answer a day (AuthCacheExpiry),
				// but not beyond the card's end.
				wantCache := now.Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
				if end := time.Date(2025, 6, 2, 4, 0, 0, 0, time.UTC); end.Before(now.Add(24 * time.Hour)) {
					wantCache = expiry
				}
				if auth201.IDTokenInfo.CacheExpiryDateTime != wantCache {
					t.Errorf("2.0.1 cacheExpiryDateTime %q, want %q", auth201.IDTokenInfo.CacheExpiryDateTime, wantCache)
				}
				var tx txAnswer
				st.call("TransactionEvent", txEvent("Started", fmt.Sprintf("TX-VALID-%d", i), 0, "Authorized", now.Add(-time.Minute), map[string]any{
					"evse": map[string]any{"id": 1, "connectorId": 1}, "idToken": token(card.InternalID, "ISO14443"),
				}), &tx)
				if tx.IDTokenInfo == nil || tx.IDTokenInfo.Status != c.want {
					t.Errorf("2.0.1 TransactionEvent Started: %+v, want %s", tx.IDTokenInfo, c.want)
				}
				shutdown(t, e, st)
			})
		}
	})
}
