package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/einvoice"
	"github.com/fleetcharge/fleetcharge/pdf"
)

// The "Invoices" section (docs/INVOICING.md, docs/EINVOICE.md): the
// invoices, self-billing invoices and credit notes the viewer may read,
// each with its lines, VAT breakdown and downloads (PDF, Peppol UBL, the
// API's JSON); for the provider's invoicing staff (invoices.manage over the
// whole provider) the month's run with a preview of its totals, and the
// issue, credit and paid buttons. Everything reads and changes through
// app, as the API does; who reads which invoice is decided there.
func (s *Server) invoiceRoutes() {
	s.handle("GET /invoices", s.invoicesPage)
	s.handle("GET /invoices/run", s.invoiceRunPage)
	s.handle("POST /invoices/run", s.runInvoices)
	s.handle("GET /invoices/{id}", s.invoicePage)
	s.handle("GET /invoices/{id}/pdf", s.invoicePDF)
	s.handle("GET /invoices/{id}/ubl", s.invoiceUBL)
	s.handle("POST /invoices/{id}/issue", s.changeInvoice("issue"))
	s.handle("POST /invoices/{id}/credit", s.changeInvoice("credit"))
	s.handle("POST /invoices/{id}/paid", s.changeInvoice("paid"))
}

func init() {
	notices["invoices-run"] = "The drafts of the month are made; check them, then issue them one by one."
	notices["invoice-issued"] = "The invoice is issued: it has its number and never changes again."
	notices["invoice-credited"] = "The credit note is issued; the invoice it reverses is void and its sessions go into the next run."
	notices["invoice-paid"] = "The invoice is marked paid."
}

// mayReadInvoices reports whether the viewer reads any invoice at all.
func (v *view) mayReadInvoices() bool {
	return v.can(access.InvoicesRead) || v.can(access.InvoicesSelfBillingRead) || v.can(access.InvoicesManage)
}

// kindNames names the kinds of invoice on the pages.
var kindNames = map[string]string{
	fc.InvoiceKindInvoice:     "invoice",
	fc.InvoiceKindSelfBilling: "self-billing invoice",
	fc.InvoiceKindCreditNote:  "credit note",
}

// invoiceName names an invoice on a page: its number, or its ID while it
// is a draft.
func invoiceName(inv *fc.Invoice) string {
	if inv.Number != "" {
		return inv.Number
	}
	if inv.ID == 0 {
		return "new draft"
	}
	return "draft " + inv.ID.String()
}

// customer is the account's party on an invoice: the buyer of an invoice,
// the seller (the station owner) of a self-billed one.
func customer(inv *fc.Invoice) string {
	if inv.SelfBilled() {
		return inv.Seller.Name
	}
	return inv.Buyer.Name
}

func invoiceMoney(v int64, currency string) string {
	return decimalText(v, fc.MinorDigits(currency)) + " " + currency
}

func (s *Server) invoicesPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.mayReadInvoices() {
		return fc.Errorf(fc.ENotFound, "no invoices")
	}
	q := r.URL.Query()
	f := fc.InvoiceFilter{Status: q.Get("status"), Kind: q.Get("kind"), AccountID: queryID(r, "account_id")}
	l, err := newList(r, "/invoices", listNoun{"1 invoice", "%d invoices", "More than %d invoices"}, true, []listColumn{
		{Title: "Number", Sort: "number"}, {Title: "Kind", Sort: "kind"}, {Title: "Customer"}, {Title: "Period", Sort: "period"},
		{Title: "Status", Sort: "status"}, {Title: "Net", Sort: "net"}, {Title: "VAT", Sort: "vat"}, {Title: "Total", Sort: "total"},
		{Title: "PDF", NoCSV: true}, {Title: "UBL", NoCSV: true}, {Title: "JSON", NoCSV: true}})
	if err != nil {
		return err
	}
	if p := strings.TrimSpace(q.Get("period")); p != "" {
		if _, err := fc.ParsePeriod(p); err == nil {
			f.Period = p
		}
	}
	if _, ok := kindNames[f.Kind]; !ok {
		f.Kind = ""
	}
	if !slices.Contains(fc.InvoiceStatuses, f.Status) {
		f.Status = ""
	}
	b := &listBody{Heading: "Invoices"}
	if s.app.MayManageInvoices(v.Subj) {
		b.Actions = append(b.Actions, link{"/invoices/run", "Invoice run"})
	}
	statuses := []option{{"", "Any"}}
	for _, st := range fc.InvoiceStatuses {
		statuses = append(statuses, option{st, st})
	}
	kinds := []option{{"", "Any"}, {fc.InvoiceKindInvoice, "Invoice"}, {fc.InvoiceKindSelfBilling, "Self-billing invoice"},
		{fc.InvoiceKindCreditNote, "Credit note"}}
	b.Filter = &form{ID: "filter", Method: "get", Action: "/invoices", Submit: "Show", Inline: true, Fields: []field{
		{Name: "period", Label: "Month", Type: "month", Value: f.Period},
		{Name: "status", Label: "Status", Type: "select", Options: statuses, Value: f.Status},
		{Name: "kind", Label: "Kind", Type: "select", Options: kinds, Value: f.Kind},
	}}
	b.Table = table{Empty: "No invoices."}
	return showList(s, w, v, l, b, "Invoices", func(p fc.Page) ([]fc.Invoice, error) {
		f.Page = p
		return s.app.Invoices(ctx, v.Subj, f)
	}, func(inv *fc.Invoice) fc.ID { return inv.ID }, func(xs []fc.Invoice) [][]cell {
		var out [][]cell
		for i := range xs {
			inv := &xs[i]
			base := "/invoices/" + inv.ID.String()
			ubl := cell{Text: "–"}
			if inv.Status != fc.InvoiceDraft {
				ubl = cell{Text: "UBL", Href: base + "/ubl"}
			}
			out = append(out, []cell{{Text: invoiceName(inv), Href: base}, {Text: kindNames[inv.Kind]}, {Text: customer(inv)},
				{Text: inv.Period}, {Text: inv.Status, Class: "status-" + inv.Status}, {Text: invoiceMoney(inv.Net, inv.Currency)},
				{Text: invoiceMoney(inv.VAT, inv.Currency)}, {Text: invoiceMoney(inv.Total, inv.Currency)}, {Text: "PDF", Href: base + "/pdf"}, ubl,
				{Text: "JSON", Href: "/api/v1/invoices/" + inv.ID.String() + "?format=json"}})
		}
		return out
	})
}

