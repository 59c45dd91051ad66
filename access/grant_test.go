package access_test

import (
	"slices"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

func TestCanGrant(t *testing.T) {
	// Provider 1: organizations 1 > 2 > 3 and 1 > 4; account 9 in 3.
	admin := assign(1, fc.Assignment{Role: fc.RoleProviderAdmin})
	subtreeAdmin := assign(2, onOrg(fc.RoleProviderAdmin, 2))
	accountOnlyAdmin := assign(3, onAccount(fc.RoleProviderAdmin, 9))
	fleet := assign(4, onOrg(fc.RoleFleetManager, 1), onOrg(fc.RoleFacilityManager, 1))
	otherProvider := access.Subject{UserID: 5, ProviderID: 2,
		Assignments: []fc.Assignment{{ProviderID: 2, UserID: 5, Role: fc.RoleProviderAdmin}}}

	provider := fc.Owner{ProviderID: 1}
	org2, org3, org4 := org(1, 2), org(1, 2, 3), org(1, 4)
	account9 := of(9, 1, 2, 3)
	grant := func(r fc.Role, orgID, accountID fc.ID) fc.Assignment {
		return fc.Assignment{ProviderID: 1, UserID: 42, Role: r, OrganizationID: orgID, AccountID: accountID}
	}

	tests := []struct {
		name    string
		granter access.Subject
		a       fc.Assignment
		target  fc.Owner
		want    string // error code, "" for allowed
		message string // part of the error message
	}{
		{"provider admin grants on an organization", admin, grant(fc.RoleFleetManager, 3, 0), org3, "", ""},
		{"provider admin grants provider admin", admin, grant(fc.RoleProviderAdmin, 0, 0), provider, "", ""},
		{"provider admin grants on an account", admin, grant(fc.RoleAccountAdmin, 0, 9), account9, "", ""},
		{"subtree admin grants inside its subtree", subtreeAdmin, grant(fc.RoleFacilityManager, 3, 0), org3, "", ""},
		{"subtree admin grants on its own organization", subtreeAdmin, grant(fc.RoleProviderAdmin, 2, 0), org2, "", ""},
		{"subtree admin grants on an account inside", subtreeAdmin, grant(fc.RoleAccountAdmin, 0, 9), account9, "", ""},
		{"subtree admin grants on a sibling", subtreeAdmin, grant(fc.RoleFleetManager, 4, 0), org4, fc.EForbidden, "does not hold users.manage"},
		{"subtree admin grants provider-wide", subtreeAdmin, grant(fc.RoleFleetManager, 0, 0), provider, fc.EForbidden, "on the whole provider"},
		{"account admin of provider rights grants on its account", accountOnlyAdmin, grant(fc.RoleAccountAdmin, 0, 9), account9, "", ""},
		{"account-scoped granter grants on the organization above", accountOnlyAdmin, grant(fc.RoleFleetManager, 3, 0), org3, fc.EForbidden, "organization 3"},
		{"fleet and facility manager grants nothing", fleet, grant(fc.RoleFleetManager, 3, 0), org3, fc.EForbidden, "users.manage"},
		{"granter of another provider", otherProvider, grant(fc.RoleFleetManager, 3, 0), org3, fc.EForbidden, "another provider"},
		{"assignment in another provider", admin, fc.Assignment{ProviderID: 2, Role: fc.RoleFleetManager, OrganizationID: 3}, fc.Owner{ProviderID: 2, OrgPath: []fc.ID{3}}, fc.EForbidden, "another provider"},
		{"unknown role", admin, grant("chauffeur", 3, 0), org3, fc.EInvalid, "not a role"},
		{"driver off an employee", admin, grant(fc.RoleDriver, 3, 0), org3, fc.EInvalid, "on an employee"},
		{"both scopes", admin, grant(fc.RoleFleetManager, 3, 9), org3, fc.EInvalid, "not on several"},
		{"target is not the organization", admin, grant(fc.RoleFleetManager, 3, 0), org2, fc.EInvalid, "does not match"},
		{"target is an account for an organization grant", admin, grant(fc.RoleFleetManager, 3, 0), account9, fc.EInvalid, "does not match"},
		{"target is not the account", admin, grant(fc.RoleAccountAdmin, 0, 8), account9, fc.EInvalid, "does not match"},
		{"provider-wide grant on an organization target", admin, grant(fc.RoleFleetManager, 0, 0), org3, fc.EInvalid, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := access.CanGrant(tt.granter, tt.a, tt.target)
			if got := fc.ErrorCode(err); got != tt.want {
				t.Fatalf("CanGrant: err = %v, want code %q", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.message) {
				t.Errorf("CanGrant: err = %q, want it to mention %q", err, tt.message)
			}
			if rerr := access.CanRevoke(tt.granter, tt.a, tt.target); fc.ErrorCode(rerr) != tt.want {
				t.Errorf("CanRevoke: err = %v, want code %q", rerr, tt.want)
			}
		})
	}
}

func TestDecideEdges(t *testing.T) {
	admin := assign(1, fc.Assignment{Role: fc.RoleProviderAdmin})
	tests := []struct {
		name    string
		s       access.Subject
		p       access.Permission
		o       fc.Owner
		want    bool
		message string
	}{
		{"provider admin on a provider-level object", admin, access.UsersManage, fc.Owner{ProviderID: 1}, true, "on the whole provider 1"},
		{"organization role on a provider-level object", assign(2, onOrg(fc.RoleProviderAdmin, 1)), access.UsersManage, fc.Owner{ProviderID: 1}, false, "only a provider-wide assignment reaches"},
		{"another provider", admin, access.CardsRead, fc.Owner{ProviderID: 2, AccountID: 9, OrgPath: []fc.ID{1}}, false, "nothing crosses providers"},
		{"unknown permission", admin, "cards.destroy", of(9, 1), false, "not a permission"},
		{"account ID equal to an organization ID", assign(3, onOrg(fc.RoleFleetManager, 9)), access.CardsRead, of(9, 1, 2), false, "no assignment"},
		{"organization ID equal to an account ID", assign(3, onAccount(fc.RoleAccountAdmin, 2)), access.CardsRead, of(9, 1, 2), false, "no assignment"},
		{"account role on its organization", assign(3, onAccount(fc.RoleAccountAdmin, 9)), access.AccountsRead, org(1, 2), false, "no assignment"},
		{"assignment of another user", access.Subject{UserID: 4, ProviderID: 1, Assignments: []fc.Assignment{{ProviderID: 1, UserID: 5, Role: fc.RoleProviderAdmin}}}, access.CardsRead, of(9, 1), false, "holds cards.read nowhere"},
		{"unknown role", assign(6, onOrg("chauffeur", 1)), access.CardsRead, of(9, 1), false, "nowhere"},
		{"subject without provider", access.Subject{UserID: 7}, access.CardsRead, fc.Owner{AccountID: 9}, false, "nothing crosses providers"},
		{"home rule grants reading only", assign(8, onOrg(fc.RoleFleetManager, 1)), access.StationsManage, fc.Owner{ProviderID: 1, AccountID: 5, OrgPath: []fc.ID{3}, HomeOfAccountID: 9}, false, "no assignment"},
		{"home rule through the home account", assign(8, onAccount(fc.RoleFleetManager, 9)), access.StationsRead, fc.Owner{ProviderID: 1, AccountID: 5, OrgPath: []fc.ID{3}, HomeOfAccountID: 9}, true, "stands at the home of an employee of account 9"},
		{"home rule without the home chain", assign(8, onOrg(fc.RoleFleetManager, 1)), access.StationsRead, fc.Owner{ProviderID: 1, AccountID: 5, OrgPath: []fc.ID{3}, HomeOfAccountID: 9}, false, "nor stations.home.read on account 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := access.Decide(tt.s, tt.p, tt.o)
			if d.Allowed != tt.want || !strings.Contains(d.Reason, tt.message) {
				t.Errorf("Decide = %v %q, want %v and a reason mentioning %q", d.Allowed, d.Reason, tt.want, tt.message)
			}
			if got := access.Can(tt.s, tt.p, tt.o); got != d.Allowed {
				t.Errorf("Can = %v, Decide = %v", got, d.Allowed)
			}
		})
	}
}

