package einvoice_test

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/einvoice"
)

// parsed is what the tests read back from a document.
type parsed struct {
	XMLName            xml.Name
	ID                 string   `xml:"ID"`
	InvoiceTypeCode    string   `xml:"InvoiceTypeCode"`
	CreditNoteTypeCode string   `xml:"CreditNoteTypeCode"`
	Note               []string `xml:"Note"`
	BillingReference   string   `xml:"BillingReference>InvoiceDocumentReference>ID"`
	Payable            string   `xml:"LegalMonetaryTotal>PayableAmount"`
	TaxAmount          string   `xml:"TaxTotal>TaxAmount"`
	Seller             string   `xml:"AccountingSupplierParty>Party>PartyLegalEntity>RegistrationName"`
	SellerEndpoint     struct {
		Scheme string `xml:"schemeID,attr"`
		Value  string `xml:",chardata"`
	} `xml:"AccountingSupplierParty>Party>EndpointID"`
	Subtotals []struct {
		Taxable  string `xml:"TaxableAmount"`
		Category string `xml:"TaxCategory>ID"`
		Percent  string `xml:"TaxCategory>Percent"`
		Reason   string `xml:"TaxCategory>TaxExemptionReasonCode"`
	} `xml:"TaxTotal>TaxSubtotal"`
	IBAN string `xml:"PaymentMeans>PayeeFinancialAccount>ID"`
}

func read(t *testing.T, inv *fc.Invoice) parsed {
	t.Helper()
	doc, err := einvoice.UBL(inv)
	if err != nil {
		t.Fatal(err)
	}
	var p parsed
	if err := xml.Unmarshal(doc, &p); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	return p
}

// TestUBLKinds: each kind has its root element, type code, references and
// exact amounts.
func TestUBLKinds(t *testing.T) {
	all := invoices()

	d := read(t, all["domestic"])
	if d.XMLName.Local != "Invoice" || d.InvoiceTypeCode != "380" || d.ID != "LN-2026-0001" {
		t.Errorf("domestic: %s %s %s", d.XMLName.Local, d.InvoiceTypeCode, d.ID)
	}
	// 9.15 + 2.43 + 2.50 = 14.08, VAT 21 % = 2.9568, so 2.96, total 17.04.
	if d.Payable != "17.04" || d.TaxAmount != "2.96" || d.IBAN != "NL91ABNA0417164300" {
		t.Errorf("domestic: payable %s, VAT %s, IBAN %s", d.Payable, d.TaxAmount, d.IBAN)
	}
	if d.SellerEndpoint.Scheme != "9944" || d.SellerEndpoint.Value != "NL123456789B01" {
		t.Errorf("domestic: seller endpoint %+v", d.SellerEndpoint)
	}

	r := read(t, all["reverse-charge"])
	if len(r.Subtotals) != 1 || r.Subtotals[0].Category != "AE" || r.Subtotals[0].Percent != "0" || r.Subtotals[0].Reason != "VATEX-EU-AE" || r.TaxAmount != "0.00" {
		t.Errorf("reverse charge: %+v, VAT %s", r.Subtotals, r.TaxAmount)
	}
	if len(r.Note) != 1 || !strings.Contains(r.Note[0], "article 196") {
		t.Errorf("reverse charge: note %q", r.Note)
	}

	c := read(t, all["credit-note"])
	if c.XMLName.Local != "CreditNote" || c.CreditNoteTypeCode != "381" || c.BillingReference != "LN-2026-0001" || c.Payable != "17.04" {
		t.Errorf("credit note: %s %s ref %q payable %s", c.XMLName.Local, c.CreditNoteTypeCode, c.BillingReference, c.Payable)
	}

	s := read(t, all["self-billing"])
	if s.InvoiceTypeCode != "380" || s.Seller != "Müller & Söhne GmbH" || len(s.Note) != 1 || strings.Count(s.Note[0], fc.SelfBillingNote) != 1 {
		t.Errorf("self-billing: %s seller %q note %q", s.InvoiceTypeCode, s.Seller, s.Note)
	}
	if s.IBAN != "DE89370400440532013000" {
		t.Errorf("self-billing pays the station owner, not %q", s.IBAN)
	}

	m := read(t, all["multi-rate"])
	var rates []string
	for _, st := range m.Subtotals {
		rates = append(rates, st.Category+" "+st.Percent+" "+st.Taxable)
	}
	// 3.90 + 1.28 (3.333 kWh at 0.333333 is 1.11, and a fee of 0.17) - 0.50
	// (goodwill) = 4.68 at 21 %, 1.95 at 9 %, 0.10 zero rated.
	if got := strings.Join(rates, ", "); got != "S 9 1.95, S 21 4.68, Z 0 0.10" {
		t.Errorf("multi-rate breakdown: %s", got)
	}

	y := read(t, all["jpy"])
	if strings.Contains(y.Payable, ".") || y.Payable == "" {
		t.Errorf("yen have no decimals: payable %q", y.Payable)
	}
}

