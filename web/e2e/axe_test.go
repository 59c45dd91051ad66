package e2e

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fleetcharge/fleetcharge/web"
)

// axePath is axe-core's browser bundle, installed by `npm ci` in this
// folder (package.json pins its version; .ci/run installs it).
const axePath = "node_modules/axe-core/axe.min.js"

// notPages are the GET routes that answer with a file or JSON, not a page:
// axe has nothing to check there and a browser would download them.
var notPages = map[string]bool{
	"GET /pick":            true,
	"GET /sessions/export": true,
	// Every list's export (web/lists.go) is a CSV file.
	"GET /cards/export":                      true,
	"GET /employees/export":                  true,
	"GET /accounts/export":                   true,
	"GET /users/export":                      true,
	"GET /audit/export":                      true,
	"GET /locations/export":                  true,
	"GET /charge-groups/export":              true,
	"GET /stations/export":                   true,
	"GET /station-jobs/export":               true,
	"GET /identity-providers/export":         true,
	"GET /invoices/export":                   true,
	"GET /partner-locations/export":          true,
	"GET /organizations/export":              true,
	"GET /reimbursement/statements/{id}/pdf": true,
	"GET /invoices/{id}/pdf":                 true,
	"GET /invoices/{id}/ubl":                 true,
	"GET /reports/{report}/export":           true,
	"GET /reimbursement/payroll":             true,
}

// eachInstance are the routes whose every address is a page of its own
// (every report, both imports): the walk checks each, not one of them.
var eachInstance = map[string]bool{
	"GET /reports/{report}": true,
	"GET /imports/{kind}":   true,
}

// noDemoInstance are the routes of objects the demo world has none of, so
// that no persona finds a link to one, each with the reason; every other
// route must be reached by some persona or the test fails.
var noDemoInstance = map[string]string{
	"GET /identity-providers/{id}": "the demo configures no identity provider (signing in through one needs a reachable issuer), so no page of one exists to walk",
	"GET /migrations/{id}":         "the demo has run no migration, and running one would move assets under the other tests that share the demo",
}

// axeTabs is how many tabs each persona walks with, and axeBusy how many
// tabs of all personas load and check a page at once: while one waits for
// the server or the protocol another runs axe, and a persona with many pages
// keeps several tabs busy once the others are done. More would not go
// faster on two cores and would starve the suite's other browser tests.
const (
	axeTabs = 2
	axeBusy = 4
)

// axeViolation is one failing node of one axe rule on one page.
type axeViolation struct {
	Persona, Page, Rule, Impact, Target, Help string
}

// axeRun runs every rule of axe-core, the experimental ones included, on
// the main document (the application has no frames), and returns each
// failing node. The page must have loaded axe (addScriptToEvaluateOnNewDocument
// does that in every document of a walk's tab).
const axeRun = `axe.run(document, {
	rules: Object.fromEntries(axe.getRules().map(r => [r.ruleId, {enabled: true}])),
	resultTypes: ["violations"],
	iframes: false,
}).then(r => r.violations.flatMap(v => v.nodes.map(n => ({
	Rule: v.id, Impact: v.impact || n.impact || "", Help: v.help, Target: n.target.join(" "),
}))))`

// axeWalk is one run of TestAxeEveryPage: the routes, and what the walks of
// the personas found.
type axeWalk struct {
	script string
	busy   chan struct{}  // axeBusy slots, one per page being checked
	mux    *http.ServeMux // every GET route, pages or not
	routes []string       // the GET routes that are pages
	roots  []string       // their addresses without a path parameter

	mu         sync.Mutex
	violations []axeViolation
	reached    map[string]bool // routes some persona opened
	checked    int             // pages checked, over all personas
	loading    time.Duration   // the time tabs spent loading pages
	checking   time.Duration   // and running axe on them
}

