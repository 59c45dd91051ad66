package api

import (
	"encoding/json"
	"errors"
	"net/http"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/einvoice"
	"github.com/fleetcharge/fleetcharge/pdf"
)

// Invoicing (issue 16, docs/INVOICING.md): the monthly run, issuing,
// credit notes, payments, and the documents as JSON, PDF and Peppol UBL.

type invoiceRunInput struct {
	Period string `json:"period" required:"true" doc:"the month, YYYY-MM, of the provider's calendar"`
	DryRun bool   `json:"dry_run" doc:"compute the drafts without writing anything: the preview of a run (new drafts have id 0)"`
}

// invoiceView is an invoice with its amounts as exact decimals, and its
// lines and VAT breakdown when read alone.
type invoiceView struct {
	*fc.Invoice
	Number    *string           `json:"number" doc:"the invoice number, gap-free per provider; null while draft"`
	Net       json.Number       `json:"net" doc:"the sum of the lines' nets, in currency, with as many decimals as its minor unit"`
	VAT       json.Number       `json:"vat" doc:"the VAT, rounded once per category and rate (EN 16931)"`
	Total     json.Number       `json:"total" doc:"net plus VAT"`
	Lines     []invoiceLineView `json:"lines,omitempty" doc:"the lines, usually one session each; read with one invoice, absent in lists"`
	Breakdown []vatSubtotalView `json:"vat_breakdown,omitempty" doc:"the VAT per category and rate; read with one invoice"`
	Corrects  *invoiceReference `json:"corrects,omitempty" doc:"for a credit note: the invoice it reverses"`
	SelfBill  bool              `json:"self_billed" doc:"issued by the provider on behalf of a station owner: a self-billing invoice or its credit note"`
}

type invoiceReference struct {
	ID     fc.ID  `json:"id"`
	Number string `json:"number"`
}

type invoiceLineView struct {
	fc.InvoiceLine
	Quantity  json.Number `json:"quantity" doc:"in unit: kWh with 3 decimals (KWH), or 1 (C62, one session)"`
	UnitPrice json.Number `json:"unit_price" doc:"the price of one unit, up to 6 decimals; informative: net is exact"`
	Net       json.Number `json:"net" doc:"the line's amount without VAT"`
	VATRate   json.Number `json:"vat_rate" doc:"percent, such as 21 or 5.5; 0 for reverse charge (AE) and outside scope (O)"`
}

type vatSubtotalView struct {
	fc.VATSubtotal
	Rate    json.Number `json:"rate" doc:"percent"`
	Taxable json.Number `json:"taxable" doc:"the sum of the nets of the lines of this category and rate"`
	VAT     json.Number `json:"vat" doc:"taxable times the rate, rounded once, half away from zero"`
}

func viewInvoice(inv *fc.Invoice) invoiceView {
	digits := fc.MinorDigits(inv.Currency)
	v := invoiceView{Invoice: inv, Net: decimalNumber(inv.Net, digits), VAT: decimalNumber(inv.VAT, digits),
		Total: decimalNumber(inv.Total, digits), SelfBill: inv.SelfBilled()}
	if inv.Number != "" {
		n := inv.Number
		v.Number = &n
	}
	if inv.CorrectsID != 0 {
		v.Corrects = &invoiceReference{ID: inv.CorrectsID, Number: inv.CorrectsNumber}
	}
	for _, l := range inv.Lines {
		v.Lines = append(v.Lines, invoiceLineView{InvoiceLine: l, Quantity: decimalNumber(l.QuantityMilli, 3),
			UnitPrice: micros(l.UnitPriceMicros), Net: decimalNumber(l.Net, digits), VATRate: percent(l.VATRateBP)})
	}
	for _, st := range inv.Breakdown {
		v.Breakdown = append(v.Breakdown, vatSubtotalView{VATSubtotal: st, Rate: percent(st.RateBP),
			Taxable: decimalNumber(st.Taxable, digits), VAT: decimalNumber(st.VAT, digits)})
	}
	return v
}

// percent renders hundredths of a percent as a percentage: 2100 as 21,
// 550 as 5.5.
func percent(bp int) json.Number {
	s := string(decimalNumber(int64(bp), 2))
	if len(s) > 3 && s[len(s)-3] == '.' {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		if s[len(s)-1] == '.' {
			s = s[:len(s)-1]
		}
	}
	return json.Number(s)
}

// Document formats of an invoice.
const formatUBL = "ubl"

