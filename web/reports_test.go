package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/report"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// reportWorld is the web application over the demo data, with a signed-in
// session cookie per demo login.
type reportWorld struct {
	st      *store.Store
	h       http.Handler
	now     time.Time
	demo    demo.Result
	cookies map[string]*http.Cookie // by e-mail
}

// The demo personas the report tests sign in as.
const (
	fleetAndFacility = "fleet@vandijk-logistics.example"           // both rights on a holding
	facilityOnly     = "facilities.de@meridian-consulting.example" // facility manager only
	fleetOnly        = "fleet.west@meridian-consulting.example"    // fleet manager on two countries
	accountAdmin     = "admin.transport@vandijk-logistics.example" // no report right
	groupManager     = "group.fleet@meridian-consulting.example"   // both rights, several currencies
)

func newReportWorld(t testing.TB, st *store.Store) *reportWorld {
	t.Helper()
	ctx := context.Background()
	w := &reportWorld{st: st, now: time.Date(2025, 6, 18, 10, 0, 0, 0, time.UTC), cookies: map[string]*http.Cookie{}}
	res, err := demo.Load(ctx, st, demo.Options{Seed: 1, Now: w.now})
	if err != nil {
		t.Fatal(err)
	}
	w.demo = res
	svc := auth.New(st, auth.Config{})
	logger := slog.New(slog.DiscardHandler)
	svc.Logger = logger
	srv, err := New(Config{Logger: logger, Auth: svc, Store: st, Now: func() time.Time { return w.now }})
	if err != nil {
		t.Fatal(err)
	}
	w.h = srv
	used := []string{fleetAndFacility, facilityOnly, fleetOnly, accountAdmin, groupManager}
	for _, l := range res.Logins {
		if !slices.Contains(used, l.Email) {
			continue
		}
		g, err := svc.SignIn(ctx, l.Email, l.Password, auth.Client{Addr: "192.0.2.30"})
		if err != nil {
			t.Fatalf("sign in %s: %v", l.Email, err)
		}
		if g.Session.Stage != auth.StageActive {
			continue
		}
		rec := httptest.NewRecorder()
		svc.SetCookie(rec, g)
		for _, c := range rec.Result().Cookies() {
			if c.Name == auth.CookieName {
				w.cookies[l.Email] = c
			}
		}
	}
	return w
}

// get requests target as the user with the e-mail.
func (w *reportWorld) get(t testing.TB, email, target string) *httptest.ResponseRecorder {
	t.Helper()
	c := w.cookies[email]
	if c == nil {
		t.Fatalf("no signed-in session for %s", email)
	}
	r := httptest.NewRequest("GET", target, nil)
	r.AddCookie(c)
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	return rec
}

var (
	reportLink  = regexp.MustCompile(`<li><a href="/reports/([a-z-]+(?:\?side=station)?)">`)
	headerKey   = regexp.MustCompile(`<th scope="col" data-key="([a-z_]+)"`)
	csvLink     = regexp.MustCompile(`id="download-csv" href="([^"]+)"`)
	xlsxLink    = regexp.MustCompile(`id="download-xlsx" href="([^"]+)"`)
	rowCountRe  = regexp.MustCompile(`data-rows="(\d+)"`)
	fieldErrRe  = regexp.MustCompile(`<p class="field-error" id="rf-([a-z_]+)-error">`)
	bodyRowsRe  = regexp.MustCompile(`(?s)<tbody>(.*)</tbody>`)
	nextLinkRe  = regexp.MustCompile(`id="report-next" href="([^"]+)"`)
	tableRowRe  = regexp.MustCompile(`<tr>(.*?)</tr>`)
	chartRe     = regexp.MustCompile(`<figure class="chart" id="(chart-[a-z]+)">`)
	svgRe       = regexp.MustCompile(`<svg viewBox="0 0 \d+ \d+" width="100%" role="img"`)
	htmlUnquote = strings.NewReplacer("&amp;", "&")
	// summarySessions reads the sessions of the summary above the charts.
	summarySessions = regexp.MustCompile(`<dt>Sessions</dt><dd>([0-9,]+)</dd>`)
)

// TestReportPages runs the report page tests on one demo world per
// engine: they only read.
func TestReportPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newReportWorld(t, st)
		t.Run("index follows rights", func(t *testing.T) { testIndexFollowsRights(t, w) })
		t.Run("refuses what the role lacks", func(t *testing.T) { testRefusesWhatTheRoleLacks(t, w) })
		t.Run("downloads match the page", func(t *testing.T) { testDownloadsMatchThePage(t, w) })
		t.Run("charts and filters", func(t *testing.T) { testChartsAndFilters(t, w) })
		t.Run("follows the chosen scope", func(t *testing.T) { testFollowsTheChosenScope(t, w) })
		t.Run("pages of sessions", func(t *testing.T) { testPagesOfSessions(t, w) })
	})
}

