package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/pdf"
	"github.com/fleetcharge/fleetcharge/report"
)

// The "Reimbursement" section (docs/REIMBURSEMENT.md) for fleet managers
// and account admins: the statements of a month, generated for a scope and
// approved by ticking them, each statement with its lines and PDF, the
// payroll download, and the rates with their history. Everything reads
// and changes through app, as the API does; without reimbursement.read the
// section is not found.
func (s *Server) reimbursementRoutes() {
	s.handle("GET /reimbursement", s.reimbursementPage)
	s.handle("POST /reimbursement/generate", s.generateStatements)
	s.handle("POST /reimbursement/approve", s.approveStatements)
	s.handle("GET /reimbursement/payroll", s.payrollFile)
	s.handle("GET /reimbursement/statements/{id}", s.statementPage)
	s.handle("GET /reimbursement/statements/{id}/pdf", s.statementPDF)
	s.handle("POST /reimbursement/statements/{id}/approve", s.advanceStatement(s.app.ApproveReimbursementStatement, "approved"))
	s.handle("POST /reimbursement/statements/{id}/paid", s.advanceStatement(s.app.PayReimbursementStatement, "paid"))
	s.handle("GET /reimbursement/rates", s.ratesPage)
	s.handle("POST /reimbursement/rates", s.createRate)
	s.handle("POST /reimbursement/rates/{id}/end", s.endRate)
}

// statementRows is how many statements the month's page lists at once.
const statementRows = 200

// monthBody is the body of the month's page (template reimbursement).
type monthBody struct {
	Heading    string
	Error      string
	Period     string
	Months     []link // the month before and after
	Links      []link
	Forms      []*form
	CSRF       string
	Rows       []statementRow
	CanApprove bool // some draft listed may be approved by the viewer
	Next       string
	Empty      string
}

// statementRow is one statement of the month's table.
type statementRow struct {
	ID, Href, Employee, Number, Account, Sessions, Energy, Amount, Status, Corrections string
	Approvable                                                                         bool
}

// lastMonth is the month before now, in the viewer's time zone: the one
// usually reimbursed.
func (s *Server) lastMonth(v *view) string {
	now := s.cfg.Now().In(v.Loc)
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, v.Loc).AddDate(0, -1, 0).Format(fc.PeriodLayout)
}

// periodOf reads ?period= (a month), the last month when absent or bad.
func (s *Server) periodOf(r *http.Request, v *view) string {
	p := strings.TrimSpace(r.URL.Query().Get("period"))
	if p == "" {
		p = r.PostFormValue("period")
	}
	if _, err := fc.ParsePeriod(p); err != nil {
		return s.lastMonth(v)
	}
	return p
}

func (s *Server) reimbursementPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showMonth(w, r, v, s.periodOf(r, v), nil)
}

