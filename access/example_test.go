package access_test

import (
	"fmt"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// assign returns the subject of a user holding the given roles on scopes.
func assign(userID fc.ID, as ...fc.Assignment) access.Subject {
	s := access.Subject{UserID: userID, ProviderID: 1}
	for i, a := range as {
		a.ID, a.ProviderID, a.UserID = fc.ID(100*userID)+fc.ID(i), 1, userID
		s.Assignments = append(s.Assignments, a)
	}
	return s
}

// onOrg and onAccount are role assignments on an organization and on an account.
func onOrg(r fc.Role, id fc.ID) fc.Assignment     { return fc.Assignment{Role: r, OrganizationID: id} }
func onAccount(r fc.Role, id fc.ID) fc.Assignment { return fc.Assignment{Role: r, AccountID: id} }

// of returns the owner of an object of account id under the organizations path.
func of(account fc.ID, path ...fc.ID) fc.Owner {
	return fc.Owner{ProviderID: 1, AccountID: account, OrgPath: path}
}

// org returns the owner of the organization at the end of path.
func org(path ...fc.ID) fc.Owner { return fc.Owner{ProviderID: 1, OrgPath: path} }

func show(who string, d access.Decision) {
	verdict := "denied"
	if d.Allowed {
		verdict = "allowed"
	}
	fmt.Printf("%s, %s: %s: %s\n", who, d.Permission, verdict, d.Reason)
}

// The seed's case A, a logistics company in one country: a holding and
// its subsidiaries, with stations at office sites. A special fleet account at
// the holding level holds Fleet + Facility on the holding and sees
// everything in every subsidiary; each subsidiary's regular company account
// manages only its own assets.
func Example_logisticsHolding() {
	const (
		holding, north, south          fc.ID = 1, 2, 3    // organizations
		fleetAccount, northCo, southCo fc.ID = 10, 20, 30 // accounts
		holdingUser, northAdmin        fc.ID = 7, 8       // users
	)
	manager := assign(holdingUser, onOrg(fc.RoleFleetManager, holding), onOrg(fc.RoleFacilityManager, holding))
	nAdmin := assign(northAdmin, onAccount(fc.RoleAccountAdmin, northCo))

	northCard := of(northCo, holding, north)
	southStation := of(southCo, holding, south)

	show("holding manager", access.Decide(manager, access.CardsManage, northCard))
	show("holding manager", access.Decide(manager, access.StationsCommand, southStation))
	show("holding manager", access.Decide(manager, access.ReportsFleet, org(holding)))
	show("holding manager", access.Decide(manager, access.ReportsFacility, org(holding, south)))
	fmt.Printf("holding manager, card-side sessions reach: %+v\n", access.SessionScopeFor(manager).CardSide)

	show("north admin", access.Decide(nAdmin, access.CardsManage, northCard))
	show("north admin", access.Decide(nAdmin, access.StationsRead, southStation))
	show("north admin", access.Decide(nAdmin, access.ReportsFleet, org(holding, north)))
	show("north admin", access.Decide(nAdmin, access.AccountsRead, of(northCo, holding, north)))
	show("north admin", access.Decide(nAdmin, access.OrganizationsRead, org(holding, north)))
	// Output:
	// holding manager, cards.manage: allowed: fleet_manager on organization 1, an ancestor of organization 2 which holds account 20
	// holding manager, stations.command: allowed: facility_manager on organization 1, an ancestor of organization 3 which holds account 30
	// holding manager, reports.fleet: allowed: fleet_manager on organization 1 itself
	// holding manager, reports.facility: allowed: facility_manager on organization 1, an ancestor of organization 3
	// holding manager, card-side sessions reach: {All:false OrgIDs:[1] AccountIDs:[] EmployeeIDs:[]}
	// north admin, cards.manage: allowed: account_admin on account 20
	// north admin, stations.read: denied: no assignment of user 8 grants stations.read on account 30 or its organizations 1 > 3; user 8 holds stations.read only on account 20
	// north admin, reports.fleet: denied: no assignment of user 8 grants reports.fleet on organization 2 or its ancestors 1; user 8 holds reports.fleet nowhere
	// north admin, accounts.read: allowed: account_admin on account 20
	// north admin, organizations.read: denied: no assignment of user 8 grants organizations.read on organization 2 or its ancestors 1; user 8 holds organizations.read nowhere
}

// The seed's case B, an international consultancy: a holding with a
// subsidiary per country, home stations at employees' homes. Fleet +
// Facility at the holding; a facility manager per country oversees the
// country's sites (stations, not cards); a fleet manager per country
// oversees the country's employees and their cards, and reads their home
// stations; company accounts manage their own assets.
func Example_internationalConsultancy() {
	const (
		holding, germany, france fc.ID = 1, 2, 3 // organizations
		// Per country: one account manages all home stations and cards, one
		// the office assets.
		deHome, deOffice, frHome, frOffice fc.ID = 21, 22, 31, 32
	)
	top := assign(5, onOrg(fc.RoleFleetManager, holding), onOrg(fc.RoleFacilityManager, holding))
	deFacility := assign(6, onOrg(fc.RoleFacilityManager, germany))
	deFleet := assign(7, onOrg(fc.RoleFleetManager, germany))
	frOfficeAdmin := assign(8, onAccount(fc.RoleAccountAdmin, frOffice))

	deCard := of(deHome, holding, germany)
	deOfficeStation := of(deOffice, holding, germany)
	frCard := of(frHome, holding, france)
	frOfficeStation := of(frOffice, holding, france)
	// A station of the German home-charging account at the home of an
	// employee of the German office account.
	deHomeStation := of(deHome, holding, germany)
	deHomeStation.HomeOfAccountID = deOffice

	show("holding", access.Decide(top, access.CardsManage, frCard))
	show("holding", access.Decide(top, access.StationsCommand, deOfficeStation))

	show("DE facility", access.Decide(deFacility, access.StationsManage, deOfficeStation))
	show("DE facility", access.Decide(deFacility, access.CardsRead, deCard))
	show("DE facility", access.Decide(deFacility, access.StationsRead, frOfficeStation))

	show("DE fleet", access.Decide(deFleet, access.CardsManage, deCard))
	show("DE fleet", access.Decide(deFleet, access.CardsRead, frCard))
	show("DE fleet", access.DecideStation(deFleet, access.StationsRead, deHomeStation, of(deOffice, holding, germany)))
	show("DE fleet", access.DecideStation(deFleet, access.StationsCommand, deHomeStation, of(deOffice, holding, germany)))
	fmt.Printf("DE fleet, station scope: %+v\n", access.StationScopeFor(deFleet))

	// A German card charging at a French office: the French office's admin
	// sees the session from the station side only, with the card masked.
	s := access.DecideSession(frOfficeAdmin, deCard, frOfficeStation)
	fmt.Printf("FR office admin, German card at its station: allowed %v, masked %v\n", s.Allowed, s.Masked)
	s = access.DecideSession(deFacility, deCard, frOfficeStation)
	fmt.Printf("DE facility, German card at a French station: allowed %v: %s\n", s.Allowed, s.Reason)

	for _, h := range access.Held(top) {
		fmt.Printf("holding user holds %v on %s %d\n", h.Roles, h.Kind, h.ID)
	}
	// Output:
	// holding, cards.manage: allowed: fleet_manager on organization 1, an ancestor of organization 3 which holds account 31
	// holding, stations.command: allowed: facility_manager on organization 1, an ancestor of organization 2 which holds account 22
	// DE facility, stations.manage: allowed: facility_manager on organization 2, which holds account 22
	// DE facility, cards.read: denied: no assignment of user 6 grants cards.read on account 21 or its organizations 1 > 2; user 6 holds cards.read nowhere
	// DE facility, stations.read: denied: no assignment of user 6 grants stations.read on account 32 or its organizations 1 > 3; user 6 holds stations.read only on organization 2
	// DE fleet, cards.manage: allowed: fleet_manager on organization 2, which holds account 21
	// DE fleet, cards.read: denied: no assignment of user 7 grants cards.read on account 31 or its organizations 1 > 3; user 7 holds cards.read only on organization 2
	// DE fleet, stations.read: allowed: fleet_manager on organization 2, which holds account 22, and this station stands at the home of an employee of account 22 (stations.home.read)
	// DE fleet, stations.command: denied: no assignment of user 7 grants stations.command on account 21 or its organizations 1 > 2; user 7 holds stations.command nowhere
	// DE fleet, station scope: {ProviderID:1 Reach:{All:false OrgIDs:[] AccountIDs:[] EmployeeIDs:[]} HomesOf:{All:false OrgIDs:[2] AccountIDs:[] EmployeeIDs:[]}}
	// FR office admin, German card at its station: allowed true, masked true
	// DE facility, German card at a French station: allowed false: card side: no assignment of user 6 grants sessions.card_side.read on account 21 or its organizations 1 > 2; user 6 holds sessions.card_side.read nowhere; station side: no assignment of user 6 grants sessions.station_side.read on account 32 or its organizations 1 > 3; user 6 holds sessions.station_side.read only on organization 2
	// holding user holds [fleet_manager facility_manager] on organization 1
}
