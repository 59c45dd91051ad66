package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestCDRCredit: a credit CDR of a CDR B holds becomes a session that
// gives its cost back, without energy, naming the credited one; the pair
// nets to nothing. A second credit of the same CDR, a credit of a CDR B
// does not hold, a credit with a positive cost and a CDR with a negative
// cost, energy, time or volume are refused.
func TestCDRCredit(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		card := b.card("BETA-0001")
		bAtA, _ := connect(t, a, b)
		receiver := bAtA.EndpointURL(ModuleCDRs, RoleReceiver)
		auth := AuthorizationHeader(bAtA.OutgoingToken)
		start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
		call(t, http.MethodPost, receiver, auth, aCDR("CDR-0001", card.InternalID, start, 12.5, 4.32)).
			want(t, "the CDR", http.StatusCreated, StatusSuccess)

		credit := func(id, of string, exclVAT float64) map[string]any {
			m := aCDR(id, card.InternalID, start, 12.5, exclVAT)
			m["credit"], m["credit_reference_id"] = true, of
			return m
		}
		call(t, http.MethodPost, receiver, auth, credit("CDR-0001-C", "CDR-0001", -4.32)).
			want(t, "the credit CDR", http.StatusCreated, StatusSuccess)
		call(t, http.MethodPost, receiver, auth, credit("CDR-0001-C", "CDR-0001", -4.32)).
			want(t, "the credit CDR again", http.StatusOK, StatusSuccess)
		ss := cardSessions(t, b, card)
		if len(ss) != 2 {
			t.Fatalf("sessions: %+v", ss)
		}
		var cost, wh int64
		for _, s := range ss {
			cost += s.CostMinor
			wh += s.EnergyWh
			if s.ExternalRef == "CDR-0001-C" && (s.ExternalParty != "NL*CPO" || s.CostMinor != -432 || s.EnergyWh != 0 || s.StopReason != "Credit of CDR-0001") {
				t.Errorf("the credit's session: %+v", s)
			}
		}
		if cost != 0 || wh != 12500 {
			t.Errorf("the pair: cost %d, energy %d Wh, want 0 and 12500", cost, wh)
		}

		for _, c := range []struct {
			name string
			cdr  map[string]any
		}{
			{"a second credit of the same CDR", credit("CDR-0001-D", "CDR-0001", -1)},
			{"a credit of a CDR B does not hold", credit("CDR-0009-C", "CDR-0009", -1)},
			{"a credit of a credit", credit("CDR-0001-CC", "CDR-0001-C", -1)},
		} {
			got := call(t, http.MethodPost, receiver, auth, c.cdr)
			if got.Env.StatusCode < 2000 || got.Env.StatusCode >= 3000 {
				t.Errorf("%s: HTTP %d, %s", c.name, got.HTTP, got.Raw)
			}
		}

		for _, c := range []struct {
			name, field string
			cdr         map[string]any
		}{
			{"a credit of a positive cost", "total_cost", credit("CDR-0002-C", "CDR-0001", 1)},
			{"a negative cost", "total_cost", aCDR("CDR-0003", card.InternalID, start, 1, -1)},
			{"a negative energy", "total_energy", func() map[string]any {
				m := aCDR("CDR-0004", card.InternalID, start, 1, 1)
				m["total_energy"] = -0.5
				return m
			}()},
			{"a negative time", "total_time", func() map[string]any {
				m := aCDR("CDR-0005", card.InternalID, start, 1, 1)
				m["total_time"] = -1
				return m
			}()},
			{"a negative volume", "charging_periods[0].dimensions[0].volume", aCDR("CDR-0006", card.InternalID, start, -2, 1)},
		} {
			got := call(t, http.MethodPost, receiver, auth, c.cdr)
			got.want(t, c.name, http.StatusOK, StatusInvalidParameters)
			if !strings.Contains(got.Env.StatusMessage, c.field) {
				t.Errorf("%s: message %q does not name %s", c.name, got.Env.StatusMessage, c.field)
			}
		}
		if ss := cardSessions(t, b, card); len(ss) != 2 {
			t.Errorf("sessions after refused CDRs: %d", len(ss))
		}
	})
}

