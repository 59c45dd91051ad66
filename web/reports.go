package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/i18n"
	"github.com/fleetcharge/fleetcharge/report"
)

// The report pages run the reports of package report exactly as the JSON
// API does: the subject's report scope (app.ReportScope, narrowed to the
// scope the user chose in the switcher), the provider's time zone, the
// same query parameters (report.Parse). A page shows at most
// reportPageRows rows with the totals of all of them, and charts drawn as
// inline SVG on the server; its CSV and XLSX buttons download the same
// report with the same parameters from /reports/{report}/export.

// reportPageRows bounds the rows a report page shows; the totals and the
// downloads cover every row.
const reportPageRows = 1000

// reportInfo describes one entry of the reports index.
type reportInfo struct {
	Name  string // the report, as the API names it
	Side  string // fc.SideCard (a fleet report) or fc.SideStation (a facility report)
	Title string
	About string
}

// Fleet reports read the card side, facility reports the station side; the
// charge session report is listed on both sides.
var reportInfos = []reportInfo{
	{fc.ReportChargeCards, fc.SideCard, report.Title(fc.ReportChargeCards),
		"Each card with its status, account, employee, creation and last use; sessions, energy, minutes and cost in the period."},
	{fc.ReportChargeSessions, fc.SideCard, report.Title(fc.ReportChargeSessions),
		"Every session made with the cards: start, stop, energy, cost, card, employee, station and location."},
	{fc.ReportEmployees, fc.SideCard, report.Title(fc.ReportEmployees),
		"Each employee with account, cards and home location; sessions, energy and cost in the period."},
	{fc.ReportSessionsPerEmployee, fc.SideCard, report.Title(fc.ReportSessionsPerEmployee),
		"Per employee: sessions, energy, minutes and cost, split by location kind (office, home, public)."},
	{fc.ReportSessionsPerCard, fc.SideCard, report.Title(fc.ReportSessionsPerCard),
		"Per card: sessions, energy, minutes and cost, split by location kind (office, home, public)."},
	{fc.ReportChargeStations, fc.SideStation, report.Title(fc.ReportChargeStations),
		"Each station with location, hardware, charge points and connection; sessions, energy, utilization and revenue in the period."},
	{fc.ReportSessionsPerChargePoint, fc.SideStation, report.Title(fc.ReportSessionsPerChargePoint),
		"Per charge point: sessions, energy, minutes, utilization and revenue."},
	{fc.ReportChargeSessions, fc.SideStation, "Charge sessions on stations",
		"Every session on the stations, whoever's card it was; foreign drivers stay anonymous and their cards masked."},
}

// Path returns the page of the report.
func (ri reportInfo) Path() string {
	if ri.Side != fc.ReportSide(ri.Name) {
		return "/reports/" + ri.Name + "?side=" + ri.Side
	}
	return "/reports/" + ri.Name
}

// Facility tells a facility report from a fleet report.
func (ri reportInfo) Facility() bool { return ri.Side == fc.SideStation }

// reportRoutes registers the report pages and their downloads.
func (s *Server) reportRoutes(mux *http.ServeMux) {
	_ = mux // s.handle registers on s.mux, which is mux
	s.handle("GET /reports", s.reportIndex)
	s.handle("GET /reports/{report}", s.reportPage)
	s.handle("GET /reports/{report}/export", s.reportExport)
}

func init() {
	funcs["reportField"] = func(name, label, value, hint string, errs map[string]string) reportInput {
		return reportInput{Name: name, Label: label, Value: value, Hint: hint, Error: errs[name]}
	}
	funcs["reportSelect"] = func(name, label string, options []scopeOption, errs map[string]string) reportInput {
		return reportInput{Name: name, Label: label, Options: options, Error: errs[name]}
	}
	funcs["barStart"] = func() int { return barLabelWidth }
	funcs["barLabelEnd"] = func() int { return barLabelWidth - 6 }
	funcs["barEnd"] = func(w int) int { return barLabelWidth + w + 6 }
}

// reportInput is one field of the filter form.
type reportInput struct {
	Name, Label, Value, Hint, Error string
	Options                         []scopeOption
}

// reportReach returns the reach of the report side in the report scope.
func reportReach(sc fc.SessionScope, side string) fc.Reach {
	if side == fc.SideStation {
		return sc.StationSide
	}
	return sc.CardSide
}

// reportIndexBody is the body of the reports index.
type reportIndexBody struct {
	Fleet, Facility []reportInfo
}

