package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// How a page is exercised by TestNoPageLeaks.
const (
	wPage    = "page: GET as it is"
	wList    = "list: GET, then with each filter of listFilters and every object of its kind, with each scope the switcher could be asked for, and searching for the markers' common prefix"
	wGet     = "get: every object of the kind; 404 for those the persona may not read"
	wPost    = "post: only objects the persona may not read (404); a form replaces the object, so posting to others would change the world the other pages read"
	wCreate  = "create: forms referring to objects the persona may not read; never a created object"
	wCommand = "command: every command to every station the persona may not read (404)"
	wRevoke  = "revoke: every assignment of every user the persona may not read (404)"
	wReport  = "report: every report, on both sides, and with each ID filter and every object of its kind"
	wExport  = "export: every report in csv and xlsx, on both sides"
	wAccess  = "access: the explanation of every object of the world with its kind's read permission"
	wByAudit = "get by the ID of every audit event (a migration's result is its audit event)"
	wBulk    = "bulk: every bulk action (export too), confirmed and not, on each card the persona may not read (404)"
	wImport  = "import: both kinds' pages, and a check and an import of rows naming each account and employee the persona may not read (never created)"
	wPick    = "pick: the suggestions of every kind, unfiltered, searching for the markers' common prefix, and narrowed to every account"
	wAdmin   = "admin: a provider admin's own page (its provider's settings): GET 404 for every other persona; POST a change as them, 404 and nothing changed"
)

// pageCoverage names every signed-in page and how the walk exercises it.
// A page missing here fails the test, so a new page needs an entry.
var pageCoverage = map[string]string{
	"GET /organizations":                         wList,
	"POST /organizations":                        wCreate,
	"GET /organizations/{id}":                    wGet,
	"POST /organizations/{id}":                   wPost,
	"POST /organizations/{id}/delete":            wPost,
	"GET /accounts":                              wList,
	"GET /accounts/new":                          wPage,
	"POST /accounts":                             wCreate,
	"GET /accounts/{id}":                         wGet,
	"POST /accounts/{id}":                        wPost,
	"POST /accounts/{id}/delete":                 wPost,
	"GET /employees":                             wList,
	"GET /employees/new":                         wPage,
	"POST /employees":                            wCreate,
	"GET /employees/{id}":                        wGet,
	"POST /employees/{id}":                       wPost,
	"POST /employees/{id}/delete":                wPost,
	"GET /cards":                                 wList,
	"GET /cards/new":                             wPage,
	"POST /cards":                                wCreate,
	"GET /cards/{id}":                            wGet,
	"POST /cards/{id}":                           wPost,
	"POST /cards/{id}/status":                    wPost,
	"POST /cards/{id}/delete":                    wPost,
	"GET /locations":                             wList,
	"GET /locations/new":                         wPage,
	"POST /locations":                            wCreate,
	"GET /locations/{id}":                        wGet,
	"POST /locations/{id}":                       wPost,
	"POST /locations/{id}/delete":                wPost,
	"GET /charge-groups":                         wList,
	"GET /charge-groups/new":                     wPage,
	"POST /charge-groups":                        wCreate,
	"GET /charge-groups/{id}":                    wGet,
	"POST /charge-groups/{id}":                   wPost,
	"POST /charge-groups/{id}/delete":            wPost,
	"GET /stations":                              wList,
	"GET /stations/new":                          wPage,
	"POST /stations":                             wCreate,
	"GET /stations/{id}":                         wGet,
	"POST /stations/{id}":                        wPost,
	"POST /stations/{id}/delete":                 wPost,
	"POST /stations/{id}/commands/{command}":     wCommand,
	"GET /sessions":                              wList,
	"GET /sessions/{id}":                         wGet,
	"GET /users":                                 wList,
	"GET /users/new":                             wPage,
	"POST /users":                                wCreate,
	"GET /users/{id}":                            wGet,
	"POST /users/{id}":                           wPost,
	"POST /users/{id}/roles":                     wPost,
	"POST /users/{id}/roles/{assignment}/delete": wRevoke,
	"GET /access":                                wAccess,
	"GET /audit":                                 wList,
	"GET /audit/{id}":                            wGet,
	"GET /migrations":                            wPage,
	"POST /migrations/preview":                   wCreate,
	"POST /migrations/run":                       wCreate,
	"GET /migrations/{id}":                       wByAudit,
	"GET /reports":                               wPage,
	"GET /reports/{report}":                      wReport,
	"GET /reports/{report}/export":               wExport,
	"GET /pick":                                  wPick,
	"GET /sessions/export":                       wList,
	"GET /cards/export":                          wList,
	"GET /employees/export":                      wList,
	"GET /accounts/export":                       wList,
	"GET /users/export":                          wList,
	"GET /audit/export":                          wList,
	"GET /locations/export":                      wList,
	"GET /charge-groups/export":                  wList,
	"GET /stations/export":                       wList,
	"GET /station-jobs/export":                   wList,
	"GET /identity-providers/export":             wList,
	"GET /invoices/export":                       wList,
	"GET /partner-locations/export":              wPage,
	"GET /organizations/export":                  wList,
	"POST /cards/bulk":                           wBulk,
	"GET /imports/{kind}":                        wImport,
	"POST /imports/{kind}":                       wImport,
	"GET /provider":                              wAdmin,
	"POST /provider":                             wAdmin,
}

