package app_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestRoamingReservations: a partner's RESERVE_NOW the station accepts is a
// reservation of the partner, listed with the station's reservations, its
// token masked as a foreign card, invisible from the card side; the
// partner's token starting on the connector uses it; a cancellation the
// station accepts ends it; one the station refuses records nothing. Both
// engines.
func TestRoamingReservations(t *testing.T) {
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
		org := &fc.Organization{ProviderID: p.ID, Name: "Host"}
		must(s.CreateOrganization(ctx, org))
		acc := &fc.Account{ProviderID: p.ID, OrganizationID: org.ID, Name: "Host BV", Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, acc))
		loc := &fc.Location{ProviderID: p.ID, AccountID: acc.ID, Name: "Square", Kind: fc.LocationPublic}
		must(s.CreateLocation(ctx, loc))
		group := &fc.ChargeGroup{ProviderID: p.ID, AccountID: acc.ID, Name: "Roaming", Kind: fc.GroupOther, Access: fc.AccessPublic,
			Tariff: fc.Tariff{Currency: "EUR"}, Roaming: true}
		must(s.CreateChargeGroup(ctx, group))
		st := &fc.Station{ProviderID: p.ID, AccountID: acc.ID, LocationID: loc.ID, ChargeGroupID: group.ID, Identity: "ROAM-R", PasswordHash: "x"}
		must(s.CreateStation(ctx, st, 2))
		partner := &fc.OCPIPartner{ProviderID: p.ID, Name: "eMSP", Status: fc.PartnerConnected}
		must(s.CreateOCPIPartner(ctx, partner, "hash-r", fc.OCPITokenA))
		must(s.PutOCPIToken(ctx, fc.OCPIToken{PartnerID: partner.ID, CountryCode: "DE", PartyID: "EMP", UID: "PARTNER-TAG-4321", Type: "RFID",
			ContractID: "DE-EMP-C1", Issuer: "eMSP", Valid: true, Whitelist: "ALLOWED", LastUpdated: time.Now().UTC()}))

		rec := &recording{reply: `{"status":"Accepted"}`}
		ops := app.NewOperations(s, slog.New(slog.DiscardHandler), nil)
		ops.SetCommander(rec)
		rs := ops.RoamingStations()
		stationSide := fc.ReservationScope{ProviderID: p.ID, Stations: fc.StationScope{ProviderID: p.ID, Reach: fc.Everything}, CardSide: fc.Everything}
		cardSide := fc.ReservationScope{ProviderID: p.ID, Stations: fc.StationScope{ProviderID: p.ID}, CardSide: fc.Everything}
		list := func(sc fc.ReservationScope) []fc.Reservation {
			t.Helper()
			rs, err := s.Reservations(ctx, sc, fc.ReservationFilter{StationID: st.ID, Page: fc.Page{Limit: 10}})
			must(err)
			return rs
		}

		// Refused by the station: nothing recorded.
		rec.reply = `{"status":"Occupied"}`
		if status, err := rs.ReserveNow(ctx, p.ID, st.ID, 1, "PARTNER-TAG-4321", 501, time.Now().Add(time.Hour)); err != nil || status != "Occupied" {
			t.Fatalf("refused reservation: %q, %v", status, err)
		}
		if got := list(stationSide); len(got) != 0 {
			t.Fatalf("a refused reservation is recorded: %+v", got)
		}

		rec.reply = `{"status":"Accepted"}`
		if status, err := rs.ReserveNow(ctx, p.ID, st.ID, 1, "PARTNER-TAG-4321", 501, time.Now().Add(time.Hour)); err != nil || status != "Accepted" {
			t.Fatalf("reservation: %q, %v", status, err)
		}
		got := list(stationSide)
		if len(got) != 1 {
			t.Fatalf("%d reservations, want 1", len(got))
		}
		r := got[0]
		if r.PartnerID != partner.ID || r.CardID != 0 || !r.CardMasked || r.CardExternalID == "PARTNER-TAG-4321" ||
			r.CardExternalID[len(r.CardExternalID)-4:] != "4321" || r.Status != fc.ReservationActive || r.OCPPID != 501 || r.ConnectorID != 1 {
			t.Errorf("the partner's reservation reads %+v", r)
		}
		if got := list(cardSide); len(got) != 0 {
			t.Errorf("the card side reads a partner's reservation: %+v", got)
		}

		// The partner's token starts on the connector, the station naming
		// no reservationId (OCPP 1.6 may leave it out): the reservation is
		// used by the session.
		x, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 1, IDTag: "PARTNER-TAG-4321",
			MeterStart: 100, Timestamp: time.Now().UTC()})
		must(err)
		used, err := s.Reservation(ctx, stationSide, r.ID)
		must(err)
		if used.Status != fc.ReservationUsed || used.SessionID != x.ID {
			t.Errorf("after the partner's start: %s, session %s; want used by %s", used.Status, used.SessionID, x.ID)
		}

		// Another reservation, cancelled by the partner.
		_, err = rs.ReserveNow(ctx, p.ID, st.ID, 2, "PARTNER-TAG-4321", 502, time.Now().Add(time.Hour))
		must(err)
		if _, err := rs.CancelReservation(ctx, p.ID, st.ID, 502); err != nil {
			t.Fatal(err)
		}
		got = list(stationSide)
		if len(got) != 2 || got[1].OCPPID != 502 || got[1].Status != fc.ReservationCancelled {
			t.Errorf("after the cancellation: %+v", got)
		}
	})
}
