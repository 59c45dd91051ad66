package app_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestReimbursementAccess: the fleet manager of the employee's organization
// sets the rate, generates, approves and pays; the account admin of the
// employee's account reads and approves but neither sets rates, generates
// nor pays; a facility manager of the same organization and the fleet
// manager of another organization see nothing of it. Every step is in the
// audit log the fleet manager reads, and in none the other fleet manager
// reads. Both engines.
func TestReimbursementAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		svc := &app.Service{Store: s}
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
		fleet, third := org("Fleet"), org("Third")
		acc := &fc.Account{ProviderID: p.ID, OrganizationID: fleet.ID, Name: "Fleet BV", Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, acc))
		eva := &fc.Employee{ProviderID: p.ID, AccountID: acc.ID, Name: "Eva", Active: true}
		must(s.CreateEmployee(ctx, eva))
		card := &fc.Card{ProviderID: p.ID, AccountID: acc.ID, EmployeeID: eva.ID, InternalID: "RB12CD34", ExternalID: "NL-FLT-000777", Status: fc.CardActive}
		must(s.CreateCard(ctx, card))
		home := &fc.Location{ProviderID: p.ID, AccountID: acc.ID, Name: "Eva's home", Kind: fc.LocationHome, EmployeeID: eva.ID}
		must(s.CreateLocation(ctx, home))
		group := &fc.ChargeGroup{ProviderID: p.ID, AccountID: acc.ID, Name: "Home", Kind: fc.GroupHome, Access: fc.AccessPublic,
			Tariff: fc.Tariff{Currency: "EUR"}}
		must(s.CreateChargeGroup(ctx, group))
		st := &fc.Station{ProviderID: p.ID, AccountID: acc.ID, LocationID: home.ID, ChargeGroupID: group.ID, Identity: "RMB-APP-1", PasswordHash: "x"}
		must(s.CreateStation(ctx, st, 1))
		start := time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC)
		stop := start.Add(time.Hour)
		_, err := s.ImportSession(ctx, &fc.Session{ProviderID: p.ID, ExternalRef: "home-1", CardID: card.ID, StationID: st.ID, ConnectorID: 1,
			StartedAt: start, StoppedAt: &stop, EnergyWh: 10000, Currency: "EUR"})
		must(err)

		subject := func(email string, a fc.Assignment) access.Subject {
			t.Helper()
			u := &fc.User{ProviderID: p.ID, Email: email, Name: email, PasswordHash: "x"}
			must(s.CreateUser(ctx, u))
			a.ProviderID, a.UserID = p.ID, u.ID
			must(s.CreateAssignment(ctx, &a))
			subj, err := svc.Subject(ctx, u)
			must(err)
			return subj
		}
		manager := subject("fleet@p.test", fc.Assignment{Role: fc.RoleFleetManager, OrganizationID: fleet.ID})
		admin := subject("admin@p.test", fc.Assignment{Role: fc.RoleAccountAdmin, AccountID: acc.ID})
		facility := subject("facility@p.test", fc.Assignment{Role: fc.RoleFacilityManager, OrganizationID: fleet.ID})
		outsider := subject("third@p.test", fc.Assignment{Role: fc.RoleFleetManager, OrganizationID: third.ID})
		code := func(what string, err error, want string) {
			t.Helper()
			if !fc.IsCode(err, want) {
				t.Errorf("%s: err = %v, want %s", what, err, want)
			}
		}
		rate := func() *fc.ReimbursementRate {
			return &fc.ReimbursementRate{EmployeeID: eva.ID, PerKWhMicros: 280000, Currency: "EUR", ValidFrom: "2026-01-01"}
		}

		code("the account admin sets a rate", svc.CreateReimbursementRate(ctx, admin, rate()), fc.EForbidden)
		code("a facility manager sets a rate", svc.CreateReimbursementRate(ctx, facility, rate()), fc.EInvalid)
		code("another organization's manager sets a rate", svc.CreateReimbursementRate(ctx, outsider, rate()), fc.EInvalid)
		r := rate()
		must(svc.CreateReimbursementRate(ctx, manager, r))
		_, err = svc.UpdateReimbursementRate(ctx, admin, r.ID, func(*fc.ReimbursementRate) error { return nil })
		code("the account admin changes the rate", err, fc.EForbidden)
		_, err = svc.UpdateReimbursementRate(ctx, outsider, r.ID, func(*fc.ReimbursementRate) error { return nil })
		code("another organization's manager changes the rate", err, fc.ENotFound)
		code("another organization's manager deletes the rate", svc.DeleteReimbursementRate(ctx, outsider, r.ID), fc.ENotFound)
		if _, err := svc.ReimbursementRate(ctx, admin, r.ID); err != nil {
			t.Errorf("the account admin reads the rate: %v", err)
		}

		march := app.GenerateInput{Period: "2026-03", OrganizationID: fleet.ID}
		_, err = svc.GenerateReimbursementStatements(ctx, outsider, march)
		code("another organization's manager generates Fleet's", err, fc.EInvalid)
		xs, err := svc.GenerateReimbursementStatements(ctx, outsider, app.GenerateInput{Period: "2026-03"})
		if err != nil || len(xs) != 0 {
			t.Errorf("another organization's manager generates its own: %v, %v", xs, err)
		}
		_, err = svc.GenerateReimbursementStatements(ctx, admin, app.GenerateInput{Period: "2026-03", AccountID: acc.ID})
		code("the account admin generates", err, fc.EForbidden)
		_, err = svc.GenerateReimbursementStatements(ctx, facility, app.GenerateInput{Period: "2026-03"})
		code("a facility manager generates", err, fc.EForbidden)
		xs, err = svc.GenerateReimbursementStatements(ctx, manager, march)
		if err != nil || len(xs) != 1 || xs[0].AmountMinor != 280 {
			t.Fatalf("the fleet manager generates: %+v, %v", xs, err)
		}
		id := xs[0].ID

		for name, subj := range map[string]access.Subject{"facility": facility, "outsider": outsider} {
			if got, err := svc.ReimbursementStatements(ctx, subj, fc.ReimbursementStatementFilter{Page: fc.Page{Limit: 10}}); err != nil || len(got) != 0 {
				t.Errorf("%s lists statements: %v, %v", name, got, err)
			}
			if got, err := svc.ReimbursementRates(ctx, subj, fc.ReimbursementRateFilter{Page: fc.Page{Limit: 10}}); err != nil || len(got) != 0 {
				t.Errorf("%s lists rates: %v, %v", name, got, err)
			}
			_, err := svc.ReimbursementStatement(ctx, subj, id)
			code(name+" reads the statement", err, fc.ENotFound)
			_, err = svc.ApproveReimbursementStatement(ctx, subj, id)
			code(name+" approves the statement", err, fc.ENotFound)
			_, err = svc.PayReimbursementStatement(ctx, subj, id)
			code(name+" pays the statement", err, fc.ENotFound)
		}
		x, err := svc.ApproveReimbursementStatement(ctx, admin, id)
		if err != nil || x.Status != fc.StatementApproved {
			t.Fatalf("the account admin approves: %+v, %v", x, err)
		}
		_, err = svc.PayReimbursementStatement(ctx, admin, id)
		code("the account admin pays", err, fc.EForbidden)
		if x, err = svc.PayReimbursementStatement(ctx, manager, id); err != nil || x.Status != fc.StatementPaid {
			t.Fatalf("the fleet manager pays: %+v, %v", x, err)
		}

		kinds := func(subj access.Subject) map[string]int {
			events, err := svc.AuditEvents(ctx, subj, fc.AuditFilter{Page: fc.Page{Limit: 500}})
			must(err)
			out := map[string]int{}
			for _, e := range events {
				if e.ObjectType == fc.KindReimbursementRate || e.ObjectType == fc.KindReimbursementStatement {
					out[e.Action]++
				}
			}
			return out
		}
		got := kinds(manager)
		for _, action := range []string{"reimbursement_rate.create", "reimbursement_statement.create", "reimbursement_statement.approved", "reimbursement_statement.paid"} {
			if got[action] != 1 {
				t.Errorf("the fleet manager's audit log has %d %s, want 1 (%v)", got[action], action, got)
			}
		}
		if got := kinds(outsider); len(got) != 0 {
			t.Errorf("another organization's manager reads reimbursement events: %v", got)
		}
	})
}
