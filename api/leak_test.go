package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// How a route is exercised by TestNoRouteLeaks.
const (
	exList    = "list: no filter, a search for the markers' common prefix, then each ID filter with every object of its kind; each row shows the value it was selected by"
	exGet     = "get: every object of the kind; 404 for those the persona may not read"
	exPatch   = "patch: {} on every object; 404 for those the persona may not read"
	exDelete  = "delete (or erase): only objects the persona may not read (404); deleting others would change the world the other routes read"
	exCreate  = "create: bodies referring to objects the persona may not read, or taking a value another object holds; never 2xx"
	exCommand = "command: every station, offline; 404 for those the persona may not read"
	exReport  = "report: every report in json, csv and xlsx, on both sides, rolled up each way, and in json with each ID filter and every object of its kind"
	exExplain = "explain: every object of the world with its kind's read permission; 404 for those the persona may not read"
	exPlain   = "plain GET"
	exImport  = "import: a CSV row for every account the persona may not read; nothing created, the row refused by line"
)

// coverage names every route of the API and how the walk exercises it. A
// route missing here fails the test, so a new route needs an entry (and,
// when none of these ways fits it, a new way of exercising it).
var coverage = map[string]string{
	"GET /api/v1/organizations":                               exList,
	"GET /api/v1/organizations/{id}":                          exGet,
	"POST /api/v1/organizations":                              exCreate,
	"PATCH /api/v1/organizations/{id}":                        exPatch,
	"DELETE /api/v1/organizations/{id}":                       exDelete,
	"GET /api/v1/accounts":                                    exList,
	"GET /api/v1/accounts/{id}":                               exGet,
	"POST /api/v1/accounts":                                   exCreate,
	"PATCH /api/v1/accounts/{id}":                             exPatch,
	"DELETE /api/v1/accounts/{id}":                            exDelete,
	"GET /api/v1/employees":                                   exList,
	"GET /api/v1/employees/{id}":                              exGet,
	"POST /api/v1/employees":                                  exCreate,
	"PATCH /api/v1/employees/{id}":                            exPatch,
	"DELETE /api/v1/employees/{id}":                           exDelete,
	"GET /api/v1/cards":                                       exList,
	"GET /api/v1/cards/{id}":                                  exGet,
	"POST /api/v1/cards":                                      exCreate,
	"PATCH /api/v1/cards/{id}":                                exPatch,
	"DELETE /api/v1/cards/{id}":                               exDelete,
	"GET /api/v1/locations":                                   exList,
	"GET /api/v1/locations/{id}":                              exGet,
	"POST /api/v1/locations":                                  exCreate,
	"PATCH /api/v1/locations/{id}":                            exPatch,
	"DELETE /api/v1/locations/{id}":                           exDelete,
	"GET /api/v1/charge-groups":                               exList,
	"GET /api/v1/charge-groups/{id}":                          exGet,
	"POST /api/v1/charge-groups":                              exCreate,
	"PATCH /api/v1/charge-groups/{id}":                        exPatch,
	"DELETE /api/v1/charge-groups/{id}":                       exDelete,
	"GET /api/v1/charge-groups/{id}/tariffs":                  exGet,
	"GET /api/v1/stations":                                    exList,
	"GET /api/v1/stations/{id}":                               exGet,
	"POST /api/v1/stations":                                   exCreate,
	"PATCH /api/v1/stations/{id}":                             exPatch,
	"DELETE /api/v1/stations/{id}":                            exDelete,
	"GET /api/v1/sessions":                                    exList,
	"GET /api/v1/sessions/{id}":                               exGet,
	"POST /api/v1/sessions":                                   exCreate,
	"POST /api/v1/sessions/bulk":                              exCreate,
	"POST /api/v1/imports/cards":                              exImport,
	"POST /api/v1/imports/employees":                          exImport,
	"GET /api/v1/users":                                       exList,
	"GET /api/v1/users/{id}":                                  exGet,
	"POST /api/v1/users":                                      exCreate,
	"PATCH /api/v1/users/{id}":                                exPatch,
	"DELETE /api/v1/users/{id}":                               exDelete,
	"GET /api/v1/role-assignments":                            exList,
	"GET /api/v1/role-assignments/{id}":                       exGet,
	"POST /api/v1/role-assignments":                           exCreate,
	"DELETE /api/v1/role-assignments/{id}":                    exDelete,
	"GET /api/v1/audit-events":                                exList,
	"GET /api/v1/audit-events/{id}":                           exGet,
	"POST /api/v1/stations/{id}/commands/remote-start":        exCommand,
	"POST /api/v1/stations/{id}/commands/remote-stop":         exCommand,
	"POST /api/v1/stations/{id}/commands/reset":               exCommand,
	"POST /api/v1/stations/{id}/commands/unlock":              exCommand,
	"POST /api/v1/stations/{id}/commands/change-availability": exCommand,
	"GET /api/v1/me/access":                                   exPlain,
	"GET /api/v1/access/explain":                              exExplain,
	"GET /api/v1/openapi.json":                                exPlain,
	"GET /api/v1/reports/{report}":                            exReport,
	"POST /api/v1/migrations":                                 exCreate,
}