func TestDecidePrefersTheGrantHighestUp(t *testing.T) {
	s := assign(1, onAccount(fc.RoleAccountAdmin, 9), onOrg(fc.RoleFleetManager, 3), onOrg(fc.RoleFleetManager, 2))
	d := access.Decide(s, access.CardsRead, of(9, 1, 2, 3))
	if !d.Allowed || d.Via == nil || d.Via.OrganizationID != 2 || d.AtOrganization != 2 {
		t.Errorf("Decide = %+v, want the fleet manager on organization 2", d)
	}
	s = assign(1, onOrg(fc.RoleFleetManager, 3), fc.Assignment{Role: fc.RoleProviderAdmin})
	d = access.Decide(s, access.CardsRead, of(9, 1, 2, 3))
	if !d.Allowed || d.Via == nil || d.Via.ScopeKind() != fc.ScopeProvider || d.AtOrganization != 0 {
		t.Errorf("Decide = %+v, want the provider admin", d)
	}
}

func TestReachIsNormalised(t *testing.T) {
	s := assign(1, onOrg(fc.RoleFleetManager, 5), onAccount(fc.RoleAccountAdmin, 9), onOrg(fc.RoleFleetManager, 2),
		onOrg(fc.RoleFleetManager, 5), onAccount(fc.RoleAccountAdmin, 3), onOrg(fc.RoleFacilityManager, 2))
	got := access.Reach(s, access.CardsRead)
	if got.All || !slices.Equal(got.OrgIDs, []fc.ID{2, 5}) || !slices.Equal(got.AccountIDs, []fc.ID{3, 9}) {
		t.Errorf("Reach(cards.read) = %+v, want organizations [2 5], accounts [3 9]", got)
	}
	if got := access.Reach(s, access.StationsCommand); got.All || !slices.Equal(got.OrgIDs, []fc.ID{2}) || !slices.Equal(got.AccountIDs, []fc.ID{3, 9}) {
		t.Errorf("Reach(stations.command) = %+v, want organization [2], accounts [3 9]", got)
	}
	s.Assignments = append(s.Assignments, fc.Assignment{ProviderID: 1, UserID: 1, Role: fc.RoleFleetManager})
	if got := access.Reach(s, access.CardsRead); !got.All || len(got.OrgIDs)+len(got.AccountIDs) != 0 {
		t.Errorf("Reach with a provider-wide assignment = %+v, want All alone", got)
	}
	if got := access.Reach(s, "cards.destroy"); !got.Empty() {
		t.Errorf("Reach(unknown) = %+v, want empty", got)
	}
	sc := access.ScopeFor(s, access.MigrationsRun)
	if sc.ProviderID != 1 || !sc.Reach.Empty() {
		t.Errorf("ScopeFor(migrations.run) = %+v, want provider 1 reaching nothing", sc)
	}
}
