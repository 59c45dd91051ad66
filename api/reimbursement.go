package api

import (
	"encoding/json"
	"net/http"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/pdf"
	"github.com/fleetcharge/fleetcharge/report"
)

// Home-charging reimbursement (issue 15, docs/REIMBURSEMENT.md): rates,
// monthly statements, their approval and payment, and the payroll export.

type reimbursementRateInput struct {
	EmployeeID fc.ID   `json:"employee_id" required:"true" doc:"the employee reimbursed at this rate; it cannot change"`
	PerKWh     Decimal `json:"per_kwh" required:"true" doc:"the amount per kWh charged at home, 0 to 1000, at most 6 decimals"`
	Currency   string  `json:"currency" required:"true" doc:"ISO 4217 code; every rate of an employee has the same"`
	ValidFrom  string  `json:"valid_from" required:"true" doc:"the first day the rate applies (YYYY-MM-DD, the provider's calendar)"`
	ValidTo    *string `json:"valid_to" doc:"the day the rate stops applying (exclusive); null or absent: open-ended"`
}

// reimbursementRateView is a rate with its price as an exact decimal.
type reimbursementRateView struct {
	*fc.ReimbursementRate
	PerKWh  json.Number `json:"per_kwh" doc:"the amount per kWh, exact, up to 6 decimals"`
	ValidTo *string     `json:"valid_to" doc:"the day the rate stops applying (exclusive); null: open-ended"`
}

func viewRate(r *fc.ReimbursementRate) reimbursementRateView {
	v := reimbursementRateView{ReimbursementRate: r, PerKWh: micros(r.PerKWhMicros)}
	if r.ValidTo != "" {
		to := r.ValidTo
		v.ValidTo = &to
	}
	return v
}

type generateInput struct {
	Period         string `json:"period" required:"true" doc:"the month, YYYY-MM"`
	OrganizationID fc.ID  `json:"organization_id" doc:"only the employees of accounts of this organization and its subtree"`
	AccountID      fc.ID  `json:"account_id" doc:"only the employees of this account; with neither, every employee the caller manages reimbursement for"`
}

// reimbursementStatementView is a statement with exact decimals, and its
// lines when read alone.
type reimbursementStatementView struct {
	*fc.ReimbursementStatement
	EnergyKWh json.Number `json:"energy_kwh" doc:"the energy of the lines, kWh with 3 decimals"`
	Amount    json.Number `json:"amount" doc:"the sum of the lines' amounts, in currency, with as many decimals as its minor unit"`
	Lines     []lineView  `json:"lines,omitempty" doc:"the reimbursed sessions, by start; read with one statement, absent in lists"`
}

type lineView struct {
	fc.ReimbursementLine
	EnergyKWh  json.Number `json:"energy_kwh" doc:"kWh with 3 decimals"`
	PerKWh     json.Number `json:"per_kwh" doc:"the rate valid on the session's start date"`
	Amount     json.Number `json:"amount" doc:"energy times rate, rounded once, half up, to the currency's minor unit"`
	Correction bool        `json:"correction" doc:"a session of an earlier month (original_period) whose statement was approved before it arrived"`
}

func viewStatement(x *fc.ReimbursementStatement) reimbursementStatementView {
	digits := fc.MinorDigits(x.Currency)
	v := reimbursementStatementView{ReimbursementStatement: x, EnergyKWh: decimalNumber(x.EnergyWh, 3),
		Amount: decimalNumber(x.AmountMinor, digits)}
	for _, l := range x.Lines {
		v.Lines = append(v.Lines, lineView{ReimbursementLine: l, EnergyKWh: decimalNumber(l.EnergyWh, 3), PerKWh: micros(l.PerKWhMicros),
			Amount: decimalNumber(l.AmountMinor, digits), Correction: l.Correction(x)})
	}
	return v
}

// Payroll export formats.
const (
	formatJSON = "json"
	formatCSV  = "csv"
	formatXLSX = "xlsx"
	formatPDF  = "pdf"
)

