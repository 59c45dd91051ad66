package api

import (
	"net/http"
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/report"
)

// reportRoutes returns the route of the reports.
func (s *Server) reportRoutes() []route {
	scope := "; with neither organization_id nor account_id, everything the caller may see"
	return []route{{method: http.MethodGet, path: "/api/v1/reports/{report}", id: "run_report", tag: "reports",
		summary: "Run a report",
		doc: "The fleet reports (charge-cards, charge-sessions, employees, sessions-per-employee, sessions-per-card) need reports.fleet, " +
			"the facility reports (charge-stations, sessions-per-charge-point) reports.facility; each covers only what the caller may see. " +
			"JSON is {\"report\", \"rows\", \"totals\"}; CSV has one header line; XLSX is a spreadsheet. " +
			"The charge-sessions listing in JSON comes in pages (limit, 1,000 by default, at most 10,000) with the totals of the whole period " +
			"and a next_cursor to pass as after for the next page (null on the last); its CSV and XLSX exports hold every session.",
		params: []param{
			{name: "organization_id", kind: paramID, doc: "only this organization and its subtree" + scope},
			{name: "account_id", kind: paramID, doc: "only this account" + scope},
			{name: "from", kind: paramTime, doc: "the period's start: a date in the provider's time zone or an RFC 3339 time; the start of to's month when absent"},
			{name: "to", kind: paramTime, doc: "the period's end, exclusive; the end of today when absent"},
			{name: "format", kind: paramEnum, enum: []string{report.FormatJSON, report.FormatCSV, report.FormatXLSX}, doc: "json (the default), csv or xlsx"},
			{name: "group_by", kind: paramEnum, enum: []string{report.GroupByAccount, report.GroupByOrganization, report.GroupByMonth}, doc: "roll the rows up by account, organization or month"},
			{name: "side", kind: paramEnum, enum: []string{fc.SideCard, fc.SideStation}, doc: "charge-sessions only: station lists the sessions on the caller's stations (foreign cards masked) instead of those of its cards"},
			{name: "employee_id", kind: paramID, doc: "only this employee's sessions"},
			{name: "card_id", kind: paramID, doc: "only this card's sessions"},
			{name: "station_id", kind: paramID, doc: "only this station's sessions"},
			{name: "location_kind", kind: paramEnum, enum: []string{fc.LocationOffice, fc.LocationHome, fc.LocationPublic}, doc: "only sessions at locations of this kind"},
			{name: "limit", kind: paramInteger, doc: "at most this many rows; the totals still cover every row"},
			{name: "after", kind: paramString, doc: "charge-sessions, not rolled up: the next_cursor of the previous page"},
		},
		media:  []string{"application/json", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		status: http.StatusOK, h: s.runReport}}
}

func (s *Server) runReport(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	name := r.PathValue("report")
	if !slices.Contains(fc.Reports, name) {
		return fc.Errorf(fc.ENotFound, "no such report: %q", name)
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	st, ok := s.cfg.Store.(fc.ReportStore)
	if !ok {
		return fc.Errorf(fc.ENotImplemented, "this server's storage does not compute reports")
	}
	loc, err := s.app.TimeZone(r.Context(), subj)
	if err != nil {
		return err
	}
	p, err := report.Parse(name, r.URL.Query(), loc, s.cfg.Now())
	if err != nil {
		return err
	}
	if err := p.Page(); err != nil {
		return err
	}
	lw := &lazyWriter{w: w, start: func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", report.ContentType(p.Format))
		w.Header().Set("Cache-Control", "no-store")
		if p.Format == report.FormatCSV || p.Format == report.FormatXLSX {
			w.Header().Set("Content-Disposition", `attachment; filename="`+report.Filename(p)+`"`)
		}
		w.WriteHeader(http.StatusOK)
	}}
	err = report.Write(r.Context(), st, app.ReportScope(subj), p, lw)
	if err != nil && lw.started {
		// The status is sent: the client sees a cut-off body.
		s.cfg.Logger.Error("report failed while streaming", "report", name, "err", err)
		return nil
	}
	return err
}

// lazyWriter sends the status and headers with the first byte of the
// body, so that a report failing before its first row still gets an error
// response.
type lazyWriter struct {
	w       http.ResponseWriter
	start   func(http.ResponseWriter)
	started bool
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start(l.w)
	}
	return l.w.Write(b)
}
