package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	fc "github.com/fleetcharge/fleetcharge"
)

var amsterdam = mustLocation("Europe/Amsterdam")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// fakeStore returns canned rows and remembers the query.
type fakeStore struct {
	rows    []fc.ReportRow
	err     error
	q       fc.ReportQuery // the last query
	queries []fc.ReportQuery
}

func (f *fakeStore) Report(_ context.Context, q fc.ReportQuery, fn func(*fc.ReportRow) error) error {
	f.queries = append(f.queries, q)
	f.q = q
	if f.err != nil {
		return f.err
	}
	if q.TotalsOnly {
		var list []fc.ReportRow
		at := map[string]int{}
		for _, r := range f.rows {
			i, ok := at[r.Currency]
			if !ok {
				i = len(list)
				at[r.Currency] = i
				list = append(list, fc.ReportRow{Currency: r.Currency})
			}
			list[i].Figures.Add(r.Figures)
		}
		for i := range list {
			if err := fn(&list[i]); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range f.rows {
		if q.Limit > 0 && i >= q.Limit {
			break
		}
		r := f.rows[i]
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
}

var everything = fc.SessionScope{ProviderID: 1, CardSide: fc.Everything, StationSide: fc.Everything}

func TestParse(t *testing.T) {
	now := time.Date(2025, 3, 15, 10, 0, 0, 0, time.UTC)
	local := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, amsterdam) }
	cases := []struct {
		query    string
		from, to time.Time
	}{
		{"from=2025-03-01&to=2025-04-01", local(2025, 3, 1), local(2025, 4, 1)},
		{"from=2025-03-01T00:00:00Z&to=2025-03-02T12:30:00%2B02:00", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 2, 10, 30, 0, 0, time.UTC)},
		{"", local(2025, 3, 1), local(2025, 3, 16)},
		{"from=2025-02-10", local(2025, 2, 10), local(2025, 3, 16)},
		{"to=2025-02-01", local(2025, 1, 1), local(2025, 2, 1)},
	}
	for _, c := range cases {
		v, _ := url.ParseQuery(c.query)
		p, err := Parse(fc.ReportChargeCards, v, amsterdam, now)
		if err != nil {
			t.Errorf("%q: %v", c.query, err)
			continue
		}
		if !p.From.Equal(c.from) || !p.To.Equal(c.to) {
			t.Errorf("%q: period [%v, %v), want [%v, %v)", c.query, p.From, p.To, c.from, c.to)
		}
		if p.Format != FormatJSON || p.Location != amsterdam {
			t.Errorf("%q: format %q, location %v", c.query, p.Format, p.Location)
		}
	}

	bad := []struct{ report, query, field string }{
		{"cards", "", "report"},
		{fc.ReportChargeCards, "from=2025-13-01", "from"},
		{fc.ReportChargeCards, "to=yesterday", "to"},
		{fc.ReportChargeCards, "from=2025-03-02&to=2025-03-02", "to"},
		{fc.ReportChargeCards, "from=2000-01-01&to=2025-03-02", "to"},
		{fc.ReportChargeCards, "format=pdf", "format"},
		{fc.ReportChargeCards, "group_by=week", "group_by"},
		{fc.ReportChargeCards, "side=station", "side"},
		{fc.ReportChargeStations, "side=card", "side"},
		{fc.ReportChargeCards, "location_kind=garage", "location_kind"},
		{fc.ReportChargeCards, "organization_id=1&account_id=2", "account_id"},
		{fc.ReportChargeCards, "card_id=x", "card_id"},
		{fc.ReportChargeCards, "limit=0", "limit"},
	}
	for _, c := range bad {
		v, _ := url.ParseQuery(c.query)
		_, err := Parse(c.report, v, amsterdam, now)
		if _, ok := fc.ErrorFields(err)[c.field]; !ok || !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("%s?%s: err = %v, want invalid %s", c.report, c.query, err, c.field)
		}
	}
	v, _ := url.ParseQuery("side=station&group_by=month&format=xlsx&organization_id=7&location_kind=home")
	p, err := Parse(fc.ReportChargeSessions, v, nil, now)
	if err != nil || p.Side != fc.SideStation || p.GroupBy != GroupByMonth || p.Format != FormatXLSX ||
		p.OrganizationID != 7 || p.LocationKind != fc.LocationHome || p.Location != time.UTC {
		t.Errorf("parse all: %+v, %v", p, err)
	}
}

