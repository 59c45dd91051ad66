package fleetcharge

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Invoicing (SPEC.md, Settlement; CONTRACT.md, Invoicing; issue 16). The
// provider bills each paying account monthly for the sessions of its cards,
// and pays station-owning accounts, by self-billing, for what their stations
// earned from other accounts' cards.
//
// Amounts are exact integers in the currency's minor unit. A line's net is
// rounded once, when the line is made. VAT follows EN 16931: lines are
// grouped by VAT category and rate, each group's taxable amount is the sum
// of its lines' nets, and the group's VAT is that sum times the rate,
// rounded half up once per group (BR-CO-17). The invoice's net is the sum of
// the lines, its VAT the sum of the groups, its total the two together.
//
// An issued invoice never changes. A credit note reverses one whole issued
// invoice: it repeats its lines and amounts (positive, as EN 16931 writes a
// credit note) and names the invoice it corrects.

// Invoice kinds.
const (
	InvoiceKindInvoice     = "invoice"      // the provider bills an account
	InvoiceKindSelfBilling = "self_billing" // the provider bills itself on behalf of a station owner, and pays it
	InvoiceKindCreditNote  = "credit_note"  // reverses an issued invoice or self-billing invoice
)

// Invoice states.
const (
	InvoiceDraft  = "draft"  // made by a run; recomputed by the next run of its period, may be deleted
	InvoiceIssued = "issued" // numbered; never changes again
	InvoicePaid   = "paid"   // issued and settled
	InvoiceVoid   = "void"   // issued, then reversed by a credit note
)

// InvoiceStatuses lists the states of an invoice, in their order.
var InvoiceStatuses = []string{InvoiceDraft, InvoiceIssued, InvoicePaid, InvoiceVoid}

// KindInvoice is the object kind of an invoice, as the audit log names it.
const KindInvoice = "invoice"

// VAT categories of EN 16931 (UNCL5305), the ones fleetcharge writes.
const (
	VATStandard      = "S"  // the standard or a reduced rate
	VATReverseCharge = "AE" // EU cross-border B2B: the buyer accounts for the VAT
	VATZeroRated     = "Z"
	VATExempt        = "E"
	VATOutsideScope  = "O" // not subject to VAT
)

// ReverseChargeNote is the legal note an invoice under reverse charge
// carries (Council Directive 2006/112/EC, article 196).
const ReverseChargeNote = "Reverse charge: VAT to be accounted for by the recipient (article 196 of Directive 2006/112/EC)."

// SelfBillingNote is the note of a self-billing invoice (Directive
// 2006/112/EC, article 226(10a)).
const SelfBillingNote = "Self-billing: this invoice is issued by the buyer in the name and on behalf of the seller."

// OutsideScopeNote is the note of an invoice whose seller is not a taxable
// person: a private station owner.
const OutsideScopeNote = "Not subject to VAT: the seller is not a taxable person."

// InvoiceNumber is the number of the seq-th document the provider issues in
// year: its prefix, the year and the sequence, such as "FC2026-000042".
func InvoiceNumber(prefix string, year int, seq int64) string {
	return fmt.Sprintf("%s%d-%06d", prefix, year, seq)
}

// BillingParty is a seller or a buyer as an invoice names it. An invoice
// freezes both parties when it is issued, so renames and moves later do not
// change it.
type BillingParty struct {
	Name       string `json:"name"`
	VATID      string `json:"vat_id,omitempty"`
	Address    string `json:"address,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	City       string `json:"city,omitempty"`
	Country    string `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Email      string `json:"email,omitempty"`
	IBAN       string `json:"iban,omitempty"` // the account paid into, for the seller
	// Contact and Phone are the party's contact point and telephone
	// (EN 16931 BT-41/BT-42): the provider's, from its billing data; the
	// German rules of Peppol require them of a German seller to a German
	// buyer (DE-R-005..007).
	Contact string `json:"contact,omitempty"`
	Phone   string `json:"phone,omitempty"`
}

