package report

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	fc "github.com/fleetcharge/fleetcharge"
)

// Output formats.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Roll-ups (Params.GroupBy).
const (
	GroupByAccount      = "account"
	GroupByOrganization = "organization"
	GroupByMonth        = "month"
)

// maxPeriod bounds a report's period.
const maxPeriod = 10 * 366 * 24 * time.Hour

// Params are what a caller asks of a report: which one, on what scope and
// period, filtered how, rolled up how, in which format.
type Params struct {
	Report string
	Format string // FormatJSON (default), FormatCSV or FormatXLSX
	// Side is, for the charge session report, SideStation to list the
	// sessions on the caller's stations (a facility report, foreign cards
	// masked) instead of those of its cards.
	Side string
	// OrganizationID or AccountID narrows the report to that subtree or
	// account; neither means everything the caller may see.
	OrganizationID fc.ID
	AccountID      fc.ID
	// From and To bound the period: sessions started in [From, To).
	From, To time.Time
	// Location is the provider's time zone: dates are read in it, times
	// and months shown in it. Nil means UTC.
	Location *time.Location
	// Lang is the language of the XLSX column titles (package i18n); the
	// zero value and English keep them as they are. CSV and JSON name
	// columns by their keys, which are the same in every language.
	Lang language.Tag
	// GroupBy replaces the rows by roll-ups: GroupByAccount,
	// GroupByOrganization (every organization of the subtree, with all
	// below it) or GroupByMonth.
	GroupBy      string
	EmployeeID   fc.ID
	CardID       fc.ID
	StationID    fc.ID
	LocationKind string
	// Limit keeps at most that many rows (0: all); the totals still cover
	// every row.
	Limit int
	// After, on the charge session report, starts the rows after this
	// session (a page's Result.Next); the totals still cover the period.
	After *fc.SessionKey
	// Now ends the part of the period that utilization measures: a period
	// reaching into the future is measured up to now.
	Now time.Time
}

// The pages of the charge session report in JSON (Params.Page): a listing
// of every session of a large customer's year is hundreds of megabytes,
// which is what the CSV and XLSX exports are for.
const (
	DefaultSessionPage = 1000
	MaxSessionPage     = 10000
)

// Page makes the charge session report in JSON, not rolled up, come in
// pages, as the API serves it: DefaultSessionPage sessions without a limit,
// and a limit of at most MaxSessionPage. Other reports and formats are left
// whole.
func (p *Params) Page() error {
	if p.Report != fc.ReportChargeSessions || p.GroupBy != "" || (p.Format != "" && p.Format != FormatJSON) {
		return nil
	}
	switch {
	case p.Limit == 0:
		p.Limit = DefaultSessionPage
	case p.Limit > MaxSessionPage:
		return fc.Invalid(map[string]string{"limit": fmt.Sprintf(
			"must be at most %d for the session listing in JSON (the CSV and XLSX exports hold every session)", MaxSessionPage)})
	}
	return nil
}

// Parse reads a report's parameters from a query string: organization_id or
// account_id, from and to (local dates in loc, to exclusive, or RFC 3339
// times), format, group_by, side, employee_id, card_id, station_id,
// location_kind, limit and after. Without from and to the period is the
// current month up to today included; without from, the month that ends at
// to. after is the cursor a page of the charge session report ended with
// (Result.Next).
func Parse(report string, v url.Values, loc *time.Location, now time.Time) (Params, error) {
	if loc == nil {
		loc = time.UTC
	}
	p := Params{Report: report, Location: loc, Now: now,
		Format: v.Get("format"), GroupBy: v.Get("group_by"), Side: v.Get("side"), LocationKind: v.Get("location_kind")}
	fields := map[string]string{}
	id := func(key string, dst *fc.ID) {
		if s := v.Get(key); s != "" {
			x, err := fc.ParseID(s)
			if err != nil {
				fields[key] = "is not a valid ID"
			}
			*dst = x
		}
	}
	id("organization_id", &p.OrganizationID)
	id("account_id", &p.AccountID)
	id("employee_id", &p.EmployeeID)
	id("card_id", &p.CardID)
	id("station_id", &p.StationID)
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fields["limit"] = "must be a positive number"
		}
		p.Limit = n
	}
	if s := v.Get("after"); s != "" {
		k, err := ParseCursor(s)
		if err != nil {
			fields["after"] = err.Error()
		}
		p.After = k
	}
	var err error
	if p.From, err = parseInstant(v.Get("from"), loc); err != nil {
		fields["from"] = err.Error()
	}
	if p.To, err = parseInstant(v.Get("to"), loc); err != nil {
		fields["to"] = err.Error()
	}
	if len(fields) == 0 {
		if p.To.IsZero() {
			local := now.In(loc)
			p.To = time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
		}
		if p.From.IsZero() {
			last := p.To.Add(-time.Nanosecond).In(loc)
			p.From = time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, loc)
		}
	}
	if err := p.check(fields); err != nil {
		return Params{}, err
	}
	return p, nil
}