func TestCellFormat(t *testing.T) {
	at := time.Date(2025, 3, 1, 7, 30, 0, 0, time.UTC)
	atMS := at.Add(1500 * time.Millisecond)
	cases := []struct {
		cell Cell
		want string
	}{
		{energyCell(12345), "12.345"},
		{energyCell(1), "0.001"},
		{energyCell(0), "0.000"},
		{energyCell(-1500), "-1.500"},
		{minutesCell(90), "1.5"},
		{minutesCell(3), "0.1"},
		{minutesCell(2), "0.0"},
		{minutesCell(3600), "60.0"},
		{moneyCell(433, "EUR"), "4.33"},
		{moneyCell(5, "EUR"), "0.05"},
		{moneyCell(-5, "EUR"), "-0.05"},
		{moneyCell(433, "JPY"), "433"},
		{moneyCell(4330, "BHD"), "4.330"},
		{moneyCell(0, ""), "0.00"},
		{fractionCell(1, 3), "0.3333"},
		{fractionCell(2, 3), "0.6667"},
		{fractionCell(1, 0), ""},
		{idCell(0), ""},
		{idCell(42), "42"},
		{boolCell(true), "true"},
		{timeCell(&at), "2025-03-01T08:30:00+01:00"},
		{timeCell(&atMS), "2025-03-01T08:30:01.5+01:00"},
		{timeCell(nil), ""},
		{Cell{}, ""},
	}
	for _, c := range cases {
		if got := c.cell.Format(amsterdam); got != c.want {
			t.Errorf("%+v: %q, want %q", c.cell, got, c.want)
		}
	}
}

// params is a valid Params of the report over March 2025 in Amsterdam.
func params(report, format string) Params {
	return Params{Report: report, Format: format, Location: amsterdam,
		From: time.Date(2025, 3, 1, 0, 0, 0, 0, amsterdam), To: time.Date(2025, 4, 1, 0, 0, 0, 0, amsterdam)}
}

func TestRights(t *testing.T) {
	fleetOnly := fc.SessionScope{ProviderID: 1, CardSide: fc.Everything}
	facilityOnly := fc.SessionScope{ProviderID: 1, StationSide: fc.Everything}
	cases := []struct {
		report, side string
		scope        fc.SessionScope
		allowed      bool
	}{
		{fc.ReportChargeCards, "", fleetOnly, true},
		{fc.ReportChargeCards, "", facilityOnly, false},
		{fc.ReportSessionsPerEmployee, "", facilityOnly, false},
		{fc.ReportChargeStations, "", facilityOnly, true},
		{fc.ReportChargeStations, "", fleetOnly, false},
		{fc.ReportSessionsPerChargePoint, "", fleetOnly, false},
		{fc.ReportChargeSessions, "", fleetOnly, true},
		{fc.ReportChargeSessions, fc.SideStation, fleetOnly, false},
		{fc.ReportChargeSessions, fc.SideStation, facilityOnly, true},
	}
	for _, c := range cases {
		st := &fakeStore{}
		p := params(c.report, FormatCSV)
		p.Side = c.side
		var out bytes.Buffer
		err := Write(context.Background(), st, c.scope, p, &out)
		if c.allowed && err != nil {
			t.Errorf("%s side %q: %v", c.report, c.side, err)
		}
		if !c.allowed && (!fc.IsCode(err, fc.EForbidden) || out.Len() > 0) {
			t.Errorf("%s side %q: err = %v, %d bytes written; want forbidden and nothing", c.report, c.side, err, out.Len())
		}
	}
}