// kinds maps a collection's path segment, and an ID parameter, to the kind
// of object it names.
var kinds = map[string]string{
	"organizations": leaktest.KindOrganization, "accounts": leaktest.KindAccount, "employees": leaktest.KindEmployee,
	"cards": leaktest.KindCard, "locations": leaktest.KindLocation, "charge-groups": leaktest.KindChargeGroup,
	"stations": leaktest.KindStation, "sessions": leaktest.KindSession, "users": leaktest.KindUser,
	"role-assignments": leaktest.KindRoleAssignment, "audit-events": leaktest.KindAuditEvent,
	"organization_id": leaktest.KindOrganization, "parent_id": leaktest.KindOrganization, "account_id": leaktest.KindAccount,
	"employee_id": leaktest.KindEmployee, "card_id": leaktest.KindCard, "location_id": leaktest.KindLocation,
	"charge_group_id": leaktest.KindChargeGroup, "station_id": leaktest.KindStation, "user_id": leaktest.KindUser,
	"object_id": leaktest.KindCard,
}

// TestNoRouteLeaks walks every route of the API as every persona, on
// objects each may and may not read, and fails on any response that holds
// a value planted for personas it is not (package leaktest), on any object
// it may not read answering other than 404, and on any list row selected
// by a filter value the row does not show (a filter that matches what it
// hides tracks it).
//
// Reads run on one world per engine. Writes are sent so that none can
// succeed without a bug: changes are empty ({} merges nothing), deletes go
// only to objects the persona may not read, creates refer to such objects
// or reuse a value another object holds, commands reach only offline
// stations. So the world every route reads stays the one the markers
// describe, and the leak assertion holds on write responses, their error
// bodies included.
func TestNoRouteLeaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := leaktest.New(t, st)
		srv := api.New(api.Config{Store: st, Auth: w.Auth, Commander: offline{}, Logger: slog.New(slog.DiscardHandler)})
		routes := srv.Routes()
		lw := &leakWalk{Findings: leaktest.NewFindings(w), t: t, w: w, srv: srv, tokens: map[string]string{}}
		for _, p := range leaktest.Personas {
			lw.tokens[p] = w.APIToken(t, p)
		}
		for _, rt := range routes {
			how, ok := coverage[rt.Key()]
			if !ok {
				continue
			}
			for _, p := range leaktest.Personas {
				lw.route(rt, how, p)
			}
		}
		lw.Report(t, "route")
	})
}

// TestRouteLeakCoverage fails for a route without an entry in the leak
// walk's coverage, and for an entry without a route: a new route cannot
// go unwalked.
func TestRouteLeakCoverage(t *testing.T) {
	seen := map[string]bool{}
	for _, rt := range api.New(api.Config{Logger: slog.New(slog.DiscardHandler)}).Routes() {
		seen[rt.Key()] = true
		if _, ok := coverage[rt.Key()]; !ok {
			t.Errorf("route %s has no entry in the leak test's coverage: say how it is exercised", rt.Key())
		}
	}
	for k := range coverage {
		if !seen[k] {
			t.Errorf("the leak test's coverage names %s, which is no route", k)
		}
	}
}