// testPagesOfSessions follows the next-page links of the session report:
// the pages hold every session once, in order, and the downloads of any
// page hold every session.
func testPagesOfSessions(t *testing.T, w *reportWorld) {
	target := "/reports/charge-sessions?limit=40&from=2025-03-01&to=2025-06-19"
	var seen []string
	var total string
	for n := 0; target != ""; n++ {
		if n > 100 {
			t.Fatal("the pages do not end")
		}
		rec := w.get(t, fleetAndFacility, target)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body.String())
		}
		page := rec.Body.String()
		total = rowCountRe.FindStringSubmatch(page)[1]
		body := bodyRowsRe.FindStringSubmatch(page)
		// A row shows its session's ID: its cells are the session's.
		for _, m := range tableRowRe.FindAllStringSubmatch(body[1], -1) {
			seen = append(seen, m[1])
		}
		if first := strings.Contains(page, `id="report-first"`); first != (n > 0) {
			t.Errorf("page %d: a link to the first page is %v", n, first)
		}
		if csv := csvLink.FindStringSubmatch(page); csv == nil || strings.Contains(csv[1], "after=") {
			t.Errorf("page %d: the CSV download %v should hold every page", n, csv)
		}
		target = ""
		if m := nextLinkRe.FindStringSubmatch(page); m != nil {
			target = html.UnescapeString(m[1])
		}
	}
	if len(seen) < 80 {
		t.Fatalf("%d sessions in the pages: the fixture tests too little", len(seen))
	}
	if fmt.Sprint(len(seen)) != total {
		t.Errorf("the pages show %d sessions, the report counts %s", len(seen), total)
	}
	once := map[string]bool{}
	for _, row := range seen {
		if once[row] {
			t.Errorf("a session shown twice: %s", row)
		}
		once[row] = true
	}
}

func testIndexFollowsRights(t *testing.T, w *reportWorld) {
	fleet := []string{"charge-cards", "charge-sessions", "employees", "sessions-per-employee", "sessions-per-card"}
	facility := []string{"charge-stations", "sessions-per-charge-point", "charge-sessions?side=station"}
	tests := []struct {
		email string
		want  []string
	}{
		{fleetAndFacility, append(append([]string{}, fleet...), facility...)},
		{facilityOnly, facility},
		{fleetOnly, fleet},
		{accountAdmin, nil},
	}
	for _, tt := range tests {
		rec := w.get(t, tt.email, "/reports")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: GET /reports: %d", tt.email, rec.Code)
		}
		var got []string
		for _, m := range reportLink.FindAllStringSubmatch(rec.Body.String(), -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%s: the index lists %v, want %v", tt.email, got, tt.want)
		}
	}
}

func testRefusesWhatTheRoleLacks(t *testing.T, w *reportWorld) {
	tests := []struct {
		email, target string
		want          int
	}{
		{facilityOnly, "/reports/charge-cards", http.StatusForbidden},
		{facilityOnly, "/reports/charge-cards/export?format=csv", http.StatusForbidden},
		{facilityOnly, "/reports/charge-sessions", http.StatusForbidden},
		{facilityOnly, "/reports/charge-sessions?side=station", http.StatusOK},
		{fleetOnly, "/reports/charge-stations", http.StatusForbidden},
		{fleetOnly, "/reports/sessions-per-charge-point/export?format=xlsx", http.StatusForbidden},
		{accountAdmin, "/reports/employees", http.StatusForbidden},
		{fleetAndFacility, "/reports/no-such-report", http.StatusNotFound},
		{fleetAndFacility, "/reports/charge-cards/export?format=pdf", http.StatusBadRequest},
	}
	for _, tt := range tests {
		if got := w.get(t, tt.email, tt.target); got.Code != tt.want {
			t.Errorf("%s: GET %s: %d, want %d", tt.email, tt.target, got.Code, tt.want)
		}
	}
	// Anonymous visitors sign in first.
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, httptest.NewRequest("GET", "/reports/charge-cards/export?format=csv", nil))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("anonymous download: %d to %q, want 303 to the sign-in page", rec.Code, rec.Header().Get("Location"))
	}
}

// testDownloadsMatchThePage checks, for every report the persona may
// run and with several filters, that the CSV download has the table's
// columns and as many rows, and the XLSX download as many rows again.
func testDownloadsMatchThePage(t *testing.T, w *reportWorld) {
	// Each report as it opens, and with one of the variants in turn.
	variants := []string{"&group_by=account", "&group_by=month&location_kind=home", "&from=2025-05-01&to=2025-06-01", "&group_by=organization"}
	for i, entry := range reportInfos {
		for _, extra := range []string{"", variants[i%len(variants)]} {
			target := entry.Path()
			if !strings.Contains(target, "?") {
				target += "?"
			}
			checkDownloads(t, w, groupManager, target+extra)
		}
	}
}