func (s *Server) showMonth(w http.ResponseWriter, r *http.Request, v *view, period string, fl *failure) error {
	ctx := r.Context()
	if !v.can(access.ReimbursementRead) {
		return fc.Errorf(fc.ENotFound, "no reimbursement")
	}
	after, _ := fc.ParseID(r.URL.Query().Get("after"))
	xs, err := s.app.ReimbursementStatements(ctx, v.Subj, fc.ReimbursementStatementFilter{Period: period,
		Page: fc.Page{After: after, Limit: statementRows + 1}})
	if err != nil {
		return err
	}
	month, _ := fc.ParsePeriod(period)
	b := &monthBody{Heading: "Reimbursement: " + month.Format("January 2006"), Period: period, CSRF: v.Chrome.CSRF,
		Empty: "No statements of this month yet."}
	for _, d := range []int{-1, 1} {
		m := month.AddDate(0, d, 0)
		b.Months = append(b.Months, link{"/reimbursement?period=" + m.Format(fc.PeriodLayout), m.Format("January 2006")})
	}
	q := "period=" + period + "&status=" + fc.StatementApproved
	b.Links = []link{{"/reimbursement/rates", "Rates"}, {"/reimbursement/payroll?" + q + "&format=csv", "Payroll file of the approved (CSV)"},
		{"/reimbursement/payroll?" + q + "&format=xlsx", "Payroll file of the approved (XLSX)"}}
	b.Forms = append(b.Forms, &form{ID: "month", Method: "get", Action: "/reimbursement", Submit: "Show", Inline: true,
		Fields: []field{{Name: "period", Label: "Month", Type: "month", Value: period, Required: true}}})
	if v.can(access.ReimbursementManage) {
		scopes, err := s.generateScopes(ctx, v)
		if err != nil {
			return err
		}
		f := v.postForm("generate", "/reimbursement/generate", "Generate the drafts",
			field{Name: "scope", Label: "For", Type: "select", Options: scopes,
				Hint: "Drafts are made or recomputed for every employee there with home sessions this month; approved statements stay as they are."})
		f.Title = "Generate " + month.Format("January 2006")
		f.Hidden = []hidden{{"period", period}}
		b.Forms = append(b.Forms, f)
	}
	if fl != nil {
		for _, f := range b.Forms {
			if f.ID == fl.id {
				f.fill(fl.vals)
				f.fail(fl.err)
			}
		}
		if fl.id == "approve" {
			b.Error = sentence(fc.ErrorMessage(fl.err))
		}
	}
	more := len(xs) > statementRows
	if more {
		xs = xs[:statementRows]
		b.Next = "/reimbursement?period=" + period + "&after=" + xs[len(xs)-1].ID.String()
	}
	approves := map[fc.ID]bool{}
	for i := range xs {
		x := &xs[i]
		ok, seen := approves[x.AccountID]
		if !seen && x.Status == fc.StatementDraft {
			ok = s.canOn(ctx, v, access.ReimbursementApprove, fc.KindAccount, x.AccountID)
			approves[x.AccountID] = ok
		}
		row := statementRow{ID: x.ID.String(), Href: "/reimbursement/statements/" + x.ID.String(), Employee: x.EmployeeName,
			Number: x.EmployeeNumber, Account: x.AccountName, Sessions: strconv.Itoa(x.Sessions), Energy: decimalText(x.EnergyWh, 3),
			Amount: decimalText(x.AmountMinor, fc.MinorDigits(x.Currency)) + " " + x.Currency, Status: x.Status,
			Approvable: ok && x.Status == fc.StatementDraft}
		if x.Corrections > 0 {
			row.Corrections = strconv.Itoa(x.Corrections)
		}
		b.CanApprove = b.CanApprove || row.Approvable
		b.Rows = append(b.Rows, row)
	}
	status := http.StatusOK
	if fl != nil {
		status = authStatus(fl.err)
		if fc.IsCode(fl.err, fc.ENotFound) {
			status = http.StatusNotFound
		}
	}
	s.show(w, r, v, status, "reimbursement", b.Heading, b)
	return nil
}

// generateScopes are the scopes the generate form offers: everything the
// viewer manages, each organization and each account it reads.
func (s *Server) generateScopes(ctx context.Context, v *view) ([]option, error) {
	out := []option{{"", "Everything I manage"}}
	orgs, err := s.orgOptions(ctx, v, 0, "")
	if err != nil {
		return nil, err
	}
	for _, o := range orgs[1:] {
		out = append(out, option{"org:" + o.Value, "Organization " + o.Label})
	}
	accounts, err := s.accountOptions(ctx, v, 0, "")
	if err != nil {
		return nil, err
	}
	for _, a := range accounts[1:] {
		out = append(out, option{"account:" + a.Value, "Account " + a.Label})
	}
	return out, nil
}

func (s *Server) generateStatements(w http.ResponseWriter, r *http.Request, v *view) error {
	period := r.PostFormValue("period")
	in := app.GenerateInput{Period: period}
	kind, raw, _ := strings.Cut(r.PostFormValue("scope"), ":")
	fields := map[string]string{}
	switch kind {
	case "":
	case "org":
		in.OrganizationID = formID(url.Values{"scope": {raw}}, "scope", fields)
	case "account":
		in.AccountID = formID(url.Values{"scope": {raw}}, "scope", fields)
	default:
		fields["scope"] = "must be one of the choices offered"
	}
	err := validated(fields)
	if err == nil {
		_, err = s.app.GenerateReimbursementStatements(r.Context(), v.Subj, in)
	}
	if err != nil {
		if fc.IsCode(err, fc.ENotFound) || len(fc.ErrorFields(err)) > 0 && fc.ErrorFields(err)["period"] == "" {
			err = scopeError(err)
		}
		if _, perr := fc.ParsePeriod(period); perr != nil {
			period = s.lastMonth(v)
		}
		return refail(r, err, "generate", func(fl *failure) error { return s.showMonth(w, r, v, period, fl) })
	}
	redirect(w, r, "/reimbursement?period="+period, "generated")
	return nil
}