func TestNothingWrittenOnError(t *testing.T) {
	for _, format := range []string{FormatJSON, FormatCSV, FormatXLSX} {
		st := &fakeStore{err: fc.Errorf(fc.ENotFound, "organization 9 not found")}
		var out bytes.Buffer
		err := Write(context.Background(), st, everything, params(fc.ReportChargeCards, format), &out)
		if !fc.IsCode(err, fc.ENotFound) || out.Len() != 0 {
			t.Errorf("%s: err = %v, %d bytes written", format, err, out.Len())
		}
	}
}

func TestQuery(t *testing.T) {
	st := &fakeStore{}
	p := params(fc.ReportChargeStations, FormatJSON)
	p.GroupBy, p.OrganizationID, p.StationID, p.LocationKind = GroupByMonth, 5, 6, fc.LocationOffice
	p.From = time.Date(2025, 1, 15, 0, 0, 0, 0, amsterdam)
	if _, err := Run(context.Background(), st, everything, p); err != nil {
		t.Fatal(err)
	}
	q := st.q
	if q.Report != p.Report || q.OrganizationID != 5 || q.StationID != 6 || q.LocationKind != fc.LocationOffice ||
		!q.Idle || !q.From.Equal(p.From) || !q.To.Equal(p.To) || q.Scope.ProviderID != 1 {
		t.Errorf("query: %+v", q)
	}
	want := []time.Time{time.Date(2025, 2, 1, 0, 0, 0, 0, amsterdam), time.Date(2025, 3, 1, 0, 0, 0, 0, amsterdam)}
	if fmt.Sprint(q.Buckets) != fmt.Sprint(want) {
		t.Errorf("buckets %v, want %v", q.Buckets, want)
	}
}

func TestCSV(t *testing.T) {
	started := time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)
	st := &fakeStore{rows: []fc.ReportRow{{
		SessionID: 7, StartedAt: &started, Currency: "EUR",
		Figures:        fc.ReportFigures{Sessions: 1, EnergyWh: 12345, DurationS: 5400, CostMinor: 432},
		CardExternalID: "=HYPERLINK(1)", EmployeeName: `Eva "E" de Vries, jr.`, LocationName: "Line\nbreak",
		AccountID: 3, AccountName: "Alpha", OrgNames: []string{"Holding", "NL"}, LocationKind: "office", LocationOrigin: "own",
	}}}
	var out bytes.Buffer
	if err := Write(context.Background(), st, everything, params(fc.ReportChargeSessions, FormatCSV), &out); err != nil {
		t.Fatal(err)
	}
	want := "session_id,started_at,stopped_at,duration_minutes,energy_kwh,cost,currency,card_id,card_external_id,employee_id,employee_name," +
		"station_id,identity,connector_id,location_name,location_kind,location_origin,account_id,account_name,organization_path,stop_reason\r\n" +
		`7,2025-03-02T10:00:00+01:00,,90.0,12.345,4.32,EUR,,'=HYPERLINK(1),,"Eva ""E"" de Vries, jr.",,,0,"Line` + "\r\n" +
		`break",office,own,3,Alpha,Holding / NL,` + "\r\n"
	if got := out.String(); got != want {
		t.Errorf("csv:\n%q\nwant\n%q", got, want)
	}
}