func (s *Server) reportIndex(w http.ResponseWriter, r *http.Request, v *view) error {
	sc := app.ReportScope(v.Subj)
	var b reportIndexBody
	for _, ri := range reportInfos {
		if reportReach(sc, ri.Side).Empty() {
			continue
		}
		if ri.Facility() {
			b.Facility = append(b.Facility, ri)
		} else {
			b.Fleet = append(b.Fleet, ri)
		}
	}
	s.show(w, r, v, http.StatusOK, "reports", "Reports", &b)
	return nil
}

// reportRequest is what a report page or download asks, read from the
// request: the report, its parameters as a query (with the period made
// explicit), and those parameters parsed.
type reportRequest struct {
	Info   reportInfo
	Query  url.Values
	Params report.Params
	Store  fc.ReportStore
	Scope  fc.SessionScope
	// Err is the parameters' error: invalid input, shown on the form.
	Err error
}

// readReport reads the report request of r. Unknown reports are not found;
// a report the user may not run in the chosen scope is forbidden, as in the
// API.
func (s *Server) readReport(r *http.Request, v *view) (*reportRequest, error) {
	name := r.PathValue("report")
	if !slices.Contains(fc.Reports, name) {
		return nil, fc.Errorf(fc.ENotFound, "no such report: %q", name)
	}
	side := fc.ReportSide(name)
	if name == fc.ReportChargeSessions && r.URL.Query().Get("side") == fc.SideStation {
		side = fc.SideStation
	}
	var info reportInfo
	for _, ri := range reportInfos {
		if ri.Name == name && ri.Side == side {
			info = ri
		}
	}
	st, ok := s.app.Store.(fc.ReportStore)
	if !ok {
		return nil, fc.Errorf(fc.ENotImplemented, "this server's storage does not compute reports")
	}
	rr := &reportRequest{Info: info, Store: st, Scope: app.ReportScope(v.Subj)}
	if reportReach(rr.Scope, side).Empty() {
		right := "fleet"
		if side == fc.SideStation {
			right = "facility"
		}
		return nil, fc.Errorf(fc.EForbidden, "the %s report needs the %s report right in the scope you chose", name, right)
	}
	loc, err := s.app.TimeZone(r.Context(), v.Subj)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	rr.Query = reportValues(r.URL.Query(), info, loc, now)
	rr.Params, rr.Err = report.Parse(name, rr.Query, loc, now)
	if rr.Err != nil && !fc.IsCode(rr.Err, fc.EInvalid) {
		return nil, rr.Err
	}
	return rr, nil
}

// reportParams lists the query parameters a report page passes on to the
// report, in the order of its form.
var reportParams = []string{"organization_id", "account_id", "from", "to", "employee_id", "card_id",
	"station_id", "location_kind", "group_by", "side", "limit", "after"}

// reportValues returns the report's parameters of the query q: those the
// report reads, without empty ones, with the side of the page, and with an
// explicit period. Without from and to the period is the current month and
// the two before it, up to today included.
func reportValues(q url.Values, info reportInfo, loc *time.Location, now time.Time) url.Values {
	out := url.Values{}
	for _, k := range reportParams {
		if s := strings.TrimSpace(q.Get(k)); s != "" {
			out.Set(k, s)
		}
	}
	out.Del("side")
	if info.Side != fc.ReportSide(info.Name) {
		out.Set("side", info.Side)
	}
	if out.Get("from") == "" && out.Get("to") == "" {
		local := now.In(loc)
		out.Set("from", time.Date(local.Year(), local.Month()-2, 1, 0, 0, 0, 0, loc).Format(time.DateOnly))
		out.Set("to", time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc).Format(time.DateOnly))
	}
	return out
}

// reportLinkQuery returns the page's report parameters with its scope, for
// links to the same report.
func reportLinkQuery(rr *reportRequest, v *view) url.Values {
	q := url.Values{}
	for k, vs := range rr.Query {
		q[k] = vs
	}
	scope := v.Scope
	if scope == "" {
		scope = "all"
	}
	q.Set("scope", scope)
	return q
}

// reportExportLink returns the download of the report in format, with the same
// parameters and the same scope as the page.
func reportExportLink(rr *reportRequest, v *view, format string) string {
	q := reportLinkQuery(rr, v)
	q.Set("format", format)
	q.Del("after") // a download holds every page
	return "/reports/" + rr.Info.Name + "/export?" + q.Encode()
}

