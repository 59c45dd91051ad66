package access

import (
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
)

// Permission is one fine-grained right, such as "cards.manage". A role is a
// named set of permissions (see RolePermissions); an assignment holds its
// role's permissions on its scope.
type Permission string

// The permissions of the product, in the order they are documented.
const (
	OrganizationsRead       Permission = "organizations.read"
	OrganizationsManage     Permission = "organizations.manage"
	AccountsRead            Permission = "accounts.read"
	AccountsManage          Permission = "accounts.manage"
	UsersManage             Permission = "users.manage"
	EmployeesRead           Permission = "employees.read"
	EmployeesManage         Permission = "employees.manage"
	CardsRead               Permission = "cards.read"
	CardsManage             Permission = "cards.manage"
	LocationsRead           Permission = "locations.read"
	LocationsManage         Permission = "locations.manage"
	ChargeGroupsRead        Permission = "chargegroups.read"
	ChargeGroupsManage      Permission = "chargegroups.manage"
	StationsRead            Permission = "stations.read"
	StationsHomeRead        Permission = "stations.home.read"
	StationsManage          Permission = "stations.manage"
	StationsCommand         Permission = "stations.command"
	StationsCharge          Permission = "stations.charge"
	SessionsCardSideRead    Permission = "sessions.card_side.read"
	SessionsStationSideRead Permission = "sessions.station_side.read"
	ReportsFleet            Permission = "reports.fleet"
	ReportsFacility         Permission = "reports.facility"
	MigrationsRun           Permission = "migrations.run"
	AuditRead               Permission = "audit.read"
	ReimbursementRead       Permission = "reimbursement.read"
	ReimbursementManage     Permission = "reimbursement.manage"
	ReimbursementApprove    Permission = "reimbursement.approve"
	InvoicesRead            Permission = "invoices.read"
	InvoicesSelfBillingRead Permission = "invoices.self_billing.read"
	InvoicesManage          Permission = "invoices.manage"
)

// PermissionInfo describes one permission for documentation and the API.
type PermissionInfo struct {
	Permission  Permission `json:"permission"`
	Description string     `json:"description"`
}

// catalogue lists every permission with its one-line description, in the
// documented order. A permission's position is its bit in a role's mask.
var catalogue = []PermissionInfo{
	{OrganizationsRead, "read organizations of the subtree: names, countries, the tree itself"},
	{OrganizationsManage, "create, rename, move and delete organizations"},
	{AccountsRead, "read customer accounts"},
	{AccountsManage, "create and edit customer accounts"},
	{UsersManage, "create and edit users, grant and revoke role assignments"},
	{EmployeesRead, "read employees"},
	{EmployeesManage, "create, edit and deactivate employees"},
	{CardsRead, "read charge cards"},
	{CardsManage, "issue, edit, assign to an employee, block and deactivate charge cards"},
	{LocationsRead, "read locations"},
	{LocationsManage, "create and edit locations"},
	{ChargeGroupsRead, "read charge groups, their access policy and tariff"},
	{ChargeGroupsManage, "create and edit charge groups, their access policy and tariff"},
	{StationsRead, "read charge stations and their charge points"},
	{StationsHomeRead, "read the stations at the homes of the employees of accounts in scope, wherever those stations sit"},
	{StationsManage, "register and edit charge stations"},
	{StationsCommand, "send remote commands: start, stop, reset, unlock, availability"},
	{StationsCharge, "start and stop charging remotely (remote start, remote stop): a driver's own home station"},
	{SessionsCardSideRead, "read sessions made with cards of accounts in scope (card side)"},
	{SessionsStationSideRead, "read sessions on stations of accounts in scope (station side), foreign cards masked"},
	{ReportsFleet, "run the fleet reports (cards, sessions, employees)"},
	{ReportsFacility, "run the facility reports (stations, charge points)"},
	{MigrationsRun, "migrate assets between organizations and accounts"},
	{AuditRead, "read the audit log of objects in scope"},
	{ReimbursementRead, "read the home-charging reimbursement rates and statements of the employees of accounts in scope"},
	{ReimbursementManage, "set reimbursement rates, generate the monthly statements, mark approved statements paid"},
	{ReimbursementApprove, "approve draft reimbursement statements"},
	{InvoicesRead, "read and download the invoices, self-billing invoices and credit notes of accounts in scope"},
	{InvoicesSelfBillingRead, "read and download the self-billing invoices (and their credit notes) of accounts in scope: what their stations earned"},
	{InvoicesManage, "run the monthly invoicing, issue invoices, credit them, mark them paid"},
}

