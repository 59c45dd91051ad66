package access_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

var update = flag.Bool("update", false, "rewrite docs/ROLES.md from the role table")

// TestRoleTableMatchesSpec checks the role table against SPEC.md's "Roles
// and rights", one row per right and one cell per role.
func TestRoleTableMatchesSpec(t *testing.T) {
	const yes, no = true, false
	roles := []fc.Role{fc.RoleProviderAdmin, fc.RoleFleetManager, fc.RoleFacilityManager, fc.RoleAccountAdmin, fc.RoleDriver}
	rows := []struct {
		right string
		perms []access.Permission
		want  [5]bool // provider admin, fleet manager, facility manager, account admin, driver
	}{
		{"organizations: create, rename, move, delete", []access.Permission{access.OrganizationsManage}, [5]bool{yes, no, no, no, no}},
		// Not in SPEC.md's table: implied by working in a subtree; an account
		// admin's scope holds no organization.
		{"organizations: read", []access.Permission{access.OrganizationsRead}, [5]bool{yes, yes, yes, no, no}},
		{"accounts: create, edit", []access.Permission{access.AccountsManage}, [5]bool{yes, no, no, no, no}},
		{"accounts: read (own for account admin)", []access.Permission{access.AccountsRead}, [5]bool{yes, yes, yes, yes, no}},
		{"users and role assignments", []access.Permission{access.UsersManage}, [5]bool{yes, no, no, no, no}},
		// A driver (SPEC.md: own cards, own sessions, own home charger, own
		// statements) reads its own employee, cards, home locations and
		// stations, sessions and statements, and starts and stops charging
		// on its home station (issue 15); what it reads is the employee's
		// alone (the property tests check where).
		{"employees: read", []access.Permission{access.EmployeesRead}, [5]bool{yes, yes, no, yes, yes}},
		{"employees: create, edit, deactivate", []access.Permission{access.EmployeesManage}, [5]bool{yes, yes, no, yes, no}},
		{"charge cards: read", []access.Permission{access.CardsRead}, [5]bool{yes, yes, no, yes, yes}},
		{"charge cards: issue, edit, assign, block, deactivate", []access.Permission{access.CardsManage}, [5]bool{yes, yes, no, yes, no}},
		{"locations, stations: read", []access.Permission{access.LocationsRead, access.StationsRead}, [5]bool{yes, no, yes, yes, yes}},
		{"locations, charge groups, stations: create, edit, access policy", []access.Permission{
			access.LocationsManage, access.ChargeGroupsRead, access.ChargeGroupsManage,
			access.StationsManage}, [5]bool{yes, no, yes, yes, no}},
		{"read home stations of its employees", []access.Permission{access.StationsHomeRead}, [5]bool{yes, yes, no, no, no}},
		{"remote commands", []access.Permission{access.StationsCommand}, [5]bool{yes, no, yes, yes, no}},
		{"remote start and stop", []access.Permission{access.StationsCharge}, [5]bool{yes, no, yes, yes, yes}},
		{"sessions made with cards in scope (card side)", []access.Permission{access.SessionsCardSideRead}, [5]bool{yes, yes, no, yes, yes}},
		{"sessions on stations in scope (station side)", []access.Permission{access.SessionsStationSideRead}, [5]bool{yes, no, yes, yes, no}},
		{"fleet reports", []access.Permission{access.ReportsFleet}, [5]bool{yes, yes, no, no, no}},
		{"facility reports", []access.Permission{access.ReportsFacility}, [5]bool{yes, no, yes, no, no}},
		{"asset migration", []access.Permission{access.MigrationsRun}, [5]bool{yes, no, no, no, no}},
		{"audit log (own scope)", []access.Permission{access.AuditRead}, [5]bool{yes, yes, yes, no, no}},
		// SPEC.md, Settlement, and issue 15: fleet managers set rates and
		// generate, approve and pay statements; an account admin of the
		// employee's account reads and approves them.
		{"home-charging reimbursement: read", []access.Permission{access.ReimbursementRead}, [5]bool{yes, yes, no, yes, yes}},
		{"home-charging reimbursement: rates, statements, paid", []access.Permission{access.ReimbursementManage}, [5]bool{yes, yes, no, no, no}},
		{"home-charging reimbursement: approve", []access.Permission{access.ReimbursementApprove}, [5]bool{yes, yes, no, yes, no}},
		// Issue 16: provider admins run and issue; fleet managers and
		// account admins read the invoices of the accounts in scope;
		// facility managers the self-billing invoices of their stations'
		// accounts. A driver reads none.
		{"invoices: read", []access.Permission{access.InvoicesRead}, [5]bool{yes, yes, no, yes, no}},
		{"self-billing invoices: read", []access.Permission{access.InvoicesSelfBillingRead}, [5]bool{yes, no, yes, no, no}},
		{"invoices: run, issue, credit, paid", []access.Permission{access.InvoicesManage}, [5]bool{yes, no, no, no, no}},
	}
	covered := map[access.Permission]bool{}
	for _, row := range rows {
		for _, p := range row.perms {
			covered[p] = true
			for i, r := range roles {
				if got := access.Grants(r, p); got != row.want[i] {
					t.Errorf("%s: %s grants %s = %v, want %v", row.right, r, p, got, row.want[i])
				}
			}
		}
	}
	for _, p := range access.Permissions() {
		if !covered[p.Permission] {
			t.Errorf("permission %s is in no row of this test: add it", p.Permission)
		}
	}
	if got, want := len(access.Table()), len(fc.Roles); got != want {
		t.Errorf("role table has %d roles, want %d", got, want)
	}
	for i, r := range access.Table() {
		if r.Role != fc.Roles[i] {
			t.Errorf("table row %d is %s, want %s (fc.Roles order)", i, r.Role, fc.Roles[i])
		}
	}
}

