package fleetcharge

import (
	"context"
	"slices"
)

// Migration kinds: what a migration moves (CONTRACT.md, POST /api/v1/migrations).
// Accounts move to another organization; everything else to another account.
const (
	MigrateAccounts     = "accounts"
	MigrateCards        = "cards"
	MigrateEmployees    = "employees"
	MigrateStations     = "stations"
	MigrateLocations    = "locations"
	MigrateChargeGroups = "charge_groups"
)

// MigrationKinds lists every migration kind.
var MigrationKinds = []string{MigrateAccounts, MigrateCards, MigrateEmployees, MigrateStations, MigrateLocations, MigrateChargeGroups}

// MigrationObjectKind returns the object kind (KindCard, …) that a migration
// kind moves, or "" for an unknown one.
func MigrationObjectKind(kind string) string {
	switch kind {
	case MigrateAccounts:
		return KindAccount
	case MigrateCards:
		return KindCard
	case MigrateEmployees:
		return KindEmployee
	case MigrateStations:
		return KindStation
	case MigrateLocations:
		return KindLocation
	case MigrateChargeGroups:
		return KindChargeGroup
	}
	return ""
}

// Migration asks to move assets of one provider: accounts to another
// organization, or employees, cards, locations, charge groups and stations
// to another account.
type Migration struct {
	ProviderID           ID     `json:"-"`
	Kind                 string `json:"kind"` // one of MigrationKinds
	IDs                  []ID   `json:"ids"`
	TargetOrganizationID ID     `json:"target_organization_id,omitempty"` // for accounts
	TargetAccountID      ID     `json:"target_account_id,omitempty"`      // for every other kind
	// WithLinked also moves what the assets are linked to and must stay in
	// the same account with them (a station's location and charge group, a
	// location's stations and home employee, a group's stations, an
	// employee's cards and home, a card's employee), so that no link breaks.
	WithLinked bool `json:"with_linked"`
	// Plan, on a real run, is the Fingerprint of the dry run the caller
	// approved: the run refuses with EConflict when anything it covers has
	// changed since. Empty runs without that check.
	Plan string `json:"plan,omitempty"`
}

// Link kinds of a migration plan.
const (
	LinkCardEmployee       = "card_employee"        // a card assigned to an employee
	LinkHomeEmployee       = "home_employee"        // a home location and the employee living there
	LinkStationLocation    = "station_location"     // a station and its location
	LinkStationChargeGroup = "station_charge_group" // a station and its charge group
	LinkChargeGroupAccess  = "charge_group_access"  // a charge group's access list and the cards it admits
)

// Effects of a migration on a link.
const (
	LinkDetached  = "detached" // the link is removed by the migration (a card unassigned)
	LinkBlocking  = "blocking" // the link cannot cross accounts: the migration is refused as asked
	LinkKept      = "kept"     // the link stays, now across accounts or organizations
	LinkAdmitLost = "admission_lost"
	LinkAdmitWon  = "admission_gained"
)

// MigrationMove is one asset that moves: from where, to where, and why
// (requested, or linked to another moved asset).
type MigrationMove struct {
	Kind        string `json:"kind"` // KindAccount, KindCard, …
	ID          ID     `json:"id"`
	Name        string `json:"name"` // the name, identity or external ID
	FromAccount ID     `json:"from_account_id,omitempty"`
	ToAccount   ID     `json:"to_account_id,omitempty"`
	FromOrg     ID     `json:"from_organization_id"`
	ToOrg       ID     `json:"to_organization_id"`
	Reason      string `json:"reason"` // "requested", or "linked to station 5"
	// Version is the row's last update (Unix ms), which the fingerprint covers.
	Version int64 `json:"-"`
}

// MigrationLink is a link between a moved asset and another object that
// the migration breaks or changes, with what happens to it and how to keep
// it.
type MigrationLink struct {
	Kind      string `json:"kind"`   // LinkCardEmployee, …
	Effect    string `json:"effect"` // LinkDetached, LinkBlocking, …
	FromKind  string `json:"from_kind"`
	FromID    ID     `json:"from_id"`
	ToKind    string `json:"to_kind"`
	ToID      ID     `json:"to_id"`
	Count     int64  `json:"count,omitempty"` // cards concerned, for admission changes
	Message   string `json:"message"`
	HowToKeep string `json:"how_to_keep,omitempty"`
	Blocking  bool   `json:"blocking"`
}

// MigrationGroup is a set of moved objects of one kind that sit at the same
// place before and after the migration: what access decisions are made on.
// Sessions come as counts: their owners follow an account that moves.
type MigrationGroup struct {
	Kind       string // an object kind, or SessionsCardSide / SessionsStationSide
	From, To   Owner
	FromHome   Owner // stations at an employee's home: the home account's owner
	ToHome     Owner
	IDs        []ID
	Count      int64
	Historical bool // sessions: their count is not part of the fingerprint
}

