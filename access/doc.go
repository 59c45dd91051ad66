// Package access is where rights come from: the roles, the permissions each
// role grants, and the one decision on them.
//
// A user holds role assignments (fc.Assignment): a role on a scope, which is
// the whole provider, an organization (and so its whole subtree and every
// account in it) or a single account. A role is a named set of permissions;
// the sets are kept in one table in permissions.go, which docs/ROLES.md is
// generated from (TestRolesDocUpToDate fails when that file is stale; run
// `go test ./access -run TestRolesDocUpToDate -update` to rewrite it).
//
// From a Subject (a user with its assignments) the package computes:
//
//   - Decide: whether the user holds a permission on the object at an
//     fc.Owner, through which assignment on which ancestor, or why not
//     (DecideStation and DecideSession for the two objects with a second
//     owner: a station at an employee's home, and a session's card and
//     station sides). Can is the same rule without the explanation.
//   - Reach and the scopes built on it (ScopeFor, SessionScopeFor,
//     StationScopeFor): where a permission holds, which storage turns into
//     SQL so that every list, report and export is limited to it. An object
//     is in the reach of a permission exactly when Decide allows it.
//   - CanGrant and CanRevoke: delegation without escalation.
//   - Narrow: a user limited to one scope it chose, never reaching more.
//   - Held: the scopes a user holds roles on, for GET /api/v1/me/access.
//
// The package is pure: no I/O, no clock, nothing but the domain package and
// the standard library. Package accesstest holds a brute-force reference
// model of the same rules for property tests.
package access