// invoiceRoutes are the routes of invoices.
func (s *Server) invoiceRoutes() []route {
	const tag = "invoices"
	manage := "Needs " + string(access.InvoicesManage) + " over the whole provider (a provider admin): 403 otherwise. "
	one := "/api/v1/invoices/{id}"
	return []route{
		{method: http.MethodGet, path: "/api/v1/invoices", id: "list_invoices", tag: tag, summary: "List invoices",
			doc: "The invoices, self-billing invoices and credit notes of the accounts where the caller holds " + string(access.InvoicesRead) +
				", and the self-billed ones of the accounts where it holds " + string(access.InvoicesSelfBillingRead) + ", without their lines. " +
				"Drafts are listed only to holders of " + string(access.InvoicesManage) + ".",
			params: append([]param{
				{name: "period", kind: paramString, doc: "only invoices of this month, YYYY-MM"},
				filterAccount,
				{name: "status", kind: paramEnum, enum: fc.InvoiceStatuses, doc: "only invoices in this state"},
				{name: "kind", kind: paramEnum, enum: []string{fc.InvoiceKindInvoice, fc.InvoiceKindSelfBilling, fc.InvoiceKindCreditNote},
					doc: "only invoices of this kind"},
			}, pageParams...),
			resp: typ[invoiceView](), list: true, status: http.StatusOK, h: s.listInvoices},
		{method: http.MethodGet, path: one, id: "get_invoice", tag: tag, summary: "Read one invoice, or download it as PDF or UBL",
			doc: "The invoice with its lines and VAT breakdown. As pdf, the document a customer files; as ubl, the Peppol BIS Billing 3.0 " +
				"UBL 2.1 document (an Invoice, or a CreditNote naming the invoice it corrects); a draft has no UBL document yet (409).",
			params: []param{{name: "format", kind: paramEnum, enum: []string{formatJSON, formatPDF, formatUBL},
				doc: "json (the default), pdf, or ubl: Peppol BIS Billing 3.0 XML"}},
			media: []string{"application/json", "application/pdf", "application/xml"},
			resp:  typ[invoiceView](), status: http.StatusOK, h: s.getInvoice},
		{method: http.MethodPost, path: "/api/v1/invoices/run", id: "run_invoices", tag: tag, summary: "Run the invoicing of a month",
			doc: manage + "Makes or recomputes the drafts of the month: one invoice per paying account and currency for the sessions of its " +
				"cards, one self-billing invoice per station-owning account and currency for what its stations earned from other accounts' " +
				"cards; drafts left without sessions are deleted, issued invoices never change. The answer lists every invoice of the month, " +
				"without lines. With dry_run, nothing is written.",
			body: typ[invoiceRunInput](), create: true, resp: typ[invoiceView](), list: true, status: http.StatusOK, h: s.runInvoices},
		{method: http.MethodPost, path: one + "/issue", id: "issue_invoice", tag: tag, summary: "Issue a draft invoice",
			doc: manage + "Numbers the draft with the provider's next number (gap-free), freezes its parties as they are now, decides its VAT " +
				"for them and dates it; from now on it never changes. 409 unless it is a draft.",
			resp: typ[invoiceView](), status: http.StatusOK, h: getOf(s, s.app.IssueInvoice, viewInvoice)},
		{method: http.MethodPost, path: one + "/credit", id: "credit_invoice", tag: tag, summary: "Credit an issued invoice",
			doc: manage + "Issues a credit note reversing the whole invoice (numbered, with the same lines) and marks the invoice void; its " +
				"sessions are invoiced again by the next run of its month (the corrected invoice). The answer is the credit note. " +
				"409 unless the invoice is issued or paid.",
			resp: typ[invoiceView](), status: http.StatusOK, h: getOf(s, s.app.CreditInvoice, viewInvoice)},
		{method: http.MethodPost, path: one + "/pay", id: "pay_invoice", tag: tag, summary: "Mark an issued invoice paid",
			doc:  manage + "409 unless it is issued.",
			resp: typ[invoiceView](), status: http.StatusOK, h: getOf(s, s.app.PayInvoice, viewInvoice)},
	}
}

func (s *Server) listInvoices(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.InvoiceFilter, fc.Page) {
		f := fc.InvoiceFilter{Period: q.str("period"), AccountID: q.id("account_id"), Status: q.str("status"), Kind: q.str("kind"),
			Page: q.page()}
		return f, f.Page
	}, s.app.Invoices, viewInvoice, func(v *invoiceView) fc.ID { return v.ID })(w, r)
}

func (s *Server) getInvoice(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := s.query(r)
	format := q.str("format")
	if err := q.err(); err != nil {
		return err
	}
	inv, err := s.app.Invoice(r.Context(), subj, id)
	if err != nil {
		return err
	}
	var doc []byte
	var contentType, name string
	switch format {
	case "", formatJSON:
		writeJSON(w, http.StatusOK, viewInvoice(inv))
		return nil
	case formatPDF:
		doc, err = pdf.Invoice(inv)
		contentType, name = "application/pdf", pdf.InvoiceFileName(inv)
	case formatUBL:
		doc, err = einvoice.UBL(inv)
		if errors.Is(err, einvoice.ErrNotWritable) {
			return fc.Errorf(fc.EConflict, "%s", err.Error())
		}
		contentType, name = "application/xml", einvoice.FileName(inv)
	default:
		return fc.Invalid(map[string]string{"format": "must be json, pdf or ubl"})
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
	return nil
}

func (s *Server) runInvoices(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *invoiceRunInput, set fieldSet) error {
		run := s.app.RunInvoices
		if in.DryRun {
			run = s.app.PreviewInvoices
		}
		xs, err := run(r.Context(), subj, in.Period)
		if err != nil {
			return err
		}
		out := make([]invoiceView, len(xs))
		for i := range xs {
			out[i] = viewInvoice(&xs[i])
		}
		writeJSON(w, http.StatusOK, listPage[invoiceView]{Data: out})
		return nil
	})(w, r)
}
