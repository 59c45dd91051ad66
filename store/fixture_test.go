package store_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
)

// Shared fixtures of the store tests. Every helper creates through the
// public API and fails the test on error.

// mustAccount creates a company account in an organization.
func mustAccount(t *testing.T, s *store.Store, providerID, orgID fc.ID, name string) *fc.Account {
	t.Helper()
	a := &fc.Account{ProviderID: providerID, OrganizationID: orgID, Name: name, Kind: fc.AccountCompany}
	if err := s.CreateAccount(context.Background(), a); err != nil {
		t.Fatalf("create account %s: %v", name, err)
	}
	return a
}

// mustEmployee creates an active employee of the account.
func mustEmployee(t *testing.T, s *store.Store, a *fc.Account, name string) *fc.Employee {
	t.Helper()
	e := &fc.Employee{ProviderID: a.ProviderID, AccountID: a.ID, Name: name, Active: true}
	if err := s.CreateEmployee(context.Background(), e); err != nil {
		t.Fatalf("create employee %s: %v", name, err)
	}
	return e
}

// mustCard issues an active card of the account with the given internal ID
// (the idTag) and external ID "EXT-"+internalID, assigned to employeeID (0
// for none).
func mustCard(t *testing.T, s *store.Store, a *fc.Account, employeeID fc.ID, internalID string) *fc.Card {
	t.Helper()
	c := &fc.Card{ProviderID: a.ProviderID, AccountID: a.ID, EmployeeID: employeeID,
		InternalID: internalID, ExternalID: "EXT-" + internalID, Status: fc.CardActive}
	if err := s.CreateCard(context.Background(), c); err != nil {
		t.Fatalf("create card %s: %v", internalID, err)
	}
	return c
}

// mustLocation creates a location of the account; employeeID names the
// employee living there for kind home, and must be 0 otherwise.
func mustLocation(t *testing.T, s *store.Store, a *fc.Account, kind string, employeeID fc.ID) *fc.Location {
	t.Helper()
	l := &fc.Location{ProviderID: a.ProviderID, AccountID: a.ID, Name: a.Name + " " + kind, Kind: kind,
		City: "Utrecht", Country: "NL", EmployeeID: employeeID}
	if err := s.CreateLocation(context.Background(), l); err != nil {
		t.Fatalf("create %s location: %v", kind, err)
	}
	return l
}

// mustChargeGroup creates a charge group of the account with the access
// policy given (fc.AccessPublic or fc.AccessRestricted, admitting nobody
// yet) and a tariff of 0.35 EUR per kWh.
func mustChargeGroup(t *testing.T, s *store.Store, a *fc.Account, access string) *fc.ChargeGroup {
	t.Helper()
	g := &fc.ChargeGroup{ProviderID: a.ProviderID, AccountID: a.ID, Name: a.Name + " " + access, Kind: fc.GroupOther,
		Access: access, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 350000}}
	if err := s.CreateChargeGroup(context.Background(), g); err != nil {
		t.Fatalf("create charge group: %v", err)
	}
	return g
}

// mustStation creates a station of the account with two charge points. Its
// identity must be unique on the whole platform.
func mustStation(t *testing.T, s *store.Store, a *fc.Account, l *fc.Location, g *fc.ChargeGroup, identity string) *fc.Station {
	t.Helper()
	st := &fc.Station{ProviderID: a.ProviderID, AccountID: a.ID, LocationID: l.ID, ChargeGroupID: g.ID,
		Identity: identity, PasswordHash: "hash-of-" + identity}
	if err := s.CreateStation(context.Background(), st, 2); err != nil {
		t.Fatalf("create station %s: %v", identity, err)
	}
	return st
}

// world is a small, complete provider: a top organization with one account
// holding an employee with a card, an office with a public charge group and
// a station there.
type world struct {
	Provider *fc.Provider
	Org      *fc.Organization
	Account  *fc.Account
	Employee *fc.Employee
	Card     *fc.Card
	Office   *fc.Location
	Group    *fc.ChargeGroup
	Station  *fc.Station
}