// reportPageLinks returns the links to the page of sessions after next
// (none without next) and to the first page (none on the first page).
func reportPageLinks(rr *reportRequest, v *view, next string) (string, string) {
	q := reportLinkQuery(rr, v)
	link := func(after string) string {
		q.Del("after")
		if after != "" {
			q.Set("after", after)
		}
		return "/reports/" + rr.Info.Name + "?" + q.Encode()
	}
	var nextLink, first string
	if next != "" {
		nextLink = link(next)
	}
	if rr.Query.Get("after") != "" {
		first = link("")
	}
	return nextLink, first
}

// reportExport downloads a report as CSV or XLSX (or JSON), streamed.
func (s *Server) reportExport(w http.ResponseWriter, r *http.Request, v *view) error {
	rr, err := s.readReport(r, v)
	if err != nil {
		return err
	}
	if rr.Err != nil {
		return rr.Err
	}
	p := rr.Params
	p.Format = r.URL.Query().Get("format")
	p.Lang = i18n.FromContext(r.Context()) // the XLSX column titles
	if err := p.Check(); err != nil {
		return err
	}
	lw := &reportWriter{w: w, start: func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", report.ContentType(p.Format))
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Disposition", `attachment; filename="`+report.Filename(p)+`"`)
		w.WriteHeader(http.StatusOK)
	}}
	err = report.Write(r.Context(), rr.Store, rr.Scope, p, lw)
	if err != nil && lw.started {
		// The status is sent: the download is cut off.
		s.cfg.Logger.Error("report download failed while streaming", "report", p.Report, "err", err)
		return nil
	}
	return err
}

// reportWriter sends the status and headers with the first byte of the
// body, so that a report failing before its first row still gets an error
// page.
type reportWriter struct {
	w       http.ResponseWriter
	start   func(http.ResponseWriter)
	started bool
}

func (l *reportWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start(l.w)
	}
	return l.w.Write(b)
}

// reportBody is the body of a report page.
type reportBody struct {
	Presets []link // the same report over this month, last month, this year
	Info    reportInfo
	Reports []reportInfo // the other reports the user may run, for switching
	Form    reportForm
	Error   string
	Ran     bool // the report ran: the table, the charts and the downloads show
	Columns []reportColumn
	Rows    [][]reportCell
	Totals  [][]reportCell
	// RowCount is the number of rows of the whole report; Truncated tells
	// that the page shows only the first reportPageRows of them.
	RowCount  int64
	Truncated bool
	// Limited tells that the limit is the user's (limit=): the downloads
	// keep it too.
	Limited bool
	// Next and First link to the page of sessions after this one and to the
	// first page, on a session listing cut short ("" when there is none).
	Next, First string
	Period      string
	Summary     []reportFigure // the totals, for a glance
	Charts      []*reportChart
	CSV, XLSX   string
}

// reportFigure is one total of the summary above the charts.
type reportFigure struct {
	Label, Value string
}

// reportSummary returns the report's totals for a glance: sessions, energy,
// minutes, money per currency (never summed across currencies) and, on
// the station side, utilization.
func reportSummary(t *report.Totals, station bool) []reportFigure {
	revenue := "Cost"
	if station {
		revenue = "Revenue"
	}
	out := []reportFigure{
		{"Sessions", groupThousands(strconv.FormatInt(t.All.Sessions, 10))},
		{"Energy", groupThousands(strconv.FormatFloat(float64(t.All.EnergyWh)/1000, 'f', 1, 64)) + " kWh"},
		{"Charging time", groupThousands(strconv.FormatInt((t.All.DurationS+1800)/3600, 10)) + " h"},
	}
	for _, c := range t.Currencies {
		if c.Currency == "" {
			continue
		}
		digits := fc.MinorDigits(c.Currency)
		v := float64(c.Figures.CostMinor) / math.Pow10(digits)
		out = append(out, reportFigure{revenue + " " + c.Currency, groupThousands(strconv.FormatFloat(v, 'f', digits, 64)) + " " + c.Currency})
	}
	if u, ok := t.Utilization(); ok && station {
		out = append(out, reportFigure{"Utilization", strconv.FormatFloat(u*100, 'f', 1, 64) + " %"})
	}
	return out
}