// rollupRows are stored rows of sessions-per-card in two currencies, over
// Holding > NL > Amsterdam and Holding > DE.
func rollupRows() []fc.ReportRow {
	chain := func(ids ...fc.ID) ([]fc.ID, []string) {
		names := map[fc.ID]string{1: "Holding", 2: "NL", 3: "Amsterdam", 4: "DE"}
		var ns []string
		for _, id := range ids {
			ns = append(ns, names[id])
		}
		return ids, ns
	}
	r := func(account fc.ID, name string, orgs []fc.ID, bucket int, cur string, n, wh int64) fc.ReportRow {
		ids, names := chain(orgs...)
		return fc.ReportRow{AccountID: account, AccountName: name, OrgIDs: ids, OrgNames: names, Bucket: bucket, Currency: cur,
			CardID: fc.ID(100 + n), Figures: fc.ReportFigures{Sessions: n, EnergyWh: wh, DurationS: 60 * n, CostMinor: 100 * n}}
	}
	return []fc.ReportRow{
		r(10, "Alpha NL", []fc.ID{1, 2}, 0, "EUR", 2, 1000),
		r(10, "Alpha NL", []fc.ID{1, 2}, 1, "GBP", 1, 500),
		r(11, "Amsterdam BV", []fc.ID{1, 2, 3}, 1, "EUR", 3, 3000),
		r(12, "Deutschland GmbH", []fc.ID{1, 4}, 0, "EUR", 4, 4000),
	}
}

// runLines runs the report and renders each row as its cells joined by
// "|", without durations and location kind splits.
func runLines(t *testing.T, st fc.ReportStore, sc fc.SessionScope, p Params) []string {
	t.Helper()
	res, err := Run(context.Background(), st, sc, p)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, cells := range res.Rows {
		var fs []string
		for i, c := range cells {
			if k := res.Columns[i].Key; k == "duration_minutes" || strings.HasPrefix(k, "office_") || strings.HasPrefix(k, "home_") || strings.HasPrefix(k, "public_") {
				continue
			}
			fs = append(fs, c.Format(amsterdam))
		}
		out = append(out, strings.Join(fs, "|"))
	}
	return out
}

func TestRollups(t *testing.T) {
	p := params(fc.ReportSessionsPerCard, FormatJSON)
	p.GroupBy = GroupByAccount
	st := &fakeStore{rows: rollupRows()}
	got := runLines(t, st, everything, p)
	want := []string{
		"12|Deutschland GmbH|Holding / DE|EUR|4|4.000|4.00",
		"10|Alpha NL|Holding / NL|EUR|2|1.000|2.00",
		"10|Alpha NL|Holding / NL|GBP|1|0.500|1.00",
		"11|Amsterdam BV|Holding / NL / Amsterdam|EUR|3|3.000|3.00",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by account:\n got %q\nwant %q", got, want)
	}

	p.GroupBy = GroupByOrganization
	got = runLines(t, st, everything, p)
	want = []string{
		"1|Holding|EUR|9|8.000|9.00",
		"1|Holding|GBP|1|0.500|1.00",
		"4|Holding / DE|EUR|4|4.000|4.00",
		"2|Holding / NL|EUR|5|4.000|5.00",
		"2|Holding / NL|GBP|1|0.500|1.00",
		"3|Holding / NL / Amsterdam|EUR|3|3.000|3.00",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by organization:\n got %q\nwant %q", got, want)
	}

	// Asked on NL, or with a reach on NL only, the roll-up starts at NL.
	p.OrganizationID = 2
	nlRows := []fc.ReportRow{rollupRows()[0], rollupRows()[1], rollupRows()[2]}
	want = []string{
		"2|Holding / NL|EUR|5|4.000|5.00",
		"2|Holding / NL|GBP|1|0.500|1.00",
		"3|Holding / NL / Amsterdam|EUR|3|3.000|3.00",
	}
	if got := runLines(t, &fakeStore{rows: nlRows}, everything, p); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by organization on NL:\n got %q\nwant %q", got, want)
	}
	p.OrganizationID = 0
	nlReach := fc.SessionScope{ProviderID: 1, CardSide: fc.Reach{OrgIDs: []fc.ID{2}}}
	if got := runLines(t, &fakeStore{rows: nlRows}, nlReach, p); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by organization with a reach on NL:\n got %q\nwant %q", got, want)
	}
	// A single account reached rolls up into its own organization only.
	accountReach := fc.SessionScope{ProviderID: 1, CardSide: fc.Reach{AccountIDs: []fc.ID{11}}}
	want = []string{"3|Holding / NL / Amsterdam|EUR|3|3.000|3.00"}
	if got := runLines(t, &fakeStore{rows: nlRows[2:]}, accountReach, p); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by organization with a reach on one account:\n got %q\nwant %q", got, want)
	}

	// By month: every month of the period, those without sessions too.
	p = params(fc.ReportSessionsPerCard, FormatJSON)
	p.From = time.Date(2025, 2, 15, 0, 0, 0, 0, amsterdam)
	p.GroupBy = GroupByMonth
	got = runLines(t, st, everything, p)
	want = []string{
		"2025-02|EUR|6|5.000|6.00",
		"2025-03|EUR|3|3.000|3.00",
		"2025-03|GBP|1|0.500|1.00",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by month:\n got %q\nwant %q", got, want)
	}
	p.To = time.Date(2025, 5, 1, 0, 0, 0, 0, amsterdam)
	got = runLines(t, st, everything, p)
	if len(got) != 4 || got[3] != "2025-04||0|0.000|0.00" {
		t.Errorf("by month with an empty month: %q", got)
	}
}