// scopeError puts the app's answer about the organization or account on
// the form's scope field.
func scopeError(err error) error {
	msg := fc.ErrorMessage(err)
	for _, m := range fc.ErrorFields(err) {
		msg = m
	}
	if fc.IsCode(err, fc.ENotFound) {
		msg = "is not one of the choices offered"
	}
	return fc.Invalid(map[string]string{"scope": msg})
}

// approveStatements approves every statement ticked; one that cannot be
// approved stops nothing of the others and is named on the page.
func (s *Server) approveStatements(w http.ResponseWriter, r *http.Request, v *view) error {
	period := s.periodOf(r, v)
	var failed []string
	var lastErr error
	for _, raw := range r.PostForm["statement_id"] {
		id, err := fc.ParseID(raw)
		if err == nil {
			_, err = s.app.ApproveReimbursementStatement(r.Context(), v.Subj, id)
		}
		if err != nil {
			if fc.IsCode(err, fc.EInternal) {
				return err
			}
			failed, lastErr = append(failed, raw), err
		}
	}
	if len(failed) > 0 {
		err := fc.Errorf(fc.ErrorCode(lastErr), "statements %s were not approved: %s", strings.Join(failed, ", "), fc.ErrorMessage(lastErr))
		return s.showMonth(w, r, v, period, &failure{id: "approve", err: err, vals: r.PostForm})
	}
	redirect(w, r, "/reimbursement?period="+period, "approved")
	return nil
}

func (s *Server) payrollFile(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	format := q.Get("format")
	if format != report.PayrollCSV && format != report.PayrollXLSX {
		return fc.Invalid(map[string]string{"format": "must be csv or xlsx"})
	}
	f := fc.ReimbursementStatementFilter{Period: s.periodOf(r, v), Status: q.Get("status")}
	if !v.can(access.ReimbursementRead) {
		return fc.Errorf(fc.ENotFound, "no reimbursement")
	}
	xs, err := s.app.AllReimbursementStatements(r.Context(), v.Subj, f)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", report.PayrollContentType(format))
	w.Header().Set("Content-Disposition", `attachment; filename="`+report.PayrollFileName(f.Period, format)+`"`)
	_ = report.WritePayroll(w, format, xs) // once written to, the client sees a cut-off file
	return nil
}

func (s *Server) statementPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := s.app.ReimbursementStatement(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	digits := fc.MinorDigits(x.Currency)
	month, _ := fc.ParsePeriod(x.Period)
	b := &detailBody{Heading: fmt.Sprintf("Statement %s: %s, %s", x.ID, x.EmployeeName, month.Format("January 2006")),
		Back: link{"/reimbursement?period=" + x.Period, "Reimbursement of " + month.Format("January 2006")}}
	b.Facts = []fact{{Label: "Employee", Value: x.EmployeeName}, {Label: "Employee number", Value: x.EmployeeNumber},
		{Label: "Account", Value: x.AccountName}, {Label: "Period", Value: x.Period},
		{Label: "Status", Value: x.Status, Class: "status-" + x.Status},
		{Label: "Sessions", Value: strconv.Itoa(x.Sessions)}, {Label: "Energy", Value: decimalText(x.EnergyWh, 3) + " kWh"},
		{Label: "Amount", Value: decimalText(x.AmountMinor, digits) + " " + x.Currency},
		{Label: "VAT", Value: "outside the scope of VAT"}}
	if x.ApprovedAt != nil {
		b.Facts = append(b.Facts, fact{Label: "Approved", Value: v.when(x.ApprovedAt)})
	}
	if x.PaidAt != nil {
		b.Facts = append(b.Facts, fact{Label: "Paid", Value: v.when(x.PaidAt)})
	}
	b.Links = []link{{"/reimbursement/statements/" + x.ID.String() + "/pdf", "PDF statement"},
		{"/reimbursement/rates?employee_id=" + x.EmployeeID.String(), "Rates of " + x.EmployeeName}}
	loc := v.Loc
	if l, err := time.LoadLocation(x.TimeZone); err == nil {
		loc = l
	}
	t := table{Caption: "Sessions", Columns: []string{"Date", "Session", "Station", "kWh", "Rate", "Amount", "Note"}, Empty: "No sessions."}
	for _, l := range x.Lines {
		note := ""
		if l.Correction(x) {
			note = "correction of " + l.OriginalPeriod
		}
		t.Rows = append(t.Rows, []cell{{Text: l.StartedAt.In(loc).Format("2006-01-02 15:04")},
			{Text: l.SessionID.String(), Href: objectPath(fc.KindSession, l.SessionID)}, {Text: l.StationName},
			{Text: decimalText(l.EnergyWh, 3)}, {Text: micros(l.PerKWhMicros)}, {Text: decimalText(l.AmountMinor, digits)}, {Text: note}})
	}
	b.Tables = append(b.Tables, t)
	base := "/reimbursement/statements/" + x.ID.String()
	if x.Status == fc.StatementDraft && s.canOn(ctx, v, access.ReimbursementApprove, fc.KindAccount, x.AccountID) {
		f := v.button("approve", base+"/approve", "Approve", "")
		f.Confirm = "Once approved, the statement never changes."
		b.Forms = append(b.Forms, f)
	}
	if x.Status == fc.StatementApproved && s.canOn(ctx, v, access.ReimbursementManage, fc.KindAccount, x.AccountID) {
		b.Forms = append(b.Forms, v.button("paid", base+"/paid", "Mark paid", "secondary"))
	}
	s.show(w, r, v, http.StatusOK, "detail", fmt.Sprintf("Statement %s", x.ID), b)
	return nil
}

