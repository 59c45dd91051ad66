package access

import (
	"maps"
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
)

// KindMigration is the object kind of an asset migration's own audit event.
const KindMigration = "migration"

// readPermissions is THE table of what reads an object of each kind, as the
// audit log names kinds: an audit event of an object is read only with
// audit.read and this permission on the object. Stations are also read
// through stations.home.read at the homes of employees (StationScopeFor),
// and sessions through either side (SessionScopeFor). A kind missing here
// is read only by provider-wide audit readers.
var readPermissions = map[string]Permission{
	fc.KindOrganization: OrganizationsRead,
	fc.KindAccount:      AccountsRead,
	fc.KindEmployee:     EmployeesRead,
	fc.KindCard:         CardsRead,
	fc.KindLocation:     LocationsRead,
	fc.KindChargeGroup:  ChargeGroupsRead,
	fc.KindStation:      StationsRead,
	fc.KindSession:      SessionsCardSideRead,
	fc.KindUser:         UsersManage,
	fc.KindAssignment:   UsersManage,
	KindMigration:       MigrationsRun,

	fc.KindReimbursementRate:      ReimbursementRead,
	fc.KindReimbursementStatement: ReimbursementRead,
	// An invoice's history (drafts recomputed, issued, credited) is the
	// provider's back office: drafts are read only with invoices.manage.
	fc.KindInvoice: InvoicesManage,
}

// ReadPermission returns the permission that reads objects of kind, and
// false for a kind without one (such as the provider itself or an API
// token), whose audit events only provider-wide audit readers see. A
// session is read with either side's permission; the card side's is
// returned.
func ReadPermission(kind string) (Permission, bool) {
	p, ok := readPermissions[kind]
	return p, ok
}

// ReadKinds returns the kinds that ReadPermission knows, sorted.
func ReadKinds() []string { return slices.Sorted(maps.Keys(readPermissions)) }

// AuditScopeFor returns the scope of s's audit log reads: events where s
// holds audit.read, of objects s may read, each by its kind's read
// permission (with the home rule for stations and both sides for sessions).
func AuditScopeFor(s Subject) fc.AuditScope {
	sc := fc.AuditScope{
		ProviderID: s.ProviderID,
		Audit:      Reach(s, AuditRead),
		Kinds:      map[string]fc.Reach{},
		Stations:   StationScopeFor(s),
		Sessions:   SessionScopeFor(s),
	}
	for kind, p := range readPermissions {
		if kind != fc.KindStation && kind != fc.KindSession {
			sc.Kinds[kind] = Reach(s, p)
		}
	}
	return sc
}