// listFilters are the filters a list page is asked with, each with the kind
// of object it names.
var listFilters = map[string][]string{
	"/organizations":   {"parent_id"},
	"/accounts":        {"organization_id"},
	"/employees":       {"account_id"},
	"/cards":           {"account_id", "employee_id"},
	"/locations":       {"account_id"},
	"/charge-groups":   {"account_id"},
	"/stations":        {"account_id", "location_id", "charge_group_id"},
	"/sessions":        {"account_id", "card_id", "employee_id", "station_id", "card", "employee"},
	"/sessions/export": {"account_id", "card_id", "employee_id", "station_id", "card", "employee"},
	"/audit":           {"object_id"},
}

// paramKinds maps an ID parameter, and a path's first segment, to the kind
// of object it names.
var paramKinds = map[string]string{
	"organization_id": leaktest.KindOrganization, "parent_id": leaktest.KindOrganization, "account_id": leaktest.KindAccount,
	"employee_id": leaktest.KindEmployee, "card_id": leaktest.KindCard, "location_id": leaktest.KindLocation,
	"charge_group_id": leaktest.KindChargeGroup, "station_id": leaktest.KindStation, "object_id": leaktest.KindCard,
	"card": leaktest.KindCard, "employee": leaktest.KindEmployee,
	"organizations": leaktest.KindOrganization, "accounts": leaktest.KindAccount, "employees": leaktest.KindEmployee,
	"cards": leaktest.KindCard, "locations": leaktest.KindLocation, "charge-groups": leaktest.KindChargeGroup,
	"stations": leaktest.KindStation, "sessions": leaktest.KindSession, "users": leaktest.KindUser,
	"audit": leaktest.KindAuditEvent,
}

// TestNoPageLeaks walks every signed-in page as every persona, on objects
// each may and may not read, and fails on any page that holds a value
// planted for personas it is not (package leaktest), and on any object it
// may not read answering other than 404.
//
// Reads run on one world per engine. A page form replaces the whole object,
// so posts go only to objects the persona may not read, where they must
// answer 404 and change nothing; creates refer to objects the persona may
// not read and must not create; commands reach only stations the persona
// may not read. So the world every page reads stays the one the markers
// describe.
func TestNoPageLeaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := leaktest.New(t, st)
		logger := slog.New(slog.DiscardHandler)
		w.Auth.Logger = logger
		srv, err := New(Config{Logger: logger, Auth: w.Auth, Store: st, Commander: &fakeCommander{offline: true}})
		if err != nil {
			t.Fatal(err)
		}
		pw := &pageWalk{Findings: leaktest.NewFindings(w), t: t, w: w, srv: srv, grants: map[string]*auth.Grant{}}
		for _, p := range leaktest.Personas {
			g, err := w.Auth.SignIn(context.Background(), w.Users[p].Email, w.Password, auth.Client{Addr: "192.0.2.30"})
			if err != nil || g.Session.Stage != auth.StageActive {
				t.Fatalf("sign in as %s: %v", p, err)
			}
			pw.grants[p] = g
		}
		// The start page (the dashboard) and the user's own pages are
		// served outside s.handle: walked as lists, without coverage.
		for _, path := range []string{"/", "/account/password", "/account/totp"} {
			for _, p := range leaktest.Personas {
				pw.page("GET "+path, wList, p)
			}
		}
		// The stations pages' live stream, also served outside s.handle:
		// asked for every station of the world.
		for _, p := range leaktest.Personas {
			pw.stream(p)
		}
		for _, pattern := range srv.Patterns() {
			how, ok := pageCoverage[pattern]
			if !ok {
				continue
			}
			for _, p := range leaktest.Personas {
				pw.page(pattern, how, p)
			}
		}
		pw.Report(t, "page")
	})
}

