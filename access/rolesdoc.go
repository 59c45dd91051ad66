package access

import (
	"fmt"
	"strings"
)

// RolesDocPath is where the generated roles document lives, relative to the
// module root.
const RolesDocPath = "docs/ROLES.md"

// RolesDoc returns the Markdown of docs/ROLES.md, generated from the role
// table: the roles, the roles × permissions matrix with each permission's
// description, and how scopes, inheritance, home stations, sessions,
// delegation and explanations work.
func RolesDoc() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Roles and permissions\n\n")
	w("<!-- Generated from the role table in access/permissions.go by\n")
	w("     `go test ./access -run TestRolesDocUpToDate -update`. Do not edit by hand. -->\n\n")
	w("A user holds **role assignments**: a role on a scope. A role is a named set of\n")
	w("permissions. The sets below are the only place rights come from: the code keeps them\n")
	w("in one table (`access/permissions.go`) and every decision, list, report and export\n")
	w("uses it.\n\n")

	w("## Roles\n\n")
	w("| role | for |\n|---|---|\n")
	for _, r := range table {
		w("| `%s` | %s |\n", r.Role, r.Description)
	}
	w("\n\"Fleet + Facility\" is simply `fleet_manager` and `facility_manager` on the same scope.\n\n")

	w("## Permissions\n\n")
	w("| permission | what it allows |")
	for _, r := range table {
		w(" `%s` |", r.Role)
	}
	w("\n|---|---|")
	for range table {
		w(":-:|")
	}
	w("\n")
	for i, p := range catalogue {
		w("| `%s` | %s |", p.Permission, p.Description)
		for j := range table {
			if roleMasks[j]&(1<<i) != 0 {
				w(" yes |")
			} else {
				w(" – |")
			}
		}
		w("\n")
	}
	w(`
A "manage" permission does not imply the matching "read": each role lists both.
` + "`organizations.read`" + ` is not in the product's rights table; it is given to the roles that
work on organizations, so that they can see the tree they work in. An account admin's
scope is one account and holds no organization.

## Scopes and inheritance

| scope | where the role's permissions hold |
|---|---|
| provider | every object of the provider |
| organization | that organization, every organization below it at any depth, every account in them, and every object of those accounts |
| account | that account and its objects; not its organization |
| employee | the driver role only: what belongs to that employee (below); nothing else of its account |

Nothing ever crosses from one provider to another: an assignment holds only in its own
provider, whatever its scope. Objects of the provider itself (users, role assignments,
the provider's settings) have no organization, so only provider-wide assignments reach
them.

Where a user holds a permission is the union of the scopes of its assignments whose
role grants it: its **reach** for that permission. Storage applies the reach in SQL to
every read and write, so that no ID, filter or export gets around it. An object is in
the reach exactly when the decision on it allows.

## Home stations

A fleet manager reads the stations at the homes of its employees, wherever those
stations sit: ` + "`stations.home.read`" + ` held on an account (on it, or on an organization above
it) reaches the stations whose location is the home of one of that account's employees. It grants reading those stations only:
not managing them, not commanding them, and not the sessions of other cards on them.

## Drivers

The ` + "`driver`" + ` role is assigned on one employee (` + "`employee_id`" + `), and only there: a driver
role on anything else, or another role on an employee, grants nothing. It reaches what
belongs to that employee, and nothing else of the employee's account: the employee
itself, the cards assigned to it, every session made with them (the employee the
session recorded: at the office, at home, on public stations), its home locations
(kind ` + "`home`" + `) and the stations there, with ` + "`stations.charge`" + ` to start and stop
charging on them, and its reimbursement rates and statements. It holds no report, no
audit log and no station side, so it never sees another card's session on its home
station. A fleet manager or account admin (who holds ` + "`employees.manage`" + ` on the
employee) invites an employee as a driver: a new user holding the driver role on that
employee, the one role given without ` + "`users.manage`" + `.

## Invoices

The provider's admins run the monthly invoicing and issue, credit and mark paid
(` + "`invoices.manage`" + `, over the whole provider); drafts are read only by them. From its
issue on, an invoice is read (and downloaded as PDF and UBL) with ` + "`invoices.read`" + ` on its
account: fleet managers and account admins read every invoice, self-billing invoice and
credit note of the accounts in their scope. A facility manager holds
` + "`invoices.self_billing.read`" + ` instead: it reads the self-billing invoices (what the
provider pays for the sessions on the account's stations) and their credit notes, never
what the account pays. Nobody reads another account's invoice (docs/INVOICING.md).

## Roles from an identity provider

Identity providers (docs/SSO.md) are managed with ` + "`users.manage`" + ` on the whole provider
(provider admins). Their group mappings grant ` + "`fleet_manager`" + ` or ` + "`facility_manager`" + ` on
organizations inside the configuring organization's subtree, nothing else; such assignments
remember their identity provider and are replaced at every sign-in and SCIM group change,
while roles given by hand stay.

## Sessions and privacy

A session has two owners, recorded when it happens: the **card side** (the card's
account) and the **station side** (the station's account). It is readable through
either: ` + "`sessions.card_side.read`" + ` on the card's account, or
` + "`sessions.station_side.read`" + ` on the station's account. A user who reads a session
only from the station side sees a foreign card: the card's external ID is masked except
for its last four characters and its driver (employee name, email) is hidden. A user who
also holds the card side sees it in full.

## Delegation

Only holders of ` + "`users.manage`" + ` assign roles, and never beyond what they hold: to grant
(or revoke) a role on a scope, the granter must hold ` + "`users.manage`" + ` and every permission
of that role on that whole scope. By the table above only provider admins hold
` + "`users.manage`" + `; a provider admin assigned on an organization can therefore grant roles
inside that organization's subtree and nowhere else.

## Explanations

Every decision says why. Allowed: the assignment that grants it and the ancestor it sits
on, for example "fleet_manager on organization 12, an ancestor of organization 40 which
holds account 9". Denied: what was looked for and where the user does hold the
permission, for example "no assignment of user 7 grants cards.manage on account 9 or its
organizations 1 > 4 > 40; user 7 holds cards.manage only on organization 5".
` + "`GET /api/v1/access/explain`" + ` answers this for any user, permission and object, and
` + "`GET /api/v1/me/access`" + ` lists the scopes the caller holds roles on.
`)
	return b.String()
}