func checkDownloads(t *testing.T, w *reportWorld, email, target string) {
	t.Helper()
	rec := w.get(t, email, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", target, rec.Code, rec.Body)
	}
	page := rec.Body.String()
	var keys []string
	for _, m := range headerKey.FindAllStringSubmatch(page, -1) {
		keys = append(keys, m[1])
	}
	body := bodyRowsRe.FindStringSubmatch(page)
	cm, xm, rm := csvLink.FindStringSubmatch(page), xlsxLink.FindStringSubmatch(page), rowCountRe.FindStringSubmatch(page)
	if body == nil || cm == nil || xm == nil || rm == nil || len(keys) == 0 {
		t.Fatalf("GET %s: the page lacks its table, row count or download links", target)
	}
	rows := strings.Count(body[1], "<tr>")
	if strings.Contains(body[1], `class="empty"`) {
		rows = 0
	}
	if rm[1] != fmt.Sprint(rows) {
		t.Errorf("GET %s: the page says %s rows and shows %d", target, rm[1], rows)
	}

	dl := w.get(t, email, htmlUnquote.Replace(cm[1]))
	if dl.Code != http.StatusOK || !strings.HasPrefix(dl.Header().Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(dl.Header().Get("Content-Disposition"), "attachment;") {
		t.Fatalf("CSV of %s: %d %q %q", target, dl.Code, dl.Header().Get("Content-Type"), dl.Header().Get("Content-Disposition"))
	}
	records, err := csv.NewReader(dl.Body).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("CSV of %s: %v", target, err)
	}
	if strings.Join(records[0], ",") != strings.Join(keys, ",") {
		t.Errorf("CSV of %s: header %v, the table's columns %v", target, records[0], keys)
	}
	if len(records)-1 != rows {
		t.Errorf("CSV of %s: %d rows, the table %d", target, len(records)-1, rows)
	}
	// The summary's sessions are the CSV's: its rows for the session
	// report, the sum of its sessions column for the others (but for the
	// roll-up by organization, whose rows nest).
	if sm := summarySessions.FindStringSubmatch(page); sm == nil {
		t.Errorf("GET %s: no sessions in the summary", target)
	} else if !strings.Contains(target, "group_by=organization") {
		want := int64(len(records) - 1)
		if col := slices.Index(records[0], "sessions"); col >= 0 {
			want = 0
			for _, r := range records[1:] {
				n, _ := strconv.ParseInt(r[col], 10, 64)
				want += n
			}
		}
		if got := strings.ReplaceAll(sm[1], ",", ""); got != fmt.Sprint(want) {
			t.Errorf("GET %s: the summary says %s sessions, the CSV %d", target, sm[1], want)
		}
	}

	x := w.get(t, email, htmlUnquote.Replace(xm[1]))
	if x.Code != http.StatusOK || x.Header().Get("Content-Type") != report.ContentType(report.FormatXLSX) {
		t.Fatalf("XLSX of %s: %d %q", target, x.Code, x.Header().Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(x.Body.Bytes()))
	if err != nil {
		t.Fatalf("XLSX of %s: %v", target, err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	xrows, err := f.GetRows(sheet)
	if err != nil || len(xrows) == 0 {
		t.Fatalf("XLSX of %s: %v", target, err)
	}
	if got := len(xrows[0]); got != len(keys) {
		t.Errorf("XLSX of %s: %d header cells, the table %d columns", target, got, len(keys))
	}
}

func testChartsAndFilters(t *testing.T, w *reportWorld) {
	charts := func(target string) []string {
		t.Helper()
		rec := w.get(t, fleetAndFacility, target)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", target, rec.Code)
		}
		var ids []string
		for _, m := range chartRe.FindAllStringSubmatch(rec.Body.String(), -1) {
			ids = append(ids, m[1])
		}
		if len(ids) > 0 && !svgRe.MatchString(rec.Body.String()) {
			t.Errorf("GET %s: charts without an accessible SVG", target)
		}
		return ids
	}
	for target, want := range map[string]string{
		"/reports/charge-cards":                     "chart-months chart-energy",
		"/reports/charge-sessions":                  "chart-months",
		"/reports/charge-stations":                  "chart-sessions chart-utilization",
		"/reports/sessions-per-charge-point":        "chart-sessions chart-utilization",
		"/reports/charge-sessions?side=station":     "chart-energy",
		"/reports/employees?group_by=month":         "chart-months chart-energy",
		"/reports/charge-stations?group_by=account": "chart-sessions chart-utilization",
	} {
		if got := strings.Join(charts(target), " "); got != want {
			t.Errorf("GET %s: charts %q, want %q", target, got, want)
		}
	}

	// Invalid filters show on their fields, with a 400.
	rec := w.get(t, fleetAndFacility, "/reports/charge-cards?from=2025-13-01&location_kind=garage")
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("invalid filters: %d", rec.Code)
	}
	var fields []string
	for _, m := range fieldErrRe.FindAllStringSubmatch(rec.Body.String(), -1) {
		fields = append(fields, m[1])
	}
	if strings.Join(fields, " ") != "from location_kind" {
		t.Errorf("invalid filters: errors on %v, want from and location_kind", fields)
	}
	if strings.Contains(rec.Body.String(), `id="download-csv"`) {
		t.Error("invalid filters: the page offers a download")
	}

	// Without a period the page shows the current month and the two
	// before, and its downloads name that period.
	rec = w.get(t, fleetAndFacility, "/reports/charge-cards")
	for _, want := range []string{`value="2025-04-01"`, `value="2025-06-19"`, "from=2025-04-01", "to=2025-06-19"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("default period: the page lacks %s", want)
		}
	}
}