// reimbursementRoutes are the routes of rates and statements.
func (s *Server) reimbursementRoutes() []route {
	const tag = "reimbursement"
	rs := collection{name: "reimbursement-rates", tag: "reimbursement_rates", noun: "reimbursement rate",
		item: typ[reimbursementRateView](), input: typ[reimbursementRateInput](),
		filters: []param{
			{name: "employee_id", kind: paramID, doc: "only the rates of this employee"},
			filterAccount,
		},
		list: s.listRates, get: s.getRate, create: s.createRate, update: s.updateRate, delete: s.deleteRate,
		notes: map[string]string{
			"list":   "The rates of the employees of accounts where the caller holds " + string(access.ReimbursementRead) + ": the history of every rate, by ID.",
			"create": "Needs " + string(access.ReimbursementManage) + " on the employee. A rate overlapping another of the employee, or in another currency than its others, is 409.",
			"update": "Needs " + string(access.ReimbursementManage) + ". Approved statements keep the rate they were priced at; drafts take the new one when their month is generated again.",
		}}.routes()
	statement := []param{
		{name: "period", kind: paramString, doc: "only statements of this month, YYYY-MM"},
		{name: "status", kind: paramEnum, enum: fc.StatementStatuses, doc: "only statements in this state"},
		{name: "employee_id", kind: paramID, doc: "only the statements of this employee"},
		filterAccount,
		{name: "format", kind: paramEnum, enum: []string{formatJSON, formatCSV, formatXLSX},
			doc: "json (the default: a page of statements), or the payroll file in csv or xlsx: every statement selected, one per line"},
	}
	one := "/api/v1/reimbursement-statements/{id}"
	return append(rs,
		route{method: http.MethodGet, path: "/api/v1/reimbursement-statements", id: "list_reimbursement_statements", tag: tag,
			summary: "List reimbursement statements, or export them for payroll",
			doc: "The statements of the accounts where the caller holds " + string(access.ReimbursementRead) + ", without their lines. " +
				"As csv or xlsx, the payroll file: employee_number, employee_name, account_name, period, sessions, energy_kwh, amount, currency, " +
				"statement_id, status for every statement selected (limit and after do not apply); usually period and status=approved.",
			params: append(statement, pageParams...), resp: typ[reimbursementStatementView](), list: true,
			media:  []string{"application/json", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
			status: http.StatusOK, h: s.listStatements},
		route{method: http.MethodGet, path: one, id: "get_reimbursement_statement", tag: tag, summary: "Read one reimbursement statement, or its PDF",
			doc: "The statement with its lines: each reimbursed session with its start, station, energy, rate and amount; a correction line names its original month. " +
				"As pdf, the statement an employee files: the provider's and the account's names, the employee, the period, the lines, the total and that it is outside the scope of VAT.",
			params: []param{{name: "format", kind: paramEnum, enum: []string{formatJSON, formatPDF},
				doc: "json (the default), or pdf: the statement as a PDF document"}},
			media: []string{"application/json", "application/pdf"},
			resp:  typ[reimbursementStatementView](), status: http.StatusOK, h: s.getStatement},
		route{method: http.MethodPost, path: "/api/v1/reimbursement-statements/generate", id: "generate_reimbursement_statements", tag: tag,
			summary: "Generate the draft statements of a month",
			doc: "Creates or recomputes the draft statements of the month for every employee in scope with reimbursable sessions, and deletes the drafts " +
				"left without any; approved and paid statements stay as they are. Needs " + string(access.ReimbursementManage) + " on the whole organization or account. " +
				"The answer lists every statement of the month in that scope, without lines.",
			body: typ[generateInput](), create: true, resp: typ[reimbursementStatementView](), list: true, status: http.StatusOK, h: s.generateStatements},
		route{method: http.MethodPost, path: one + "/approve", id: "approve_reimbursement_statement", tag: tag, summary: "Approve a draft statement",
			doc:  "Needs " + string(access.ReimbursementApprove) + " on the statement's account. From now on the statement never changes; 409 unless it is a draft.",
			resp: typ[reimbursementStatementView](), status: http.StatusOK, h: getOf(s, s.app.ApproveReimbursementStatement, viewStatement)},
		route{method: http.MethodPost, path: one + "/paid", id: "pay_reimbursement_statement", tag: tag, summary: "Mark an approved statement paid",
			doc:  "Needs " + string(access.ReimbursementManage) + " on the statement's account; 409 unless it is approved.",
			resp: typ[reimbursementStatementView](), status: http.StatusOK, h: getOf(s, s.app.PayReimbursementStatement, viewStatement)},
	)
}

func (s *Server) listRates(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.ReimbursementRateFilter, fc.Page) {
		f := fc.ReimbursementRateFilter{EmployeeID: q.id("employee_id"), AccountID: q.id("account_id"), Page: q.page()}
		return f, f.Page
	}, s.app.ReimbursementRates, viewRate, func(v *reimbursementRateView) fc.ID { return v.ID })(w, r)
}