func (s *Server) statementPDF(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := s.app.ReimbursementStatement(r.Context(), v.Subj, id)
	if err != nil {
		return err
	}
	doc, err := pdf.Statement(x)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+pdf.StatementFileName(x)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(doc)
	return nil
}

// advanceStatement serves a statement's approve and paid buttons.
func (s *Server) advanceStatement(do func(context.Context, access.Subject, fc.ID) (*fc.ReimbursementStatement, error), done string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if _, err := do(r.Context(), v.Subj, id); err != nil {
			return err
		}
		redirect(w, r, "/reimbursement/statements/"+id.String(), done)
		return nil
	}
}

// Rates.

func (s *Server) ratesPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showRates(w, r, v, nil)
}

func (s *Server) showRates(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	ctx := r.Context()
	if !v.can(access.ReimbursementRead) {
		return fc.Errorf(fc.ENotFound, "no reimbursement rates")
	}
	employee := queryID(r, "employee_id")
	rates, err := s.allRates(ctx, v, fc.ReimbursementRateFilter{EmployeeID: employee})
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	slices.SortStableFunc(rates, func(a, b fc.ReimbursementRate) int {
		if c := strings.Compare(n.get(fc.KindEmployee, a.EmployeeID), n.get(fc.KindEmployee, b.EmployeeID)); c != 0 {
			return c
		}
		if a.EmployeeID != b.EmployeeID {
			return int(a.EmployeeID - b.EmployeeID)
		}
		return strings.Compare(a.ValidFrom, b.ValidFrom)
	})
	b := &detailBody{Heading: "Reimbursement rates", Back: link{"/reimbursement", "Reimbursement"}}
	if employee != 0 {
		b.Heading = "Reimbursement rates of " + n.get(fc.KindEmployee, employee)
		b.Links = []link{{"/reimbursement/rates", "Every employee's rates"}}
	}
	t := table{Caption: "Rates, each employee's history in date order", Columns: []string{"Employee", "Per kWh", "From", "Until (exclusive)", "Changed", "Action"},
		Empty: "No rates yet."}
	manages := map[fc.ID]bool{}
	for i := range rates {
		x := &rates[i]
		until := x.ValidTo
		if until == "" {
			until = "open"
		}
		end := cell{}
		ok, seen := manages[x.AccountID]
		if !seen {
			ok = s.canOn(ctx, v, access.ReimbursementManage, fc.KindEmployee, x.EmployeeID)
			manages[x.AccountID] = ok
		}
		if ok {
			f := &form{ID: "end-" + x.ID.String(), Action: "/reimbursement/rates/" + x.ID.String() + "/end", Method: "post", Submit: "End",
				Class: "secondary", Inline: true, CSRF: v.Chrome.CSRF,
				Fields: []field{{Name: "valid_to", Label: "Until (exclusive)", Type: "date", Value: x.ValidTo, Required: true}}}
			end.Form = f
		}
		emp := n.cell(fc.KindEmployee, x.EmployeeID)
		emp.Href = "/reimbursement/rates?employee_id=" + x.EmployeeID.String()
		t.Rows = append(t.Rows, []cell{emp, {Text: micros(x.PerKWhMicros) + " " + x.Currency}, {Text: x.ValidFrom}, {Text: until},
			{Text: v.when(x.UpdatedAt)}, end})
	}
	b.Tables = append(b.Tables, t)
	if v.can(access.ReimbursementManage) {
		employees, err := s.rateEmployees(ctx, v, employee)
		if err != nil {
			return err
		}
		f := v.postForm("rate", "/reimbursement/rates", "Set the rate",
			field{Name: "employee_id", Label: "Employee", Type: "select", Options: employees, Value: idString(employee), Required: true},
			field{Name: "per_kwh", Label: "Per kWh", Required: true, Hint: "The employee's energy price, up to 6 decimals."},
			field{Name: "currency", Label: "Currency", Value: "EUR", Required: true},
			field{Name: "valid_from", Label: "From", Type: "date", Required: true, Hint: "The first day it applies, by the session's start date."},
			field{Name: "valid_to", Label: "Until (exclusive)", Type: "date", Hint: "Empty: until further notice. A rate may not overlap another of the employee; end the current one first."})
		f.Title = "New rate"
		b.Forms = append(b.Forms, f)
	}
	s.show(w, r, v, b.apply(fl), "detail", b.Heading, b)
	return nil
}