func TestUtilization(t *testing.T) {
	hour := time.Hour.Milliseconds()
	p := params(fc.ReportChargeStations, FormatJSON)
	p.From = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	p.To = p.From.Add(10 * time.Hour)
	rows := []fc.ReportRow{
		{StationID: 1, Identity: "A", ChargePoints: 2, AccountID: 1, Currency: "EUR", Figures: fc.ReportFigures{Sessions: 2, BusyMS: 5 * hour}},
		{StationID: 1, Identity: "A", ChargePoints: 2, AccountID: 1, Currency: "GBP", Figures: fc.ReportFigures{Sessions: 1, BusyMS: 1 * hour}},
		{StationID: 2, Identity: "B", ChargePoints: 1, AccountID: 2},
		{StationID: 3, Identity: "C", ChargePoints: 0, AccountID: 2},
	}
	res, err := Run(context.Background(), &fakeStore{rows: rows}, everything, p)
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, c := range res.Columns {
		if c.Key == "utilization" {
			col = i
		}
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, r[col].Format(time.UTC))
	}
	if want := "[0.2500 0.0500 0.0000 ]"; fmt.Sprint(got) != want {
		t.Errorf("utilization %v, want %s", got, want)
	}
	if u, ok := res.Totals.Utilization(); !ok || u != 0.2 {
		t.Errorf("total utilization %v %v, want 0.2 (6 h of 3 charge points over 10 h)", u, ok)
	}

	// Up to now only, when the period reaches into the future.
	p.Now = p.From.Add(5 * time.Hour)
	res, err = Run(context.Background(), &fakeStore{rows: rows}, everything, p)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := res.Totals.Utilization(); u != 0.4 {
		t.Errorf("total utilization up to now %v, want 0.4", u)
	}

	// Roll-ups: the group's charging time over its charge points.
	p.Now = time.Time{}
	p.GroupBy = GroupByAccount
	res, err = Run(context.Background(), &fakeStore{rows: rows}, everything, p)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for i, c := range res.Columns {
		if c.Key == "utilization" {
			col = i
		}
	}
	for _, r := range res.Rows {
		got = append(got, r[col].Format(time.UTC))
	}
	if want := "[0.3000 0.3000 0.0000]"; fmt.Sprint(got) != want {
		t.Errorf("utilization by account %v, want %s", got, want)
	}
}