func newAxeWalk(t *testing.T, script string) *axeWalk {
	t.Helper()
	srv, err := web.New(web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w := &axeWalk{script: script, busy: make(chan struct{}, axeBusy), mux: http.NewServeMux(), reached: map[string]bool{}}
	for _, p := range append([]string{"GET /{$}", "GET /account/password", "GET /account/totp"}, srv.Patterns()...) {
		if !strings.HasPrefix(p, "GET ") {
			continue
		}
		// Files and JSON are in the mux too, so that a link to one is
		// known as such and not taken for a page with a parameter
		// (/sessions/export is no /sessions/{id}).
		w.mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
		if notPages[p] {
			continue
		}
		w.routes = append(w.routes, p)
		switch {
		case p == "GET /{$}":
			w.roots = append(w.roots, "/")
		case !strings.Contains(p, "{"):
			w.roots = append(w.roots, strings.TrimPrefix(p, "GET "))
		}
	}
	return w
}

// route returns the route of a path on the server, "" for none.
func (w *axeWalk) route(path string) string {
	u, err := url.Parse(path)
	if err != nil {
		return ""
	}
	_, p := w.mux.Handler(&http.Request{Method: http.MethodGet, URL: u, Host: env.srv.Host()})
	return p
}

// tabs returns n tabs of the browser context of the signed-in tab ctx (it
// is the first), each loading axe-core into every document it opens, before
// the page's own scripts: the script crosses the protocol once per tab, not
// once per page.
func (w *axeWalk) tabs(t *testing.T, ctx context.Context, n int) []context.Context {
	t.Helper()
	tabs := []context.Context{ctx}
	for range n - 1 {
		tab, cancel := chromedp.NewContext(ctx)
		t.Cleanup(cancel)
		tabs = append(tabs, tab)
	}
	for _, tab := range tabs {
		if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: w.script}); err != nil {
			t.Fatalf("load axe-core into every page of a tab: %v", err)
		}
	}
	return tabs
}