// allRates reads every rate the viewer reads that f selects.
func (s *Server) allRates(ctx context.Context, v *view, f fc.ReimbursementRateFilter) ([]fc.ReimbursementRate, error) {
	var out []fc.ReimbursementRate
	f.Page = fc.Page{Limit: fc.MaxPageSize}
	for {
		page, err := s.app.ReimbursementRates(ctx, v.Subj, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Page.Limit {
			return out, nil
		}
		f.Page.After = page[len(page)-1].ID
	}
}

// rateEmployees are the employees the rate form offers: those of the
// accounts the viewer reads, each with its account.
func (s *Server) rateEmployees(ctx context.Context, v *view, current fc.ID) ([]option, error) {
	out := []option{{"", "– Choose –"}}
	if !v.can(access.EmployeesRead) {
		return out, nil
	}
	es, err := s.app.Employees(ctx, v.Subj, fc.EmployeeFilter{Page: fc.Page{Limit: maxChoices}})
	if err != nil {
		return nil, err
	}
	n := s.names(ctx, v)
	for _, e := range es {
		out = append(out, option{e.ID.String(), e.Name + " (" + n.get(fc.KindAccount, e.AccountID) + ")"})
	}
	return s.withCurrent(ctx, v, out, fc.KindEmployee, current), nil
}

func (s *Server) createRate(w http.ResponseWriter, r *http.Request, v *view) error {
	vals, fields := r.PostForm, map[string]string{}
	x := fc.ReimbursementRate{EmployeeID: formID(vals, "employee_id", fields), Currency: strings.TrimSpace(vals.Get("currency")),
		ValidFrom: strings.TrimSpace(vals.Get("valid_from")), ValidTo: strings.TrimSpace(vals.Get("valid_to"))}
	if x.EmployeeID == 0 && fields["employee_id"] == "" {
		fields["employee_id"] = "is required"
	}
	m, ok := parseMicros(vals.Get("per_kwh"))
	if !ok {
		fields["per_kwh"] = "must be an amount with up to 6 decimals"
	}
	x.PerKWhMicros = m
	err := validated(fields)
	if err == nil {
		err = s.app.CreateReimbursementRate(r.Context(), v.Subj, &x)
	}
	if err != nil {
		if fc.IsCode(err, fc.EConflict) {
			err = fc.Invalid(map[string]string{"valid_from": fc.ErrorMessage(err)})
		}
		return refail(r, err, "rate", func(fl *failure) error { return s.showRates(w, r, v, fl) })
	}
	redirect(w, r, "/reimbursement/rates?employee_id="+x.EmployeeID.String(), "created")
	return nil
}

func (s *Server) endRate(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	to := strings.TrimSpace(r.PostFormValue("valid_to"))
	x, err := s.app.UpdateReimbursementRate(r.Context(), v.Subj, id, func(x *fc.ReimbursementRate) error {
		x.ValidTo = to
		return nil
	})
	if err != nil {
		return refail(r, err, "end", func(fl *failure) error { return s.showRates(w, r, v, fl) })
	}
	redirect(w, r, "/reimbursement/rates?employee_id="+x.EmployeeID.String(), "saved")
	return nil
}

// decimalText renders v / 10^digits exactly.
func decimalText(v int64, digits int) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	s := strconv.FormatInt(v, 10)
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}
