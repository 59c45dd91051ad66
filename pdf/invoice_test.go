package pdf_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/pdf"
)

var (
	seller = fc.BillingParty{Name: "Laadnet Noord B.V.", VATID: "NL123456789B01", Address: "Stationsplein 1", PostalCode: "9711 AA",
		City: "Groningen", Country: "NL", Email: "billing@laadnet.example", IBAN: "NL91 ABNA 0417 1643 00"}
	buyer = fc.BillingParty{Name: "Peeters Logistiek NV", VATID: "BE0123456749", Address: "Kaai 5", PostalCode: "2000",
		City: "Antwerpen", Country: "BE"}
)

func invoice(kind string, category string, rateBP int) *fc.Invoice {
	issued := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	inv := &fc.Invoice{ID: 31, Number: "LN-2026-0042", Kind: kind, AccountID: 42, Period: "2026-06", Status: fc.InvoiceIssued,
		Currency: "EUR", Seller: seller, Buyer: buyer, IssueDate: "2026-07-01", DueDate: "2026-07-31", IssuedAt: &issued,
		CreatedAt: issued.Add(-time.Hour)}
	inv.Lines = []fc.InvoiceLine{
		{Description: "Charging session 1001, Groningen Centrum", QuantityMilli: 23456, Unit: fc.UnitKWh, UnitPriceMicros: 390000,
			Net: 915, VATRateBP: rateBP, VATCategory: category, SessionID: 1001},
		{Description: "Charging session 1002, Zernike", QuantityMilli: 7001, Unit: fc.UnitKWh, UnitPriceMicros: 275500,
			Net: 193, VATRateBP: rateBP, VATCategory: category, SessionID: 1002},
	}
	if category == fc.VATReverseCharge {
		inv.Note = fc.ReverseChargeNote
	}
	fc.SumInvoice(inv)
	return inv
}

// TestInvoiceText renders a reverse-charge invoice and reads it back: the
// parties with their VAT ids, number, dates, period, each line on its row
// with quantity, unit price, net and VAT, the breakdown, the totals, the
// legal note and how to pay.
func TestInvoiceText(t *testing.T) {
	doc, err := pdf.Invoice(invoice(fc.InvoiceKindInvoice, fc.VATReverseCharge, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte("%PDF-")) {
		t.Fatalf("not a PDF")
	}
	text := pdfText(t, doc)
	for _, want := range []string{"Invoice", "Laadnet Noord B.V.", "VAT id NL123456789B01", "Peeters Logistiek NV", "VAT id BE0123456749",
		"LN-2026-0042", "2026-07-01", "2026-07-31", "June 2026", "article 196", "NL91 ABNA 0417 1643 00"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q:\n%s", want, text)
		}
	}
	for _, r := range [][]string{
		{"Charging session 1001", "23.456", "kWh", "0.39", "9.15", "RC"},
		{"Charging session 1002", "7.001", "kWh", "0.2755", "1.93", "RC"},
		{"Reverse charge", "11.08", "0.00"},
		{"Total EUR", "11.08"},
	} {
		if !hasRow(text, r) {
			t.Errorf("no row with %q in:\n%s", r, text)
		}
	}
	if strings.Contains(text, "DRAFT") {
		t.Errorf("an issued invoice is marked DRAFT:\n%s", text)
	}
}

// TestInvoiceKinds: the heading says what the document is; a draft is
// marked DRAFT; rates are broken down.
func TestInvoiceKinds(t *testing.T) {
	self := invoice(fc.InvoiceKindSelfBilling, fc.VATStandard, 2100)
	self.Seller, self.Buyer = fc.BillingParty{Name: "Anna Bakker", Country: "NL", IBAN: "NL20 INGB 0001 2345 67"}, seller
	credit := invoice(fc.InvoiceKindCreditNote, fc.VATStandard, 2100)
	credit.CorrectsNumber = "LN-2026-0007"
	draft := invoice(fc.InvoiceKindInvoice, fc.VATStandard, 2100)
	draft.Number, draft.Status, draft.IssueDate, draft.DueDate, draft.IssuedAt = "", fc.InvoiceDraft, "", "", nil
	multi := invoice(fc.InvoiceKindInvoice, fc.VATStandard, 2100)
	multi.Lines[1].VATRateBP = 900
	fc.SumInvoice(multi)
	for _, c := range []struct {
		name string
		inv  *fc.Invoice
		want [][]string
	}{
		{"self-billing", self, [][]string{{"Self-billing invoice"}, {"Self-billing: this invoice is issued by the buyer"}, {"NL20 INGB 0001 2345 67"}, {"VAT 21 %", "11.08", "2.33"}}},
		{"credit note", credit, [][]string{{"Credit note for invoice LN-2026-0007"}, {"reverses invoice LN-2026-0007"}}},
		{"draft", draft, [][]string{{"DRAFT"}, {"(assigned when issued)"}}},
		// 9.15 at 21 % is 1.9215, 1.93 at 9 % is 0.1737.
		{"multi-rate", multi, [][]string{{"VAT 9 %", "1.93", "0.17"}, {"VAT 21 %", "9.15", "1.92"}, {"Total EUR", "13.17"}}},
	} {
		doc, err := pdf.Invoice(c.inv)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		text := pdfText(t, doc)
		for _, r := range c.want {
			if !hasRow(text, r) {
				t.Errorf("%s: no row with %q in:\n%s", c.name, r, text)
			}
		}
	}
	if got := pdf.InvoiceFileName(credit); got != "credit-note-LN-2026-0042.pdf" {
		t.Errorf("file name %q", got)
	}
	if got := pdf.InvoiceFileName(draft); got != "invoice-draft-31.pdf" {
		t.Errorf("file name %q", got)
	}
}