// TestPageLeakCoverage fails for a page without an entry in the leak
// walk's pageCoverage, and for an entry without a page: a new page cannot
// go unwalked.
func TestPageLeakCoverage(t *testing.T) {
	srv, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range srv.Patterns() {
		seen[p] = true
		if _, ok := pageCoverage[p]; !ok {
			t.Errorf("page %s has no entry in the leak test's pageCoverage: say how it is exercised", p)
		}
	}
	for p := range pageCoverage {
		if !seen[p] {
			t.Errorf("the leak test's pageCoverage names %s, which is no page", p)
		}
	}
}

type pageWalk struct {
	*leaktest.Findings
	t      *testing.T
	w      *leaktest.World
	srv    *Server
	grants map[string]*auth.Grant
}

// call sends one request as the persona and checks the answer for leaks.
// want is the status it must have, 0 for any.
func (pw *pageWalk) call(pattern, persona, method, target string, form url.Values, want int) *httptest.ResponseRecorder {
	g := pw.grants[persona]
	var req *http.Request
	if method == http.MethodPost {
		if form == nil {
			form = url.Values{}
		}
		form.Set("csrf_token", g.Session.CSRFToken)
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	req.RemoteAddr = "192.0.2.30:5000"
	req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: g.Token})
	rec := httptest.NewRecorder()
	pw.srv.ServeHTTP(rec, req)
	sent := target
	for _, vs := range form {
		sent += " " + strings.Join(vs, " ")
	}
	pw.Look(pattern, persona, method+" "+target, sent, rec.Body.Bytes(), rec.Header())
	if rec.Code == http.StatusInternalServerError {
		pw.Fail(pattern, persona, "%s %s: 500", method, target)
	}
	if want != 0 && rec.Code != want {
		pw.Fail(pattern, persona, "%s %s: status %d, want %d (to %s)", method, target, rec.Code, want, rec.Header().Get("Location"))
	}
	return rec
}

// stream opens the stations pages' live stream as the persona, naming every
// station of the world, and reads what it sends before it waits for
// changes: the stations the persona reads, and no value it may not read.
func (pw *pageWalk) stream(persona string) {
	const pattern = "GET /stations/events"
	q := url.Values{}
	stations := pw.w.Of(leaktest.KindStation)
	for _, o := range stations {
		q.Add("id", o.ID.String())
	}
	target := "/stations/events?" + q.Encode()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := pw.grants[persona]
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	req.RemoteAddr = "192.0.2.30:5000"
	req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: g.Token})
	rec := &firstFlush{ResponseRecorder: httptest.NewRecorder(), cancel: cancel}
	pw.srv.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	pw.Look(pattern, persona, "GET "+target, target, body, rec.Header())
	readsAny := slices.ContainsFunc(stations, func(o leaktest.Object) bool { return o.Reads(persona) })
	if rec.Code == http.StatusNotFound && !readsAny {
		return // no right to read stations: no stream
	}
	if rec.Code != http.StatusOK {
		pw.Fail(pattern, persona, "GET %s: status %d, want 200", target, rec.Code)
		return
	}
	for _, o := range stations {
		sent := strings.Contains(string(body), `"id":"`+o.ID.String()+`"`)
		if sent && !o.Reads(persona) {
			pw.Fail(pattern, persona, "the live stream sent station %s, which the persona may not read", o.ID)
		}
		if !sent && o.Reads(persona) {
			pw.Fail(pattern, persona, "the live stream left out station %s, which the persona reads", o.ID)
		}
	}
}

// firstFlush is a recorder that ends its request at its first flush: a live
// stream's first batch, before it waits for changes.
type firstFlush struct {
	*httptest.ResponseRecorder
	cancel context.CancelFunc
}

