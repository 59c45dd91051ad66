// Package einvoice writes fleetcharge's invoices as structured e-invoices:
// UBL 2.1 documents under the Peppol BIS Billing 3.0 specification, the
// EN 16931 core invoice model as the Peppol network exchanges it. The
// choices it makes where the model leaves room (endpoint schemes, how a
// self-billing invoice is written, payment means) are in docs/EINVOICE.md.
//
// Every amount is an exact integer in the currency's minor unit and is
// written as a decimal with that currency's digits; no float is involved.
package einvoice

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The identifiers of Peppol BIS Billing 3.0.
const (
	CustomizationID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
	ProfileID       = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
)

// Document type codes (UNCL1001) written.
const (
	TypeInvoice    = "380" // commercial invoice; also the self-billing invoice, see below
	TypeCreditNote = "381"
)

// A self-billing invoice: Peppol BIS Billing 3.0 refuses type code 389
// (PEPPOL-EN16931-P0100), and its self-billing variant is another
// specification with rules of its own, so a self-billing invoice is written
// as an invoice (380) whose seller is the station owner, whose buyer is the
// provider that issued it, and whose note carries fc.SelfBillingNote, the
// mention the VAT Directive (article 226(10a)) requires.

const (
	nsInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	nsCAC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	nsCBC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
)

// vatSchemes maps the country prefix of a VAT id to the Peppol electronic
// address scheme (EAS) of that country's VAT numbers.
var vatSchemes = map[string]string{
	"AT": "9914", "ES": "9920", "AD": "9922", "AL": "9923", "BA": "9924", "BE": "9925",
	"BG": "9926", "CH": "9927", "CY": "9928", "CZ": "9929", "DE": "9930", "EE": "9931",
	"GB": "9932", "EL": "9933", "GR": "9933", "HR": "9934", "IE": "9935", "LI": "9936",
	"LT": "9937", "LU": "9938", "LV": "9939", "MC": "9940", "ME": "9941", "MK": "9942",
	"MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946", "RO": "9947", "RS": "9948",
	"SI": "9949", "SK": "9950", "SM": "9951", "TR": "9952", "VA": "9953", "FR": "9957",
	"HU": "9910",
}

// endpoint returns the Peppol electronic address (BT-34/BT-49) of a party
// by its VAT id: the country's VAT scheme where Peppol has one, otherwise
// the identifier Peppol registers that country's businesses by, which its
// VAT id contains: Italy's Partita IVA (0211, IT and 11 digits), Denmark's
// CVR (0184, DK and 8 digits), Finland's VAT number (0213), Sweden's
// organisation number (0007: the 10 digits between SE and 01, checked by
// Luhn as PEPPOL-COMMON-R049 does), Norway's organisation number (0192:
// the 9 digits between NO and MVA, checked mod 11 as PEPPOL-COMMON-R041
// does) and Northern Ireland's UK VAT number (9932).
func endpoint(vat string) (idWithScheme, error) {
	prefix, rest := vat[:2], vat[2:]
	if scheme, ok := vatSchemes[prefix]; ok {
		return idWithScheme{scheme, vat}, nil
	}
	digits := func(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
	switch prefix {
	case "IT":
		if len(rest) == 11 && digits(rest) {
			return idWithScheme{"0211", vat}, nil
		}
	case "DK":
		if len(rest) == 8 && digits(rest) {
			return idWithScheme{"0184", vat}, nil
		}
	case "FI":
		if len(rest) == 8 && digits(rest) {
			return idWithScheme{"0213", vat}, nil
		}
	case "SE":
		if len(rest) == 12 && digits(rest) && strings.HasSuffix(rest, "01") && luhn(rest[:10]) {
			return idWithScheme{"0007", rest[:10]}, nil
		}
	case "NO":
		if len(rest) == 12 && digits(rest[:9]) && rest[9:] == "MVA" && mod11(rest[:9]) {
			return idWithScheme{"0192", rest[:9]}, nil
		}
	case "XI":
		return idWithScheme{"9932", vat}, nil
	default:
		return idWithScheme{}, fmt.Errorf("Peppol has no electronic address scheme for VAT ids of %s", prefix)
	}
	return idWithScheme{}, fmt.Errorf("%s is not a VAT id of %s as Peppol addresses them (its digits or check digit)", vat, prefix)
}

// luhn reports whether the last digit of s is its Luhn check digit.
func luhn(s string) bool {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// mod11 reports whether the 9th digit of a Norwegian organisation number
// is its check digit (weights 3 2 7 6 5 4 3 2).
func mod11(s string) bool {
	weights := []int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(s[8]-'0')
}

// ErrNotWritable wraps every reason an invoice cannot be written as UBL.
var ErrNotWritable = errors.New("invoice cannot be written as a Peppol UBL document")

func notWritable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotWritable, fmt.Sprintf(format, args...))
}