// Invoice is an invoice, a self-billing invoice or a credit note. Seller
// and Buyer are the parties as the document names them: for an invoice the
// provider sells to the account; for a self-billing invoice the station
// owner's account sells to the provider, which issues the document.
type Invoice struct {
	ID         ID     `json:"id"`
	ProviderID ID     `json:"-"`
	Number     string `json:"number"` // "" while draft
	Kind       string `json:"kind"`
	// AccountID is the customer account the invoice is with: the payer for
	// an invoice, the station owner for a self-billing invoice, the one of
	// the corrected invoice for a credit note.
	AccountID ID     `json:"account_id"`
	Period    string `json:"period"` // the month, PeriodLayout
	Status    string `json:"status"`
	Currency  string `json:"currency"`
	// Net, VAT and Total are in the currency's minor unit.
	Net   int64 `json:"-"`
	VAT   int64 `json:"-"`
	Total int64 `json:"-"`
	// CorrectsID and CorrectsNumber name the invoice a credit note reverses.
	CorrectsID     ID     `json:"corrects_id,omitempty"`
	CorrectsNumber string `json:"corrects_number,omitempty"`
	// CorrectsKind is the kind of the invoice a credit note reverses
	// (InvoiceKindInvoice or InvoiceKindSelfBilling): a credit note of a
	// self-billing invoice is itself self-billed.
	CorrectsKind string       `json:"corrects_kind,omitempty"`
	CorrectsDate string       `json:"corrects_date,omitempty"` // the corrected invoice's issue date
	Seller       BillingParty `json:"seller"`
	Buyer        BillingParty `json:"buyer"`
	// Note is free text printed on the invoice, such as ReverseChargeNote.
	Note      string        `json:"note,omitempty"`
	IssueDate string        `json:"issue_date,omitempty"` // DateLayout, set when issued
	DueDate   string        `json:"due_date,omitempty"`   // DateLayout, set when issued
	Lines     []InvoiceLine `json:"-"`
	// LineCount is the number of lines, where a list or a run gives it
	// without the lines themselves.
	LineCount int           `json:"-"`
	Breakdown []VATSubtotal `json:"-"`
	CreatedAt time.Time     `json:"created_at"`
	IssuedAt  *time.Time    `json:"issued_at,omitempty"`
	PaidAt    *time.Time    `json:"paid_at,omitempty"`
}

// Units of an invoice line's quantity, as UN/ECE Recommendation 20 codes.
const (
	UnitKWh   = "KWH" // kilowatt hour
	UnitPiece = "C62" // one (a session, a fee)
)

// InvoiceLine is one line of an invoice: usually one charging session.
type InvoiceLine struct {
	Description string `json:"description"`
	// QuantityMilli is the quantity in thousandths of Unit (Wh for kWh).
	QuantityMilli int64  `json:"-"`
	Unit          string `json:"unit"`
	// UnitPriceMicros is the price of one Unit in millionths of the
	// currency; informative, as Net is what counts.
	UnitPriceMicros int64 `json:"-"`
	// Net is the line's amount without VAT in the minor unit.
	Net int64 `json:"-"`
	// VATRateBP is the VAT rate in hundredths of a percent (2100 = 21 %).
	VATRateBP   int    `json:"-"`
	VATCategory string `json:"vat_category"`
	SessionID   ID     `json:"session_id"`
}

// VATSubtotal is the VAT of one category and rate (EN 16931 BG-23).
type VATSubtotal struct {
	Category  string `json:"category"`
	RateBP    int    `json:"-"`
	Taxable   int64  `json:"-"` // the sum of the lines' nets, minor unit
	VAT       int64  `json:"-"` // Taxable times the rate, rounded half up, minor unit
	Exemption string `json:"exemption,omitempty"`
}

