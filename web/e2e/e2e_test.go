package e2e

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// The end-to-end tests share one server (`fleetcharge serve --demo`, built
// from this tree) and one headless Chromium; each test signs in within its
// own browser context, so cookies never leak from one test to another.
var env struct {
	srv     *Server
	browser context.Context
	skip    string
}

// The demo personas of the seed's two use cases.
const (
	fleetFacility = "fleet@vandijk-logistics.example"           // fleet + facility manager, logistics holding
	accountAdmin  = "admin.transport@vandijk-logistics.example" // account admin of one subsidiary
	groupManager  = "group.fleet@meridian-consulting.example"   // fleet + facility manager, consultancy
	facilityOnly  = "facilities.de@meridian-consulting.example" // facility manager, Germany
	fleetOnly     = "fleet.west@meridian-consulting.example"    // fleet manager, France and Belgium
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	chromium := Chromium()
	switch {
	case chromium == "" && os.Getenv("FLEETCHARGE_E2E") == "":
		env.skip = "no Chromium on this machine (apt-get install chromium); set FLEETCHARGE_E2E to make that a failure"
		return m.Run()
	case chromium == "":
		fmt.Fprintln(os.Stderr, "e2e: FLEETCHARGE_E2E is set but no Chromium was found")
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "fleetcharge-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	bin, err := Build(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	built := time.Since(start)
	env.srv, err = Start(ctx, bin, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("e2e: fleetcharge built in %s, serving the demo after %s more\n", built.Round(time.Millisecond), (time.Since(start) - built).Round(time.Millisecond))
	}
	defer env.srv.Close()
	alloc, stop := NewBrowser(ctx, chromium, 1280, 900)
	defer stop()
	b, closeBrowser := chromedp.NewContext(alloc)
	defer closeBrowser()
	if err := chromedp.Do(b); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start Chromium:", err)
		return 1
	}
	env.browser = b
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "server log:\n%s\n", env.srv.Log)
	}
	return code
}

// tab returns a new tab in a browser context of its own, signed in as the
// demo user with the e-mail.
func tab(t *testing.T, email string) context.Context {
	t.Helper()
	return tabFor(t, email, 2*time.Minute)
}