// testFollowsTheChosenScope checks that the scope switcher
// narrows the report, and that the download carries the same scope.
func testFollowsTheChosenScope(t *testing.T, w *reportWorld) {
	ctx := context.Background()
	orgs, err := w.st.Organizations(ctx, fc.ProviderScope(w.demo.ProviderID), fc.OrganizationFilter{Search: "Meridian Conseil France"})
	if err != nil || len(orgs) != 1 {
		t.Fatalf("organization: %v %v", orgs, err)
	}
	scope := "org:" + orgs[0].ID.String()
	rec := w.get(t, groupManager, "/reports/sessions-per-employee?group_by=organization&scope="+url.QueryEscape(scope))
	if rec.Code != http.StatusOK {
		t.Fatalf("scoped report: %d", rec.Code)
	}
	page := rec.Body.String()
	m := csvLink.FindStringSubmatch(page)
	if m == nil || !strings.Contains(htmlUnquote.Replace(m[1]), "scope="+url.QueryEscape(scope)) {
		t.Fatalf("the download does not carry the scope: %v", m)
	}
	dl := w.get(t, groupManager, htmlUnquote.Replace(m[1]))
	records, err := csv.NewReader(dl.Body).ReadAll()
	if err != nil || len(records) < 2 {
		t.Fatalf("scoped CSV: %d %v, %d lines", dl.Code, err, len(records))
	}
	col := slices.Index(records[0], "organization_path")
	for _, r := range records[1:] {
		if !strings.HasPrefix(r[col], "Meridian Consulting Group / Meridian Conseil France") {
			t.Errorf("the report scoped to France has a row of %q", r[col])
		}
	}
}

func TestNiceStep(t *testing.T) {
	tests := []struct{ top, want float64 }{{7, 2}, {40, 10}, {123, 50}, {3, 1}, {1000, 500}, {1, 0.5}}
	for _, tt := range tests {
		if got := niceStep(tt.top, 4); got != tt.want {
			t.Errorf("niceStep(%v, 4) = %v, want %v", tt.top, got, tt.want)
		}
	}
}

// BenchmarkReportPage renders the charge session report page with 100
// rows (the demo data; limit=100), everything a browser's request goes
// through from the session cookie to the written HTML.
func BenchmarkReportPage(b *testing.B) {
	st := storetest.Open(b, "sqlite")
	w := newReportWorld(b, st)
	target := "/reports/charge-sessions?limit=100&from=2025-03-01&to=2025-06-19"
	rec := w.get(b, fleetAndFacility, target)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-rows=`) {
		b.Fatalf("GET %s: %d", target, rec.Code)
	}
	body := bodyRowsRe.FindStringSubmatch(rec.Body.String())
	if n := strings.Count(body[1], "<tr>"); n != 100 {
		b.Fatalf("the page shows %d rows, want 100", n)
	}
	b.ResetTimer()
	for b.Loop() {
		rec := w.get(b, fleetAndFacility, target)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
		_, _ = io.Copy(io.Discard, rec.Body)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "999": "999", "1000": "1,000", "1234567.891": "1,234,567.891", "-12345.6": "-12,345.6"} {
		if got := groupThousands(in); got != want {
			t.Errorf("groupThousands(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShortLabel(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
	}{
		{"NL-VLT-C45772874", "NL-VLT-C45772874"},
		{"Meridian Consulting Deutschland", "Meridian…Deutschland"},
		{"Meridian Consulting Belgium", "Meridian…ing Belgium"},
		{"Home of Jürgen Fischer-Schmidt", "Home of…her-Schmidt"},
	} {
		if got := shortLabel(tt.in, 20); got != tt.want {
			t.Errorf("shortLabel(%q, 20) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