func (f *firstFlush) Flush() {
	f.ResponseRecorder.Flush()
	f.cancel()
}

// kindOfPage returns the kind of object a page path's first segment names.
func kindOfPage(pattern string) string {
	path := pattern[strings.Index(pattern, " ")+1:]
	return paramKinds[strings.Split(strings.TrimPrefix(path, "/"), "/")[0]]
}

func (pw *pageWalk) page(pattern, how, p string) {
	w := pw.w
	method, path, _ := strings.Cut(pattern, " ")
	withID := func(id fc.ID) string { return strings.Replace(path, "{id}", id.String(), 1) }
	notFound := func(o leaktest.Object) int {
		if o.Reads(p) {
			return 0
		}
		return http.StatusNotFound
	}
	switch how {
	case wPage:
		pw.call(pattern, p, method, path, nil, 0)
	case wList:
		pw.call(pattern, p, method, path, nil, 0)
		pw.call(pattern, p, method, path+"?search=LEAK-", nil, 0)
		for _, o := range w.Of(leaktest.KindOrganization) {
			pw.call(pattern, p, method, path+"?scope=org:"+o.ID.String(), nil, 0)
		}
		for _, o := range w.Of(leaktest.KindAccount) {
			pw.call(pattern, p, method, path+"?scope=account:"+o.ID.String(), nil, 0)
		}
		// A list's export is walked as its page is.
		for _, f := range listFilters[strings.TrimSuffix(path, "/export")] {
			for _, o := range w.Of(paramKinds[f]) {
				pw.call(pattern, p, method, path+"?"+f+"="+o.ID.String(), nil, 0)
			}
		}
	case wGet:
		for _, o := range w.Of(kindOfPage(pattern)) {
			pw.call(pattern, p, method, withID(o.ID), nil, notFound(o))
		}
	case wPost:
		for _, o := range w.Of(kindOfPage(pattern)) {
			if !o.Reads(p) {
				pw.call(pattern, p, method, withID(o.ID), url.Values{"name": {"leakwalk"}, "status": {fc.CardInactive}}, http.StatusNotFound)
			}
		}
	case wCommand:
		for _, c := range []string{app.CommandRemoteStart, app.CommandRemoteStop, app.CommandReset, app.CommandUnlock, app.CommandChangeAvailability} {
			for _, o := range w.Of(leaktest.KindStation) {
				if !o.Reads(p) {
					form := url.Values{"connector_id": {"1"}, "id_tag": {"LEAKWALK"}, "type": {"Soft"},
						"transaction_id": {w.Of(leaktest.KindSession)[0].ID.String()}}
					pw.call(pattern, p, method, strings.Replace(withID(o.ID), "{command}", c, 1), form, http.StatusNotFound)
				}
			}
		}
	case wRevoke:
		for _, u := range w.Of(leaktest.KindUser) {
			for _, a := range w.Of(leaktest.KindRoleAssignment) {
				if !u.Reads(p) {
					pw.call(pattern, p, method, strings.Replace(withID(u.ID), "{assignment}", a.ID.String(), 1), nil, http.StatusNotFound)
				}
			}
		}
	case wCreate:
		for _, form := range pw.createForms(path, p) {
			rec := pw.call(pattern, p, method, path, form, 0)
			if loc := rec.Header().Get("Location"); strings.Contains(loc, "done=created") || (path == "/migrations/run" && rec.Code == http.StatusSeeOther) {
				pw.Fail(pattern, p, "POST %s with %v: created %s", path, form, loc)
			}
		}
	case wAccess:
		pw.call(pattern, p, method, path, nil, 0)
		for _, o := range w.Objects {
			if perm, ok := readPermissions[o.Kind]; ok {
				q := url.Values{"permission": {perm}, "resource": {o.Kind + ":" + o.ID.String()}}
				pw.call(pattern, p, method, path+"?"+q.Encode(), nil, 0)
			}
		}
	case wImport:
		for _, kind := range []string{"cards", "employees"} {
			target := strings.Replace(path, "{kind}", kind, 1)
			if method == http.MethodGet {
				pw.call(pattern, p, method, target, nil, 0)
				continue
			}
			for _, a := range w.Of(leaktest.KindAccount) {
				if a.Reads(p) {
					continue
				}
				csv := "name,account_id\nLeakwalk," + a.ID.String()
				if kind == "cards" {
					csv = "external_id,internal_id,account_id\nLEAKWALK-1,LEAKWALK1," + a.ID.String()
					for _, e := range w.Of(leaktest.KindEmployee) {
						if !e.Reads(p) {
							csv = "external_id,internal_id,account_id,employee_id\nLEAKWALK-1,LEAKWALK1," + a.ID.String() + "," + e.ID.String()
						}
					}
				}
				for _, dry := range []string{"yes", "no"} {
					rec := pw.call(pattern, p, method, target, url.Values{"csv": {csv}, "dry_run": {dry}}, 0)
					if strings.Contains(rec.Body.String(), kind+" imported.") {
						pw.Fail(pattern, p, "POST %s naming account %s: imported", target, a.ID)
					}
				}
			}
		}
	case wBulk:
		for _, o := range w.Of(leaktest.KindCard) {
			if o.Reads(p) {
				continue
			}
			for _, action := range []string{bulkBlock, bulkUnblock, bulkAllow, bulkExport} {
				for _, confirm := range []string{"", "yes"} {
					form := url.Values{"action": {action}, "card": {o.ID.String()}, "confirm": {confirm},
						"charge_group_id": {w.Of(leaktest.KindChargeGroup)[0].ID.String()}}
					pw.call(pattern, p, method, path, form, http.StatusNotFound)
				}
			}
		}
	case wPick:
		for _, kind := range []string{fc.MigrateAccounts, fc.MigrateEmployees, fc.MigrateCards, pickKindCardTag, fc.MigrateLocations,
			fc.MigrateChargeGroups, fc.MigrateStations} {
			base := path + "?kind=" + kind
			pw.call(pattern, p, method, base, nil, http.StatusOK)
			pw.call(pattern, p, method, base+"&q=LEAK-", nil, http.StatusOK)
			for _, o := range w.Of(leaktest.KindAccount) {
				pw.call(pattern, p, method, base+"&account_id="+o.ID.String(), nil, http.StatusOK)
			}
		}
	case wAdmin:
		// Provider admins (of this provider and the other) are walked by
		// GET alone: a post of theirs would change the world.
		admin := p == leaktest.Admin || p == leaktest.Other
		if method == http.MethodGet {
			want := http.StatusNotFound
			if admin {
				want = http.StatusOK
			}
			pw.call(pattern, p, method, path, nil, want)
			return
		}
		if admin {
			return
		}
		for _, section := range []string{"general", "seller", "webhooks"} {
			form := url.Values{"section": {section}, "name": {"leakwalk"}, "legal_name": {"leakwalk"}, "webhooks_allow_private": {"on"}}
			pw.call(pattern, p, method, path, form, http.StatusNotFound)
		}
		prov, err := w.Store.Provider(context.Background(), w.Provider)
		if err != nil {
			pw.t.Fatal(err)
		}
		allow, err := w.Store.WebhooksAllowPrivate(context.Background(), w.Provider)
		if err != nil {
			pw.t.Fatal(err)
		}
		if prov.Name == "leakwalk" || prov.Billing.LegalName == "leakwalk" || allow {
			pw.Fail(pattern, p, "POST %s changed the provider: %+v, webhooks to private addresses %v", path, prov, allow)
		}
	case wByAudit:
		for _, o := range w.Of(leaktest.KindAuditEvent) {
			pw.call(pattern, p, method, withID(o.ID), nil, 0)
		}
	case wReport:
		for _, name := range fc.Reports {
			base := strings.Replace(path, "{report}", name, 1) + "?" + leaktest.Period
			for _, side := range []string{"", "&side=card", "&side=station"} {
				pw.call(pattern, p, method, base+side, nil, 0)
			}
			for _, f := range []string{"organization_id", "account_id", "employee_id", "card_id", "station_id"} {
				for _, o := range w.Of(paramKinds[f]) {
					pw.call(pattern, p, method, base+"&"+f+"="+o.ID.String(), nil, 0)
				}
			}
		}
	case wExport:
		for _, name := range fc.Reports {
			base := strings.Replace(path, "{report}", name, 1) + "?" + leaktest.Period
			for _, format := range []string{"csv", "xlsx"} {
				for _, side := range []string{"", "&side=station"} {
					pw.call(pattern, p, method, base+"&format="+format+side, nil, 0)
				}
			}
		}
	default:
		pw.t.Fatalf("%s: no way to exercise %q", pattern, how)
	}
}