// RoleInfo is one row of the role table: a role, what it is for, and the
// permissions it grants on the scope it is assigned on.
type RoleInfo struct {
	Role        fc.Role      `json:"role"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
}

// table is THE table of rights: every role and the permissions it grants.
// It follows SPEC.md's "Roles and rights"; docs/ROLES.md is generated from
// it, and permissions_test.go checks it cell by cell against the SPEC.
var table = []RoleInfo{
	{
		Role:        fc.RoleProviderAdmin,
		Description: "The provider's own staff: builds the organization tree, creates accounts, users and role assignments, registers assets, migrates them.",
		Permissions: []Permission{
			OrganizationsRead, OrganizationsManage, AccountsRead, AccountsManage, UsersManage,
			EmployeesRead, EmployeesManage, CardsRead, CardsManage,
			LocationsRead, LocationsManage, ChargeGroupsRead, ChargeGroupsManage,
			StationsRead, StationsHomeRead, StationsManage, StationsCommand, StationsCharge,
			SessionsCardSideRead, SessionsStationSideRead, ReportsFleet, ReportsFacility,
			MigrationsRun, AuditRead, ReimbursementRead, ReimbursementManage, ReimbursementApprove,
			InvoicesRead, InvoicesSelfBillingRead, InvoicesManage,
		},
	},
	{
		Role:        fc.RoleFleetManager,
		Description: "An end customer's fleet manager: employees and their charge cards, every session made with those cards, the fleet reports.",
		Permissions: []Permission{
			OrganizationsRead, AccountsRead, EmployeesRead, EmployeesManage, CardsRead, CardsManage,
			StationsHomeRead, SessionsCardSideRead, ReportsFleet, AuditRead,
			ReimbursementRead, ReimbursementManage, ReimbursementApprove, InvoicesRead,
		},
	},
	{
		Role:        fc.RoleFacilityManager,
		Description: "An end customer's facility manager: locations, charge groups and stations, every session on those stations, remote commands, the facility reports.",
		Permissions: []Permission{
			OrganizationsRead, AccountsRead, LocationsRead, LocationsManage, ChargeGroupsRead, ChargeGroupsManage,
			StationsRead, StationsManage, StationsCommand, StationsCharge, SessionsStationSideRead, ReportsFacility, AuditRead,
			InvoicesSelfBillingRead,
		},
	},
	{
		Role:        fc.RoleAccountAdmin,
		Description: "A regular company account's administrator: manages that account's own assets, without aggregated reports.",
		Permissions: []Permission{
			AccountsRead, EmployeesRead, EmployeesManage, CardsRead, CardsManage,
			LocationsRead, LocationsManage, ChargeGroupsRead, ChargeGroupsManage,
			StationsRead, StationsManage, StationsCommand, StationsCharge, SessionsCardSideRead, SessionsStationSideRead,
			ReimbursementRead, ReimbursementApprove, InvoicesRead,
		},
	},
	{
		Role:        fc.RoleDriver,
		Description: "An employee, signed in for itself: assigned on one employee only, it reads that employee, the cards assigned to it, every session made with them (office, home, public), its home locations and the stations there (with remote start and stop), and its reimbursement rates and statements; nothing of anyone else.",
		Permissions: []Permission{
			EmployeesRead, CardsRead, LocationsRead, StationsRead, StationsCharge, SessionsCardSideRead, ReimbursementRead,
		},
	},
}

// mask is a set of permissions, one bit per catalogue position.
type mask uint64

var (
	bits      = map[Permission]mask{}    // each permission's bit
	roleMasks = make([]mask, len(table)) // each table row's permissions
)

func init() {
	if len(catalogue) > 64 {
		panic("access: more than 64 permissions")
	}
	for i, p := range catalogue {
		bits[p.Permission] = 1 << i
	}
	for i, r := range table {
		var m mask
		for _, p := range r.Permissions {
			b, ok := bits[p]
			if !ok {
				panic("access: role " + string(r.Role) + " grants unknown permission " + string(p))
			}
			m |= b
		}
		roleMasks[i] = m
	}
}

// roleMask returns the permissions role r grants; none for an unknown role.
func roleMask(r fc.Role) mask {
	if i := roleIndex(r); i >= 0 {
		return roleMasks[i]
	}
	return 0
}

// roleIndex returns the row of role r in the table, or -1. A loop over the
// five rows beats a map lookup on the hot path of Decide.
func roleIndex(r fc.Role) int {
	for i := range table {
		if table[i].Role == r {
			return i
		}
	}
	return -1
}

// Valid reports whether p is a known permission.
func (p Permission) Valid() bool {
	_, ok := bits[p]
	return ok
}

// Description returns p's one-line description, or "" for an unknown permission.
func (p Permission) Description() string {
	for _, x := range catalogue {
		if x.Permission == p {
			return x.Description
		}
	}
	return ""
}

// ParsePermission returns the permission named s, or an fc.EInvalid error.
func ParsePermission(s string) (Permission, error) {
	p := Permission(s)
	if !p.Valid() {
		return "", fc.Errorf(fc.EInvalid, "%q is not a permission", s)
	}
	return p, nil
}

// Permissions returns every permission with its description, in the
// documented order.
func Permissions() []PermissionInfo { return slices.Clone(catalogue) }

// Table returns the role table: every role with its description and
// permissions, in fc.Roles order.
func Table() []RoleInfo {
	out := make([]RoleInfo, len(table))
	for i, r := range table {
		out[i] = r
		out[i].Permissions = slices.Clone(r.Permissions)
	}
	return out
}

// RolePermissions returns the permissions role r grants, in the documented
// order; nil for an unknown role.
func RolePermissions(r fc.Role) []Permission { return roleMask(r).permissions() }

// Grants reports whether role r grants permission p.
func Grants(r fc.Role, p Permission) bool {
	b, ok := bits[p]
	return ok && roleMask(r)&b != 0
}

// permissions lists the permissions in m in catalogue order.
func (m mask) permissions() []Permission {
	var out []Permission
	for i, p := range catalogue {
		if m&(1<<i) != 0 {
			out = append(out, p.Permission)
		}
	}
	return out
}
