package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// replying is a commander whose stations are online and answer every call
// with reply.
type replying struct{ reply string }

func (r *replying) Call(ctx context.Context, identity, action string, req any) (json.RawMessage, error) {
	return json.RawMessage(r.reply), nil
}

// TestReservationRecorded: a facility manager, who reads no cards,
// reserves a connector of its station for a foreign card that the
// station's public group admits (its ID tag in other case, as a station
// matches it). What the station accepts is recorded with the card the tag
// names; what it refuses is not. The facility manager reads the
// reservation with the card masked, the card's fleet manager unmasked, and
// a fleet manager who reads neither the station nor the card does not read
// it. Both engines.
func TestReservationRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		cmd := &replying{reply: `{"status":"Accepted"}`}
		svc := &app.Service{Store: s, Commander: cmd}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		p := &fc.Provider{Name: "P"}
		must(s.CreateProvider(ctx, p))
		org := func(name string) *fc.Organization {
			o := &fc.Organization{ProviderID: p.ID, Name: name}
			must(s.CreateOrganization(ctx, o))
			return o
		}
		host, fleet, third := org("Host"), org("Fleet"), org("Third")
		hostAcc := &fc.Account{ProviderID: p.ID, OrganizationID: host.ID, Name: "Host BV", Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, hostAcc))
		fleetAcc := &fc.Account{ProviderID: p.ID, OrganizationID: fleet.ID, Name: "Fleet BV", Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, fleetAcc))
		card := &fc.Card{ProviderID: p.ID, AccountID: fleetAcc.ID, InternalID: "AB12CD34", ExternalID: "NL-FLT-000123", Status: fc.CardActive}
		must(s.CreateCard(ctx, card))
		loc := &fc.Location{ProviderID: p.ID, AccountID: hostAcc.ID, Name: "Depot", Kind: fc.LocationOffice}
		must(s.CreateLocation(ctx, loc))
		group := &fc.ChargeGroup{ProviderID: p.ID, AccountID: hostAcc.ID, Name: "Depot", Kind: fc.GroupOther, Access: fc.AccessPublic,
			Tariff: fc.Tariff{Currency: "EUR"}}
		must(s.CreateChargeGroup(ctx, group))
		st := &fc.Station{ProviderID: p.ID, AccountID: hostAcc.ID, LocationID: loc.ID, ChargeGroupID: group.ID, Identity: "RSV-APP-1", PasswordHash: "x"}
		must(s.CreateStation(ctx, st, 2))
		subject := func(email string, role fc.Role, orgID fc.ID) access.Subject {
			t.Helper()
			u := &fc.User{ProviderID: p.ID, Email: email, Name: email, PasswordHash: "x"}
			must(s.CreateUser(ctx, u))
			must(s.CreateAssignment(ctx, &fc.Assignment{ProviderID: p.ID, UserID: u.ID, Role: role, OrganizationID: orgID}))
			subj, err := svc.Subject(ctx, u)
			must(err)
			return subj
		}
		facility := subject("facility@p.test", fc.RoleFacilityManager, host.ID)
		driverSide := subject("fleet@p.test", fc.RoleFleetManager, fleet.ID)
		outsider := subject("third@p.test", fc.RoleFleetManager, third.ID)

		reserve := func(id int) (*app.CommandResult, error) {
			c := app.Command{Name: app.CommandReserveNow, ConnectorID: 2, IDTag: strings.ToLower(card.InternalID)}
			c.ExpiresAt, c.ReservationID = time.Now().Add(time.Hour), id
			return svc.SendCommand(ctx, facility, st.ID, c)
		}
		res, err := reserve(31)
		must(err)
		if res.Status != "Accepted" || res.ReservationID != 31 {
			t.Fatalf("reserve-now: %+v", res)
		}
		cmd.reply = `{"status":"Occupied"}`
		_, err = reserve(32)
		must(err)

		xs, err := svc.Reservations(ctx, driverSide, fc.ReservationFilter{})
		must(err)
		if len(xs) != 1 || xs[0].OCPPID != 31 || xs[0].CardID != card.ID || xs[0].CardExternalID != card.ExternalID ||
			xs[0].ConnectorID != 2 || xs[0].StationID != st.ID || xs[0].Status != fc.ReservationActive {
			t.Fatalf("the card's fleet manager reads %+v, want reservation 31 of card %s alone", xs, card.ID)
		}
		id := xs[0].ID
		r, err := svc.Reservation(ctx, facility, id)
		must(err)
		if !r.CardMasked || r.CardID != 0 || r.CardExternalID != "*********0123" {
			t.Errorf("the facility manager reads card %s %q masked %v, want it masked", r.CardID, r.CardExternalID, r.CardMasked)
		}
		if _, err := svc.Reservation(ctx, outsider, id); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("an outsider reads it: err = %v, want not_found", err)
		}
		if xs, err := svc.Reservations(ctx, outsider, fc.ReservationFilter{}); err != nil || len(xs) != 0 {
			t.Errorf("an outsider lists %d reservations (err %v)", len(xs), err)
		}
	})
}
