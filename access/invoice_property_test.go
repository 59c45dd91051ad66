package access_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestInvoiceScopeMatchesReference invoices the random worlds of
// TestSQLScopesMatchReference (every session priced, every month run, every
// other draft issued) and checks for every user that the invoices it lists
// under access.InvoiceScopeFor, and reads by ID, are exactly those the
// reference model lets it read: an issued invoice with invoices.read on its
// account, a self-billed one also with invoices.self_billing.read there, a
// draft only with invoices.manage too; nothing of the other provider. And
// access.CanReadInvoice on the store's owner of the account agrees.
func TestInvoiceScopeMatchesReference(t *testing.T) {
	for _, seed := range sqlSeeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				w := buildSQLWorld(t, s, seed)
				checkInvoiceScopes(t, s, w)
			})
		})
	}
}

func checkInvoiceScopes(t *testing.T, s *store.Store, w *sqlWorld) {
	ctx := context.Background()
	if _, err := s.DB().ExecContext(ctx, `UPDATE sessions SET cost_minor = 100 + id % 50, currency = 'EUR' WHERE stopped_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	months := map[fc.ID]map[string]bool{}
	rows, err := s.DB().QueryContext(ctx, `SELECT provider_id, started_at FROM sessions`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p fc.ID
		var at int64
		if err := rows.Scan(&p, &at); err != nil {
			t.Fatal(err)
		}
		if months[p] == nil {
			months[p] = map[string]bool{}
		}
		months[p][time.UnixMilli(at).UTC().Format(fc.PeriodLayout)] = true
	}
	rows.Close()
	type invoice struct {
		fc.Invoice
		account sqlObject
	}
	accounts := map[fc.ID]sqlObject{}
	for _, x := range w.objects[fc.KindAccount] {
		accounts[x.id] = x
	}
	var all []invoice
	for p, ms := range months {
		for m := range ms {
			xs, err := s.RunInvoices(ctx, fc.ProviderScope(p), m, false)
			if err != nil {
				t.Fatalf("run %s of provider %s: %v", m, p, err)
			}
			for i, x := range xs {
				if i%2 == 0 && x.Status == fc.InvoiceDraft {
					issued, err := s.IssueInvoice(ctx, fc.ProviderScope(p), x.ID)
					if err != nil {
						t.Fatal(err)
					}
					x = *issued
				}
				all = append(all, invoice{Invoice: x, account: accounts[x.AccountID]})
			}
		}
	}
	kinds := map[string]int{}
	for _, inv := range all {
		kinds[inv.Kind+" "+inv.Status]++
	}
	if kinds["invoice issued"] == 0 || kinds["self_billing issued"] == 0 || kinds["invoice draft"]+kinds["self_billing draft"] == 0 {
		t.Fatalf("the world's invoices are too few to tell: %v", kinds)
	}
	checks := 0
	for _, u := range w.users {
		sub := w.m.Subject(u.ID)
		sc := access.InvoiceScopeFor(sub)
		got := map[fc.ID]bool{}
		f := fc.InvoiceFilter{Page: fc.Page{Limit: 7}}
		for {
			page, err := s.Invoices(ctx, sc, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range page {
				got[x.ID] = true
			}
			if len(page) < f.Page.Limit {
				break
			}
			f.Page.After = page[len(page)-1].ID
		}
		for _, inv := range all {
			checks++
			a := inv.account.as
			want := inv.ProviderID == u.ProviderID &&
				(w.m.Allowed(u.ID, access.InvoicesRead, a) || inv.SelfBilled() && w.m.Allowed(u.ID, access.InvoicesSelfBillingRead, a)) &&
				(inv.Status != fc.InvoiceDraft || w.m.Allowed(u.ID, access.InvoicesManage, a))
			if got[inv.ID] != want {
				t.Errorf("user %s lists %s %s %s of account %s: %v, want %v", u.ID, inv.Status, inv.Kind, inv.ID, inv.AccountID, got[inv.ID], want)
			}
			_, err := s.Invoice(ctx, sc, inv.ID)
			if (err == nil) != want || err != nil && !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("user %s reads %s %s: %v, want readable %v", u.ID, inv.Kind, inv.ID, err, want)
			}
			if inv.ProviderID != u.ProviderID {
				continue
			}
			o, err := s.Owner(ctx, u.ProviderID, fc.KindAccount, inv.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			if can := access.CanReadInvoice(sub, o, inv.SelfBilled(), inv.Status == fc.InvoiceDraft); can != want {
				t.Errorf("user %s: CanReadInvoice on %s %s = %v, want %v", u.ID, inv.Kind, inv.ID, can, want)
			}
		}
	}
	t.Logf("%d invoices (%v), %d checks", len(all), kinds, checks)
}