// SumInvoice sets inv's Breakdown, Net, VAT and Total from its lines, per
// EN 16931: one subtotal per (category, rate), in category then rate order,
// each rounded once. A subtotal of category AE, E, Z or O has no VAT.
func SumInvoice(inv *Invoice) {
	type key struct {
		cat  string
		rate int
	}
	taxable := map[key]int64{}
	var net int64
	for _, l := range inv.Lines {
		k := key{l.VATCategory, l.VATRateBP}
		if !chargesVAT(l.VATCategory) {
			k.rate = 0
		}
		taxable[k] += l.Net
		net += l.Net
	}
	keys := make([]key, 0, len(taxable))
	for k := range taxable {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].cat != keys[j].cat {
			return keys[i].cat < keys[j].cat
		}
		return keys[i].rate < keys[j].rate
	})
	inv.Breakdown = inv.Breakdown[:0]
	var vat int64
	for _, k := range keys {
		st := VATSubtotal{Category: k.cat, RateBP: k.rate, Taxable: taxable[k]}
		if chargesVAT(k.cat) {
			st.VAT = VATOf(st.Taxable, k.rate)
		}
		if k.cat == VATReverseCharge {
			st.Exemption = "Reverse charge"
		}
		vat += st.VAT
		inv.Breakdown = append(inv.Breakdown, st)
	}
	inv.Net, inv.VAT, inv.Total = net, vat, net+vat
}

func chargesVAT(category string) bool { return category == VATStandard }

// VATOf returns amount times rateBP hundredths of a percent, rounded half
// away from zero to the minor unit, exactly.
func VATOf(amount int64, rateBP int) int64 {
	num := new(big.Int).Mul(big.NewInt(amount), big.NewInt(int64(rateBP)))
	den := big.NewInt(10000)
	neg := num.Sign() < 0
	num.Abs(num)
	num.Add(num, big.NewInt(5000))
	num.Quo(num, den)
	if neg {
		num.Neg(num)
	}
	return num.Int64()
}

// ProviderBilling is the provider's billing data: the seller of its
// invoices and the buyer of its self-billing invoices.
type ProviderBilling struct {
	LegalName  string `json:"legal_name"`
	VATID      string `json:"vat_id"`
	Address    string `json:"address"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
	IBAN       string `json:"iban"`
	// ContactName, Phone and Email are who answers questions about the
	// provider's invoices (EN 16931 BG-6, the seller contact): optional,
	// but a German provider invoicing German customers needs all three
	// (Peppol DE-R-005..007).
	ContactName string `json:"contact_name"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
	// VATRateBP is the standard VAT rate of the provider's country in
	// hundredths of a percent (2100 = 21 %).
	VATRateBP int `json:"vat_rate_bp"`
	// InvoicePrefix starts every invoice number: "<prefix><year>-<seq>".
	InvoicePrefix string `json:"invoice_prefix"`
	// RoamingMarginBP is added to the price of a session on another
	// network (imported or roaming), in hundredths of a percent.
	RoamingMarginBP int `json:"roaming_margin_bp"`
	// SelfBillingFeeBP is the provider's fee, kept from what a station
	// owner's stations earned, in hundredths of a percent.
	SelfBillingFeeBP int `json:"self_billing_fee_bp"`
	// PaymentDays is the term from issue to due date (30 when 0).
	PaymentDays int `json:"payment_days"`
}

// DefaultPaymentDays is the payment term of a provider that set none.
const DefaultPaymentDays = 30

// Party returns the provider as an invoice names it.
func (b ProviderBilling) Party(fallbackName string) BillingParty {
	name := b.LegalName
	if name == "" {
		name = fallbackName
	}
	return BillingParty{Name: name, VATID: b.VATID, Address: b.Address, PostalCode: b.PostalCode, City: b.City,
		Country: b.Country, IBAN: b.IBAN, Contact: b.ContactName, Phone: b.Phone, Email: b.Email}
}

// AccountParty returns the account as an invoice names it.
func AccountParty(a *Account) BillingParty {
	return BillingParty{Name: a.Name, VATID: a.VATID, Address: a.Address, PostalCode: a.PostalCode, City: a.City,
		Country: a.Country, Email: a.BillingEmail, IBAN: a.IBAN}
}