// parseInstant reads a local date (YYYY-MM-DD, midnight in loc) or an RFC
// 3339 time; "" gives the zero time.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	switch {
	case s == "":
		return time.Time{}, nil
	case len(s) == len("2006-01-02"):
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return time.Time{}, fc.Errorf(fc.EInvalid, "is not a date: write it as year-month-day, such as 2025-03-31")
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fc.Errorf(fc.EInvalid, "is not a date: write it as year-month-day, such as 2025-03-31 (or as a time such as 2025-03-31T08:00:00Z)")
	}
	return t, nil
}

// Check validates params built in code rather than by Parse.
func (p *Params) Check() error { return p.check(map[string]string{}) }

func (p *Params) check(fields map[string]string) error {
	if p.Location == nil {
		p.Location = time.UTC
	}
	if p.Format == "" {
		p.Format = FormatJSON
	}
	if def(p.Report) == nil {
		fields["report"] = "must be one of " + strings.Join(fc.Reports, ", ")
	}
	switch p.Format {
	case FormatJSON, FormatCSV, FormatXLSX:
	default:
		fields["format"] = "must be json, csv or xlsx"
	}
	switch p.GroupBy {
	case "", GroupByAccount, GroupByOrganization, GroupByMonth:
	default:
		fields["group_by"] = "must be account, organization or month"
	}
	own := fc.ReportSide(p.Report)
	switch {
	case p.Side == "" || p.Side == own:
	case p.Report == fc.ReportChargeSessions && p.Side == fc.SideStation:
	default:
		fields["side"] = "must be " + own + " for this report"
	}
	switch p.LocationKind {
	case "", fc.LocationOffice, fc.LocationHome, fc.LocationPublic:
	default:
		fields["location_kind"] = "must be office, home or public"
	}
	if p.OrganizationID != 0 && p.AccountID != 0 {
		fields["account_id"] = "cannot be combined with organization_id"
	}
	if p.After != nil && (p.Report != fc.ReportChargeSessions || p.GroupBy != "") {
		fields["after"] = "pages the charge session report only, not rolled up"
	}
	_, fromBad := fields["from"]
	_, toBad := fields["to"]
	if !fromBad && !toBad {
		switch {
		case p.From.IsZero() || p.To.IsZero():
			fields["from"] = "and to are required"
		case !p.From.Before(p.To):
			fields["to"] = "must be after from"
		case p.To.Sub(p.From) > maxPeriod:
			fields["to"] = "must be at most ten years after from"
		}
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// side returns the side the report reads.
func (p *Params) side() string {
	if p.Side != "" {
		return p.Side
	}
	return fc.ReportSide(p.Report)
}

// months returns the local month starts strictly inside the period.
func (p *Params) months() []time.Time {
	var out []time.Time
	from := p.From.In(p.Location)
	for m := time.Date(from.Year(), from.Month()+1, 1, 0, 0, 0, 0, p.Location); m.Before(p.To); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// ContentType returns the media type of a format.
func ContentType(format string) string {
	switch format {
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/json"
}

// Filename returns a file name for the export of p, such as
// "charge-cards_2025-03-01_2025-04-01.csv" (local dates; the end is
// exclusive).
func Filename(p Params) string {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	name := p.Report
	if p.GroupBy != "" {
		name += "_by-" + p.GroupBy
	}
	return name + "_" + p.From.In(loc).Format("2006-01-02") + "_" + p.To.In(loc).Format("2006-01-02") + "." + p.Format
}

// Cursor returns the cursor of the session k: the page after it starts with
// the next session in the report's order.
func Cursor(k fc.SessionKey) string {
	return strconv.FormatInt(k.StartedAt.UnixMilli(), 10) + "." + k.ID.String()
}

// ParseCursor reads a cursor made by Cursor.
func ParseCursor(s string) (*fc.SessionKey, error) {
	bad := fc.Errorf(fc.EInvalid, "is not a cursor of this report (the next_cursor of a page)")
	t, id, ok := strings.Cut(s, ".")
	if !ok {
		return nil, bad
	}
	ms, err := strconv.ParseInt(t, 10, 64)
	if err != nil || ms < 0 {
		return nil, bad
	}
	x, err := fc.ParseID(id)
	if err != nil {
		return nil, bad
	}
	return &fc.SessionKey{StartedAt: time.UnixMilli(ms), ID: x}, nil
}