// TestCDRSameIDTwoPartners: two CPOs (A, NL CPO, and C, BE GCP) send B a
// CDR with the same ID: each becomes a session of its own, each CPO reads
// back its own with GET, and neither may send a CDR under the other's
// party. Each session's external_ref is the CDR's id, its party the CPO's;
// a bulk import of the same reference is a third session. A CDR B does not
// hold is 404.
func TestCDRSameIDTwoPartners(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		c := newPlatform(t, storetest.Open(t, a.store.Engine()), "Gamma Charge", "BE", "GCP")
		card := b.card("BETA-0001")
		bAtA, _ := connect(t, a, b)
		bAtC, _ := connect(t, c, b)
		start := time.Now().UTC().Add(-5 * time.Hour).Truncate(time.Second)

		fromA := aCDR("CDR-0001", card.InternalID, start, 12.345, 4.32)
		call(t, http.MethodPost, bAtA.EndpointURL(ModuleCDRs, RoleReceiver), AuthorizationHeader(bAtA.OutgoingToken), fromA).
			want(t, "A's CDR", http.StatusCreated, StatusSuccess)
		fromC := aCDR("CDR-0001", card.InternalID, start.Add(2*time.Hour), 7, 2.5)
		fromC["country_code"], fromC["party_id"] = "BE", "GCP"
		cAuth := AuthorizationHeader(bAtC.OutgoingToken)
		call(t, http.MethodPost, bAtC.EndpointURL(ModuleCDRs, RoleReceiver), cAuth, fromC).
			want(t, "C's CDR of the same ID", http.StatusCreated, StatusSuccess)
		ss := cardSessions(t, b, card)
		if len(ss) != 2 {
			t.Fatalf("sessions: %+v", ss)
		}
		parties := map[string]bool{}
		for _, s := range ss {
			if s.ExternalRef != "CDR-0001" {
				t.Errorf("a session's external_ref %q, want the CDR's id", s.ExternalRef)
			}
			parties[s.ExternalParty] = true
		}
		if !parties["NL*CPO"] || !parties["BE*GCP"] {
			t.Errorf("the sessions' parties %v, want NL*CPO and BE*GCP", parties)
		}
		// A bulk import may use the same reference: it has no party.
		end := start.Add(-time.Hour)
		imported := &fc.Session{ProviderID: b.provider.ID, ExternalRef: "CDR-0001", CardID: card.ID, StartedAt: start.Add(-2 * time.Hour),
			StoppedAt: &end, EnergyWh: 1000, Currency: "EUR", LocationKind: fc.LocationPublic, LocationName: "Imported"}
		if created, err := b.store.ImportSession(context.Background(), imported); err != nil || !created || imported.ExternalParty != "" {
			t.Fatalf("a bulk import of the same reference: created %v, %v, party %q", created, err, imported.ExternalParty)
		}
		call(t, http.MethodGet, bAtA.EndpointURL(ModuleCDRs, RoleReceiver)+"/CDR-0001", AuthorizationHeader(bAtA.OutgoingToken), nil).
			want(t, "A's GET beside a bulk import of the same reference", http.StatusOK, StatusSuccess)
		call(t, http.MethodPost, bAtC.EndpointURL(ModuleCDRs, RoleReceiver), cAuth, aCDR("CDR-0002", card.InternalID, start, 1, 1)).
			want(t, "C's CDR under A's party", http.StatusOK, StatusClientError)

		for _, w := range []struct {
			name   string
			auth   string
			want   map[string]any
			energy float64
		}{
			{"A", AuthorizationHeader(bAtA.OutgoingToken), fromA, 12.345},
			{"C", cAuth, fromC, 7},
		} {
			got := call(t, http.MethodGet, bAtA.EndpointURL(ModuleCDRs, RoleReceiver)+"/CDR-0001", w.auth, nil)
			got.want(t, w.name+"'s GET", http.StatusOK, StatusSuccess)
			var d CDR
			if err := json.Unmarshal(got.Env.Data, &d); err != nil {
				t.Fatalf("%s's GET: %v", w.name, err)
			}
			if d.ID != "CDR-0001" || d.CountryCode != w.want["country_code"] || d.PartyID != w.want["party_id"] ||
				d.StartDateTime.Format(time.RFC3339) != w.want["start_date_time"] || d.TotalEnergy == nil || *d.TotalEnergy != w.energy ||
				d.TotalCost == nil || d.TotalCost.ExclVAT != w.want["total_cost"].(map[string]any)["excl_vat"] ||
				d.CdrToken == nil || d.CdrToken.UID != card.InternalID || d.Currency != "EUR" {
				t.Errorf("%s's GET: %s", w.name, got.Raw)
			}
		}
		call(t, http.MethodGet, bAtA.EndpointURL(ModuleCDRs, RoleReceiver)+"/CDR-0404", AuthorizationHeader(bAtA.OutgoingToken), nil).
			want(t, "GET of a CDR B does not hold", http.StatusNotFound, StatusClientError)
	})
}