// VATFor decides the VAT category and rate of a supply from seller to
// buyer, as invoicing applies it (docs/INVOICING.md):
//
//   - a buyer in another EU member state than the seller, both with a VAT
//     id of their own country's shape and the buyer a business (not
//     private): reverse charge (AE), no VAT;
//   - a seller without a valid VAT id that is private (a station owner
//     that is a private person): not subject to VAT (O);
//   - everything else (same country, a private buyer, a business buyer
//     without a valid VAT id, a country outside the EU): the standard
//     rate (S) at rateBP.
//
// A party's country defaults to the other's when empty.
func VATFor(seller, buyer BillingParty, sellerPrivate, buyerPrivate bool, rateBP int) (category string, bp int) {
	sc, bc := seller.Country, buyer.Country
	if sc == "" {
		sc = bc
	}
	if bc == "" {
		bc = sc
	}
	sellerVAT := ValidVATID(sc, seller.VATID)
	if sellerPrivate && !sellerVAT {
		return VATOutsideScope, 0
	}
	if sc != bc && !buyerPrivate && EUCountry(sc) && EUCountry(bc) && sellerVAT && ValidVATID(bc, buyer.VATID) {
		return VATReverseCharge, 0
	}
	return VATStandard, rateBP
}

// InvoiceScope is what an invoice read may touch: every invoice of the
// accounts in Reach (invoices.read), and the self-billing invoices, with
// their credit notes, of the accounts in SelfBilling
// (invoices.self_billing.read).
type InvoiceScope struct {
	ProviderID  ID
	Reach       Reach
	SelfBilling Reach
	// Drafts is where drafts are read too (invoices.manage): elsewhere an
	// invoice is read from its issue on.
	Drafts Reach
}

// InvoiceFilter narrows a list of invoices; zero fields do not filter.
type InvoiceFilter struct {
	Period    string
	AccountID ID
	Status    string
	Kind      string
	Page
}

// InvoiceStore keeps invoices. Runs, issuing, crediting and payment are
// the provider's (a provider-wide Scope); reads are scoped by InvoiceScope.
// Every change is audited.
type InvoiceStore interface {
	// RunInvoices makes or recomputes the drafts of period (a month of the
	// provider's calendar) and deletes the drafts of that period left
	// without sessions; it returns every invoice of the period, without
	// lines. With dryRun, nothing is written: the drafts are what a run
	// would make now (IDs 0 for new ones).
	RunInvoices(ctx context.Context, s Scope, period string, dryRun bool) ([]Invoice, error)
	// Invoice returns one invoice with its lines and VAT breakdown.
	Invoice(ctx context.Context, s InvoiceScope, id ID) (*Invoice, error)
	// Invoices lists invoices by ID, without lines.
	Invoices(ctx context.Context, s InvoiceScope, f InvoiceFilter) ([]Invoice, error)
	// IssueInvoice numbers a draft (the provider's next number, gap-free),
	// freezes its parties and dates it; any other state is a conflict.
	IssueInvoice(ctx context.Context, s Scope, id ID) (*Invoice, error)
	// CreditInvoice issues a credit note reversing an issued or paid
	// invoice, marks the invoice void and frees its sessions; it returns
	// the credit note.
	CreditInvoice(ctx context.Context, s Scope, id ID) (*Invoice, error)
	// PayInvoice marks an issued invoice or credit note paid.
	PayInvoice(ctx context.Context, s Scope, id ID) (*Invoice, error)
}

// SelfBilled reports whether the document is issued by the provider on
// behalf of a station owner: a self-billing invoice or its credit note.
func (inv *Invoice) SelfBilled() bool {
	return inv.Kind == InvoiceKindSelfBilling || inv.CorrectsKind == InvoiceKindSelfBilling
}

// Billing data checks.

// countries are the ISO 3166-1 alpha-2 codes.
const countries = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XI"

// ValidCountry reports whether c is an ISO 3166-1 alpha-2 code (upper
// case), or XI (Northern Ireland, as EU VAT writes it).
func ValidCountry(c string) bool {
	if len(c) != 2 {
		return false
	}
	for i := 0; i+2 <= len(countries); i += 3 {
		if countries[i:i+2] == c {
			return true
		}
	}
	return false
}