func TestPermissionCatalogue(t *testing.T) {
	seen := map[access.Permission]bool{}
	for _, p := range access.Permissions() {
		if seen[p.Permission] {
			t.Errorf("permission %s listed twice", p.Permission)
		}
		seen[p.Permission] = true
		if p.Description == "" || p.Permission.Description() != p.Description {
			t.Errorf("permission %s: description %q", p.Permission, p.Permission.Description())
		}
		if got, err := access.ParsePermission(string(p.Permission)); err != nil || got != p.Permission {
			t.Errorf("ParsePermission(%q) = %q, %v", p.Permission, got, err)
		}
	}
	if _, err := access.ParsePermission("cards.destroy"); !fc.IsCode(err, fc.EInvalid) {
		t.Errorf("ParsePermission(cards.destroy): err = %v, want %s", err, fc.EInvalid)
	}
	if got := access.RolePermissions("chauffeur"); got != nil {
		t.Errorf("RolePermissions(chauffeur) = %v, want none", got)
	}
	if access.Grants(fc.RoleProviderAdmin, "cards.destroy") {
		t.Error("provider admin grants an unknown permission")
	}
	// Every role lists its permissions in the documented order.
	for _, r := range access.Table() {
		if got := access.RolePermissions(r.Role); !slices.Equal(got, r.Permissions) {
			t.Errorf("%s: RolePermissions = %v, table row = %v", r.Role, got, r.Permissions)
		}
	}
}

// TestRolesDocUpToDate fails when docs/ROLES.md is not what the role table
// generates; run it with -update to rewrite the file.
func TestRolesDocUpToDate(t *testing.T) {
	path := filepath.Join("..", filepath.FromSlash(access.RolesDocPath))
	want := access.RolesDoc()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./access -run TestRolesDocUpToDate -update)", err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: run go test ./access -run TestRolesDocUpToDate -update", access.RolesDocPath)
	}
	for _, p := range access.Permissions() {
		if !strings.Contains(want, "`"+string(p.Permission)+"`") {
			t.Errorf("the generated doc does not mention %s", p.Permission)
		}
	}
}
