package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// twoSides is a provider where a card of a fleet account charged at a
// station of a site account, in two organizations under one holding, with
// a fleet manager of the fleet and a facility manager of the site.
type twoSides struct {
	svc                *app.Service
	provider           fc.ID
	fleetOrg, siteOrg  fc.ID
	fleet, site        fc.ID
	driver, card       fc.ID
	session            fc.ID
	fleetMgr, facility access.Subject
}

func mustTwoSides(t *testing.T, s *store.Store) *twoSides {
	t.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	w := &twoSides{svc: &app.Service{Store: s}}
	p := &fc.Provider{Name: "Two Sides"}
	must("provider", s.CreateProvider(ctx, p))
	w.provider = p.ID
	holding := &fc.Organization{ProviderID: p.ID, Name: "Holding"}
	must("holding", s.CreateOrganization(ctx, holding))
	org := func(name string) fc.ID {
		o := &fc.Organization{ProviderID: p.ID, ParentID: holding.ID, Name: name}
		must(name, s.CreateOrganization(ctx, o))
		return o.ID
	}
	account := func(orgID fc.ID, name string) fc.ID {
		a := &fc.Account{ProviderID: p.ID, OrganizationID: orgID, Name: name, Kind: fc.AccountCompany}
		must(name, s.CreateAccount(ctx, a))
		return a.ID
	}
	w.fleetOrg, w.siteOrg = org("Fleet"), org("Sites")
	w.fleet, w.site = account(w.fleetOrg, "Trucks"), account(w.siteOrg, "Depot")
	e := &fc.Employee{ProviderID: p.ID, AccountID: w.fleet, Name: "Dana Driver", Email: "dana@trucks.example", Active: true}
	must("employee", s.CreateEmployee(ctx, e))
	c := &fc.Card{ProviderID: p.ID, AccountID: w.fleet, EmployeeID: e.ID, InternalID: "TWO-TAG1", ExternalID: "NL-TWO-000001", Status: fc.CardActive}
	must("card", s.CreateCard(ctx, c))
	w.driver, w.card = e.ID, c.ID
	l := &fc.Location{ProviderID: p.ID, AccountID: w.site, Name: "Depot yard", Kind: fc.LocationOffice}
	must("location", s.CreateLocation(ctx, l))
	g := &fc.ChargeGroup{ProviderID: p.ID, AccountID: w.site, Name: "Yard", Kind: fc.GroupOther, Access: fc.AccessPublic,
		Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 350000}}
	must("charge group", s.CreateChargeGroup(ctx, g))
	st := &fc.Station{ProviderID: p.ID, AccountID: w.site, LocationID: l.ID, ChargeGroupID: g.ID, Identity: "TWO-CP1", PasswordHash: "x"}
	must("station", s.CreateStation(ctx, st, 1))
	start := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	stop := start.Add(time.Hour)
	x := &fc.Session{ProviderID: p.ID, ExternalRef: "two-1", CardID: c.ID, StationID: st.ID, ConnectorID: 1,
		StartedAt: start, StoppedAt: &stop, EnergyWh: 7000, CostMinor: 245, Currency: "EUR"}
	_, err := s.ImportSession(ctx, x)
	must("session", err)
	w.session = x.ID
	user := func(email string, a fc.Assignment) access.Subject {
		u := &fc.User{ProviderID: p.ID, Email: email, Name: email}
		must(email, s.CreateUser(ctx, u))
		a.UserID = u.ID
		must(email+" role", s.CreateAssignment(ctx, &a))
		subj, err := w.svc.Subject(ctx, u)
		must(email+" subject", err)
		return subj
	}
	w.fleetMgr = user("fleet@example.com", fc.Assignment{Role: fc.RoleFleetManager, AccountID: w.fleet})
	w.facility = user("facility@example.com", fc.Assignment{Role: fc.RoleFacilityManager, AccountID: w.site})
	return w
}

// names reports which of the accounts and organizations the explanation
// names, as its reasons and fields write them ("account 12", "organization
// 3", "organizations 1 > 3", "at_organization_id":"3").
func names(x *app.Explanation, accounts, orgs map[string]fc.ID) []string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "1 > 3" as the reasons write it
	_ = enc.Encode(x)
	b := buf.Bytes()
	var out []string
	for label, id := range accounts {
		if regexp.MustCompile(fmt.Sprintf(`account %s\b|"account_id":"%s"`, id, id)).Match(b) {
			out = append(out, label)
		}
	}
	for label, id := range orgs {
		if regexp.MustCompile(fmt.Sprintf(`organizations? %s\b|> %s\b|organization_id":"%s"`, id, id, id)).Match(b) {
			out = append(out, label)
		}
	}
	return out
}

// TestExplainMaskedSession checks that explaining a session read only from
// its station side names nothing of the card side (its account, its
// organizations), for every permission, while the card side's own manager
// is told where the card sits but not the organizations of the station's
// account; and that a card the asker cannot read is not explained at all.
func TestExplainMaskedSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustTwoSides(t, s)
		cardAccount, cardOrg := map[string]fc.ID{"the card's account": w.fleet}, map[string]fc.ID{"the card's organization": w.fleetOrg}

		for _, pi := range access.Permissions() {
			x, err := w.svc.Explain(ctx, w.facility, 0, pi.Permission, fc.KindSession, w.session)
			if err != nil {
				t.Fatalf("facility manager explains session with %s: %v", pi.Permission, err)
			}
			if got := names(x, cardAccount, cardOrg); len(got) > 0 {
				t.Errorf("facility manager, %s: the explanation names %v: %+v", pi.Permission, got, x)
			}
			if pi.Permission == access.SessionsStationSideRead && (!x.Allowed || !x.CardMasked) {
				t.Errorf("facility manager, %s: allowed %v, masked %v; want both", pi.Permission, x.Allowed, x.CardMasked)
			}
		}

		x, err := w.svc.Explain(ctx, w.fleetMgr, 0, access.SessionsCardSideRead, fc.KindSession, w.session)
		if err != nil {
			t.Fatal(err)
		}
		if !x.Allowed || len(names(x, cardAccount, nil)) == 0 {
			t.Errorf("fleet manager, card side: allowed %v, reason %q; want allowed on account %s", x.Allowed, x.Reason, w.fleet)
		}
		// The station's account shows on the session, its organizations do
		// not: the fleet manager reads no station side.
		for _, pi := range access.Permissions() {
			x, err := w.svc.Explain(ctx, w.fleetMgr, 0, pi.Permission, fc.KindSession, w.session)
			if err != nil {
				t.Fatalf("fleet manager explains session with %s: %v", pi.Permission, err)
			}
			if got := names(x, nil, map[string]fc.ID{"the station's organization": w.siteOrg}); len(got) > 0 {
				t.Errorf("fleet manager, %s: the explanation names %v: %s / %s", pi.Permission, got, x.Reason, x.StationSide.Reason)
			}
		}

		for _, tc := range []struct {
			kind string
			id   fc.ID
		}{{fc.KindCard, w.card}, {fc.KindEmployee, w.driver}, {fc.KindAccount, w.fleet}} {
			if _, err := w.svc.Explain(ctx, w.facility, 0, access.CardsRead, tc.kind, tc.id); !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("facility manager explains %s %s: err = %v, want not_found", tc.kind, tc.id, err)
			}
		}
	})
}
