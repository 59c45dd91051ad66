package einvoice_test

import (
	"context"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/einvoice"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// storeDocuments runs and issues a month of the leak tests' world (two
// subsidiaries whose cards charge at each other's stations) as the store
// does it, with a Dutch provider, a Dutch and a Belgian customer, and
// returns the UBL of every invoice, self-billing invoice and credit note it
// made: what the validation run checks besides the hand-made invoices, so
// that the store's lines, notes and parties pass the rules too.
func storeDocuments(t *testing.T) map[string][]byte {
	t.Helper()
	st := storetest.Open(t, "sqlite")
	w := leaktest.New(t, st)
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	if _, err := st.UpdateProvider(ctx, w.Provider, func(p *fc.Provider) error {
		p.Billing = fc.ProviderBilling{LegalName: "Leaktest Charging B.V.", VATID: "NL123456789B01", Address: "Stationsplein 1",
			PostalCode: "9711 AA", City: "Groningen", Country: "NL", IBAN: "NL91ABNA0417164300", VATRateBP: 2100, InvoicePrefix: "LT-"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	accounts := w.Of(leaktest.KindAccount)
	for i, a := range accounts {
		vat, street, postal, city, country := "NL987654321B01", "Havenweg 12", "3011 AA", "Rotterdam", "NL"
		if i%2 == 1 {
			vat, street, postal, city, country = "BE0123456749", "Kaai 5", "2000", "Antwerpen", "BE"
		}
		if _, err := st.DB().ExecContext(ctx, `UPDATE accounts SET vat_id = $1, address = $2, postal_code = $3, city = $4, country = $5
			WHERE id = $6`, vat, street, postal, city, country, int64(a.ID)); err != nil {
			t.Fatal(err)
		}
	}
	sc := fc.ProviderScope(w.Provider)
	drafts, err := st.RunInvoices(ctx, sc, "2025-03", false)
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
	for _, d := range drafts {
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
