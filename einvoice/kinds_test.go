package einvoice_test

import (
	"errors"
	"sort"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/einvoice"
)

// The providers of TestUBLEveryKindValidates, as their billing data names
// them: a German one with the invoice contact the German rules ask for,
// and a Dutch one.
var (
	germanBilling = fc.ProviderBilling{LegalName: "Ladenetz Süd GmbH", VATID: "DE811907980", Address: "Marktplatz 1", PostalCode: "80331",
		City: "München", Country: "DE", IBAN: "DE02100100100006820101", ContactName: "Rechnungsstelle", Phone: "+49 89 1234567",
		Email: "rechnung@ladenetz-sued.example", VATRateBP: 1900}
	dutchBilling = fc.ProviderBilling{LegalName: "Laadnet Zuid B.V.", VATID: "NL123456789B01", Address: "Markt 1", PostalCode: "5611 AA",
		City: "Eindhoven", Country: "NL", IBAN: "NL91ABNA0417164300", ContactName: "Facturatie", Phone: "+31 40 123 4567",
		Email: "facturen@laadnet-zuid.example", VATRateBP: 2100}
)

// kindInvoice makes an issued invoice of kind between the provider of
// billing and account a (the seller of a self-billing invoice, the buyer
// otherwise), with the VAT the run decides for them (fc.VATFor).
func kindInvoice(number, kind string, billing fc.ProviderBilling, a *fc.Account) *fc.Invoice {
	provider, account := billing.Party("unused"), fc.AccountParty(a)
	seller, buyer := provider, account
	sellerPrivate, buyerPrivate := false, a.Kind == fc.AccountPrivate
	if kind == fc.InvoiceKindSelfBilling {
		seller, buyer = account, provider
		buyer.IBAN = ""
		sellerPrivate, buyerPrivate = buyerPrivate, false
	}
	cat, rate := fc.VATFor(seller, buyer, sellerPrivate, buyerPrivate, billing.VATRateBP)
	inv := issued(number, kind, seller, buyer, "EUR", session(1, 23456, 390000, 0, 2, cat, rate), session(2, 7001, 275500, 50, 2, cat, rate))
	switch cat {
	case fc.VATReverseCharge:
		inv.Note = fc.ReverseChargeNote
	case fc.VATOutsideScope:
		inv.Note = fc.OutsideScopeNote
	}
	if kind == fc.InvoiceKindSelfBilling {
		inv.Note = strings.TrimSpace(fc.SelfBillingNote + " " + inv.Note)
	}
	return inv
}

// creditOf is the credit note of inv, as CreditInvoice writes it.
func creditOf(number string, inv *fc.Invoice) *fc.Invoice {
	c := issued(number, fc.InvoiceKindCreditNote, inv.Seller, inv.Buyer, inv.Currency, inv.Lines...)
	c.CorrectsNumber, c.CorrectsKind, c.CorrectsDate, c.Note = inv.Number, inv.Kind, inv.IssueDate, inv.Note
	return c
}

