package app_test

import (
	"context"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestPrivacyRights checks who may export and erase an employee and a
// user: a provider admin both; a fleet manager of the employee's
// organization exports it only; one of another organization does not see
// it; an account admin (no audit.read) sees it but may not export it; a
// user export and every erasure need a provider-wide users.manage; nobody
// erases itself.
func TestPrivacyRights(t *testing.T) {
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
		orgA := &fc.Organization{ProviderID: p.ID, Name: "A"}
		must(s.CreateOrganization(ctx, orgA))
		orgB := &fc.Organization{ProviderID: p.ID, Name: "B"}
		must(s.CreateOrganization(ctx, orgB))
		acct := &fc.Account{ProviderID: p.ID, OrganizationID: orgA.ID, Name: "A1", Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, acct))
		emp := &fc.Employee{ProviderID: p.ID, AccountID: acct.ID, Name: "Ada Export", Email: "ada@example.test", Active: true}
		must(s.CreateEmployee(ctx, emp))
		subject := func(email string, a fc.Assignment) (access.Subject, *fc.User) {
			t.Helper()
			u := &fc.User{ProviderID: p.ID, Email: email, Name: email, PasswordHash: "x"}
			must(s.CreateUser(ctx, u))
			a.ProviderID, a.UserID = p.ID, u.ID
			must(s.CreateAssignment(ctx, &a))
			subj, err := svc.Subject(ctx, u)
			must(err)
			return subj, u
		}
		admin, _ := subject("admin@p.test", fc.Assignment{Role: fc.RoleProviderAdmin})
		other, otherUser := subject("admin2@p.test", fc.Assignment{Role: fc.RoleProviderAdmin})
		fleetA, _ := subject("fleet-a@p.test", fc.Assignment{Role: fc.RoleFleetManager, OrganizationID: orgA.ID})
		fleetB, fleetBUser := subject("fleet-b@p.test", fc.Assignment{Role: fc.RoleFleetManager, OrganizationID: orgB.ID})
		accountAdmin, _ := subject("acct@p.test", fc.Assignment{Role: fc.RoleAccountAdmin, AccountID: acct.ID})

		for _, tt := range []struct {
			name string
			subj access.Subject
			want string // the error code, "" for none
		}{
			{"provider admin", admin, ""},
			{"fleet manager of the organization", fleetA, ""},
			{"fleet manager of another organization", fleetB, fc.ENotFound},
			{"account admin", accountAdmin, fc.EForbidden},
		} {
			r, err := svc.ExportEmployee(ctx, tt.subj, emp.ID)
			if fc.ErrorCode(err) != tt.want {
				t.Errorf("%s exports the employee: %v, want %q", tt.name, err, tt.want)
			}
			if err == nil && (r.Employee.Email != emp.Email || r.Statements == nil) {
				t.Errorf("%s's export: %+v", tt.name, r)
			}
		}
		for _, tt := range []struct {
			name string
			subj access.Subject
			want string
		}{
			{"fleet manager of the organization", fleetA, fc.EForbidden},
			{"fleet manager of another organization", fleetB, fc.ENotFound},
		} {
			if err := svc.EraseEmployee(ctx, tt.subj, emp.ID); fc.ErrorCode(err) != tt.want {
				t.Errorf("%s erases the employee: %v, want %q", tt.name, err, tt.want)
			}
			if err := svc.EraseUser(ctx, tt.subj, otherUser.ID); err == nil {
				t.Errorf("%s erases a user", tt.name)
			}
			if _, err := svc.ExportUser(ctx, tt.subj, otherUser.ID); err == nil {
				t.Errorf("%s exports a user", tt.name)
			}
		}
		if err := svc.EraseUser(ctx, other, other.UserID); fc.ErrorCode(err) != fc.EUnprocessable {
			t.Errorf("a provider admin erases itself: %v", err)
		}
		r, err := svc.ExportUser(ctx, admin, fleetBUser.ID)
		must(err)
		if r.User.Email != "fleet-b@p.test" || len(r.Assignments) != 1 {
			t.Errorf("the user's export: %+v", r)
		}
		must(svc.EraseUser(ctx, admin, fleetBUser.ID))
		r, err = svc.ExportUser(ctx, admin, fleetBUser.ID)
		must(err)
		if strings.Contains(strings.ToLower(r.User.Email+r.User.Name), "fleet-b") || !r.User.Disabled || len(r.Assignments) != 0 {
			t.Errorf("the user after its erasure: %+v", r)
		}
		must(svc.EraseEmployee(ctx, admin, emp.ID))
		got, err := svc.ExportEmployee(ctx, admin, emp.ID)
		must(err)
		if got.Employee.Name != fc.ErasedEmployeeName || got.Employee.Email != "" {
			t.Errorf("the employee after its erasure: %+v", got.Employee)
		}
	})
}