func TestTotalsJSON(t *testing.T) {
	p := params(fc.ReportSessionsPerCard, FormatJSON)
	res, err := Run(context.Background(), &fakeStore{rows: rollupRows()}, everything, p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Report string           `json:"report"`
		Rows   []map[string]any `json:"rows"`
		Totals struct {
			Rows       int               `json:"rows"`
			Sessions   int               `json:"sessions"`
			EnergyKWh  json.Number       `json:"energy_kwh"`
			Cost       map[string]string `json:"cost"`
			ByCurrency []struct {
				Currency string `json:"currency"`
				Sessions int    `json:"sessions"`
				Cost     string `json:"cost"`
			} `json:"by_currency"`
		} `json:"totals"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&got); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	tot := got.Totals
	if got.Report != fc.ReportSessionsPerCard || len(got.Rows) != 4 || tot.Rows != 4 || tot.Sessions != 10 || tot.EnergyKWh != "8.500" ||
		fmt.Sprint(tot.Cost) != "map[EUR:9.00 GBP:1.00]" || len(tot.ByCurrency) != 2 || tot.ByCurrency[1].Currency != "GBP" || tot.ByCurrency[1].Cost != "1.00" {
		t.Errorf("totals: %+v", tot)
	}
	if r := got.Rows[0]; r["card_id"] != "102" || r["cost"] != "2.00" || r["energy_kwh"] != json.Number("1.000") || r["employee_id"] != nil {
		t.Errorf("first row: %v", r)
	}

	// Totals rows, one per currency: the XLSX and web view of the totals.
	var lines []string
	for _, cells := range res.TotalRows() {
		lines = append(lines, cells[0].Format(time.UTC)+" "+cells[7].Format(time.UTC)+" "+cells[8].Format(time.UTC)+" "+cells[11].Format(time.UTC))
	}
	if want := "[Total EUR 9 9.00 Total GBP 1 1.00]"; fmt.Sprint(lines) != want {
		t.Errorf("total rows %v, want %s", lines, want)
	}
}

func TestLimit(t *testing.T) {
	p := params(fc.ReportSessionsPerCard, FormatJSON)
	p.Limit = 2
	res, err := Run(context.Background(), &fakeStore{rows: rollupRows()}, everything, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || !res.Truncated || res.Totals.Rows != 4 || res.Totals.All.Sessions != 10 {
		t.Errorf("limit 2: %d rows, truncated %v, totals %+v", len(res.Rows), res.Truncated, res.Totals)
	}

	// The session report reads only the sessions shown, and its totals
	// apart.
	var sessions []fc.ReportRow
	for i := range 5 {
		sessions = append(sessions, fc.ReportRow{SessionID: fc.ID(i + 1), Currency: "EUR", Figures: fc.ReportFigures{Sessions: 1, EnergyWh: 1000}})
	}
	st := &fakeStore{rows: sessions}
	p = params(fc.ReportChargeSessions, FormatJSON)
	p.Limit = 3
	if res, err = Run(context.Background(), st, everything, p); err != nil {
		t.Fatal(err)
	}
	if len(st.queries) != 2 || st.queries[0].Limit != 4 || !st.queries[1].TotalsOnly {
		t.Errorf("queries: %+v", st.queries)
	}
	if len(res.Rows) != 3 || !res.Truncated || res.Totals.Rows != 5 || res.Totals.All.EnergyWh != 5000 {
		t.Errorf("limit 3: %d rows, truncated %v, totals %+v", len(res.Rows), res.Truncated, res.Totals)
	}
	p.Limit = 5
	if res, err = Run(context.Background(), &fakeStore{rows: sessions}, everything, p); err != nil || len(res.Rows) != 5 || res.Truncated {
		t.Errorf("limit 5 of 5: %v, %d rows, truncated %v", err, len(res.Rows), res.Truncated)
	}

	// Exports are cut too; JSON says so.
	p.Limit = 2
	for _, format := range []string{FormatJSON, FormatCSV} {
		p.Format = format
		var out bytes.Buffer
		if err := Write(context.Background(), &fakeStore{rows: sessions}, everything, p, &out); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if format == FormatCSV && strings.Count(got, "\r\n") != 3 ||
			format == FormatJSON && (strings.Count(got, `"session_id":"`) != 2 || !strings.Contains(got, `"truncated":true`) || !strings.Contains(got, `"rows":5,`)) {
			t.Errorf("%s with limit 2:\n%s", format, got)
		}
	}
}