// TestUBLRefuses: what cannot be written is an error, not a document the
// rules would refuse.
func TestUBLRefuses(t *testing.T) {
	cases := map[string]func(inv *fc.Invoice){
		"draft":                  func(inv *fc.Invoice) { inv.Status, inv.Number = fc.InvoiceDraft, "" },
		"no seller name":         func(inv *fc.Invoice) { inv.Seller.Name = " " },
		"no buyer country":       func(inv *fc.Invoice) { inv.Buyer.Country = "" },
		"no IBAN":                func(inv *fc.Invoice) { inv.Seller.IBAN = "" },
		"no issue date":          func(inv *fc.Invoice) { inv.IssueDate = "" },
		"totals do not add up":   func(inv *fc.Invoice) { inv.Total++ },
		"no lines":               func(inv *fc.Invoice) { inv.Lines = nil; fc.SumInvoice(inv) },
		"three-digit currency":   func(inv *fc.Invoice) { inv.Currency = "KWD" },
		"credit without origin":  func(inv *fc.Invoice) { inv.Kind = fc.InvoiceKindCreditNote },
		"no VAT id on any party": func(inv *fc.Invoice) { inv.Seller.VATID, inv.Buyer.VATID = "", "" },
		"German to German": func(inv *fc.Invoice) {
			inv.Seller, inv.Buyer = germanProvider, germanFleet
		},
	}
	for name, change := range cases {
		inv := invoices()["domestic"]
		change(inv)
		_, err := einvoice.UBL(inv)
		if !errors.Is(err, einvoice.ErrNotWritable) {
			t.Errorf("%s: err %v, want ErrNotWritable", name, err)
		}
	}
	if _, err := einvoice.UBL(invoices()["domestic"]); err != nil {
		t.Errorf("the unchanged invoice: %v", err)
	}
}

// TestUBLCreditOfSelfBilling: the credit note of a self-billing invoice is
// self-billed too, and names the corrected invoice with its date.
func TestUBLCreditOfSelfBilling(t *testing.T) {
	c := read(t, invoices()["credit-note-self-billing"])
	if len(c.Note) != 1 || !strings.Contains(c.Note[0], fc.SelfBillingNote) || !strings.Contains(c.Note[0], "LN-2026-0004") ||
		strings.Count(c.Note[0], fc.SelfBillingNote) != 1 {
		t.Errorf("note %q", c.Note)
	}
	d := read(t, invoices()["credit-note"])
	if len(d.Note) != 1 || strings.Contains(d.Note[0], fc.SelfBillingNote) {
		t.Errorf("the credit note of an invoice is not self-billed: %q", d.Note)
	}
}

// TestUBLSelfBillingWithoutIBAN: a station owner without an IBAN on file
// is paid as the self-billing agreement says (57); an invoice's seller
// without one cannot be paid at all.
func TestUBLSelfBillingWithoutIBAN(t *testing.T) {
	doc, err := einvoice.UBL(invoices()["self-billing-private-owner"])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "<cbc:PaymentMeansCode>57</cbc:PaymentMeansCode>") || strings.Contains(string(doc), "PayeeFinancialAccount") {
		t.Errorf("payment means of a self-billing invoice without IBAN:\n%s", doc)
	}
}