// UBL writes inv as a Peppol BIS Billing 3.0 UBL 2.1 document: an Invoice
// for an invoice or a self-billing invoice, a CreditNote naming the
// invoice it corrects for a credit note. inv must be issued (numbered and
// dated), name both parties with their country, carry the seller's IBAN
// if it is an invoice (not self-billed, not a credit note), and add up
// (lines, breakdown, totals); an error wrapping ErrNotWritable says what
// is missing.
func UBL(inv *fc.Invoice) ([]byte, error) {
	d, err := build(inv)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("invoice %s as UBL: %w", inv.Number, err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// FileName names an invoice's UBL file by its number (or ID while draft).
func FileName(inv *fc.Invoice) string {
	name := inv.Number
	if name == "" {
		name = "draft-" + inv.ID.String()
	}
	return "invoice-" + safeName(name) + ".xml"
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, s)
}

type document struct {
	XMLName         xml.Name
	Xmlns           string `xml:"xmlns,attr"`
	Cac             string `xml:"xmlns:cac,attr"`
	Cbc             string `xml:"xmlns:cbc,attr"`
	CustomizationID string `xml:"cbc:CustomizationID"`
	ProfileID       string `xml:"cbc:ProfileID"`
	ID              string `xml:"cbc:ID"`
	IssueDate       string `xml:"cbc:IssueDate"`
	// DueDate exists on an Invoice only; a credit note has payment terms.
	DueDate            string        `xml:"cbc:DueDate,omitempty"`
	InvoiceTypeCode    string        `xml:"cbc:InvoiceTypeCode,omitempty"`
	CreditNoteTypeCode string        `xml:"cbc:CreditNoteTypeCode,omitempty"`
	Note               string        `xml:"cbc:Note,omitempty"`
	Currency           string        `xml:"cbc:DocumentCurrencyCode"`
	BuyerReference     string        `xml:"cbc:BuyerReference"`
	InvoicePeriod      *period       `xml:"cac:InvoicePeriod"`
	BillingReference   *billingRef   `xml:"cac:BillingReference"`
	Supplier           partyWrap     `xml:"cac:AccountingSupplierParty"`
	Customer           partyWrap     `xml:"cac:AccountingCustomerParty"`
	PaymentMeans       *paymentMeans `xml:"cac:PaymentMeans"`
	PaymentTerms       *note         `xml:"cac:PaymentTerms"`
	TaxTotal           taxTotal      `xml:"cac:TaxTotal"`
	Totals             monetaryTotal `xml:"cac:LegalMonetaryTotal"`
	InvoiceLines       []line        `xml:"cac:InvoiceLine"`
	CreditNoteLines    []line        `xml:"cac:CreditNoteLine"`
}

type period struct {
	StartDate string `xml:"cbc:StartDate"`
	EndDate   string `xml:"cbc:EndDate"`
}

type billingRef struct {
	ID        string `xml:"cac:InvoiceDocumentReference>cbc:ID"`
	IssueDate string `xml:"cac:InvoiceDocumentReference>cbc:IssueDate,omitempty"`
}

type partyWrap struct {
	Party party `xml:"cac:Party"`
}

type idWithScheme struct {
	SchemeID string `xml:"schemeID,attr"`
	Value    string `xml:",chardata"`
}

type party struct {
	EndpointID  idWithScheme `xml:"cbc:EndpointID"`
	Identifier  *idElement   `xml:"cac:PartyIdentification"`
	Address     address      `xml:"cac:PostalAddress"`
	TaxScheme   *partyTax    `xml:"cac:PartyTaxScheme"`
	LegalEntity legalEntity  `xml:"cac:PartyLegalEntity"`
	Contact     *contact     `xml:"cac:Contact"`
}

type address struct {
	StreetName string `xml:"cbc:StreetName,omitempty"`
	CityName   string `xml:"cbc:CityName,omitempty"`
	PostalZone string `xml:"cbc:PostalZone,omitempty"`
	Country    string `xml:"cac:Country>cbc:IdentificationCode"`
}

type partyTax struct {
	CompanyID string `xml:"cbc:CompanyID"`
	TaxScheme string `xml:"cac:TaxScheme>cbc:ID"`
}

type legalEntity struct {
	RegistrationName string `xml:"cbc:RegistrationName"`
}

type contact struct {
	Name  string `xml:"cbc:Name,omitempty"`
	Phone string `xml:"cbc:Telephone,omitempty"`
	Email string `xml:"cbc:ElectronicMail,omitempty"`
}

// sellerContact is the seller contact (BG-6): the seller's contact point,
// telephone and e-mail. A self-billing invoice (and its credit note) is
// issued by the buyer, the provider, who answers questions about it: its
// contact stands in for a station owner without a telephone on file
// (docs/EINVOICE.md).
func sellerContact(inv *fc.Invoice) *contact {
	from := inv.Seller
	if inv.SelfBilled() && strings.TrimSpace(from.Phone) == "" {
		from = inv.Buyer
	}
	c := &contact{Name: strings.TrimSpace(from.Contact), Phone: strings.TrimSpace(from.Phone), Email: strings.TrimSpace(from.Email)}
	if c.Name == "" {
		c.Name = strings.TrimSpace(from.Name)
	}
	return c
}

type paymentMeans struct {
	Code      string     `xml:"cbc:PaymentMeansCode"`
	PaymentID string     `xml:"cbc:PaymentID,omitempty"`
	Account   *idElement `xml:"cac:PayeeFinancialAccount"`
}

// idElement is an aggregate holding one cbc:ID: an account, an
// identification.
type idElement struct {
	ID string `xml:"cbc:ID"`
}

type note struct {
	Note string `xml:"cbc:Note"`
}

type amount struct {
	Currency string `xml:"currencyID,attr"`
	Value    string `xml:",chardata"`
}

type quantity struct {
	Unit  string `xml:"unitCode,attr"`
	Value string `xml:",chardata"`
}

type taxTotal struct {
	TaxAmount amount        `xml:"cbc:TaxAmount"`
	Subtotals []taxSubtotal `xml:"cac:TaxSubtotal"`
}

type taxSubtotal struct {
	Taxable   amount      `xml:"cbc:TaxableAmount"`
	TaxAmount amount      `xml:"cbc:TaxAmount"`
	Category  taxCategory `xml:"cac:TaxCategory"`
}

type taxCategory struct {
	ID                  string `xml:"cbc:ID"`
	Percent             string `xml:"cbc:Percent,omitempty"`
	ExemptionReasonCode string `xml:"cbc:TaxExemptionReasonCode,omitempty"`
	ExemptionReason     string `xml:"cbc:TaxExemptionReason,omitempty"`
	TaxScheme           string `xml:"cac:TaxScheme>cbc:ID"`
}

type monetaryTotal struct {
	LineExtension amount `xml:"cbc:LineExtensionAmount"`
	TaxExclusive  amount `xml:"cbc:TaxExclusiveAmount"`
	TaxInclusive  amount `xml:"cbc:TaxInclusiveAmount"`
	Payable       amount `xml:"cbc:PayableAmount"`
}

type line struct {
	ID               string    `xml:"cbc:ID"`
	InvoicedQuantity *quantity `xml:"cbc:InvoicedQuantity"`
	CreditedQuantity *quantity `xml:"cbc:CreditedQuantity"`
	Net              amount    `xml:"cbc:LineExtensionAmount"`
	Item             item      `xml:"cac:Item"`
	Price            price     `xml:"cac:Price"`
}

type item struct {
	Name              string      `xml:"cbc:Name"`
	SellersItemID     *idElement  `xml:"cac:SellersItemIdentification"`
	ClassifiedTaxCate taxCategory `xml:"cac:ClassifiedTaxCategory"`
}

type price struct {
	Amount       amount    `xml:"cbc:PriceAmount"`
	BaseQuantity *quantity `xml:"cbc:BaseQuantity"`
}

func build(inv *fc.Invoice) (*document, error) {
	if inv.Status == fc.InvoiceDraft || inv.Number == "" {
		return nil, notWritable("a draft has no number yet; issue it first")
	}
	if _, err := time.Parse(fc.DateLayout, inv.IssueDate); err != nil {
		return nil, notWritable("invoice %s has no issue date", inv.Number)
	}
	if inv.DueDate != "" {
		if _, err := time.Parse(fc.DateLayout, inv.DueDate); err != nil {
			return nil, notWritable("invoice %s has a due date %q that is no date", inv.Number, inv.DueDate)
		}
	}
	digits := fc.MinorDigits(inv.Currency)
	if len(inv.Currency) != 3 {
		return nil, notWritable("invoice %s has no currency", inv.Number)
	}
	if digits > 2 {
		// EN 16931 allows at most 2 decimals in amounts (BR-DEC-*).
		return nil, notWritable("EN 16931 allows 2 decimals in amounts, %s has %d", inv.Currency, digits)
	}
	if len(inv.Lines) == 0 {
		return nil, notWritable("invoice %s has no lines", inv.Number)
	}
	if err := checkSums(inv); err != nil {
		return nil, err
	}
	credit := inv.Kind == fc.InvoiceKindCreditNote
	switch inv.Kind {
	case fc.InvoiceKindInvoice, fc.InvoiceKindSelfBilling, fc.InvoiceKindCreditNote:
	default:
		return nil, notWritable("unknown kind %q", inv.Kind)
	}
	if credit && inv.CorrectsNumber == "" {
		return nil, notWritable("credit note %s does not name the invoice it corrects", inv.Number)
	}
	// Not subject to VAT (O) excludes every VAT id from the document and
	// every other category from it (BR-O-02, BR-O-11..14).
	outside := false
	for _, l := range inv.Lines {
		if l.VATCategory == fc.VATOutsideScope {
			outside = true
		}
	}
	if outside {
		for _, l := range inv.Lines {
			if l.VATCategory != fc.VATOutsideScope {
				return nil, notWritable("invoice %s mixes lines outside the scope of VAT with category %s", inv.Number, l.VATCategory)
			}
		}
	}

	seller, err := makeParty("seller", inv.Seller, !outside)
	if err != nil {
		return nil, err
	}
	buyer, err := makeParty("buyer", inv.Buyer, !outside)
	if err != nil {
		return nil, err
	}
	// A party without a VAT id (a private customer, a private station owner)
	// has no Peppol address of its own: the document names the other
	// party's, so that it stays with the parties' books (docs/EINVOICE.md).
	switch {
	case seller.EndpointID.Value == "" && buyer.EndpointID.Value == "":
		return nil, notWritable("neither the seller nor the buyer has a VAT id to address the document to")
	case seller.EndpointID.Value == "":
		seller.EndpointID = buyer.EndpointID
	case buyer.EndpointID.Value == "":
		buyer.EndpointID = seller.EndpointID
	}
	// A party without a VAT id is the customer account (the provider has
	// one): the account's ID identifies it (BT-29/BT-46, BR-CO-26).
	for _, p := range []*party{&seller, &buyer} {
		if p.TaxScheme == nil {
			p.Identifier = &idElement{"account " + inv.AccountID.String()}
		}
	}
	seller.Contact = sellerContact(inv)
	if seller.Address.Country == "DE" && buyer.Address.Country == "DE" {
		// Peppol's German rules ask for the seller contact's name,
		// telephone and e-mail (DE-R-005..007), and the seller's city and
		// post code and the buyer's (DE-R-003/004/008/009).
		c := seller.Contact
		switch {
		case c.Phone == "" || c.Email == "":
			return nil, notWritable("between two German parties Peppol asks for the seller contact's telephone and e-mail (DE-R-006/007): set the provider's phone and email")
		case seller.Address.CityName == "" || seller.Address.PostalZone == "" || buyer.Address.CityName == "" || buyer.Address.PostalZone == "":
			return nil, notWritable("between two German parties Peppol asks for both parties' city and postal code (DE-R-003/004/008/009)")
		}
	}

	start, err := fc.ParsePeriod(inv.Period)
	if err != nil {
		return nil, notWritable("invoice %s has no period: %v", inv.Number, err)
	}
	d := &document{
		Xmlns: nsInvoice, Cac: nsCAC, Cbc: nsCBC,
		CustomizationID: CustomizationID,
		ProfileID:       ProfileID,
		ID:              inv.Number,
		IssueDate:       inv.IssueDate,
		Currency:        inv.Currency,
		BuyerReference:  "account " + inv.AccountID.String() + ", " + inv.Period,
		InvoicePeriod: &period{StartDate: start.Format(fc.DateLayout),
			EndDate: start.AddDate(0, 1, -1).Format(fc.DateLayout)},
		Supplier: partyWrap{seller},
		Customer: partyWrap{buyer},
	}
	notes := []string{}
	cur := inv.Currency
	money := func(v int64) amount { return amount{cur, decimal(v, digits)} }
	if credit {
		d.XMLName = xml.Name{Local: "CreditNote"}
		d.Xmlns = nsCreditNote
		d.CreditNoteTypeCode = TypeCreditNote
		d.BillingReference = &billingRef{ID: inv.CorrectsNumber}
		if _, err := time.Parse(fc.DateLayout, inv.CorrectsDate); err == nil {
			d.BillingReference.IssueDate = inv.CorrectsDate
		}
		notes = append(notes, "Credit note for invoice "+inv.CorrectsNumber+".")
		// The amount is settled against the corrected invoice as the
		// parties agreed (UNCL4461 57, standing agreement): refunded if that
		// was paid, set off otherwise.
		d.PaymentMeans = &paymentMeans{Code: "57", PaymentID: inv.CorrectsNumber}
		d.PaymentTerms = &note{"Settled against invoice " + inv.CorrectsNumber + "."}
	} else {
		d.XMLName = xml.Name{Local: "Invoice"}
		d.InvoiceTypeCode = TypeInvoice
		d.DueDate = inv.DueDate
		iban := strings.ToUpper(strings.ReplaceAll(inv.Seller.IBAN, " ", ""))
		switch {
		case iban != "":
			// SEPA credit transfer (UNCL4461 58) into the seller's IBAN, with
			// the invoice number as the remittance information.
			d.PaymentMeans = &paymentMeans{Code: "58", PaymentID: inv.Number, Account: &idElement{iban}}
		case inv.SelfBilled():
			// The provider pays the station owner as their self-billing
			// agreement says (UNCL4461 57, standing agreement).
			d.PaymentMeans = &paymentMeans{Code: "57", PaymentID: inv.Number}
		default:
			return nil, notWritable("the seller of invoice %s has no IBAN to be paid into", inv.Number)
		}
		if inv.DueDate == "" {
			d.PaymentTerms = &note{"Payable on receipt."}
		}
	}
	if inv.SelfBilled() && !strings.Contains(inv.Note, fc.SelfBillingNote) {
		notes = append(notes, fc.SelfBillingNote)
	}
	if n := strings.TrimSpace(inv.Note); n != "" {
		notes = append(notes, n)
	}
	// Peppol allows one note on the document (PEPPOL-EN16931-R002).
	d.Note = strings.Join(notes, " ")

	d.TaxTotal.TaxAmount = money(inv.VAT)
	for _, st := range inv.Breakdown {
		cat, err := category(st.Category, st.RateBP, st.Exemption)
		if err != nil {
			return nil, notWritable("invoice %s: %v", inv.Number, err)
		}
		d.TaxTotal.Subtotals = append(d.TaxTotal.Subtotals, taxSubtotal{Taxable: money(st.Taxable), TaxAmount: money(st.VAT), Category: cat})
	}
	d.Totals = monetaryTotal{LineExtension: money(inv.Net), TaxExclusive: money(inv.Net), TaxInclusive: money(inv.Total), Payable: money(inv.Total)}

	for i, l := range inv.Lines {
		cat, err := category(l.VATCategory, l.VATRateBP, "")
		if err != nil {
			return nil, notWritable("invoice %s line %d: %v", inv.Number, i+1, err)
		}
		// The line carries the category and rate only (BG-30).
		cat.ExemptionReason, cat.ExemptionReasonCode = "", ""
		name := strings.TrimSpace(l.Description)
		if name == "" {
			name = "Charging session"
		}
		ul := line{ID: strconv.Itoa(i + 1), Net: money(l.Net), Item: item{Name: name, ClassifiedTaxCate: cat}}
		if l.SessionID != 0 {
			ul.Item.SellersItemID = &idElement{"session " + l.SessionID.String()}
		}
		q, p := linePrice(l, digits)
		ul.Price = p
		ul.Price.Amount.Currency = cur
		if credit {
			ul.CreditedQuantity = q
		} else {
			ul.InvoicedQuantity = q
		}
		if credit {
			d.CreditNoteLines = append(d.CreditNoteLines, ul)
		} else {
			d.InvoiceLines = append(d.InvoiceLines, ul)
		}
	}
	return d, nil
}

// checkSums refuses an invoice whose figures do not add up: a document
// that states them would be refused by BR-CO-10..16 anyway.
func checkSums(inv *fc.Invoice) error {
	var net, vat int64
	for _, l := range inv.Lines {
		net += l.Net
	}
	taxable := map[string]int64{}
	for _, st := range inv.Breakdown {
		vat += st.VAT
		taxable[st.Category] += st.Taxable
	}
	lines := map[string]int64{}
	for _, l := range inv.Lines {
		lines[l.VATCategory] += l.Net
	}
	for c, v := range lines {
		if taxable[c] != v {
			return notWritable("invoice %s: the breakdown of category %s (%d) is not the sum of its lines (%d)", inv.Number, c, taxable[c], v)
		}
	}
	if net != inv.Net || vat != inv.VAT || inv.Net+inv.VAT != inv.Total {
		return notWritable("invoice %s: net %d, VAT %d, total %d do not add up from its lines (%d) and breakdown (%d)",
			inv.Number, inv.Net, inv.VAT, inv.Total, net, vat)
	}
	return nil
}

func makeParty(role string, p fc.BillingParty, withVAT bool) (party, error) {
	name := strings.TrimSpace(p.Name)
	if name == "" {
		return party{}, notWritable("the %s has no name", role)
	}
	country := strings.ToUpper(strings.TrimSpace(p.Country))
	if len(country) != 2 {
		return party{}, notWritable("the %s (%s) has no country", role, name)
	}
	out := party{
		Address: address{StreetName: strings.TrimSpace(p.Address), CityName: strings.TrimSpace(p.City),
			PostalZone: strings.TrimSpace(p.PostalCode), Country: country},
		LegalEntity: legalEntity{RegistrationName: name},
	}
	vat := strings.ToUpper(strings.Join(strings.Fields(p.VATID), ""))
	if vat != "" {
		if len(vat) < 4 {
			return party{}, notWritable("the %s's VAT id %q is too short", role, p.VATID)
		}
		id, err := endpoint(vat)
		if err != nil {
			return party{}, notWritable("the %s's VAT id: %v", role, err)
		}
		out.EndpointID = id
		if withVAT {
			out.TaxScheme = &partyTax{CompanyID: vat, TaxScheme: "VAT"}
		}
	}
	return out, nil
}

// category writes a VAT category with its rate and, for the categories
// without VAT, the exemption reason EN 16931 asks for.
func category(cat string, rateBP int, exemption string) (taxCategory, error) {
	c := taxCategory{ID: cat, TaxScheme: "VAT"}
	switch cat {
	case fc.VATStandard:
		if rateBP <= 0 {
			return c, fmt.Errorf("standard rate of %d", rateBP)
		}
		c.Percent = percent(rateBP)
	case fc.VATReverseCharge:
		c.Percent = "0"
		c.ExemptionReasonCode = "VATEX-EU-AE"
		c.ExemptionReason = orDefault(exemption, "Reverse charge")
	case fc.VATZeroRated:
		c.Percent = "0"
	case fc.VATExempt:
		c.Percent = "0"
		c.ExemptionReason = orDefault(exemption, "Exempt from VAT")
	case fc.VATOutsideScope:
		// No rate at all (BR-O-05, BR-O-09).
		c.ExemptionReasonCode = "VATEX-EU-O"
		c.ExemptionReason = orDefault(exemption, "Not subject to VAT")
	default:
		return c, fmt.Errorf("unknown VAT category %q", cat)
	}
	return c, nil
}

func orDefault(s, def string) string {
	if s = strings.TrimSpace(s); s != "" {
		return s
	}
	return def
}

// linePrice writes a line's quantity and price so that quantity times
// price is the line's net (PEPPOL-EN16931-R120 allows 0.02 of slack): the
// unit price when it gives the net, otherwise (a start fee, a time fee, a
// minimum) the net as the price of the whole quantity (BT-149, the base
// quantity). A line without quantity is one piece at its net. A negative
// net has a negative quantity, as a price may not be negative (BR-27).
func linePrice(l fc.InvoiceLine, digits int) (*quantity, price) {
	unit := l.Unit
	if unit == "" {
		unit = fc.UnitPiece
	}
	qty := l.QuantityMilli
	if qty < 0 {
		qty = -qty
	}
	if qty == 0 {
		unit, qty = fc.UnitPiece, 1000
	}
	sign := int64(1)
	if l.Net < 0 {
		sign = -1
	}
	q := &quantity{unit, trimmed(sign*qty, 3)}
	net := sign * l.Net
	// qty/1000 * micros/1e6 against net/10^digits, exactly, in 10^-9 units.
	if l.UnitPriceMicros >= 0 && l.QuantityMilli != 0 {
		got := new(big.Int).Mul(big.NewInt(qty), big.NewInt(l.UnitPriceMicros))
		want := new(big.Int).Mul(big.NewInt(net), pow10(9-digits))
		diff := new(big.Int).Sub(got, want)
		// 0.01 of the currency is 10^7 units of 10^-9.
		if diff.Abs(diff).Cmp(big.NewInt(10_000_000)) <= 0 {
			return q, price{Amount: amount{Value: trimmed(l.UnitPriceMicros, 6)}}
		}
	}
	return q, price{Amount: amount{Value: decimal(net, digits)}, BaseQuantity: &quantity{unit, trimmed(qty, 3)}}
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// decimal renders v / 10^digits exactly, with all its digits.
func decimal(v int64, digits int) string {
	sign := ""
	if v < 0 {
		sign = "-"
	}
	s := strconv.FormatUint(uint64(abs(v)), 10)
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}

func abs(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

// trimmed renders v / 10^digits without trailing zeros.
func trimmed(v int64, digits int) string {
	s := decimal(v, digits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// percent renders a rate in hundredths of a percent: 2100 is "21", 550 "5.5".
func percent(bp int) string { return trimmed(int64(bp), 2) }