func TestXLSX(t *testing.T) {
	started := time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)
	st := &fakeStore{rows: []fc.ReportRow{
		{SessionID: 7, StartedAt: &started, Currency: "EUR", Figures: fc.ReportFigures{Sessions: 1, EnergyWh: 12345, DurationS: 5400, CostMinor: 432}},
		{SessionID: 8, StartedAt: &started, Currency: "JPY", Figures: fc.ReportFigures{Sessions: 1, EnergyWh: 1, DurationS: 60, CostMinor: 500}},
	}}
	var out bytes.Buffer
	if err := Write(context.Background(), st, everything, params(fc.ReportChargeSessions, FormatXLSX), &out); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	if sheet != fc.ReportChargeSessions {
		t.Errorf("sheet %q", sheet)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v, %v: want the header frozen", panes, err)
	}
	got := dumpXLSX(t, f)
	want := strings.Join([]string{
		"A1 s Session ID|B1 s Start|C1 s Stop|D1 s Duration (min)|E1 s Energy (kWh)|F1 s Cost|G1 s Currency|H1 s Card ID|I1 s Card|J1 s Employee ID|K1 s Employee|L1 s Station ID|M1 s Station|N1 s Connector|O1 s Location|P1 s Location kind|Q1 s Origin|R1 s Account ID|S1 s Account|T1 s Organization|U1 s Stop reason",
		"A2 s 7|B2 n 45718.416666666664 [2025-03-02 10:00:00]|D2 n 90 [90.0]|E2 n 12.345 [12.345]|F2 n 4.32 [4.32]|G2 s EUR|N2 n 0 [0]",
		"A3 s 8|B3 n 45718.416666666664 [2025-03-02 10:00:00]|D3 n 1 [1.0]|E3 n 0.001 [0.001]|F3 n 500 [500]|G3 s JPY|N3 n 0 [0]",
		"A4 s Total|D4 n 90 [90.0]|E4 n 12.345 [12.345]|F4 n 4.32 [4.32]|G4 s EUR",
		"A5 s Total|D5 n 1 [1.0]|E5 n 0.001 [0.001]|F5 n 500 [500]|G5 s JPY",
	}, "\n")
	if got != want {
		t.Errorf("xlsx:\n%s\nwant\n%s", got, want)
	}
}

// dumpXLSX renders every cell of the first sheet as "REF TYPE RAW
// [FORMATTED]", TYPE s for text, b for a boolean, n for a number; the
// formatted value is shown for numbers.
func dumpXLSX(t *testing.T, f *excelize.File) string {
	t.Helper()
	sheet := f.GetSheetName(0)
	raw, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	shown, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for r, cells := range raw {
		var out []string
		for c, v := range cells {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			typ, err := f.GetCellType(sheet, ref)
			if err != nil {
				t.Fatal(err)
			}
			switch typ {
			case excelize.CellTypeInlineString, excelize.CellTypeSharedString:
				out = append(out, ref+" s "+v)
			case excelize.CellTypeBool:
				out = append(out, ref+" b "+v)
			case excelize.CellTypeUnset:
				if v == "" {
					continue
				}
				out = append(out, ref+" n "+v+" ["+shown[r][c]+"]")
			default:
				out = append(out, fmt.Sprintf("%s %d %s", ref, typ, v))
			}
		}
		lines = append(lines, strings.Join(out, "|"))
	}
	return strings.Join(lines, "\n")
}