// vatShapes are the shapes of the EU member states' VAT ids after their
// prefix: d a digit, a a letter, x a letter or digit; "|" separates
// alternatives.
var vatShapes = map[string]string{
	"AT": "Udddddddd", "BE": "dddddddddd", "BG": "ddddddddd|dddddddddd", "CY": "dddddddda",
	"CZ": "dddddddd|ddddddddd|dddddddddd", "DE": "ddddddddd", "DK": "dddddddd", "EE": "ddddddddd",
	"GR": "ddddddddd", "ES": "xdddddddx", "FI": "dddddddd", "FR": "xxddddddddd", "HR": "ddddddddddd",
	"HU": "dddddddd", "IE": "dddddddaa|dddddddda|dxddddda", "IT": "ddddddddddd", "LT": "ddddddddd|dddddddddddd",
	"LU": "dddddddd", "LV": "ddddddddddd", "MT": "dddddddd", "NL": "dddddddddBdd", "PL": "dddddddddd",
	"PT": "ddddddddd", "RO": "dd|ddd|dddd|ddddd|dddddd|ddddddd|dddddddd|ddddddddd|dddddddddd", "SE": "dddddddddddd",
	"SI": "dddddddd", "SK": "dddddddddd", "XI": "ddddddddd|dddddddddddd|GDddd|HAddd",
}

// EUCountry reports whether c is an EU member state (or XI, Northern
// Ireland, which EU VAT treats as one for goods).
func EUCountry(c string) bool {
	_, ok := vatShapes[c]
	return ok
}

// VATPrefix is the prefix of VAT ids of country c: its code, but EL for
// Greece.
func VATPrefix(c string) string {
	if c == "GR" {
		return "EL"
	}
	return c
}

// ValidVATID reports whether id has the shape of a VAT id of country c: the
// country's prefix and, for an EU member state, the digits and letters its
// ids have (the check digits are not verified: VIES does that); for another
// country, 2 to 13 letters or digits after the prefix.
func ValidVATID(c, id string) bool {
	prefix := VATPrefix(c)
	if c == "" || len(id) <= len(prefix) || id[:len(prefix)] != prefix {
		return false
	}
	rest := id[len(prefix):]
	shapes, ok := vatShapes[c]
	if !ok {
		if len(rest) < 2 || len(rest) > 13 {
			return false
		}
		return fitsShape(rest, strings.Repeat("x", len(rest)))
	}
	for _, shape := range strings.Split(shapes, "|") {
		if fitsShape(rest, shape) {
			return true
		}
	}
	return false
}

func fitsShape(s, shape string) bool {
	if len(s) != len(shape) {
		return false
	}
	for i := 0; i < len(s); i++ {
		digit, letter := s[i] >= '0' && s[i] <= '9', s[i] >= 'A' && s[i] <= 'Z'
		switch shape[i] {
		case 'd':
			if !digit {
				return false
			}
		case 'a':
			if !letter {
				return false
			}
		case 'x':
			if !digit && !letter {
				return false
			}
		default:
			if s[i] != shape[i] {
				return false
			}
		}
	}
	return true
}

// ValidIBAN reports whether iban (upper case, no spaces) is an IBAN: a
// country code, two check digits, 11 to 30 letters or digits, and the ISO
// 7064 mod 97-10 check.
func ValidIBAN(iban string) bool {
	if len(iban) < 15 || len(iban) > 34 || !ValidCountry(iban[:2]) || !fitsShape(iban[2:4], "dd") ||
		!fitsShape(iban[4:], strings.Repeat("x", len(iban)-4)) {
		return false
	}
	rem := 0
	for _, c := range iban[4:] + iban[:4] {
		if c >= 'A' && c <= 'Z' {
			rem = (rem*100 + int(c-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	return rem == 1
}

// NormalizeCode upper-cases s and drops its spaces, dots and dashes, as
// IBANs and VAT ids are typed.
func NormalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '\t':
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}
