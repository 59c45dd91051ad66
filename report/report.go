// Package report runs the reports of SPEC.md (fleet reports on the card
// side, facility reports on the station side) over a fc.ReportStore and
// renders them as JSON, CSV or XLSX.
//
// A report's rows are its subjects (cards, sessions, employees, stations,
// charge points) with their figures in the period, one row per subject,
// account at the time and currency: money is never summed across
// currencies. With GroupBy the rows are roll-ups instead: by account, by
// organization (each organization with its whole subtree) or by month.
// Totals cover every row. Energy is exact to the Wh (kWh with three
// decimals), durations are minutes with one decimal, money has its
// currency's minor digits.
//
// Utilization, on station reports, is the time the row's charge points
// spent charging, clipped to the period, over the period's length (up to
// now) times their number: for a station with several charge points, the
// mean of its charge points' utilizations. A session that started shortly
// before the period counts for its part inside it.
//
// Write streams: rows go from the database cursor to the writer one by one,
// so an export of millions of sessions runs in constant memory. Run keeps
// the rows, for the JSON API and the web pages.
package report

import (
	"bytes"
	"context"
	"io"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Result is a report held in memory: what Run returns. Its JSON is the
// API's: {"report", "period", "columns", "rows", "totals"}.
type Result struct {
	Params  Params
	Columns []Column
	Rows    [][]Cell
	Totals  *Totals
	// Truncated is set when Params.Limit left rows out.
	Truncated bool
	// Next, on a truncated charge session report, is the cursor of the
	// next page (Params.After); "" otherwise.
	Next string

	cols []column
}

// TotalRows returns the totals as rows aligned to the columns, one per
// currency, as the XLSX export shows them.
func (r *Result) TotalRows() [][]Cell { return r.Totals.cells(r.cols) }

// MarshalJSON renders the result as the JSON export does.
func (r *Result) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	s := newJSONSink(&b, r.Params)
	if err := s.begin(r.cols); err != nil {
		return nil, err
	}
	for _, cells := range r.Rows {
		if err := s.row(cells); err != nil {
			return nil, err
		}
	}
	if err := s.end(r.Totals, r.Truncated, r.Next); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Run computes the report p within the scope and returns its rows (at most
// p.Limit) and totals. sc.CardSide is what the caller's fleet-report right
// reaches, sc.StationSide what its facility-report right reaches.
func Run(ctx context.Context, st fc.ReportStore, sc fc.SessionScope, p Params) (*Result, error) {
	j, err := newJob(sc, p)
	if err != nil {
		return nil, err
	}
	c := &collectSink{}
	if err := j.run(ctx, st, c); err != nil {
		return nil, err
	}
	return &Result{Params: j.p, Columns: publicColumns(j.cols), Rows: c.rows, Totals: j.totals, Truncated: j.truncated,
		Next: j.next(), cols: j.cols}, nil
}

// Write computes the report p within the scope (see Run) and streams it to
// w in p.Format, at most p.Limit rows (JSON then says "truncated": true).
// Nothing is written when the report fails before its first row (a scope
// outside the reach, a missing right, a bad parameter).
func Write(ctx context.Context, st fc.ReportStore, sc fc.SessionScope, p Params, w io.Writer) error {
	j, err := newJob(sc, p)
	if err != nil {
		return err
	}
	var s sink
	switch j.p.Format {
	case FormatCSV:
		s = newCSVSink(w, j.p)
	case FormatXLSX:
		s = newXLSXSink(w, j.p)
	default:
		s = newJSONSink(w, j.p)
	}
	err = j.run(ctx, st, s)
	if c, ok := s.(interface{ close() }); ok {
		c.close()
	}
	return err
}

// sink receives a report's columns, rows and totals, in that order. The
// cells passed to row are reused afterwards. truncated tells that a limit
// left rows out; next is then the cursor of the next page of a session
// listing.
type sink interface {
	begin(cols []column) error
	row(cells []Cell) error
	end(t *Totals, truncated bool, next string) error
}

// collectSink keeps the rows in memory.
type collectSink struct {
	rows [][]Cell
}

func (c *collectSink) begin([]column) error            { return nil }
func (c *collectSink) end(*Totals, bool, string) error { return nil }
func (c *collectSink) row(cells []Cell) error {
	c.rows = append(c.rows, append([]Cell(nil), cells...))
	return nil
}

// job is one run of a report.
type job struct {
	p      Params
	d      *definition
	q      fc.ReportQuery
	reach  fc.Reach
	cols   []column
	bounds []int64 // ms: the period's start, the month starts (GroupByMonth), its end
	now    int64   // ms; 0: do not clip the measured period
	totals *Totals
	groups *rollup
	// avail is the availability of the station reports' charge points and
	// stations, per bucket (availability.go).
	avail map[capKey][]span
	// totalsApart takes the totals from a TotalsOnly query rather than
	// from the rows.
	totalsApart bool
	emitted     int
	truncated   bool
	last        fc.SessionKey // the last session emitted
}

func newJob(sc fc.SessionScope, p Params) (*job, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	j := &job{p: p, d: def(p.Report), totals: newTotals()}
	side := p.side()
	j.reach = sc.CardSide
	if side == fc.SideStation {
		j.reach = sc.StationSide
	}
	if j.reach.Empty() {
		right := "fleet"
		if side == fc.SideStation {
			right = "facility"
		}
		return nil, fc.Errorf(fc.EForbidden, "the %s report needs the %s report right", p.Report, right)
	}
	j.q = fc.ReportQuery{
		Report: p.Report, Scope: sc, Side: p.Side, OrganizationID: p.OrganizationID, AccountID: p.AccountID,
		From: p.From, To: p.To, EmployeeID: p.EmployeeID, CardID: p.CardID, StationID: p.StationID,
		LocationKind: p.LocationKind, Idle: j.d.idle, After: p.After,
		// A roll-up of sessions needs their figures by account only; so
		// does a card-side roll-up by month, in which subjects without
		// sessions count for nothing (every month has its row anyway).
		ByAccount: p.GroupBy != "" && (p.Report == fc.ReportChargeSessions || p.GroupBy == GroupByMonth && side == fc.SideCard),
	}
	j.bounds = append(j.bounds, p.From.UnixMilli())
	if p.GroupBy == GroupByMonth {
		j.q.Buckets = p.months()
		for _, m := range j.q.Buckets {
			j.bounds = append(j.bounds, m.UnixMilli())
		}
	}
	j.bounds = append(j.bounds, p.To.UnixMilli())
	if !p.Now.IsZero() {
		j.now = p.Now.UnixMilli()
	}
	j.cols = j.d.columns
	if p.GroupBy != "" {
		j.cols = j.d.groupCols(p.GroupBy)
		j.groups = newRollup(j)
	}
	if (p.Limit > 0 || p.After != nil) && p.GroupBy == "" && p.Report == fc.ReportChargeSessions {
		// Only the sessions shown are read (and one more, to tell whether
		// there are more); the totals, of the whole period, come from an
		// aggregated query.
		j.totalsApart = true
		if p.Limit > 0 {
			j.q.Limit = p.Limit + 1
		}
	}
	return j, nil
}

// run streams the report to s.
func (j *job) run(ctx context.Context, st fc.ReportStore, s sink) error {
	begun := false
	begin := func() error {
		if begun {
			return nil
		}
		begun = true
		return s.begin(j.cols)
	}
	var err error
	if j.avail, err = j.loadAvailability(ctx, st); err != nil {
		return err
	}
	cells := make([]Cell, len(j.cols))
	emit := func(r *row) error {
		if err := begin(); err != nil {
			return err
		}
		if j.p.Limit > 0 && j.emitted >= j.p.Limit {
			j.truncated = true
			return nil
		}
		j.emitted++
		if r.SessionID != 0 && r.StartedAt != nil {
			j.last = fc.SessionKey{StartedAt: *r.StartedAt, ID: r.SessionID}
		}
		for i, c := range j.cols {
			cells[i] = c.get(r)
		}
		return s.row(cells)
	}
	err = st.Report(ctx, j.q, func(r *fc.ReportRow) error {
		j.totals.Rows++
		if !j.totalsApart {
			j.totals.add(j.d, r)
		}
		if j.groups != nil {
			j.groups.add(r)
			return nil
		}
		x := row{ReportRow: r, busy: r.Figures.BusyMS}
		if j.d.points != nil && r.StationID != 0 {
			k, n := j.d.points(r)
			x.capacity = n * j.measured(r.Bucket)
			x.avail = j.availability(k, r.Bucket)
		}
		return emit(&x)
	})
	if err != nil {
		return err
	}
	if j.totalsApart {
		q := j.q
		q.Limit, q.TotalsOnly, q.After = 0, true, nil
		if err := st.Report(ctx, q, func(r *fc.ReportRow) error {
			j.totals.add(j.d, r)
			return nil
		}); err != nil {
			return err
		}
		j.totals.Rows = j.totals.All.Sessions
	}
	j.totals.finish(j.measured(-1))
	for k := range j.totals.points {
		a := j.availability(k, -1)
		j.totals.AvailableMS += a.up
		j.totals.KnownMS += a.known
	}
	if j.groups != nil {
		rows := j.groups.rows(j.totals)
		j.totals.Rows = int64(len(rows))
		for _, r := range rows {
			if err := emit(&r); err != nil {
				return err
			}
		}
	}
	if err := begin(); err != nil {
		return err
	}
	return s.end(j.totals, j.truncated, j.next())
}

// next returns the cursor of the page after a truncated session listing.
func (j *job) next() string {
	if !j.truncated || j.last.ID == 0 {
		return ""
	}
	return Cursor(j.last)
}

// measured returns the length in ms of bucket i (-1: the whole period) up
// to now.
func (j *job) measured(i int) int64 {
	from, to := j.bounds[0], j.bounds[len(j.bounds)-1]
	if i >= 0 && i+1 < len(j.bounds) {
		from, to = j.bounds[i], j.bounds[i+1]
	}
	if j.now != 0 && j.now < to {
		to = j.now
	}
	return max(to-from, 0)
}

// monthLabel names bucket i by the local month it starts in.
func (j *job) monthLabel(i int) string {
	return time.UnixMilli(j.bounds[i]).In(j.p.Location).Format("2006-01")
}

// firstCovered returns the index in r's organization chain of the first
// organization that rolls up for the caller: the asked organization, the
// top with a reach on everything, the highest organization of the reach;
// for an account reached alone, its own organization.
func (j *job) firstCovered(r *fc.ReportRow) int {
	if j.p.OrganizationID != 0 {
		for i, id := range r.OrgIDs {
			if id == j.p.OrganizationID {
				return i
			}
		}
	}
	if j.reach.All {
		return 0
	}
	for i, id := range r.OrgIDs {
		for _, o := range j.reach.OrgIDs {
			if id == o {
				return i
			}
		}
	}
	return max(len(r.OrgIDs)-1, 0)
}

func publicColumns(cols []column) []Column {
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = c.Column
	}
	return out
}
