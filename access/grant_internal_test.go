package access

import (
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

// withTable makes the rest of the test run with another role table, for
// rules that the product's table cannot tell apart. Tests using it must not
// run in parallel.
func withTable(t *testing.T, rows []RoleInfo) {
	t.Helper()
	savedTable, savedMasks := table, roleMasks
	t.Cleanup(func() { table, roleMasks = savedTable, savedMasks })
	table, roleMasks = rows, make([]mask, len(rows))
	for i, r := range rows {
		for _, p := range r.Permissions {
			roleMasks[i] |= bits[p]
		}
	}
}

// TestCanGrantNeedsEveryPermissionOfTheRole checks the general delegation
// rule with a role that manages users without holding everything, which the
// product's table does not have: users.manage alone is not enough to grant
// a role, the granter must hold each of its permissions on the target too.
func TestCanGrantNeedsEveryPermissionOfTheRole(t *testing.T) {
	const userManager fc.Role = "user_manager"
	withTable(t, []RoleInfo{
		{Role: userManager, Permissions: []Permission{UsersManage}},
		{Role: fc.RoleFleetManager, Permissions: RolePermissions(fc.RoleFleetManager)},
		{Role: fc.RoleFacilityManager, Permissions: RolePermissions(fc.RoleFacilityManager)},
	})
	// Organizations 1 > 2 > 3. The granter manages users on 1 and is fleet
	// manager on 2.
	granter := Subject{UserID: 7, ProviderID: 1, Assignments: []fc.Assignment{
		{ProviderID: 1, UserID: 7, Role: userManager, OrganizationID: 1},
		{ProviderID: 1, UserID: 7, Role: fc.RoleFleetManager, OrganizationID: 2},
	}}
	orgAt := func(path ...fc.ID) fc.Owner { return fc.Owner{ProviderID: 1, OrgPath: path} }
	tests := []struct {
		role    fc.Role
		on      fc.Owner
		message string // "" for allowed
	}{
		{fc.RoleFleetManager, orgAt(1, 2), ""},
		{fc.RoleFleetManager, orgAt(1, 2, 3), ""},
		{fc.RoleFleetManager, orgAt(1), "does not hold organizations.read"},
		{fc.RoleFacilityManager, orgAt(1, 2, 3), "does not hold locations.read"},
		{userManager, orgAt(1, 2), ""},
	}
	for _, tt := range tests {
		a := fc.Assignment{ProviderID: 1, UserID: 8, Role: tt.role, OrganizationID: tt.on.OrgPath[len(tt.on.OrgPath)-1]}
		err := CanGrant(granter, a, tt.on)
		switch {
		case tt.message == "" && err != nil:
			t.Errorf("grant %s on %v: %v, want allowed", tt.role, tt.on.OrgPath, err)
		case tt.message != "" && (!fc.IsCode(err, fc.EForbidden) || !strings.Contains(err.Error(), tt.message)):
			t.Errorf("grant %s on %v: %v, want %s mentioning %q", tt.role, tt.on.OrgPath, err, fc.EForbidden, tt.message)
		}
	}
}