func (s *Server) invoicePage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showInvoice(w, r, v, nil)
}

func (s *Server) showInvoice(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inv, err := s.app.Invoice(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	title := map[string]string{fc.InvoiceKindInvoice: "Invoice", fc.InvoiceKindSelfBilling: "Self-billing invoice",
		fc.InvoiceKindCreditNote: "Credit note"}[inv.Kind] + " " + invoiceName(inv)
	b := &detailBody{Heading: title, Back: link{"/invoices?period=" + inv.Period, "Invoices of " + inv.Period}}
	cur := inv.Currency
	b.Facts = []fact{{Label: "Number", Value: orDash(inv.Number)}, {Label: "Kind", Value: kindNames[inv.Kind]},
		{Label: "Status", Value: inv.Status, Class: "status-" + inv.Status}, {Label: "Period", Value: inv.Period}}
	if inv.Kind == fc.InvoiceKindCreditNote {
		b.Facts = append(b.Facts, fact{Label: "Credit note for invoice", Value: orDash(inv.CorrectsNumber), Href: "/invoices/" + inv.CorrectsID.String()})
	}
	b.Facts = append(b.Facts, fact{Label: "Seller", Value: partyText(inv.Seller)}, fact{Label: "Buyer", Value: partyText(inv.Buyer)})
	if inv.IssueDate != "" {
		b.Facts = append(b.Facts, fact{Label: "Issue date", Value: inv.IssueDate})
	}
	if inv.DueDate != "" {
		b.Facts = append(b.Facts, fact{Label: "Due date", Value: inv.DueDate})
	}
	if inv.PaidAt != nil {
		b.Facts = append(b.Facts, fact{Label: "Paid", Value: v.when(inv.PaidAt)})
	}
	b.Facts = append(b.Facts, fact{Label: "Net", Value: invoiceMoney(inv.Net, cur)}, fact{Label: "VAT", Value: invoiceMoney(inv.VAT, cur)},
		fact{Label: "Total", Value: invoiceMoney(inv.Total, cur)})
	if inv.Note != "" {
		b.Facts = append(b.Facts, fact{Label: "Note", Value: inv.Note})
	}
	base := "/invoices/" + inv.ID.String()
	b.Links = []link{{base + "/pdf", "PDF"}}
	if inv.Status != fc.InvoiceDraft {
		b.Links = append(b.Links, link{base + "/ubl", "Peppol UBL (XML)"})
	}
	b.Links = append(b.Links, link{"/api/v1/invoices/" + inv.ID.String() + "?format=json", "JSON"})

	digits := fc.MinorDigits(cur)
	lines := table{Caption: "Lines", Columns: []string{"Description", "Session", "Quantity", "Unit price", "Net " + cur, "VAT"}, Empty: "No lines."}
	for _, l := range inv.Lines {
		session := cell{}
		if l.SessionID != 0 {
			session = cell{Text: l.SessionID.String(), Href: objectPath(fc.KindSession, l.SessionID)}
		}
		lines.Rows = append(lines.Rows, []cell{{Text: l.Description}, session, {Text: decimalText(l.QuantityMilli, 3) + " " + unitText(l.Unit)},
			{Text: micros(l.UnitPriceMicros)}, {Text: decimalText(l.Net, digits)}, {Text: vatText(l.VATCategory, l.VATRateBP)}})
	}
	vat := table{Caption: "VAT breakdown", Columns: []string{"Category", "Rate", "Taxable " + cur, "VAT " + cur}, Empty: "No VAT."}
	for _, st := range inv.Breakdown {
		vat.Rows = append(vat.Rows, []cell{{Text: categoryNames[st.Category]}, {Text: vatText(st.Category, st.RateBP)},
			{Text: decimalText(st.Taxable, digits)}, {Text: decimalText(st.VAT, digits)}})
	}
	b.Tables = append(b.Tables, lines, vat)

	if s.app.MayManageInvoices(v.Subj) {
		switch inv.Status {
		case fc.InvoiceDraft:
			f := v.button("issue", base+"/issue", "Issue", "")
			f.Confirm = "Issuing gives the invoice the next number; it never changes again."
			b.Forms = append(b.Forms, f)
		case fc.InvoiceIssued:
			f := v.button("paid", base+"/paid", "Mark paid", "secondary")
			f.Confirm = "Mark " + invoiceName(inv) + " paid?"
			b.Forms = append(b.Forms, f)
		}
		if inv.Kind != fc.InvoiceKindCreditNote && (inv.Status == fc.InvoiceIssued || inv.Status == fc.InvoicePaid) {
			f := v.button("credit", base+"/credit", "Credit", "danger")
			f.Confirm = "A credit note reverses the whole invoice and voids it; its sessions go into the next run."
			b.Forms = append(b.Forms, f)
		}
	}
	s.show(w, r, v, b.apply(fl), "detail", title, b)
	return nil
}

var categoryNames = map[string]string{
	fc.VATStandard: "standard", fc.VATReverseCharge: "reverse charge", fc.VATZeroRated: "zero rated",
	fc.VATExempt: "exempt", fc.VATOutsideScope: "not subject to VAT",
}

func vatText(category string, rateBP int) string {
	if category != fc.VATStandard {
		return categoryNames[category]
	}
	s := strings.TrimRight(decimalText(int64(rateBP), 2), "0")
	return strings.TrimSuffix(s, ".") + " %"
}

func unitText(unit string) string {
	if unit == fc.UnitKWh {
		return "kWh"
	}
	return "pc"
}

// partyText is a party on one line: name, address, VAT id.
func partyText(p fc.BillingParty) string {
	parts := []string{p.Name}
	for _, x := range []string{p.Address, strings.TrimSpace(p.PostalCode + " " + p.City), p.Country} {
		if x = strings.TrimSpace(x); x != "" {
			parts = append(parts, x)
		}
	}
	if p.VATID != "" {
		parts = append(parts, "VAT id "+p.VATID)
	}
	return strings.Join(parts, ", ")
}

func (s *Server) invoicePDF(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inv, err := s.app.Invoice(r.Context(), v.Subj, id)
	if err != nil {
		return err
	}
	doc, err := pdf.Invoice(inv)
	if err != nil {
		return err
	}
	download(w, "application/pdf", pdf.InvoiceFileName(inv), doc)
	return nil
}

func (s *Server) invoiceUBL(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inv, err := s.app.Invoice(r.Context(), v.Subj, id)
	if err != nil {
		return err
	}
	doc, err := einvoice.UBL(inv)
	if errors.Is(err, einvoice.ErrNotWritable) {
		return fc.Errorf(fc.EUnprocessable, "%s", strings.TrimPrefix(err.Error(), einvoice.ErrNotWritable.Error()+": "))
	}
	if err != nil {
		return err
	}
	download(w, "application/xml", einvoice.FileName(inv), doc)
	return nil
}

func download(w http.ResponseWriter, contentType, name string, doc []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(doc)
}

// changeInvoice serves the issue, credit and paid buttons; a refusal is
// shown on the invoice's page.
func (s *Server) changeInvoice(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		ctx := r.Context()
		var inv *fc.Invoice
		switch action {
		case "issue":
			inv, err = s.app.IssueInvoice(ctx, v.Subj, id)
		case "credit":
			inv, err = s.app.CreditInvoice(ctx, v.Subj, id)
		default:
			inv, err = s.app.PayInvoice(ctx, v.Subj, id)
		}
		if err != nil {
			return refail(r, err, action, func(fl *failure) error { return s.showInvoice(w, r, v, fl) })
		}
		done := map[string]string{"issue": "invoice-issued", "credit": "invoice-credited", "paid": "invoice-paid"}[action]
		redirect(w, r, "/invoices/"+inv.ID.String(), done)
		return nil
	}
}