// groupThousands groups the digits of a decimal number's integer part by three.
func groupThousands(s string) string {
	sign, rest := "", s
	if strings.HasPrefix(rest, "-") {
		sign, rest = "-", rest[1:]
	}
	whole, frac, hasFrac := strings.Cut(rest, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}

// reportColumn is a column of the table; Num aligns it right.
type reportColumn struct {
	Key, Title string
	Num        bool
}

// reportCell is one cell of the table: its text, and its exact value when
// the text rounds or reformats it.
type reportCell struct {
	Text, Exact string
	Num         bool
}

// reportForm is the filter form.
type reportForm struct {
	Action                 string
	Side                   string // the hidden side of a station-side session report
	From, To               string
	Fields                 map[string]string // field errors
	Organizations          []scopeOption
	Accounts               []scopeOption
	Employees, Cards       []scopeOption
	Stations               []scopeOption
	LocationKinds, GroupBy []scopeOption
	CardFilters            bool // employee and card apply (card side)
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request, v *view) error {
	rr, err := s.readReport(r, v)
	if err != nil {
		return err
	}
	ctx := r.Context()
	b := &reportBody{Info: rr.Info, Presets: datePresets(r, s.cfg.Now().In(v.Loc))}
	sc := rr.Scope
	for _, ri := range reportInfos {
		if !reportReach(sc, ri.Side).Empty() {
			b.Reports = append(b.Reports, ri)
		}
	}
	status := http.StatusOK
	var res *report.Result
	if rr.Err == nil {
		p := rr.Params
		p.Format = report.FormatJSON
		if p.Limit == 0 || p.Limit > reportPageRows {
			p.Limit = reportPageRows
		}
		res, err = report.Run(ctx, rr.Store, sc, p)
		switch {
		case fc.IsCode(err, fc.EInvalid):
			rr.Err = err
		case err != nil:
			return err
		}
	}
	if rr.Err != nil {
		status = http.StatusBadRequest
		b.Error = "Please correct the marked fields."
		if len(fc.ErrorFields(rr.Err)) == 0 {
			b.Error = sentence(fc.ErrorMessage(rr.Err))
		}
	}
	if b.Form, err = s.reportForm(ctx, v, rr); err != nil {
		return err
	}
	if res != nil {
		loc := rr.Params.Location
		b.Ran = true
		b.fillTable(res, loc)
		b.Limited = rr.Params.Limit > 0
		b.Summary = reportSummary(res.Totals, rr.Info.Side == fc.SideStation)
		b.Period = rr.Params.From.In(loc).Format("2 Jan 2006") + " – " + rr.Params.To.In(loc).Add(-time.Nanosecond).Format("2 Jan 2006")
		if b.Charts, err = reportCharts(ctx, rr, res); err != nil {
			return err
		}
		b.CSV, b.XLSX = reportExportLink(rr, v, report.FormatCSV), reportExportLink(rr, v, report.FormatXLSX)
		b.Next, b.First = reportPageLinks(rr, v, res.Next)
	}
	s.show(w, r, v, status, "report", rr.Info.Title, b)
	return nil
}

// fillTable renders the result's rows and totals as table cells.
func (b *reportBody) fillTable(res *report.Result, loc *time.Location) {
	b.Columns = make([]reportColumn, len(res.Columns))
	for i, c := range res.Columns {
		b.Columns[i] = reportColumn{Key: c.Key, Title: c.Title, Num: numericType(c.Type)}
	}
	cells := func(row []report.Cell) []reportCell {
		out := make([]reportCell, len(row))
		for i, c := range row {
			out[i] = displayCell(c, res.Columns[i].Type, loc)
		}
		return out
	}
	b.Rows = make([][]reportCell, len(res.Rows))
	for i, row := range res.Rows {
		b.Rows[i] = cells(row)
	}
	for _, row := range res.TotalRows() {
		b.Totals = append(b.Totals, cells(row))
	}
	b.RowCount, b.Truncated = res.Totals.Rows, res.Truncated
}

func numericType(typ string) bool {
	switch typ {
	case report.TypeInteger, report.TypeEnergy, report.TypeMinutes, report.TypeMoney, report.TypeFraction:
		return true
	}
	return false
}

// displayCell renders a cell for a person: times to the minute in the
// provider's zone, utilization as a percentage, booleans as yes or no. The
// exact value (the CSV's) stays in the cell's title.
func displayCell(c report.Cell, typ string, loc *time.Location) reportCell {
	exact := c.Format(loc)
	out := reportCell{Text: exact, Num: numericType(typ)}
	if exact == "" {
		return out
	}
	switch typ {
	case report.TypeTime:
		if t, err := time.Parse(time.RFC3339Nano, exact); err == nil {
			out.Text, out.Exact = t.In(loc).Format("2006-01-02 15:04"), exact
		}
	case report.TypeFraction:
		if f, err := strconv.ParseFloat(exact, 64); err == nil {
			out.Text, out.Exact = strconv.FormatFloat(f*100, 'f', 1, 64)+" %", exact
		}
	case report.TypeBoolean:
		out.Text = "no"
		if exact == "true" {
			out.Text = "yes"
		}
	case report.TypeMinutes:
		if f, err := strconv.ParseFloat(exact, 64); err == nil {
			out.Text, out.Exact = minutesText(f), exact+" min"
		}
	}
	return out
}

// minutesText shows minutes as a person reads them: "45 min", "8 h 05 min",
// "21 d 8 h" (whole minutes; the exact figure stays in the title).
func minutesText(m float64) string {
	total := int64(m + 0.5)
	d, h, min := total/(24*60), total/60%24, total%60
	switch {
	case total < 60:
		return strconv.FormatInt(total, 10) + " min"
	case d == 0:
		return fmt.Sprintf("%d h %02d min", h, min)
	}
	return fmt.Sprintf("%d d %d h", d, h)
}

// reportListLimit bounds the choices of a filter list; a chosen value beyond it
// is still listed.
const reportListLimit = 200

// reportForm fills the filter form: the organizations, accounts,
// employees, cards and stations the user sees in the chosen scope, each
// with the chosen one selected.
func (s *Server) reportForm(ctx context.Context, v *view, rr *reportRequest) (reportForm, error) {
	q := rr.Query
	f := reportForm{
		Action: "/reports/" + rr.Info.Name, From: q.Get("from"), To: q.Get("to"),
		Fields: fc.ErrorFields(rr.Err), CardFilters: rr.Info.Side == fc.SideCard,
	}
	if rr.Info.Side != fc.ReportSide(rr.Info.Name) {
		f.Side = rr.Info.Side
	}
	page := fc.Page{Limit: reportListLimit}
	chosen := func(key string) fc.ID {
		id, _ := fc.ParseID(q.Get(key))
		return id
	}
	options := func(key string, ids []fc.ID, labels []string) []scopeOption {
		want := q.Get(key)
		out := []scopeOption{{Value: "", Label: "Any", Selected: want == ""}}
		found := want == ""
		for i, id := range ids {
			sel := id.String() == want
			found = found || sel
			out = append(out, scopeOption{Value: id.String(), Label: labels[i], Selected: sel})
		}
		if !found {
			out = append(out, scopeOption{Value: want, Label: "#" + want, Selected: true})
		}
		return out
	}
	var ids []fc.ID
	var labels []string
	reset := func() { ids, labels = ids[:0], labels[:0] }

	orgs, err := s.app.Organizations(ctx, v.Subj, fc.OrganizationFilter{Page: page})
	if err != nil && !fc.IsCode(err, fc.EForbidden) {
		return f, err
	}
	for _, o := range orgs {
		ids, labels = append(ids, o.ID), append(labels, strings.Join(o.Path, " / "))
	}
	f.Organizations = options("organization_id", ids, labels)
	f.Organizations[0].Label = "All in scope"

	reset()
	accounts, err := s.app.Accounts(ctx, v.Subj, fc.AccountFilter{OrganizationID: chosen("organization_id"), Page: page})
	if err != nil && !fc.IsCode(err, fc.EForbidden) {
		return f, err
	}
	for _, a := range accounts {
		ids, labels = append(ids, a.ID), append(labels, a.Name)
	}
	f.Accounts = options("account_id", ids, labels)

	if f.CardFilters {
		reset()
		emps, err := s.app.Employees(ctx, v.Subj, fc.EmployeeFilter{AccountID: chosen("account_id"), Page: page})
		if err != nil && !fc.IsCode(err, fc.EForbidden) {
			return f, err
		}
		for _, e := range emps {
			ids, labels = append(ids, e.ID), append(labels, e.Name)
		}
		f.Employees = options("employee_id", ids, labels)

		reset()
		cards, err := s.app.Cards(ctx, v.Subj, fc.CardFilter{AccountID: chosen("account_id"), EmployeeID: chosen("employee_id"), Page: page})
		if err != nil && !fc.IsCode(err, fc.EForbidden) {
			return f, err
		}
		for _, c := range cards {
			ids, labels = append(ids, c.ID), append(labels, c.ExternalID)
		}
		f.Cards = options("card_id", ids, labels)
	}

	reset()
	stations, err := s.app.Stations(ctx, v.Subj, fc.StationFilter{AccountID: chosen("account_id"), Page: page})
	if err != nil && !fc.IsCode(err, fc.EForbidden) {
		return f, err
	}
	for _, st := range stations {
		ids, labels = append(ids, st.ID), append(labels, st.Identity)
	}
	f.Stations = options("station_id", ids, labels)

	kind := q.Get("location_kind")
	f.LocationKinds = []scopeOption{{Value: "", Label: "Any", Selected: kind == ""}}
	for _, k := range fc.LocationKinds {
		f.LocationKinds = append(f.LocationKinds, scopeOption{Value: k, Label: titleCase(k), Selected: kind == k})
	}
	group := q.Get("group_by")
	f.GroupBy = []scopeOption{{Value: "", Label: "None: a row per " + reportSubject(rr.Info), Selected: group == ""}}
	for _, g := range []string{report.GroupByAccount, report.GroupByOrganization, report.GroupByMonth} {
		f.GroupBy = append(f.GroupBy, scopeOption{Value: g, Label: titleCase(g), Selected: group == g})
	}
	return f, nil
}

// reportSubject names what one row of a report is.
func reportSubject(ri reportInfo) string {
	switch ri.Name {
	case fc.ReportChargeCards, fc.ReportSessionsPerCard:
		return "card"
	case fc.ReportChargeSessions:
		return "session"
	case fc.ReportEmployees, fc.ReportSessionsPerEmployee:
		return "employee"
	case fc.ReportChargeStations:
		return "station"
	}
	return "charge point"
}

// Charts.

// reportChart is an SVG chart laid out on the server, in the units of its
// viewBox: horizontal bars (one value per label) or stacked columns (one
// column per month, a segment per location kind).
type reportChart struct {
	ID, Title, Desc string
	Width, Height   int
	Bars            []chartBar
	Columns         []chartColumn
	Ticks           []chartTick
	Legend          []chartSeries
	Note            string // what the chart leaves out
	Empty           bool   // nothing to draw: the period has no figures
}

type chartBar struct {
	Label, Value string
	Y, W         int // top and length of the bar
	TextY        int
	Color        string
}

type chartColumn struct {
	Label    string
	X, W     int
	LabelX   int
	Segments []chartSegment
}

type chartSegment struct {
	Y, H  int
	Color string
	Title string
}

type chartTick struct {
	Y     int
	Label string
}

type chartSeries struct {
	Label, Color string
}

// Chart geometry, in viewBox units (the SVG scales to the page's width).
const (
	chartWidth    = 480 // column charts
	barWidth      = 400 // bar charts: narrower, so that their text stays legible on a phone
	barLabelWidth = 146 // labels left of the bars
	barValueWidth = 76  // values right of the bars
	barRow        = 22
	barMaxCount   = 12
	colTop        = 12
	colPlotHeight = 170
	colLeft       = 52
)

// Series colors: distinguishable for the common color blindnesses.
var kindColors = map[string]string{fc.LocationOffice: "#1f6fb2", fc.LocationHome: "#2e9b5f", fc.LocationPublic: "#d9821e"}

const barColor = "#1f6fb2"

// reportCharts returns the charts of a report page: for the card side the
// energy per month by location kind and the largest rows by energy; for
// the station side sessions and utilization per station or charge point
// (or per group of a roll-up).
func reportCharts(ctx context.Context, rr *reportRequest, res *report.Result) ([]*reportChart, error) {
	p := rr.Params
	loc := p.Location
	var out []*reportChart
	if rr.Info.Side == fc.SideCard {
		c, err := reportMonthChart(ctx, rr)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	label := chartLabelKeys(rr.Info, p.GroupBy)
	if len(label) == 0 {
		return out, nil
	}
	ordered := p.GroupBy == report.GroupByMonth
	per := reportSubject(rr.Info)
	switch {
	case p.GroupBy != "":
		per = p.GroupBy
	case rr.Info.Name == fc.ReportChargeSessions:
		per = "station" // the station-side session report: its rows add up per station
	}
	// The charts' texts are written in the page's language here, each a
	// whole message: their descriptions list values after their labels.
	tag := i18n.FromContext(ctx)
	per = i18n.T(tag, per)
	var bars []*reportChart
	if rr.Info.Side == fc.SideCard || rr.Info.Name == fc.ReportChargeSessions {
		bars = append(bars, reportBarChart(tag, "energy", i18n.T(tag, "Energy (kWh) per %s", per), res, loc, label, "energy_kwh", ordered, fmtKWh))
	} else {
		bars = append(bars,
			reportBarChart(tag, "sessions", i18n.T(tag, "Sessions per %s", per), res, loc, label, "sessions", ordered, fmtCount),
			reportBarChart(tag, "utilization", i18n.T(tag, "Utilization per %s", per), res, loc, label, "utilization", ordered, fmtPercent))
	}
	if res.Truncated {
		for _, c := range bars {
			c.Note = strings.TrimSpace(c.Note + " " + i18n.T(tag, "From the rows shown."))
		}
	}
	out = append(out, bars...)
	return out, nil
}

// chartLabelKeys returns the columns that name a row in a chart.
func chartLabelKeys(ri reportInfo, groupBy string) []string {
	switch groupBy {
	case report.GroupByMonth:
		return []string{"month"}
	case report.GroupByAccount:
		return []string{"account_name"}
	case report.GroupByOrganization:
		return []string{"organization_path"}
	}
	switch ri.Name {
	case fc.ReportChargeCards, fc.ReportSessionsPerCard:
		return []string{"external_id"}
	case fc.ReportEmployees, fc.ReportSessionsPerEmployee:
		return []string{"employee_name"}
	case fc.ReportChargeStations:
		return []string{"identity"}
	case fc.ReportSessionsPerChargePoint:
		return []string{"identity", "connector_id"}
	case fc.ReportChargeSessions:
		if ri.Side == fc.SideStation {
			return []string{"identity"}
		}
	}
	return nil
}

// Value formats of the charts.
func fmtKWh(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " kWh"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " kWh"
}
func fmtCount(v float64) string   { return strconv.FormatFloat(v, 'f', 0, 64) }
func fmtPercent(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + " %" }

// reportBarChart sums the value column per label over the result's rows (rows of
// the same subject in several currencies or accounts add up) and draws the
// largest barMaxCount, or the first ones in order when ordered.
func reportBarChart(tag language.Tag, id, title string, res *report.Result, loc *time.Location, labelCols []string, valueCol string, ordered bool, format func(float64) string) *reportChart {
	c := &reportChart{ID: "chart-" + id, Title: title, Width: barWidth}
	idx := map[string]int{}
	for i, col := range res.Columns {
		idx[col.Key] = i
	}
	vi, ok := idx[valueCol]
	if !ok {
		c.Empty = true
		return c
	}
	type item struct {
		label string
		v     float64
	}
	var items []item
	pos := map[string]int{}
	for _, row := range res.Rows {
		var parts []string
		for _, k := range labelCols {
			if i, ok := idx[k]; ok {
				v := row[i].Format(loc)
				if k == "organization_path" {
					// The paths of a subtree share their start: the last
					// name tells them apart.
					if j := strings.LastIndex(v, " / "); j >= 0 {
						v = v[j+len(" / "):]
					}
				}
				parts = append(parts, v)
			}
		}
		label := strings.Join(parts, " #")
		if label == "" {
			label = i18n.T(tag, "(none)")
		}
		v, _ := strconv.ParseFloat(row[vi].Format(loc), 64)
		if j, ok := pos[label]; ok {
			items[j].v += v
			continue
		}
		pos[label] = len(items)
		items = append(items, item{label, v})
	}
	if valueCol == "utilization" {
		for i := range items {
			items[i].v = math.Min(items[i].v, 1)
		}
	}
	if !ordered {
		slices.SortStableFunc(items, func(a, b item) int {
			switch {
			case a.v > b.v:
				return -1
			case a.v < b.v:
				return 1
			}
			return 0
		})
	}
	if len(items) > barMaxCount {
		c.Note = i18n.T(tag, "The %d largest of %d.", barMaxCount, len(items))
		if ordered {
			c.Note = i18n.T(tag, "The first %d of %d.", barMaxCount, len(items))
		}
		items = items[:barMaxCount]
	}
	top := 0.0
	for _, it := range items {
		top = math.Max(top, it.v)
	}
	if valueCol == "utilization" {
		top = math.Max(top, 0.0001)
	}
	if len(items) == 0 || top <= 0 {
		c.Empty = true
		return c
	}
	span := float64(barWidth - barLabelWidth - barValueWidth)
	var desc []string
	for i, it := range items {
		y := 4 + i*barRow
		w := int(math.Round(it.v / top * span))
		if w == 0 && it.v > 0 {
			w = 1
		}
		c.Bars = append(c.Bars, chartBar{Label: shortLabel(it.label, 20), Value: format(it.v), Y: y, W: w, TextY: y + 13, Color: barColor})
		desc = append(desc, it.label+i18n.Colon(tag)+i18n.Localize(tag, format(it.v)))
	}
	c.Height = 8 + len(items)*barRow
	c.Desc = title + ". " + strings.Join(desc, i18n.Semicolon(tag)) + "."
	return c
}

// shortLabel cuts a label to n characters with an ellipsis in the middle:
// names that share their start ("Meridian Consulting UK", "Meridian
// Consulting Belgium") stay apart by their end.
func shortLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := min(8, (n-1)/2) // the end tells more: "…Deutschland", "…C45772874"
	return strings.TrimSpace(string(r[:head])) + "…" + strings.TrimSpace(string(r[len(r)-(n-1-head):]))
}

// reportMonthChart draws the energy per month by location kind of the
// card-side sessions the report covers: the sessions-per-card report
// rolled up by month, with the page's scope, period and filters.
func reportMonthChart(ctx context.Context, rr *reportRequest) (*reportChart, error) {
	p := rr.Params
	p.Report, p.GroupBy, p.Side, p.Format, p.Limit, p.After = fc.ReportSessionsPerCard, report.GroupByMonth, "", report.FormatJSON, 0, nil
	res, err := report.Run(ctx, rr.Store, rr.Scope, p)
	if err != nil {
		return nil, err
	}
	tag := i18n.FromContext(ctx)
	c := &reportChart{ID: "chart-months", Title: i18n.T(tag, "Energy (kWh) per month by location kind"), Width: chartWidth, Height: colTop + colPlotHeight + 24}
	idx := map[string]int{}
	for i, col := range res.Columns {
		idx[col.Key] = i
	}
	months := []string{}
	values := map[string]*[3]float64{}
	for _, row := range res.Rows {
		m := row[idx["month"]].Format(p.Location)
		if values[m] == nil {
			months = append(months, m)
			values[m] = &[3]float64{}
		}
		for k, kind := range fc.LocationKinds {
			v, _ := strconv.ParseFloat(row[idx[kind+"_energy_kwh"]].Format(p.Location), 64)
			values[m][k] += v
		}
	}
	// Every month of the period shows, with or without sessions.
	all := []string{}
	from := p.From.In(p.Location)
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, p.Location); m.Before(p.To); m = m.AddDate(0, 1, 0) {
		all = append(all, m.Format("2006-01"))
	}
	for _, m := range months {
		if !slices.Contains(all, m) {
			all = append(all, m)
		}
	}
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v[0]+v[1]+v[2])
	}
	for _, k := range fc.LocationKinds {
		c.Legend = append(c.Legend, chartSeries{Label: capitalize(i18n.T(tag, k)), Color: kindColors[k]})
	}
	if top <= 0 {
		c.Empty = true
		return c, nil
	}
	step := niceStep(top, 4)
	axisTop := math.Ceil(top/step) * step
	scale := float64(colPlotHeight) / axisTop
	for v := 0.0; v <= axisTop+step/2; v += step {
		c.Ticks = append(c.Ticks, chartTick{Y: colTop + colPlotHeight - int(math.Round(v*scale)), Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	plot := chartWidth - colLeft - 8
	slot := float64(plot) / float64(len(all))
	w := int(math.Min(slot*0.62, 56))
	labelEvery := int(math.Ceil(float64(len(all)) / 8))
	var desc []string
	for i, m := range all {
		x := colLeft + int(math.Round(slot*float64(i)+slot/2)) - w/2
		col := chartColumn{X: x, W: w, LabelX: x + w/2}
		if i%labelEvery == 0 {
			col.Label = m
		}
		v := values[m]
		if v == nil {
			v = &[3]float64{}
		}
		base := float64(colTop + colPlotHeight)
		var parts []string
		for k, kind := range fc.LocationKinds {
			h := v[k] * scale
			if h <= 0 {
				continue
			}
			segTop := base - h
			seg := chartSegment{Y: int(math.Round(segTop)), H: int(math.Round(base)) - int(math.Round(segTop)), Color: kindColors[kind],
				Title: m + ", " + i18n.T(tag, kind) + i18n.Colon(tag) + i18n.Localize(tag, fmtKWh(v[k]))}
			if seg.H == 0 {
				seg.H = 1
			}
			col.Segments = append(col.Segments, seg)
			base = segTop
			parts = append(parts, i18n.T(tag, kind)+" "+i18n.Localize(tag, fmtKWh(v[k])))
		}
		if len(parts) == 0 {
			parts = []string{i18n.T(tag, "(none)")}
		}
		desc = append(desc, m+i18n.Colon(tag)+strings.Join(parts, ", "))
		c.Columns = append(c.Columns, col)
	}
	c.Desc = c.Title + ". " + strings.Join(desc, i18n.Semicolon(tag)) + "."
	return c, nil
}

// niceStep returns a round step (1, 2 or 5 times a power of ten) that
// divides 0..top into at most n intervals.
func niceStep(top float64, n int) float64 {
	raw := top / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}