// TestUBLEveryKindValidates writes every kind of document (invoice, credit
// note, self-billing invoice and its credit note) for a German provider
// with German customers and station owners (the German rules of Peppol
// apply), a Dutch provider with Dutch ones (the Dutch rules), a Belgian
// business (reverse charge), a private customer, and business customers
// of the countries whose VAT ids Peppol addresses by another identifier
// (Italy, Denmark, Finland, Sweden, Norway, Northern Ireland), and
// validates them all with the official EN 16931 and Peppol rules: no
// fatal finding. A German provider without a telephone cannot write a
// document to a German customer.
func TestUBLEveryKindValidates(t *testing.T) {
	company := func(name, vat, address, postal, city, country string) *fc.Account {
		return &fc.Account{ID: 42, Name: name, Kind: "company", VATID: vat, Address: address, PostalCode: postal, City: city, Country: country,
			BillingEmail: "ap@customer.example"}
	}
	deFleet := company("Flotte Nord GmbH", "DE136695976", "Ring 4", "20095", "Hamburg", "DE")
	deOwner := company("Müller Parken GmbH", "DE123456789", "Hauptstraße 7", "26122", "Oldenburg", "DE")
	deOwner.IBAN = "DE89370400440532013000"
	nlFleet := company("Van Dijk Transport B.V.", "NL987654321B01", "Havenweg 12", "3011 AA", "Rotterdam", "NL")
	nlOwner := company("De Boer Parkeren B.V.", "NL111222333B01", "Kade 2", "9711 AB", "Groningen", "NL")
	nlOwner.IBAN = "NL02ABNA0123456789"
	beFleet := company("Peeters Logistiek NV", "BE0123456749", "Kaai 5", "2000", "Antwerpen", "BE")
	private := &fc.Account{ID: 43, Name: "Jan de Vries", Kind: fc.AccountPrivate, Address: "Dorpsstraat 3", PostalCode: "1234 AB",
		City: "Zwolle", Country: "NL", BillingEmail: "jan@example.org"}
	docs := map[string]*fc.Invoice{}
	n := 0
	add := func(name string, inv *fc.Invoice) *fc.Invoice {
		docs[name] = inv
		return inv
	}
	num := func() string { n++; return "K-2026-" + fc.ID(n).String() }
	for _, c := range []struct {
		name    string
		billing fc.ProviderBilling
		fleet   *fc.Account
		owner   *fc.Account
	}{{"de-de", germanBilling, deFleet, deOwner}, {"nl-nl", dutchBilling, nlFleet, nlOwner}} {
		inv := add(c.name+"-invoice", kindInvoice(num(), fc.InvoiceKindInvoice, c.billing, c.fleet))
		add(c.name+"-credit-note", creditOf(num(), inv))
		self := add(c.name+"-self-billing", kindInvoice(num(), fc.InvoiceKindSelfBilling, c.billing, c.owner))
		add(c.name+"-self-billing-credit-note", creditOf(num(), self))
	}
	reverse := add("nl-be-reverse-charge", kindInvoice(num(), fc.InvoiceKindInvoice, dutchBilling, beFleet))
	add("nl-be-reverse-charge-credit-note", creditOf(num(), reverse))
	add("nl-private", kindInvoice(num(), fc.InvoiceKindInvoice, dutchBilling, private))
	add("de-private", kindInvoice(num(), fc.InvoiceKindInvoice, germanBilling, &fc.Account{ID: 44, Name: "Erika Mustermann",
		Kind: fc.AccountPrivate, Address: "Weg 1", PostalCode: "10115", City: "Berlin", Country: "DE"}))
	for _, b := range []struct{ country, vat string }{{"IT", "IT01234567897"}, {"DK", "DK13585628"}, {"FI", "FI20774740"},
		{"SE", "SE556036079301"}, {"NO", "NO923609016MVA"}, {"XI", "XI123456789"}} {
		inv := add("nl-"+strings.ToLower(b.country), kindInvoice(num(), fc.InvoiceKindInvoice, dutchBilling,
			company("Customer "+b.country, b.vat, "Street 1", "1000", "City", b.country)))
		if b.country != "NO" && inv.Lines[0].VATCategory != fc.VATReverseCharge {
			t.Fatalf("a business in %s is billed %s, want reverse charge", b.country, inv.Lines[0].VATCategory)
		}
	}
	for _, k := range []string{"de-de-invoice", "de-de-self-billing", "nl-be-reverse-charge", "nl-private"} {
		want := map[string]string{"de-de-invoice": fc.VATStandard, "de-de-self-billing": fc.VATStandard,
			"nl-be-reverse-charge": fc.VATReverseCharge, "nl-private": fc.VATStandard}[k]
		if got := docs[k].Lines[0].VATCategory; got != want {
			t.Fatalf("%s: VAT category %s, want %s", k, got, want)
		}
	}

	out := map[string][]byte{}
	for name, inv := range docs {
		doc, err := einvoice.UBL(inv)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = doc
	}
	if !strings.Contains(string(out["de-de-invoice"]), "<cbc:Telephone>+49 89 1234567</cbc:Telephone>") {
		t.Errorf("the German invoice names no seller telephone:\n%s", out["de-de-invoice"])
	}

	// Without the provider's telephone, DE→DE is refused by the writer,
	// not written for the rules to refuse.
	noPhone := germanBilling
	noPhone.Phone = ""
	if _, err := einvoice.UBL(kindInvoice(num(), fc.InvoiceKindInvoice, noPhone, deFleet)); !errors.Is(err, einvoice.ErrNotWritable) ||
		!strings.Contains(err.Error(), "DE-R-006") {
		t.Errorf("DE→DE without the provider's phone: %v, want ErrNotWritable naming DE-R-006", err)
	}
	// A Swedish VAT id whose organisation number fails its check digit has
	// no Peppol address.
	if _, err := einvoice.UBL(kindInvoice(num(), fc.InvoiceKindInvoice, dutchBilling,
		company("Bad SE", "SE556036079401", "Street 1", "1000", "City", "SE"))); !errors.Is(err, einvoice.ErrNotWritable) {
		t.Errorf("a Swedish VAT id with a wrong check digit: %v, want ErrNotWritable", err)
	}

	findings := validate(t, out)
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var fatal []string
		for _, f := range findings[name] {
			if f.Flag == "fatal" {
				fatal = append(fatal, f.String())
			} else {
				t.Logf("%s: %s", name, f)
			}
		}
		if len(fatal) > 0 {
			t.Errorf("%s: %d fatal findings:\n  %s\n%s", name, len(fatal), strings.Join(fatal, "\n  "), out[name])
		}
	}
}
