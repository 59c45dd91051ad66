package ocpp_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// fakeEMSP answers real-time authorizations by UID: an AllowedType, or
// an error for a UID it maps to "". It keeps the calls it got.
type fakeEMSP struct {
	answers map[string]string
	mu      sync.Mutex
	calls   []string
	conns   []int
}

func (f *fakeEMSP) AuthorizeRoaming(ctx context.Context, st *fc.Station, connectorID int, token *fc.OCPIToken) (string, error) {
	f.mu.Lock()
	f.calls = append(f.calls, token.UID)
	f.conns = append(f.conns, connectorID)
	f.mu.Unlock()
	if a := f.answers[token.UID]; a != "" {
		return a, nil
	}
	return "", errors.New("the eMSP does not answer")
}

// roamingWorld makes the public station's group roam and gives it a
// connected partner with a token of each case's UID and whitelist.
func roamingWorld(t *testing.T, s *store.Store, w *world, whitelists map[string]string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.UpdateChargeGroup(ctx, fc.ProviderScope(w.Provider.ID), w.Station.ChargeGroupID, func(g *fc.ChargeGroup) error {
		g.Roaming = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p := &fc.OCPIPartner{ProviderID: w.Provider.ID, Name: "Beta", Status: fc.PartnerConnected,
		Roles: []fc.OCPIRole{{Role: fc.OCPIRoleEMSP, CountryCode: "DE", PartyID: "MSP"}}}
	if err := s.CreateOCPIPartner(ctx, p, "hash-of-beta", fc.OCPITokenC); err != nil {
		t.Fatal(err)
	}
	for uid, wl := range whitelists {
		if err := s.PutOCPIToken(ctx, fc.OCPIToken{PartnerID: p.ID, CountryCode: "DE", PartyID: "MSP", UID: uid, Type: "RFID",
			ContractID: "DE-MSP-C" + uid, Issuer: "Beta", Valid: true, Whitelist: wl}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRoamingRealTimeAuthorization: at a roaming station, a partner's
// token whose whitelist calls for it is asked of its eMSP (Authorize
// without a connector, StartTransaction with one), and the answer decides;
// an eMSP that cannot be asked refuses a NEVER token and admits an
// ALLOWED one; an ALWAYS token is never asked. Without an authorizer a
// NEVER token is refused, as before.
func TestRoamingRealTimeAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		roamingWorld(t, s, w, map[string]string{
			"NEVER-OK": "NEVER", "NEVER-BLOCKED": "NEVER", "NEVER-EXPIRED": "NEVER", "NEVER-NOCREDIT": "NEVER",
			"NEVER-ELSEWHERE": "NEVER", "NEVER-UNKNOWN": "NEVER", "NEVER-DOWN": "NEVER",
			"ALLOWED-BLOCKED": "ALLOWED", "ALLOWED-DOWN": "ALLOWED", "OFFLINE-DOWN": "ALLOWED_OFFLINE", "ALWAYS": "ALWAYS",
		})
		emsp := &fakeEMSP{answers: map[string]string{"NEVER-OK": "ALLOWED", "NEVER-BLOCKED": "BLOCKED", "NEVER-EXPIRED": "EXPIRED",
			"NEVER-NOCREDIT": "NO_CREDIT", "NEVER-ELSEWHERE": "NOT_ALLOWED", "NEVER-UNKNOWN": "UNKNOWN", "ALLOWED-BLOCKED": "BLOCKED"}}
		e := startServer(t, ocpp.Config{Store: s, Roaming: emsp})
		st := connect(t, e, w.Station.Identity, w.Password)
		for _, tt := range []struct {
			idTag, want string
			asked       bool
		}{
			{"NEVER-OK", "Accepted", true},
			{"NEVER-BLOCKED", "Blocked", true},
			{"NEVER-EXPIRED", "Expired", true},
			{"NEVER-NOCREDIT", "Blocked", true},
			{"NEVER-ELSEWHERE", "Blocked", true},
			{"NEVER-UNKNOWN", "Invalid", true},
			{"NEVER-DOWN", "Invalid", true},
			{"ALLOWED-BLOCKED", "Blocked", true},
			{"ALLOWED-DOWN", "Accepted", true},
			{"OFFLINE-DOWN", "Accepted", true},
			{"ALWAYS", "Accepted", false},
			{w.Good.InternalID, "Accepted", false},
		} {
			emsp.mu.Lock()
			before := len(emsp.calls)
			emsp.mu.Unlock()
			var got struct {
				IDTagInfo idTagInfo `json:"idTagInfo"`
			}
			st.call("Authorize", map[string]string{"idTag": tt.idTag}, &got)
			if got.IDTagInfo.Status != tt.want {
				t.Errorf("%s: status %s, want %s", tt.idTag, got.IDTagInfo.Status, tt.want)
			}
			emsp.mu.Lock()
			asked := len(emsp.calls) > before
			emsp.mu.Unlock()
			if asked != tt.asked {
				t.Errorf("%s: asked the eMSP %v, want %v", tt.idTag, asked, tt.asked)
			}
		}

		got := start(t, st, 1, "NEVER-OK", 1000)
		if got.IDTagInfo.Status != "Accepted" {
			t.Errorf("StartTransaction of NEVER-OK: %s", got.IDTagInfo.Status)
		}
		emsp.mu.Lock()
		if n := len(emsp.conns); n == 0 || emsp.conns[n-1] != 1 {
			t.Errorf("StartTransaction asked with connectors %v, want 1 last", emsp.conns)
		}
		emsp.mu.Unlock()

		// Without an authorizer, as before: NEVER is refused, ALLOWED admitted.
		plain := connect(t, startServer(t, ocpp.Config{Store: s}), w.Station.Identity, w.Password)
		for idTag, want := range map[string]string{"NEVER-OK": "Invalid", "ALLOWED-BLOCKED": "Accepted"} {
			var got struct {
				IDTagInfo idTagInfo `json:"idTagInfo"`
			}
			plain.call("Authorize", map[string]string{"idTag": idTag}, &got)
			if got.IDTagInfo.Status != want {
				t.Errorf("without an authorizer, %s: %s, want %s", idTag, got.IDTagInfo.Status, want)
			}
		}
	})
}