// mustWorld builds a world; name prefixes what must be unique on the
// platform (the station identity is name+"-CP1"; the card's internal ID is
// name+"-TAG1").
func mustWorld(t *testing.T, s *store.Store, name string) world {
	t.Helper()
	var w world
	w.Provider = mustProvider(t, s, name)
	w.Org = mustOrg(t, s, w.Provider.ID, 0, name+" Holding")
	w.Account = mustAccount(t, s, w.Provider.ID, w.Org.ID, name+" Logistics")
	w.Employee = mustEmployee(t, s, w.Account, "Eva "+name)
	w.Card = mustCard(t, s, w.Account, w.Employee.ID, name+"-TAG1")
	w.Office = mustLocation(t, s, w.Account, fc.LocationOffice, 0)
	w.Group = mustChargeGroup(t, s, w.Account, fc.AccessPublic)
	w.Station = mustStation(t, s, w.Account, w.Office, w.Group, name+"-CP1")
	return w
}

// rawSession stores a finished session of card c directly in the database,
// for tests of rules that depend on history, and returns its ID. st is the
// station it charged at, or nil for a public station elsewhere.
func rawSession(t *testing.T, s *store.Store, c *fc.Card, st *fc.Station) fc.ID {
	t.Helper()
	start := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC).UnixMilli()
	var stationID, stationAccountID, locationID fc.ID
	kind := fc.LocationPublic
	if st != nil {
		stationID, stationAccountID, locationID, kind = st.ID, st.AccountID, st.LocationID, fc.LocationOffice
	}
	var id fc.ID
	err := s.DB().QueryRowContext(context.Background(), `INSERT INTO sessions (provider_id, source, card_id, id_tag, employee_id,
		card_account_id, station_id, connector_id, station_account_id, location_id, location_kind, started_at, stopped_at,
		energy_wh, duration_s, created_at, updated_at)
		VALUES ($1, 'ocpp', $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, $11, 1000, 3600, $10, $11) RETURNING id`,
		int64(c.ProviderID), int64(c.ID), c.InternalID, nullableID(c.EmployeeID), int64(c.AccountID),
		nullableID(stationID), nullableID(stationAccountID), nullableID(locationID), kind, start, start+3600000).Scan(&id)
	if err != nil {
		t.Fatalf("insert session: %v", err)
	}
	return id
}

func nullableID(id fc.ID) any {
	if id == 0 {
		return nil
	}
	return int64(id)
}

// idsOf returns the IDs of xs in order.
func idsOf[T any](xs []T, id func(T) fc.ID) []fc.ID {
	out := []fc.ID{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

// orgScope is the scope of a reach on the given organizations.
func orgScope(providerID fc.ID, orgIDs ...fc.ID) fc.Scope {
	return fc.Scope{ProviderID: providerID, Reach: fc.Reach{OrgIDs: orgIDs}}
}

// accountScope is the scope of a reach on the given accounts.
func accountScope(providerID fc.ID, accountIDs ...fc.ID) fc.Scope {
	return fc.Scope{ProviderID: providerID, Reach: fc.Reach{AccountIDs: accountIDs}}
}

// stationScope turns a scope into the station scope with the same reach.
func stationScope(sc fc.Scope) fc.StationScope {
	return fc.StationScope{ProviderID: sc.ProviderID, Reach: sc.Reach}
}

// wantCode fails the test unless err carries the code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if !fc.IsCode(err, code) {
		t.Errorf("%s: err = %v, want %s", what, err, code)
	}
}

// wantField fails the test unless err is invalid with a message on field.
func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	if _, ok := fc.ErrorFields(err)[field]; !ok || !fc.IsCode(err, fc.EInvalid) {
		t.Errorf("%s: err = %v, want invalid %s", what, err, field)
	}
}