// offline is a commander whose stations are all offline.
type offline struct{}

func (offline) Call(ctx context.Context, identity, action string, req any) (json.RawMessage, error) {
	return nil, fc.Errorf(fc.EConflict, "station %s is offline", identity)
}

type leakWalk struct {
	*leaktest.Findings
	t      *testing.T
	w      *leaktest.World
	srv    *api.Server
	tokens map[string]string
}

// call sends one request and checks its response for leaks. want is the
// status the response must have, 0 for any.
func (lw *leakWalk) call(key, persona, method, target string, body any, want int) (int, []byte) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			lw.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, target, bytes.NewReader(data))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+lw.tokens[persona])
	rec := httptest.NewRecorder()
	lw.srv.ServeHTTP(rec, req)
	got := rec.Body.Bytes()
	// A value the request itself carries is the client's own, not a leak.
	lw.Look(key, persona, method+" "+target, target+string(data), got, rec.Header())
	if rec.Code == http.StatusInternalServerError {
		lw.Fail(key, persona, "%s %s: 500", method, target)
	}
	if want != 0 && rec.Code != want {
		lw.Fail(key, persona, "%s %s: status %d, want %d: %.160s", method, target, rec.Code, want, got)
	}
	return rec.Code, got
}

// callCSV posts a CSV body, as an import takes it.
func (lw *leakWalk) callCSV(key, persona, target, body string) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+lw.tokens[persona])
	rec := httptest.NewRecorder()
	lw.srv.ServeHTTP(rec, req)
	got := rec.Body.Bytes()
	lw.Look(key, persona, "POST "+target, target+body, got, rec.Header())
	if rec.Code == http.StatusInternalServerError {
		lw.Fail(key, persona, "POST %s: 500", target)
	}
	return rec.Code, got
}

// withID substitutes the {id} of a path.
func withID(path string, id fc.ID) string { return strings.Replace(path, "{id}", id.String(), 1) }