func (s *Server) getRate(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.ReimbursementRate, viewRate)(w, r)
}

func (s *Server) createRate(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *reimbursementRateInput, set fieldSet) error {
		x := fc.ReimbursementRate{EmployeeID: in.EmployeeID, Currency: in.Currency, ValidFrom: in.ValidFrom}
		if err := applyRate(&x, in, set); err != nil {
			return err
		}
		if err := s.app.CreateReimbursementRate(r.Context(), subj, &x); err != nil {
			return err
		}
		writeCreated(w, r, x.ID, viewRate(&x))
		return nil
	})(w, r)
}

func applyRate(x *fc.ReimbursementRate, in *reimbursementRateInput, set fieldSet) error {
	if set.has("employee_id") && in.EmployeeID != x.EmployeeID {
		return fc.Invalid(map[string]string{"employee_id": "cannot change: set a rate of the other employee"})
	}
	if set.has("per_kwh") {
		v, err := in.PerKWh.Scaled("per_kwh", 6)
		if err != nil {
			return err
		}
		x.PerKWhMicros = v
	}
	setIf(set, "currency", &x.Currency, in.Currency)
	setIf(set, "valid_from", &x.ValidFrom, in.ValidFrom)
	if set.has("valid_to") {
		x.ValidTo = ""
		if in.ValidTo != nil {
			x.ValidTo = *in.ValidTo
		}
	}
	return nil
}

func (s *Server) updateRate(w http.ResponseWriter, r *http.Request) error {
	return patchOf(s, s.app.UpdateReimbursementRate, applyRate, viewRate)(w, r)
}

func (s *Server) deleteRate(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DeleteReimbursementRate)(w, r)
}

func (s *Server) getStatement(w http.ResponseWriter, r *http.Request) error {
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
	x, err := s.app.ReimbursementStatement(r.Context(), subj, id)
	if err != nil {
		return err
	}
	if format != formatPDF {
		writeJSON(w, http.StatusOK, viewStatement(x))
		return nil
	}
	doc, err := pdf.Statement(x)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+pdf.StatementFileName(x)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
	return nil
}

func (s *Server) generateStatements(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *generateInput, set fieldSet) error {
		xs, err := s.app.GenerateReimbursementStatements(r.Context(), subj,
			app.GenerateInput{Period: in.Period, OrganizationID: in.OrganizationID, AccountID: in.AccountID})
		if err != nil {
			return err
		}
		out := make([]reimbursementStatementView, len(xs))
		for i := range xs {
			out[i] = viewStatement(&xs[i])
		}
		writeJSON(w, http.StatusOK, listPage[reimbursementStatementView]{Data: out})
		return nil
	})(w, r)
}

func (s *Server) listStatements(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	q := s.query(r)
	f := fc.ReimbursementStatementFilter{Period: q.str("period"), Status: q.str("status"), EmployeeID: q.id("employee_id"),
		AccountID: q.id("account_id"), Page: q.page()}
	format := q.str("format")
	if err := q.err(); err != nil {
		return err
	}
	if format == "" || format == formatJSON {
		xs, err := s.app.ReimbursementStatements(r.Context(), subj, f)
		if err != nil {
			return err
		}
		out := make([]reimbursementStatementView, len(xs))
		for i := range xs {
			out[i] = viewStatement(&xs[i])
		}
		writePage(w, out, f.Page, func(v *reimbursementStatementView) fc.ID { return v.ID })
		return nil
	}
	xs, err := s.app.AllReimbursementStatements(r.Context(), subj, f)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", report.PayrollContentType(format))
	w.Header().Set("Content-Disposition", `attachment; filename="`+report.PayrollFileName(f.Period, format)+`"`)
	w.WriteHeader(http.StatusOK)
	_ = report.WritePayroll(w, format, xs) // the status is sent: the client sees a cut-off file
	return nil
}