// Session sides as migration groups name them.
const (
	SessionsCardSide    = "session_card_side"
	SessionsStationSide = "session_station_side"
)

// AccessChange is what one user gains or loses sight of through a
// migration, for one kind of object, as the access rules decide it.
type AccessChange struct {
	UserID     ID     `json:"user_id"`
	Email      string `json:"email"`
	Kind       string `json:"kind"`
	Permission string `json:"permission"`
	Gained     int64  `json:"gained"`
	Lost       int64  `json:"lost"`
	// GainedIDs and LostIDs list the objects (not sessions), at most the
	// first thousand of each.
	GainedIDs []ID `json:"gained_ids,omitempty"`
	LostIDs   []ID `json:"lost_ids,omitempty"`
}

// MigrationUser is a user of the provider with its role assignments, for
// computing AccessChange.
type MigrationUser struct {
	User        User
	Assignments []Assignment
}

// MigrationPlan is what a migration changes: the assets that move, the links
// it breaks or changes, the history that follows, and who gains or loses
// sight of what. A dry run returns it; a real run returns it with the
// migration's ID (its audit event).
type MigrationPlan struct {
	ID                   ID              `json:"id,omitempty"`
	DryRun               bool            `json:"dry_run"`
	Kind                 string          `json:"kind"`
	IDs                  []ID            `json:"ids"`
	TargetOrganizationID ID              `json:"target_organization_id"`
	TargetAccountID      ID              `json:"target_account_id"`
	WithLinked           bool            `json:"with_linked"`
	Moves                []MigrationMove `json:"moves"`
	Links                []MigrationLink `json:"links"`
	// Blocked is set when a blocking link refuses the migration as asked.
	Blocked bool `json:"blocked"`
	// SessionsCardSide and SessionsStationSide count the sessions whose
	// history follows a moved account into its new organization.
	SessionsCardSide    int64          `json:"history_sessions_card_side"`
	SessionsStationSide int64          `json:"history_sessions_station_side"`
	Access              []AccessChange `json:"access"`
	// Fingerprint covers every row the plan was made from; a real run given
	// it refuses when the plan made again differs.
	Fingerprint string `json:"fingerprint"`
	// Reverse, after a real run, are the migrations that move everything
	// back (see MigrationPlan.ReverseMigrations).
	Reverse []Migration `json:"reverse,omitempty"`

	Groups []MigrationGroup `json:"-"`
	Users  []MigrationUser  `json:"-"`
}

// ReverseMigrations returns the migrations that move back what the plan moved: one
// per origin (organization for accounts, account for the rest), each moving
// the assets of the plan's kind and, for a plan with linked assets, with
// WithLinked set. Links the plan detached are not restored.
func (p *MigrationPlan) ReverseMigrations(providerID ID) []Migration {
	objKind := MigrationObjectKind(p.Kind)
	by := map[ID][]ID{}
	var origins []ID
	for _, m := range p.Moves {
		if m.Kind != objKind || m.Reason != MoveRequested {
			continue
		}
		from := m.FromAccount
		if p.Kind == MigrateAccounts {
			from = m.FromOrg
		}
		if _, ok := by[from]; !ok {
			origins = append(origins, from)
		}
		by[from] = append(by[from], m.ID)
	}
	slices.Sort(origins)
	var out []Migration
	for _, from := range origins {
		m := Migration{ProviderID: providerID, Kind: p.Kind, IDs: by[from], WithLinked: p.WithLinked}
		if p.Kind == MigrateAccounts {
			m.TargetOrganizationID = from
		} else {
			m.TargetAccountID = from
		}
		out = append(out, m)
	}
	return out
}

// MoveRequested is the Reason of a move the migration asked for.
const MoveRequested = "requested"

// MigrationRecord is what the audit event of a migration run keeps (the
// "after" of its migration.run event): enough to show what moved and to
// reverse it.
type MigrationRecord struct {
	Kind                 string          `json:"kind"`
	IDs                  []ID            `json:"ids"`
	TargetOrganizationID ID              `json:"target_organization_id"`
	TargetAccountID      ID              `json:"target_account_id"`
	WithLinked           bool            `json:"with_linked"`
	Fingerprint          string          `json:"fingerprint"`
	Moves                []MigrationMove `json:"moves"`
	Detached             []MigrationLink `json:"detached"`
}

// MigrationStore plans and runs migrations.
type MigrationStore interface {
	// PlanMigration computes what m would change, changing nothing. Assets
	// or a target not in m.ProviderID are ENotFound.
	PlanMigration(ctx context.Context, m Migration) (*MigrationPlan, error)
	// RunMigration runs m in one transaction: it plans again, calls check with
	// that plan (an error aborts), refuses with EConflict when m.Plan is set
	// and is not the plan's fingerprint and with EUnprocessable when a link
	// blocks it, moves everything, and writes one audit event with all it
	// moved, whose ID is the plan's ID.
	RunMigration(ctx context.Context, m Migration, check func(*MigrationPlan) error) (*MigrationPlan, error)
}
