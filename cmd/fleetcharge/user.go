package main

import (
	"context"
	"fmt"
	"io"

	fc "github.com/fleetcharge/fleetcharge"
)

// runUserGrant grants a role to a user from the command line, audited with
// the actor "cli". It is the way back in when a provider has nobody left who
// can administer it: the store refuses to remove the last active provider
// admin, but a database restored from before that rule, or one whose admins
// all left, needs a provider_admin granted from outside.
func runUserGrant(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("user grant", stderr)
	email := fs.String("email", "", "e-mail of the user")
	role := fs.String("role", "", "the role: provider_admin, fleet_manager, facility_manager or account_admin")
	orgID := fs.Int64("organization-id", 0, "the organization the role is granted on (not for provider_admin)")
	accountID := fs.Int64("account-id", 0, "the account the role is granted on (not for provider_admin)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		return fmt.Errorf("user grant needs --email and --role")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = cliContext(ctx)
	u, err := st.UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("user %s: %w", *email, err)
	}
	a := &fc.Assignment{ProviderID: u.ProviderID, UserID: u.ID, Role: fc.Role(*role),
		OrganizationID: fc.ID(*orgID), AccountID: fc.ID(*accountID)}
	if err := st.CreateAssignment(ctx, a); err != nil {
		return fmt.Errorf("grant %s to %s: %w", *role, u.Email, err)
	}
	fmt.Fprintf(stdout, "granted %s (%s scope) to %s: assignment %s\n", a.Role, a.ScopeKind(), u.Email, a.ID)
	if u.Disabled {
		fmt.Fprintf(stdout, "note: %s is disabled and cannot sign in until enabled again\n", u.Email)
	}
	return nil
}