// kindOf returns the kind of the collection of an API path.
func kindOf(path string) string {
	return kinds[strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/")[0]]
}

func (lw *leakWalk) route(rt api.RouteInfo, how, p string) {
	key, w := rt.Key(), lw.w
	notFound := func(o leaktest.Object) int {
		if o.Reads(p) {
			return 0
		}
		return http.StatusNotFound
	}
	switch how {
	case exPlain:
		lw.call(key, p, rt.Method, rt.Path, nil, 0)
	case exList:
		lw.list(rt, p)
	case exGet:
		for _, o := range w.Of(kindOf(rt.Path)) {
			lw.call(key, p, http.MethodGet, withID(rt.Path, o.ID), nil, notFound(o))
		}
	case exPatch:
		for _, o := range w.Of(kindOf(rt.Path)) {
			lw.call(key, p, http.MethodPatch, withID(rt.Path, o.ID), map[string]any{}, notFound(o))
		}
	case exDelete:
		for _, o := range w.Of(kindOf(rt.Path)) {
			if !o.Reads(p) {
				lw.call(key, p, rt.Method, withID(rt.Path, o.ID), nil, http.StatusNotFound)
			}
		}
	case exCommand:
		command := rt.Path[strings.LastIndex(rt.Path, "/")+1:]
		body := commandBodies[command]
		if command == "remote-stop" {
			body = map[string]any{"transaction_id": w.Of(leaktest.KindSession)[0].ID.String()}
		}
		for _, o := range w.Of(leaktest.KindStation) {
			lw.call(key, p, rt.Method, withID(rt.Path, o.ID), body, notFound(o))
		}
	case exCreate:
		for _, b := range lw.createBodies(rt.Path, p) {
			code, got := lw.call(key, p, rt.Method, rt.Path, b, 0)
			if code < 400 && !(rt.Path == "/api/v1/sessions/bulk" && bulkFailed(got)) {
				lw.Fail(key, p, "POST %s with %v: status %d, want an error: %.300s", rt.Path, b, code, got)
			}
		}
	case exImport:
		for _, o := range w.Of(leaktest.KindAccount) {
			if o.Reads(p) {
				continue
			}
			csv := "name,account_id\nLeak Walk," + o.ID.String() + "\n"
			if strings.HasSuffix(rt.Path, "/cards") {
				csv = "external_id,internal_id,account_id\nLEAKWALK-X,LEAKWALK-I," + o.ID.String() + "\n"
			}
			code, got := lw.callCSV(key, p, rt.Path, csv)
			var out struct {
				Created int
				Errors  []struct{ Line int }
			}
			if code == http.StatusOK {
				if err := json.Unmarshal(got, &out); err != nil {
					lw.Fail(key, p, "POST %s: %v", rt.Path, err)
				}
				if out.Created != 0 || len(out.Errors) != 1 || out.Errors[0].Line != 2 {
					lw.Fail(key, p, "POST %s into account %s: %.300s, want nothing created and line 2 refused", rt.Path, o.ID, got)
				}
			} else if code < 400 {
				lw.Fail(key, p, "POST %s: status %d", rt.Path, code)
			}
		}
	case exExplain:
		for _, o := range w.Objects {
			perm, ok := readPermission[o.Kind]
			if !ok {
				continue
			}
			q := url.Values{"permission": {perm}, "resource": {o.Kind + ":" + o.ID.String()}}
			lw.call(key, p, http.MethodGet, rt.Path+"?"+q.Encode(), nil, notFound(o))
		}
	case exReport:
		lw.reports(rt, p)
	default:
		lw.t.Fatalf("%s: no way to exercise %q", key, how)
	}
}

// commandBodies are valid bodies of the remote commands.
var commandBodies = map[string]map[string]any{
	"remote-start":        {"connector_id": 1, "id_tag": "LEAKWALK"},
	"reset":               {"type": "Soft"},
	"unlock":              {"connector_id": 1},
	"change-availability": {"connector_id": 0, "type": "Operative"},
}

// readPermission is the permission explain is asked about for each kind.
var readPermission = map[string]string{
	leaktest.KindOrganization: "organizations.read", leaktest.KindAccount: "accounts.read",
	leaktest.KindEmployee: "employees.read", leaktest.KindCard: "cards.read", leaktest.KindLocation: "locations.read",
	leaktest.KindChargeGroup: "chargegroups.read", leaktest.KindStation: "stations.read",
	leaktest.KindSession: "sessions.card_side.read", leaktest.KindUser: "users.manage",
}

// idParams returns the ID parameters of a route with their kinds.
func idParams(rt api.RouteInfo) []string {
	var out []string
	for _, name := range rt.Params {
		if _, ok := kinds[name]; ok && name != "object_id" {
			out = append(out, name)
		}
	}
	return out
}

func (lw *leakWalk) list(rt api.RouteInfo, p string) {
	key := rt.Key()
	lw.call(key, p, http.MethodGet, rt.Path, nil, 0)
	if slices.Contains(rt.Params, "search") {
		lw.call(key, p, http.MethodGet, rt.Path+"?search=LEAK-", nil, 0)
	}
	if slices.Contains(rt.Params, "object_id") {
		for _, o := range lw.w.Objects {
			if o.Kind != leaktest.KindAuditEvent {
				lw.call(key, p, http.MethodGet, rt.Path+"?object_type="+o.Kind+"&object_id="+o.ID.String(), nil, 0)
			}
		}
	}
	for _, name := range idParams(rt) {
		for _, o := range lw.w.Of(kinds[name]) {
			target := rt.Path + "?" + name + "=" + o.ID.String()
			code, body := lw.call(key, p, http.MethodGet, target, nil, 0)
			if code != http.StatusOK || name == "organization_id" || name == "parent_id" {
				continue
			}
			var page struct{ Data []map[string]any }
			if err := json.Unmarshal(body, &page); err != nil {
				lw.Fail(key, p, "GET %s: %v", target, err)
				continue
			}
			for _, row := range page.Data {
				if !shows(row, name, o.ID) {
					lw.Fail(key, p, "GET %s selects row %v, which does not show %s %s", target, row["id"], name, o.ID)
				}
			}
		}
	}
}

// shows reports whether a list row shows the value of a filter: in the
// field of the filter's name or, for an account, on either side of a
// session.
func shows(row map[string]any, name string, id fc.ID) bool {
	fields := []string{name}
	if name == "account_id" {
		fields = append(fields, "card_account_id", "station_account_id")
	}
	for _, f := range fields {
		if v, ok := row[f].(string); ok && v == id.String() {
			return true
		}
	}
	return false
}

func (lw *leakWalk) reports(rt api.RouteInfo, p string) {
	key := rt.Key()
	for _, name := range fc.Reports {
		path := strings.Replace(rt.Path, "{report}", name, 1) + "?" + leaktest.Period
		for _, format := range []string{"json", "csv", "xlsx"} {
			for _, side := range []string{"", "&side=card", "&side=station"} {
				if side != "" && name != fc.ReportChargeSessions {
					continue
				}
				lw.call(key, p, http.MethodGet, path+"&format="+format+side, nil, 0)
			}
		}
		for _, by := range []string{"account", "organization", "month"} {
			for _, format := range []string{"json", "csv"} {
				lw.call(key, p, http.MethodGet, path+"&group_by="+by+"&format="+format, nil, 0)
			}
		}
		for _, param := range idParams(rt) {
			for _, o := range lw.w.Of(kinds[param]) {
				lw.call(key, p, http.MethodGet, path+"&"+param+"="+o.ID.String(), nil, 0)
			}
		}
	}
	lw.call(key, p, http.MethodGet, strings.Replace(rt.Path, "{report}", "no-such-report", 1), nil, http.StatusNotFound)
}

// bulkFailed reports whether every row of a bulk import's answer failed.
func bulkFailed(body []byte) bool {
	var b struct{ Created, Existing int }
	return json.Unmarshal(body, &b) == nil && b.Created == 0 && b.Existing == 0
}

// createBodies returns the bodies a create route is sent as the persona:
// each refers to objects it may not read, or takes a unique value another
// object holds, so that none may succeed.
func (lw *leakWalk) createBodies(path, p string) []any {
	w := lw.w
	var out []any
	unread := func(kind string) []leaktest.Object {
		var os []leaktest.Object
		for _, o := range w.Of(kind) {
			if !o.Reads(p) {
				os = append(os, o)
			}
		}
		return os
	}
	first := func(kind string) fc.ID {
		if os := unread(kind); len(os) > 0 {
			return os[0].ID
		}
		return w.Of(kind)[0].ID
	}
	n := 0
	unique := func() string { n++; return fmt.Sprintf("leakwalk-%s-%d", p, n) }
	markerOf := func(what string) string {
		for _, m := range w.Markers {
			if m.What == what {
				return m.Value
			}
		}
		lw.t.Fatalf("no marker %q", what)
		return ""
	}
	tariff := map[string]any{"currency": "EUR", "per_kwh": "0.1"}
	session := func(card fc.ID, station fc.ID) map[string]any {
		return map[string]any{"external_ref": unique(), "card_id": card.String(), "station_id": station.String(), "connector_id": 2,
			"started_at": "2025-06-01T08:00:00Z", "stopped_at": "2025-06-01T09:00:00Z", "energy_kwh": "1", "cost": "1", "currency": "EUR"}
	}
	switch path {
	case "/api/v1/organizations":
		for _, o := range unread(leaktest.KindOrganization) {
			out = append(out, map[string]any{"name": unique(), "parent_id": o.ID.String()})
		}
	case "/api/v1/accounts":
		for _, o := range unread(leaktest.KindOrganization) {
			out = append(out, map[string]any{"name": unique(), "kind": "company", "organization_id": o.ID.String()})
		}
	case "/api/v1/employees":
		for _, o := range unread(leaktest.KindAccount) {
			out = append(out, map[string]any{"name": unique(), "account_id": o.ID.String()})
		}
	case "/api/v1/cards":
		for _, o := range unread(leaktest.KindAccount) {
			out = append(out, map[string]any{"account_id": o.ID.String(), "internal_id": fmt.Sprintf("LEAKWALK%d", n), "external_id": unique()})
		}
		// A printed ID another card holds, in every account of the
		// provider: the conflict must not say whose it is. (In its own
		// provider the other provider's admin may take it.)
		for _, a := range w.Of(leaktest.KindAccount) {
			if p == leaktest.Other || a.Reads(leaktest.Other) {
				continue
			}
			out = append(out, map[string]any{"account_id": a.ID.String(), "internal_id": "LEAKWALK" + fmt.Sprint(n),
				"external_id": markerOf("S card's printed ID") + "-0001"})
			n++
		}
	case "/api/v1/locations":
		for _, o := range unread(leaktest.KindAccount) {
			out = append(out, map[string]any{"account_id": o.ID.String(), "name": unique(), "kind": "office"})
		}
	case "/api/v1/charge-groups":
		for _, o := range unread(leaktest.KindAccount) {
			out = append(out, map[string]any{"account_id": o.ID.String(), "name": unique(), "kind": "other", "access": "public", "tariff": tariff})
		}
		for _, c := range unread(leaktest.KindCard) {
			out = append(out, map[string]any{"account_id": first(leaktest.KindAccount).String(), "name": unique(), "kind": "other",
				"access": "restricted", "allowed_card_ids": []string{c.ID.String()}, "tariff": tariff})
		}
	case "/api/v1/stations":
		for _, o := range unread(leaktest.KindAccount) {
			out = append(out, map[string]any{"account_id": o.ID.String(), "location_id": first(leaktest.KindLocation).String(),
				"charge_group_id": first(leaktest.KindChargeGroup).String(), "identity": unique()})
		}
	case "/api/v1/sessions", "/api/v1/sessions/bulk":
		var bodies []any
		for _, c := range unread(leaktest.KindCard) {
			for _, s := range w.Of(leaktest.KindStation) {
				bodies = append(bodies, session(c.ID, s.ID))
			}
		}
		for _, s := range unread(leaktest.KindStation) {
			for _, c := range w.Of(leaktest.KindCard) {
				bodies = append(bodies, session(c.ID, s.ID))
			}
		}
		// By id_tag, the internal ID of a card the persona may not read.
		for _, what := range []string{"N card's internal ID", "S card's internal ID", "O card's internal ID"} {
			b := session(0, first(leaktest.KindStation))
			delete(b, "card_id")
			b["id_tag"] = markerOf(what)
			if !slices.ContainsFunc(w.Markers, func(m leaktest.Marker) bool { return m.What == what && slices.Contains(m.Readers, p) }) {
				bodies = append(bodies, b)
			}
		}
		if path == "/api/v1/sessions" {
			out = bodies
		} else if len(bodies) > 0 {
			out = append(out, bodies)
		}
	case "/api/v1/users":
		// The e-mail address of a user of this provider.
		out = append(out, map[string]any{"email": markerOf("a bystander's e-mail"), "name": unique()})
	case "/api/v1/role-assignments":
		for _, o := range unread(leaktest.KindOrganization) {
			out = append(out, map[string]any{"user_id": w.Of(leaktest.KindUser)[0].ID.String(), "role": "fleet_manager", "organization_id": o.ID.String()})
		}
		for _, u := range unread(leaktest.KindUser) {
			out = append(out, map[string]any{"user_id": u.ID.String(), "role": "fleet_manager", "organization_id": first(leaktest.KindOrganization).String()})
		}
	case "/api/v1/migrations":
		for _, c := range unread(leaktest.KindCard) {
			for _, a := range w.Of(leaktest.KindAccount) {
				out = append(out, map[string]any{"dry_run": true, "kind": "cards", "ids": []string{c.ID.String()}, "target_account_id": a.ID.String()})
			}
		}
		for _, a := range unread(leaktest.KindAccount) {
			for _, c := range w.Of(leaktest.KindCard) {
				out = append(out, map[string]any{"dry_run": true, "kind": "cards", "ids": []string{c.ID.String()}, "target_account_id": a.ID.String()})
			}
		}
	default:
		lw.t.Fatalf("no create bodies for %s", path)
	}
	return out
}
