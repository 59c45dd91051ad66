package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// recording is a commander that keeps each call as "action payload" and
// answers with reply.
type recording struct {
	mu    sync.Mutex
	calls []string
	reply string
}

func (r *recording) Call(ctx context.Context, identity, action string, req any) (json.RawMessage, error) {
	b, _ := json.Marshal(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, identity+" "+action+" "+string(b))
	return json.RawMessage(r.reply), nil
}

func (r *recording) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return ""
	}
	return r.calls[len(r.calls)-1]
}

// TestRoamingStations: partners' commands reach a station of the provider
// in the OCPP version it speaks, with the station's status answered; a
// station of another provider is not found, an idTag OCPP cannot carry is
// invalid, and nothing is sent for either. Both engines.
func TestRoamingStations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		p := &fc.Provider{Name: "CPO"}
		must(s.CreateProvider(ctx, p))
		other := &fc.Provider{Name: "Other"}
		must(s.CreateProvider(ctx, other))
		org := &fc.Organization{ProviderID: p.ID, Name: "Host"}
		must(s.CreateOrganization(ctx, org))
		acc := &fc.Account{ProviderID: p.ID, OrganizationID: org.ID, Name: "Host BV", Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, acc))
		loc := &fc.Location{ProviderID: p.ID, AccountID: acc.ID, Name: "Square", Kind: fc.LocationPublic}
		must(s.CreateLocation(ctx, loc))
		group := &fc.ChargeGroup{ProviderID: p.ID, AccountID: acc.ID, Name: "Roaming", Kind: fc.GroupOther, Access: fc.AccessPublic,
			Tariff: fc.Tariff{Currency: "EUR"}, Roaming: true}
		must(s.CreateChargeGroup(ctx, group))
		st := &fc.Station{ProviderID: p.ID, AccountID: acc.ID, LocationID: loc.ID, ChargeGroupID: group.ID, Identity: "ROAM-1", PasswordHash: "x"}
		must(s.CreateStation(ctx, st, 2))

		rec := &recording{reply: `{"status":"Accepted"}`}
		ops := app.NewOperations(s, slog.New(slog.DiscardHandler), nil)
		ops.SetCommander(rec)
		rs := ops.RoamingStations()
		expires := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

		status, err := rs.RemoteStart(ctx, p.ID, st.ID, 2, "APP-1")
		if err != nil || status != "Accepted" || rec.last() != `ROAM-1 RemoteStartTransaction {"connectorId":2,"idTag":"APP-1"}` {
			t.Errorf("remote start on 1.6: %q %v, sent %s", status, err, rec.last())
		}
		rec.reply = `{"status":"Occupied"}`
		status, err = rs.ReserveNow(ctx, p.ID, st.ID, 1, "APP-1", 77, expires)
		if err != nil || status != "Occupied" ||
			rec.last() != `ROAM-1 ReserveNow {"connectorId":1,"expiryDate":"2026-12-05T12:00:00Z","idTag":"APP-1","reservationId":77}` {
			t.Errorf("reserve on 1.6: %q %v, sent %s", status, err, rec.last())
		}
		rec.reply = `{"status":"Unlocked"}`
		if status, err := rs.UnlockConnector(ctx, p.ID, st.ID, 1); err != nil || status != "Unlocked" || rec.last() != `ROAM-1 UnlockConnector {"connectorId":1}` {
			t.Errorf("unlock on 1.6: %q %v, sent %s", status, err, rec.last())
		}
		rec.reply = `{"status":"Accepted"}`
		if _, err := rs.CancelReservation(ctx, p.ID, st.ID, 77); err != nil || rec.last() != `ROAM-1 CancelReservation {"reservationId":77}` {
			t.Errorf("cancel on 1.6: %v, sent %s", err, rec.last())
		}
		if _, err := rs.RemoteStop(ctx, p.ID, st.ID, 9); err != nil || rec.last() != `ROAM-1 RemoteStopTransaction {"transactionId":9}` {
			t.Errorf("stop on 1.6: %v, sent %s", err, rec.last())
		}

		sent := len(rec.calls)
		if _, err := rs.RemoteStart(ctx, other.ID, st.ID, 1, "APP-1"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another provider's station: %v", err)
		}
		if _, err := rs.RemoteStart(ctx, p.ID, st.ID, 1, "AN-APP-TOKEN-OF-30-CHARACTERS"); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("an idTag too long: %v", err)
		}
		if _, err := rs.UnlockConnector(ctx, p.ID, st.ID, 3); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("no such connector: %v", err)
		}
		if len(rec.calls) != sent {
			t.Errorf("refused commands were sent: %q", rec.calls[sent:])
		}

		must(s.SetConnection(ctx, st.ID, true, fc.OCPP201, time.Now()))
		if _, err := rs.RemoteStart(ctx, p.ID, st.ID, 2, "APP-1"); err != nil || !strings.Contains(rec.last(), `"idToken":{"idToken":"APP-1","type":"ISO14443"}`) ||
			!strings.Contains(rec.last(), "ROAM-1 RequestStartTransaction") {
			t.Errorf("remote start on 2.0.1: %v, sent %s", err, rec.last())
		}
		if _, err := rs.UnlockConnector(ctx, p.ID, st.ID, 2); err != nil || rec.last() != `ROAM-1 UnlockConnector {"evseId":2,"connectorId":1}` {
			t.Errorf("unlock on 2.0.1: %v, sent %s", err, rec.last())
		}
	})
}