// check opens the path in the tab, runs axe on it and returns the links of
// the page. A failure is reported and the page yields no links.
func (w *axeWalk) check(t *testing.T, tab context.Context, persona, path string) []string {
	w.busy <- struct{}{}
	defer func() { <-w.busy }()
	start := time.Now()
	resp, err := chromedp.Run(tab, chromedp.NavigateResponse(env.srv.URL+path))
	if err != nil {
		t.Errorf("%s: open %s: %v", persona, path, err)
		return nil
	}
	if resp.Status >= 500 {
		t.Errorf("%s: GET %s: %d", persona, path, resp.Status)
	}
	loaded := time.Now()
	found, err := chromedp.Run(tab, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	checked := time.Now()
	if err != nil {
		t.Errorf("%s: axe.run on %s: %v", persona, path, err)
		return nil
	}
	links, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("a[href]")].map(a => a.href)`))
	if err != nil {
		t.Errorf("%s: links of %s: %v", persona, path, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.checked++
	w.loading += loaded.Sub(start)
	w.checking += checked.Sub(loaded)
	for _, v := range found {
		v.Persona, v.Page = persona, path
		w.violations = append(w.violations, v)
	}
	return links
}

// walk checks, as the persona signed in on the tabs, every route without a
// path parameter and then the first link to each route with one (every link
// for eachInstance routes), the tabs taking the pages from one queue.
func (w *axeWalk) walk(t *testing.T, tabs []context.Context, persona string) {
	var (
		mu      sync.Mutex
		seen    = map[string]bool{} // addresses queued
		visited = map[string]bool{} // routes queued
		pending sync.WaitGroup
		queue   = make(chan string, 1024)
	)
	// add queues the address; mu is held.
	add := func(path string) {
		seen[path] = true
		visited[w.route(path)] = true
		pending.Add(1)
		select {
		case queue <- path:
		default:
			pending.Done()
			t.Errorf("%s: more than %d pages queued at once", persona, cap(queue))
		}
	}
	mu.Lock()
	for _, path := range w.roots {
		add(path)
	}
	mu.Unlock()
	var tabsDone sync.WaitGroup
	for _, tab := range tabs {
		tabsDone.Go(func() {
			for path := range queue {
				links := w.check(t, tab, persona, path)
				w.mu.Lock()
				w.reached[w.route(path)] = true
				w.mu.Unlock()
				mu.Lock()
				for _, href := range links {
					u, err := url.Parse(href)
					if err != nil || u.Host != env.srv.Host() {
						continue
					}
					next := u.EscapedPath()
					r := w.route(next)
					if r == "" || notPages[r] || !strings.Contains(r, "{") || seen[next] || (visited[r] && !eachInstance[r]) {
						continue
					}
					add(next)
				}
				mu.Unlock()
				pending.Done()
			}
		})
	}
	pending.Wait()
	close(queue)
	tabsDone.Wait()
}

// TestAxeEveryPage loads every page of the web application (the route list
// of web.Server.Patterns, which the page leak walk uses too, so that a new
// page is covered without a change here) as every persona of the demo, the
// provider admin and an invited driver, and runs every rule of axe-core on
// it. Routes with a path parameter are reached by following the links the
// persona's pages show. Any violation of any impact fails the test, each
// listed with its rule, impact, page and element.
func TestAxeEveryPage(t *testing.T) {
	t.Parallel()
	if env.skip != "" {
		t.Skip(env.skip)
	}
	script, err := os.ReadFile(filepath.FromSlash(axePath))
	if err != nil {
		if os.Getenv("FLEETCHARGE_E2E") != "" {
			t.Fatalf("axe-core is not installed (run `npm ci` in web/e2e): %v", err)
		}
		t.Skipf("axe-core is not installed (run `npm ci` in web/e2e); set FLEETCHARGE_E2E to make that a failure: %v", err)
	}
	start := time.Now()
	w := newAxeWalk(t, string(script))

	personas := []string{fleetFacility, accountAdmin, groupManager, facilityOnly, fleetOnly}
	for email := range env.srv.Passwords {
		if strings.HasPrefix(email, "admin@") {
			personas = append(personas, email) // the provider admin
		}
	}
	// The walks run side by side in goroutines, not as parallel subtests:
	// those would wait for each other beyond -parallel (GOMAXPROCS), and a
	// walk spends most of its time waiting for the browser. The tabs sign
	// in first, one after the other, on the test's goroutine.
	walks := map[string][]context.Context{}
	for _, email := range personas {
		walks[email] = w.tabs(t, longTab(t, email), axeTabs)
	}
	walks["driver"] = w.tabs(t, driverTab(t), axeTabs)
	signedOut, cancel := chromedp.NewContext(env.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	signedOut, cancelTimeout := context.WithTimeout(signedOut, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	signedOutTab := w.tabs(t, signedOut, 1)[0]
	var wg sync.WaitGroup
	for persona, tabs := range walks {
		wg.Go(func() { w.walk(t, tabs, persona) })
	}
	wg.Go(func() {
		for _, path := range []string{"/login", "/reset", "/no-such-page"} {
			w.check(t, signedOutTab, "signed out", path)
		}
	})
	wg.Wait()

	var missed []string
	for _, r := range w.routes {
		if !w.reached[r] && noDemoInstance[r] == "" {
			missed = append(missed, r)
		}
	}
	if len(missed) > 0 {
		t.Errorf("no persona reached %d routes (no link leads to them): %s", len(missed), strings.Join(missed, ", "))
	}
	sort.Slice(w.violations, func(i, j int) bool {
		a, b := w.violations[i], w.violations[j]
		return a.Rule+a.Page+a.Persona+a.Target < b.Rule+b.Page+b.Persona+b.Target
	})
	for _, v := range w.violations {
		t.Errorf("axe %s (%s) on %s as %s: %s — %s", v.Rule, v.Impact, v.Page, v.Persona, v.Target, v.Help)
	}
	t.Logf("axe-core checked %d pages (%d of %d page routes) as %d personas and signed out in %s: %d violations; the tabs spent %s loading pages and %s running axe",
		w.checked, len(w.reached), len(w.routes), len(walks), time.Since(start).Round(time.Second), len(w.violations),
		w.loading.Round(time.Second), w.checking.Round(time.Second))
}

// longTab is tab with time for a walk of every page.
func longTab(t *testing.T, email string) context.Context {
	t.Helper()
	return tabFor(t, email, 10*time.Minute)
}

// driverTab invites an employee of the consultancy as a driver (its fleet
// manager does, on the employee's page) and signs the driver in.
func driverTab(t *testing.T) context.Context {
	t.Helper()
	fm := longTab(t, groupManager)
	open(t, fm, "/employees")
	employees := eval[[]string](t, fm, `[...document.querySelectorAll("main table tbody a[href^='/employees/']")].map(a => a.getAttribute("href"))`)
	if len(employees) == 0 {
		t.Fatal("the consultancy's fleet manager lists no employee")
	}
	open(t, fm, employees[len(employees)-1])
	if err := chromedp.Do(fm, chromedp.SetValue(chromedp.CSS("#invite-email"), "driver.axe@example.com")); err != nil {
		t.Fatalf("the employee page has no invitation: %v", err)
	}
	submit(t, fm, "#invite button")
	password := eval[string](t, fm, `(document.querySelector(".secret") || {textContent: ""}).textContent.trim()`)
	if password == "" {
		t.Fatalf("no one-time password after the invitation:\n%s", pageText(t, fm))
	}
	ctx, cancel := chromedp.NewContext(env.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 10*time.Minute)
	t.Cleanup(cancelTimeout)
	if _, err := SignIn(ctx, env.srv.URL, "driver.axe@example.com", password); err != nil {
		t.Fatal(err)
	}
	return ctx
}