// The run page.

func (s *Server) invoiceRunPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showInvoiceRun(w, r, v, s.periodOf(r, v), nil)
}

// showInvoiceRun shows the month's run: what a run would make now (a dry
// run, nothing written), per account its sessions, net, VAT and total, the
// totals per currency, and the button that makes the drafts. Only the
// provider's invoicing staff see it; for everyone else it does not exist.
func (s *Server) showInvoiceRun(w http.ResponseWriter, r *http.Request, v *view, period string, fl *failure) error {
	ctx := r.Context()
	if !s.app.MayManageInvoices(v.Subj) {
		return fc.Errorf(fc.ENotFound, "no invoice run")
	}
	month, _ := fc.ParsePeriod(period)
	b := &detailBody{Heading: "Invoice run: " + month.Format("January 2006"), Back: link{"/invoices?period=" + period, "Invoices of " + period}}
	for _, d := range []int{-1, 1} {
		m := month.AddDate(0, d, 0)
		b.Links = append(b.Links, link{"/invoices/run?period=" + m.Format(fc.PeriodLayout), "Run of " + m.Format("January 2006")})
	}
	b.Forms = append(b.Forms, &form{ID: "month", Method: "get", Action: "/invoices/run", Submit: "Preview", Inline: true,
		Fields: []field{{Name: "period", Label: "Month", Type: "month", Value: period, Required: true}}})
	xs, err := s.app.PreviewInvoices(ctx, v.Subj, period)
	if err != nil {
		return err
	}
	t := table{Caption: "Preview: the invoices a run would make now (nothing is written yet)",
		Columns: []string{"Invoice", "Kind", "Account", "Customer", "Sessions", "Net", "VAT", "Total", "Status"},
		Empty:   "No sessions to invoice in this month."}
	type sum struct{ net, vat, total, sessions, drafts int64 }
	sums := map[string]*sum{}
	var currencies []string
	issued := 0
	for i := range xs {
		inv := &xs[i]
		if inv.Status != fc.InvoiceDraft {
			issued++
			continue
		}
		name := cell{Text: invoiceName(inv)}
		status := "new"
		if inv.ID != 0 {
			name.Href = "/invoices/" + inv.ID.String()
			status = "recomputed"
		}
		sessions := strconv.Itoa(inv.LineCount)
		t.Rows = append(t.Rows, []cell{name, {Text: kindNames[inv.Kind]}, {Text: inv.AccountID.String(), Href: objectPath(fc.KindAccount, inv.AccountID)},
			{Text: customer(inv)}, {Text: sessions}, {Text: invoiceMoney(inv.Net, inv.Currency)}, {Text: invoiceMoney(inv.VAT, inv.Currency)},
			{Text: invoiceMoney(inv.Total, inv.Currency)}, {Text: status}})
		sm := sums[inv.Currency]
		if sm == nil {
			sm = &sum{}
			sums[inv.Currency] = sm
			currencies = append(currencies, inv.Currency)
		}
		sm.net, sm.vat, sm.total, sm.sessions, sm.drafts = sm.net+inv.Net, sm.vat+inv.VAT, sm.total+inv.Total, sm.sessions+int64(len(inv.Lines)), sm.drafts+1
	}
	b.Tables = append(b.Tables, t)
	for _, c := range currencies {
		sm := sums[c]
		b.Facts = append(b.Facts, fact{Label: "Drafts in " + c, Value: fmt.Sprintf("%d: net %s, VAT %s, total %s", sm.drafts,
			invoiceMoney(sm.net, c), invoiceMoney(sm.vat, c), invoiceMoney(sm.total, c))})
	}
	if issued > 0 {
		b.Facts = append(b.Facts, fact{Label: "Issued already", Value: strconv.Itoa(issued) + " of this month; they stay as they are",
			Href: "/invoices?period=" + period})
	}
	f := v.postForm("run", "/invoices/run", "Create the drafts")
	f.Hidden = []hidden{{"period", period}}
	f.Intro = "Makes the drafts above (or recomputes this month's drafts); issued invoices never change. Nothing is sent to anyone."
	f.Confirm = "Create the drafts of " + month.Format("January 2006") + "?"
	b.Forms = append(b.Forms, f)
	s.show(w, r, v, b.apply(fl), "detail", b.Heading, b)
	return nil
}

func (s *Server) runInvoices(w http.ResponseWriter, r *http.Request, v *view) error {
	period := strings.TrimSpace(r.PostFormValue("period"))
	if _, err := s.app.RunInvoices(r.Context(), v.Subj, period); err != nil {
		if _, perr := fc.ParsePeriod(period); perr != nil {
			period = s.lastMonth(v)
		}
		return refail(r, err, "run", func(fl *failure) error { return s.showInvoiceRun(w, r, v, period, fl) })
	}
	redirect(w, r, "/invoices?period="+period+"&status="+fc.InvoiceDraft, "invoices-run")
	return nil
}