// readPermissions is the permission the access page is asked about for
// each kind.
var readPermissions = map[string]string{
	leaktest.KindOrganization: "organizations.read", leaktest.KindAccount: "accounts.read",
	leaktest.KindEmployee: "employees.read", leaktest.KindCard: "cards.read", leaktest.KindLocation: "locations.read",
	leaktest.KindChargeGroup: "chargegroups.read", leaktest.KindStation: "stations.read",
	leaktest.KindSession: "sessions.card_side.read", leaktest.KindUser: "users.manage",
}

// createForms returns the forms a create page is posted as the persona:
// each refers to objects it may not read.
func (pw *pageWalk) createForms(path, p string) []url.Values {
	w := pw.w
	var out []url.Values
	unread := func(kind string) []leaktest.Object {
		var os []leaktest.Object
		for _, o := range w.Of(kind) {
			if !o.Reads(p) {
				os = append(os, o)
			}
		}
		return os
	}
	n := 0
	unique := func() string { n++; return fmt.Sprintf("leakwalk-%s-%d", p, n) }
	for _, o := range unread(leaktest.KindAccount) {
		a := o.ID.String()
		switch path {
		case "/employees":
			out = append(out, url.Values{"account_id": {a}, "name": {unique()}, "active": {"on"}})
		case "/cards":
			out = append(out, url.Values{"account_id": {a}, "internal_id": {fmt.Sprintf("LEAKWALK%d", n)}, "external_id": {unique()}, "status": {"active"}})
		case "/locations":
			out = append(out, url.Values{"account_id": {a}, "name": {unique()}, "kind": {"office"}})
		case "/charge-groups":
			out = append(out, url.Values{"account_id": {a}, "name": {unique()}, "kind": {"other"}, "access": {"public"}, "currency": {"EUR"}, "per_kwh": {"0.1"}})
		case "/stations":
			out = append(out, url.Values{"account_id": {a}, "location_id": {w.Of(leaktest.KindLocation)[0].ID.String()},
				"charge_group_id": {w.Of(leaktest.KindChargeGroup)[0].ID.String()}, "identity": {unique()}, "connectors": {"1"}})
		}
	}
	for _, o := range unread(leaktest.KindOrganization) {
		switch path {
		case "/organizations":
			out = append(out, url.Values{"name": {unique()}, "parent_id": {o.ID.String()}})
		case "/accounts":
			out = append(out, url.Values{"name": {unique()}, "kind": {"company"}, "organization_id": {o.ID.String()}})
		}
	}
	switch path {
	case "/users":
		for _, m := range w.Markers {
			if m.What == "a bystander's e-mail" {
				out = append(out, url.Values{"email": {m.Value}, "name": {unique()}})
			}
		}
	case "/migrations/preview", "/migrations/run":
		for _, c := range unread(leaktest.KindCard) {
			for _, a := range w.Of(leaktest.KindAccount) {
				out = append(out, url.Values{"kind": {"cards"}, "ids": {c.ID.String()}, "target_account_id": {a.ID.String()}})
			}
		}
	case "/reimbursement/rates":
		for _, e := range unread(leaktest.KindEmployee) {
			out = append(out, url.Values{"employee_id": {e.ID.String()}, "per_kwh": {"0.1"}, "currency": {"EUR"}, "valid_from": {"2001-01-01"}})
		}
	case "/reimbursement/generate":
		for _, o := range unread(leaktest.KindOrganization) {
			out = append(out, url.Values{"period": {"2001-01"}, "scope": {"org:" + o.ID.String()}})
		}
		for _, a := range unread(leaktest.KindAccount) {
			out = append(out, url.Values{"period": {"2001-01"}, "scope": {"account:" + a.ID.String()}})
		}
	case "/reimbursement/approve":
		for _, o := range w.Objects {
			out = append(out, url.Values{"period": {"2001-01"}, "statement_id": {o.ID.String()}})
		}
	}
	return out
}
