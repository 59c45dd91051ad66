package einvoice_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/einvoice"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// storeDocuments runs and issues a month of the leak tests' world (two
// subsidiaries whose cards charge at each other's stations) as the store
// does it, after giving the customers full billing data (North in the
// Netherlands like the provider, South in Belgium: reverse charge), credits
// every invoice, and returns the UBL of every invoice, self-billing invoice
// and credit note: what the validation run checks besides the hand-made
// invoices, so that the store's lines, notes and parties pass the rules too.
func storeDocuments(t *testing.T) map[string][]byte {
	t.Helper()
	st := storetest.Open(t, "sqlite")
	w := leaktest.New(t, st)
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	for name, b := range map[string][5]string{
		"N": {"NL987654321B01", "Havenweg 12", "3011 AA", "Rotterdam", "NL"},
		"S": {"BE0123456749", "Kaai 5", "2000", "Antwerpen", "BE"},
	} {
		if _, err := st.DB().ExecContext(ctx, `UPDATE accounts SET vat_id = $1, address = $2, postal_code = $3, city = $4, country = $5
			WHERE id = $6`, b[0], b[1], b[2], b[3], b[4], int64(named(t, w, leaktest.KindAccount, name))); err != nil {
			t.Fatal(err)
		}
	}
	// April 2025 (the world invoices March): each subsidiary's card at the
	// other's station.
	for i, x := range [][2]string{{"N", "S"}, {"S", "N"}} {
		start := time.Date(2025, 4, 10+i, 8, 0, 0, 0, time.UTC)
		stop := start.Add(75 * time.Minute)
		if _, err := st.ImportSession(ctx, &fc.Session{ProviderID: w.Provider, ExternalRef: "einvoice-" + x[0] + "@" + x[1],
			CardID: named(t, w, leaktest.KindCard, x[0]), StationID: named(t, w, leaktest.KindStation, x[1]), ConnectorID: 1,
			StartedAt: start, StoppedAt: &stop, EnergyWh: 23456 + int64(i)*1111, CostMinor: 987 + int64(i)*13, Currency: "EUR"}); err != nil {
			t.Fatal(err)
		}
	}
	sc := fc.ProviderScope(w.Provider)
	all, err := st.RunInvoices(ctx, sc, "2025-04", false)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	docs := map[string][]byte{}
	add := func(inv *fc.Invoice) {
		full, err := st.Invoice(ctx, fc.InvoiceScope{ProviderID: w.Provider, Reach: sc.Reach, SelfBilling: sc.Reach, Drafts: sc.Reach}, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := einvoice.UBL(full)
		if err != nil {
			t.Fatalf("store %s %s: %v", full.Kind, full.Number, err)
		}
		kinds[full.Kind] = true
		docs["store-"+full.Kind+"-"+full.ID.String()] = doc
	}
	for _, d := range all {
		if d.Status != fc.InvoiceDraft {
			continue
		}
		inv, err := st.IssueInvoice(ctx, sc, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		add(inv)
		credit, err := st.CreditInvoice(ctx, sc, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		add(credit)
	}
	for _, k := range []string{fc.InvoiceKindInvoice, fc.InvoiceKindSelfBilling, fc.InvoiceKindCreditNote} {
		if !kinds[k] {
			t.Errorf("the store's month has no %s", k)
		}
	}
	return docs
}

// named returns the ID of the world's object of kind with name.
func named(t *testing.T, w *leaktest.World, kind, name string) fc.ID {
	t.Helper()
	for _, o := range w.Of(kind) {
		if o.Name == name {
			return o.ID
		}
	}
	t.Fatalf("the leak world has no %s %s", kind, name)
	return 0
}

// demoDocuments loads the demo data (package demo) and returns the UBL of
// each of its issued invoices, self-billing invoices and credit notes: the
// documents a visitor of the demo downloads must pass the rules too.
func demoDocuments(t *testing.T) map[string][]byte {
	t.Helper()
	st := storetest.Open(t, "sqlite")
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	res, err := demo.Load(ctx, st, demo.Options{Seed: 7, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	sc := fc.ProviderScope(res.ProviderID)
	all := fc.InvoiceScope{ProviderID: res.ProviderID, Reach: sc.Reach, SelfBilling: sc.Reach, Drafts: sc.Reach}
	docs := map[string][]byte{}
	f := fc.InvoiceFilter{Page: fc.Page{Limit: fc.MaxPageSize}}
	for {
		page, err := st.Invoices(ctx, all, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page {
			if x.Status == fc.InvoiceDraft {
				continue
			}
			inv, err := st.Invoice(ctx, all, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := einvoice.UBL(inv)
			if err != nil {
				t.Errorf("demo %s %s: %v", inv.Kind, inv.Number, err)
				continue
			}
			docs["demo-"+inv.Kind+"-"+inv.Number] = doc
		}
		if len(page) < f.Page.Limit {
			break
		}
		f.Page.After = page[len(page)-1].ID
	}
	t.Logf("%d documents of the demo data", len(docs))
	return docs
}
