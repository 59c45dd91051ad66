package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestMigrationCommand moves a card with a dry run first, then for real with
// the dry run's fingerprint, as the provider admin created by provider create.
func TestMigrationCommand(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			var out bytes.Buffer
			if err := run(ctx, []string{"provider", "create", "--name", "CPO", "--admin-email", "admin@cpo.example", "--db", url}, &out, &out); err != nil {
				t.Fatalf("provider create: %v\n%s", err, out.String())
			}
			st, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ps, err := st.Providers(ctx)
			if err != nil || len(ps) != 1 {
				t.Fatalf("providers = %v, %v", ps, err)
			}
			pid := ps[0].ID
			org := &fc.Organization{ProviderID: pid, Name: "Holding"}
			if err := st.CreateOrganization(ctx, org); err != nil {
				t.Fatal(err)
			}
			from := &fc.Account{ProviderID: pid, OrganizationID: org.ID, Name: "From", Kind: fc.AccountCompany}
			to := &fc.Account{ProviderID: pid, OrganizationID: org.ID, Name: "To", Kind: fc.AccountCompany}
			for _, a := range []*fc.Account{from, to} {
				if err := st.CreateAccount(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			card := &fc.Card{ProviderID: pid, AccountID: from.ID, InternalID: "TAG1", ExternalID: "EXT1", Status: fc.CardActive}
			if err := st.CreateCard(ctx, card); err != nil {
				t.Fatal(err)
			}
			args := []string{"migration", "--kind", "cards", "--ids", card.ID.String(), "--to-account", to.ID.String(), "--as", "admin@cpo.example", "--db", url}

			out.Reset()
			if err := run(ctx, append(args, "--dry-run"), &out, &out); err != nil {
				t.Fatalf("dry run: %v\n%s", err, out.String())
			}
			fp := regexp.MustCompile(`fingerprint: ([0-9a-f]+)`).FindStringSubmatch(out.String())
			if fp == nil || !strings.Contains(out.String(), "1 card") {
				t.Fatalf("dry run output lacks the move or the fingerprint:\n%s", out.String())
			}
			if err := run(ctx, append(args, "--plan", "00000000000000000000000000000000"), &out, &out); !fc.IsCode(err, fc.EConflict) {
				t.Errorf("run with a stale plan: err = %v, want conflict", err)
			}
			out.Reset()
			if err := run(ctx, append(args, "--plan", fp[1]), &out, &out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			got, err := st.Card(ctx, fc.ProviderScope(pid), card.ID)
			if err != nil || got.AccountID != to.ID {
				t.Errorf("card after the migration = %+v, %v; want in account %s", got, err, to.ID)
			}
		})
	}
}
