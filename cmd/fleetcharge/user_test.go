package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestUserGrant recovers a provider whose last admin lost its role (as a
// database from before the last-admin rule may have it): user grant gives
// provider_admin back, audited as the command line; the other roles take an
// organization or an account as the API does.
func TestUserGrant(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := storetest.URL(t, engine)
			ctx := context.Background()
			var out, errOut bytes.Buffer
			if err := run(ctx, []string{"provider", "create", "--name", "Volt CPO", "--admin-email", "admin@volt.example", "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("provider create: %v %s", err, errOut.String())
			}
			st, err := store.Open(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			admin, err := st.UserByEmail(ctx, "admin@volt.example")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.DB().ExecContext(ctx, `DELETE FROM role_assignments WHERE user_id = $1`, int64(admin.ID)); err != nil {
				t.Fatal(err)
			}
			org := &fc.Organization{ProviderID: admin.ProviderID, Name: "Holding"}
			if err := st.CreateOrganization(ctx, org); err != nil {
				t.Fatal(err)
			}

			out.Reset()
			if err := run(ctx, []string{"user", "grant", "--email", "ADMIN@volt.example", "--role", "provider_admin", "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("user grant provider_admin: %v", err)
			}
			if !strings.Contains(out.String(), "granted provider_admin") {
				t.Errorf("user grant printed %q", out.String())
			}
			if err := run(ctx, []string{"user", "grant", "--email", "admin@volt.example", "--role", "fleet_manager",
				"--organization-id", org.ID.String(), "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("user grant fleet_manager: %v", err)
			}
			as, err := st.UserAssignments(ctx, admin.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(as) != 2 || as[0].Role != fc.RoleProviderAdmin || as[0].ScopeKind() != fc.ScopeProvider ||
				as[1].Role != fc.RoleFleetManager || as[1].OrganizationID != org.ID {
				t.Errorf("assignments after grants = %+v, want provider_admin on the provider and fleet_manager on %s", as, org.ID)
			}
			events, err := st.AuditEvents(ctx, fc.ProviderScope(admin.ProviderID), fc.AuditFilter{ObjectType: fc.KindAssignment, ObjectID: as[0].ID})
			if err != nil {
				t.Fatal(err)
			}
			// SQLite may give the new assignment the ID of the deleted one;
			// the grant is the latest event on it.
			if n := len(events); n == 0 || events[n-1].Action != "role.grant" || events[n-1].Actor != "cli" ||
				events[n-1].At.Before(as[0].CreatedAt) {
				t.Errorf("audit of the grant = %+v, want a role.grant by cli last", events)
			}

			for _, tc := range []struct {
				name string
				args []string
			}{
				{"no role", []string{"--email", "admin@volt.example"}},
				{"unknown user", []string{"--email", "nobody@volt.example", "--role", "provider_admin"}},
				{"unknown role", []string{"--email", "admin@volt.example", "--role", "root"}},
				{"granted already", []string{"--email", "admin@volt.example", "--role", "provider_admin"}},
				{"provider_admin on an organization", []string{"--email", "admin@volt.example", "--role", "provider_admin", "--organization-id", org.ID.String()}},
				{"fleet_manager without scope", []string{"--email", "admin@volt.example", "--role", "fleet_manager"}},
				{"unknown organization", []string{"--email", "admin@volt.example", "--role", "account_admin", "--organization-id", "999999"}},
			} {
				args := append([]string{"user", "grant", "--db", db}, tc.args...)
				if err := run(ctx, args, &out, &errOut); err == nil {
					t.Errorf("%s: user grant succeeded", tc.name)
				}
			}
			if as, _ := st.UserAssignments(ctx, admin.ID); len(as) != 2 {
				t.Errorf("refused grants changed the assignments: %+v", as)
			}
		})
	}
}