// tabFor is tab with the time the tab may take.
func tabFor(t *testing.T, email string, limit time.Duration) context.Context {
	t.Helper()
	if env.skip != "" {
		t.Skip(env.skip)
	}
	ctx, cancel := chromedp.NewContext(env.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(cancelTimeout)
	acceptDialogs(ctx)
	password, ok := env.srv.Passwords[email]
	if !ok {
		t.Fatalf("the demo printed no login %s", email)
	}
	// English by the cookie, before signing in: a user's stored language
	// (which TestPagesInLanguages changes with ?lang= as the switcher does)
	// would otherwise choose the pages of a browser without the cookie.
	if err := chromedp.Do(ctx, chromedp.Navigate(env.srv.URL+"/login?lang=en")); err != nil {
		t.Fatal(err)
	}
	if _, err := SignIn(ctx, env.srv.URL, email, password); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// open loads the page at path and returns its HTTP status.
func open(t *testing.T, ctx context.Context, path string) int64 {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(env.srv.URL+path))
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// eval evaluates a JavaScript expression on the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// texts returns the trimmed text of every element the CSS selector matches.
func texts(t *testing.T, ctx context.Context, selector string) []string {
	t.Helper()
	return eval[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.textContent.trim())`, selector))
}

// submit clicks the button of a form and waits for the page it leads to.
func submit(t *testing.T, ctx context.Context, button string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
		t.Fatalf("click %s: %v", button, err)
	}
}

func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `document.querySelector("main").innerText`)
}

// TestPersonasSeeWhatTheirRolesAllow signs in as each persona and checks
// the navigation and the reports: what a role allows is there, what it does
// not allow is absent, and not merely refused.
func TestPersonasSeeWhatTheirRolesAllow(t *testing.T) {
	t.Parallel()
	admin := ""
	if env.srv != nil {
		for email := range env.srv.Passwords {
			if strings.HasPrefix(email, "admin@") {
				admin = email
			}
		}
	}
	tests := []struct {
		email             string
		nav, noNav        []string
		reports, noReport []string
		// refused are pages the role may not open even by address.
		refused []string
	}{
		{admin, []string{"Organizations", "Cards", "Stations", "Reports", "Invoices", "Users", "Audit log"}, nil,
			[]string{"Charge cards", "Charge stations"}, nil, nil},
		{fleetFacility, []string{"Employees", "Cards", "Stations", "Reports"}, []string{"Users"},
			[]string{"Charge cards", "Sessions per employee", "Charge stations", "Sessions per charge point"}, nil, nil},
		{facilityOnly, []string{"Stations", "Reports", "Invoices"}, []string{"Cards", "Employees", "Users"},
			[]string{"Charge stations", "Sessions per charge point", "Charge sessions on stations"},
			[]string{"Charge cards", "Employees", "Sessions per employee"},
			[]string{"/reports/charge-cards", "/reports/charge-sessions"}},
		{fleetOnly, []string{"Employees", "Cards", "Reports", "Invoices"}, []string{"Users", "Charge groups"},
			[]string{"Charge cards", "Sessions per charge card"}, []string{"Charge stations", "Sessions per charge point"},
			[]string{"/reports/charge-stations"}},
		{accountAdmin, []string{"Employees", "Cards", "Stations"}, []string{"Reports", "Users", "Organizations"}, nil, nil,
			[]string{"/reports/charge-stations", "/reports/employees"}},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			t.Parallel()
			ctx := tab(t, tt.email)
			if got := open(t, ctx, "/"); got != http.StatusOK {
				t.Fatalf("start page: %d", got)
			}
			nav := texts(t, ctx, "nav.nav a")
			for _, want := range tt.nav {
				if !slices.Contains(nav, want) {
					t.Errorf("navigation %v lacks %s", nav, want)
				}
			}
			for _, absent := range tt.noNav {
				if slices.Contains(nav, absent) {
					t.Errorf("navigation %v has %s, which the role does not allow", nav, absent)
				}
			}
			for _, path := range tt.refused {
				if got := open(t, ctx, path); got != http.StatusForbidden {
					t.Errorf("GET %s: %d, want 403", path, got)
				}
			}
			if !slices.Contains(tt.nav, "Cards") {
				// Without the card right, the card list by address lists
				// nothing either.
				if got := open(t, ctx, "/cards"); got == http.StatusOK && len(texts(t, ctx, "main table tbody a[href^='/cards/']")) > 0 {
					t.Error("the card list by address shows cards to a role without the card right")
				}
			}
			status := open(t, ctx, "/reports")
			if tt.reports == nil {
				// No report right: the reports page has nothing to run.
				if links := texts(t, ctx, ".report-list a"); status == http.StatusOK && len(links) > 0 {
					t.Errorf("reports %v shown to a role without report rights", links)
				}
				return
			}
			links := texts(t, ctx, ".report-list a")
			for _, want := range tt.reports {
				if !slices.Contains(links, want) {
					t.Errorf("reports %v lack %s", links, want)
				}
			}
			for _, absent := range tt.noReport {
				if slices.Contains(links, absent) {
					t.Errorf("reports %v have %s, which the role may not run", links, absent)
				}
			}
		})
	}
}

// TestScopeSwitch has the fleet manager of France and Belgium switch from
// everything to France: the card list follows, the next page keeps the
// scope, and "everything" widens again.
func TestScopeSwitch(t *testing.T) {
	t.Parallel()
	ctx := tab(t, fleetOnly)
	open(t, ctx, "/cards")
	accounts := func() []string {
		t.Helper()
		return texts(t, ctx, `main table tbody td[data-label="Account"]`)
	}
	all := accounts()
	if len(all) == 0 {
		t.Fatal("the fleet manager sees no card")
	}
	options := eval[[][]string](t, ctx, `[...document.querySelectorAll("#scope-select option")].map(o => [o.value, o.textContent.trim()])`)
	france := ""
	for _, o := range options {
		if strings.Contains(o[1], "Meridian Conseil France") {
			france = o[0]
		}
	}
	if france == "" || len(options) < 3 {
		t.Fatalf("the scope switcher offers %v, want everything, France and Belgium", options)
	}
	// Choose and press the button, as without JavaScript (with it, the
	// choice alone submits the form: setting the value sends no event).
	eval[bool](t, ctx, fmt.Sprintf(`(document.querySelector("#scope-select").value = %q) !== ""`, france))
	submit(t, ctx, "form.scope button")
	if got := eval[string](t, ctx, `document.querySelector("#scope-select").value`); got != france {
		t.Errorf("after switching, the switcher shows %q, want %q", got, france)
	}
	narrowed := accounts()
	if len(narrowed) == 0 || len(narrowed) >= len(all) {
		t.Errorf("France shows %d cards of the %d of France and Belgium", len(narrowed), len(all))
	}
	for _, a := range narrowed {
		if !strings.Contains(a, "Meridian Conseil SAS") {
			t.Errorf("France's scope shows a card of %q", a)
		}
	}
	open(t, ctx, "/reports/charge-cards")
	if got := eval[string](t, ctx, `document.querySelector("#scope-select").value`); got != france {
		t.Errorf("the report page forgot the scope: %q", got)
	}
	orgs := eval[[]string](t, ctx, `(() => {
		const i = [...document.querySelectorAll("#report-table thead th")].findIndex(th => th.dataset.key === "organization_path");
		return [...document.querySelectorAll("#report-table tbody tr")].map(tr => tr.children[i].textContent.trim());
	})()`)
	if len(orgs) == 0 {
		t.Error("the charge card report in France's scope is empty")
	}
	for _, org := range orgs {
		if !strings.Contains(org, "France") {
			t.Errorf("the charge card report in France's scope has a card of %q", org)
		}
	}
	open(t, ctx, "/cards?scope=all")
	if again := accounts(); len(again) != len(all) {
		t.Errorf("back to everything: %d cards, want %d", len(again), len(all))
	}
}

// TestManagerDaily has the logistics holding's fleet + facility manager
// block a card, send a remote command and download a report, in one
// signed-in browser.
func TestManagerDaily(t *testing.T) {
	t.Parallel()
	ctx := tab(t, fleetFacility)
	t.Run("block a card", func(t *testing.T) { testBlockCard(t, ctx) })
	t.Run("send a remote command", func(t *testing.T) { testRemoteCommand(t, ctx) })
	t.Run("run a report and download its CSV", func(t *testing.T) { testReportCSVDownload(t, ctx) })
}

// testBlockCard blocks an active card from the card list.
func testBlockCard(t *testing.T, ctx context.Context) {
	open(t, ctx, "/cards?status=active")
	forms := eval[[]string](t, ctx, `[...document.querySelectorAll("main form[action$='/status']")].map(f => f.getAttribute("action"))`)
	if len(forms) == 0 {
		t.Fatal("no card to block on the card list")
	}
	action := forms[0]
	id := strings.TrimSuffix(strings.TrimPrefix(action, "/cards/"), "/status")
	submit(t, ctx, fmt.Sprintf(`main form[action=%q] button`, action))
	if text := pageText(t, ctx); !strings.Contains(text, "blocked") {
		t.Errorf("no confirmation after blocking:\n%s", text)
	}
	open(t, ctx, "/cards/"+id)
	if text := pageText(t, ctx); !strings.Contains(text, "inactive") {
		t.Errorf("card %s is not inactive after blocking:\n%s", id, text)
	}
}

// testRemoteCommand connects a station over OCPP and sends it a command
// from its page; a station that is not connected answers that it is
// offline.
func testRemoteCommand(t *testing.T, ctx context.Context) {
	station := connectStation(t, "VDT-RTM-01")
	open(t, ctx, "/stations")
	links := eval[[][]string](t, ctx, `[...document.querySelectorAll("main table a[href^='/stations/']")].map(a => [a.textContent.trim(), a.getAttribute("href")])`)
	hrefs := map[string]string{}
	for _, l := range links {
		hrefs[l[0]] = l[1]
	}
	if hrefs["VDT-RTM-01"] == "" || hrefs["VDT-RTM-02"] == "" {
		t.Fatalf("the station list lacks the Rotterdam stations: %v", links)
	}

	open(t, ctx, hrefs["VDT-RTM-01"])
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#change-availability-type"), "Inoperative")); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "#change-availability button")
	text := pageText(t, ctx)
	if !strings.Contains(text, "Accepted") {
		t.Errorf("the station's answer is not shown:\n%s", text)
	}
	if got := station.Calls(); !slices.Contains(got, "ChangeAvailability") {
		t.Errorf("the station received %v, want ChangeAvailability", got)
	}

	if got := confirmed(ctx); !slices.ContainsFunc(got, func(q string) bool { return strings.Contains(q, "availability") }) {
		t.Errorf("changing the availability asked no confirmation (asked: %v)", got)
	}

	// On a station that is not connected the commands are disabled, and
	// say why.
	open(t, ctx, hrefs["VDT-RTM-02"])
	if !eval[bool](t, ctx, `document.querySelector("#unlock button").disabled`) {
		t.Error("unlock is enabled on a station that is not connected")
	}
	if text := eval[string](t, ctx, `document.querySelector("#unlock").innerText`); !strings.Contains(strings.ToLower(text), "offline") {
		t.Errorf("the disabled unlock does not say the station is offline:\n%s", text)
	}
}

// testReportCSVDownload runs a report from the reports page and downloads
// its CSV: the file has the table's columns and as many rows.
func testReportCSVDownload(t *testing.T, ctx context.Context) {
	open(t, ctx, "/reports")
	submit(t, ctx, `.report-list a[href="/reports/charge-cards"]`)
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#rf-location_kind"), "office")); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "#report-filter button[type=submit]")
	keys := eval[[]string](t, ctx, `[...document.querySelectorAll("#report-table thead th")].map(th => th.dataset.key)`)
	rows := eval[int](t, ctx, `document.querySelectorAll("#report-table tbody tr:not(:has(td.empty))").length`)
	if len(keys) == 0 || rows == 0 {
		t.Fatalf("the report shows %d columns and %d rows", len(keys), rows)
	}
	if charts := eval[int](t, ctx, `document.querySelectorAll("figure.chart svg[role=img]").length`); charts == 0 {
		t.Error("the report shows no chart")
	}

	dir := t.TempDir()
	id := chromedp.FromContext(ctx).BrowserContextID
	allow := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: id, DownloadPath: dir, EventsEnabled: &allow,
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#download-csv"))); err != nil {
		t.Fatal(err)
	}
	file := waitForDownload(t, dir, ".csv")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("%s: %v", file, err)
	}
	if got, want := strings.Join(records[0], ","), strings.Join(keys, ","); got != want {
		t.Errorf("CSV header %s, the table's columns %s", got, want)
	}
	if len(records)-1 != rows {
		t.Errorf("CSV has %d rows, the table %d", len(records)-1, rows)
	}
	if !strings.Contains(filepath.Base(file), "charge-cards_") {
		t.Errorf("download named %s", filepath.Base(file))
	}
}

// waitForDownload waits for a finished file with the extension in dir.
func waitForDownload(t *testing.T, dir, ext string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		matches, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
		partial, _ := filepath.Glob(filepath.Join(dir, "*.crdownload"))
		if len(matches) == 1 && len(partial) == 0 {
			return matches[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	t.Fatalf("no %s download in %s: %v", ext, dir, entries)
	return ""
}

// connectStation connects the demo station with the identity until the
// test ends.
func connectStation(t *testing.T, identity string) *FakeStation {
	t.Helper()
	st, err := env.srv.Connect(context.Background(), identity)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}
