package fleetcharge

import (
	"math/big"
	"sort"
	"time"
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
	CorrectsID     ID           `json:"corrects_id,omitempty"`
	CorrectsNumber string       `json:"corrects_number,omitempty"`
	Seller         BillingParty `json:"seller"`
	Buyer          BillingParty `json:"buyer"`
	// Note is free text printed on the invoice, such as ReverseChargeNote.
	Note      string        `json:"note,omitempty"`
	IssueDate string        `json:"issue_date,omitempty"` // DateLayout, set when issued
	DueDate   string        `json:"due_date,omitempty"`   // DateLayout, set when issued
	Lines     []InvoiceLine `json:"-"`
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
