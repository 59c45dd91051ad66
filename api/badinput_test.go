package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
)

// TestBadInputEveryRoute sends each class of bad input to every route that
// accepts it, as the provider admin (who may do everything, so that only
// the input can be refused), and checks that each answer is a 4xx JSON error
// with a code and that the database is unchanged: the row count of every
// table and the audit log stay as they were.
//
// The classes of a body are derived from the route's schema in the OpenAPI
// document (a string field, a field of another type), so a new route with a
// body is covered without an entry here.
func TestBadInputEveryRoute(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		doc := w.do("", "GET", "/api/v1/openapi.json", nil).want(t, http.StatusOK).object(t)
		ids := w.pathIDs(t)
		for _, rt := range w.srv.Routes() {
			path := fillPath(t, rt.Path, ids)
			if rt.Body {
				schema := requestSchema(t, doc, rt)
				for _, c := range bodyClasses(schema, rt.Bulk) {
					t.Run(rt.Key()+"/body/"+c.name, func(t *testing.T) {
						w.refused(t, rt.Method, path, c.contentType, c.body, rt.Bulk, c.want...)
					})
				}
			}
			for _, c := range queryClasses(rt) {
				t.Run(rt.Key()+"/query/"+c.name, func(t *testing.T) {
					body, ct := any(nil), ""
					if rt.Body {
						body, ct = "{}", "application/json"
					}
					w.refused(t, rt.Method, path+"?"+c.query, ct, body, false)
				})
			}
		}
	})
}

// TestBadSessionImports sends imports that a real charger or back office
// cannot have produced, singly and in bulk, and checks that each is refused
// and nothing is written.
func TestBadSessionImports(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		start := time.Date(2025, 4, 1, 8, 0, 0, 0, time.UTC)
		base := func(ref string) map[string]any {
			return map[string]any{"external_ref": ref, "card_id": w.north1.card.String(), "station_id": w.north1.station.String(),
				"connector_id": 1, "started_at": start.Format(time.RFC3339), "stopped_at": start.Add(time.Hour).Format(time.RFC3339),
				"energy_kwh": "10.5", "cost": "3.50", "currency": "EUR"}
		}
		with := func(ref string, kv ...any) map[string]any {
			m := base(ref)
			for i := 0; i < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		// Overlapping the session the world imported on N-DEPOT-1,
		// connector 1, 2025-03-03 08:00-09:30.
		overlapStart := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
		cases := []struct {
			name string
			body map[string]any
		}{
			{"meter near int64 max", with("bad-meter", "meter_start_wh", int64(1)<<62)},
			{"energy beyond any charger", with("bad-energy", "energy_kwh", "9999999999999.999")},
			{"energy negative", with("bad-negative", "energy_kwh", "-1")},
			{"year 9999", with("bad-year", "started_at", "9999-01-01T00:00:00Z", "stopped_at", "9999-01-01T01:00:00Z")},
			{"before any EV charging back office", with("bad-past", "started_at", "1970-01-01T00:00:00Z", "stopped_at", "1970-01-01T01:00:00Z")},
			{"stopped before started", with("bad-order", "stopped_at", start.Add(-time.Hour).Format(time.RFC3339))},
			{"a month long", with("bad-long", "stopped_at", start.Add(31*24*time.Hour).Format(time.RFC3339))},
			{"overlapping on one connector", with("bad-overlap", "started_at", overlapStart.Format(time.RFC3339),
				"stopped_at", overlapStart.Add(time.Hour).Format(time.RFC3339))},
			{"currency not ISO 4217", with("bad-currency", "currency", "EURO")},
			{"NUL in the reference", with("bad\x00nul")},
			{"reference of 100,000 characters", with(strings.Repeat("r", 100_000))},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				w.refused(t, "POST", "/api/v1/sessions", "application/json", c.body, false)
			})
			t.Run(c.name+"/bulk", func(t *testing.T) {
				w.refused(t, "POST", "/api/v1/sessions/bulk", "application/json", []any{c.body}, true)
			})
		}
		// A valid import still passes, so the refusals above are the
		// input's doing.
		w.do(admin, "POST", "/api/v1/sessions", base("good-one")).want(t, http.StatusCreated)
	})
}

// refused sends a request as the provider admin and checks that it is
// answered by a 4xx JSON error (one of want when given) and changed nothing.
// A bulk import may instead answer 200 with every row failed, each with
// its error code: its rows are refused one by one.
func (w *world) refused(t *testing.T, method, path, contentType string, body any, bulk bool, want ...int) {
	t.Helper()
	before := w.counts(t)
	r := w.send(admin, method, path, contentType, body)
	if bulk && r.status == http.StatusOK {
		var res struct {
			Created, Existing int
			Results           []struct {
				Error *struct{ Code string } `json:"error"`
			} `json:"results"`
		}
		r.json(t, &res)
		for _, row := range res.Results {
			if row.Error == nil || row.Error.Code == "" {
				t.Fatalf("%s %s: a row was not refused: %.300s", method, path, r.body)
			}
		}
		if len(res.Results) == 0 || res.Created+res.Existing > 0 {
			t.Fatalf("%s %s: rows were taken: %.300s", method, path, r.body)
		}
		w.unchanged(t, before)
		return
	}
	if r.status < 400 || r.status > 499 {
		t.Fatalf("%s %s: status %d, want 4xx; body %.300s", method, path, r.status, r.body)
	}
	if len(want) > 0 && !slices.Contains(want, r.status) {
		t.Fatalf("%s %s: status %d, want one of %v; body %.300s", method, path, r.status, want, r.body)
	}
	if r.errorCode() == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("%s %s: status %d without a JSON error: %.300s", method, path, r.status, r.body)
	}
	w.unchanged(t, before)
}

// tables are every table of the schema but those a read may touch (the web
// sessions and the tokens' last use are not counted: their rows do not
// change in number on a read).
var tables = []string{"providers", "organizations", "org_closure", "accounts", "employees", "cards", "locations",
	"charge_groups", "charge_group_access", "stations", "charge_points", "sessions", "users", "role_assignments",
	"api_tokens", "audit_events", "web_sessions", "password_resets"}

// counts returns the row count of every table and the newest audit event.
func (w *world) counts(t *testing.T) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tb := range tables {
		var n int64
		check(t, w.st.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+tb).Scan(&n))
		out[tb] = n
	}
	var last int64
	check(t, w.st.DB().QueryRowContext(context.Background(), "SELECT COALESCE(MAX(id), 0) FROM audit_events").Scan(&last))
	out["last audit event"] = last
	return out
}

func (w *world) unchanged(t *testing.T, before map[string]int64) {
	t.Helper()
	after := w.counts(t)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %d rows before, %d after", k, v, after[k])
		}
	}
}

// pathIDs maps each path segment that names a collection to an object of
// North the provider admin may change.
func (w *world) pathIDs(t *testing.T) map[string]fc.ID {
	t.Helper()
	as, err := w.st.UserAssignments(context.Background(), w.users[northFleet])
	check(t, err)
	events, err := w.st.AuditEvents(context.Background(), fc.Scope{ProviderID: w.provider, Reach: fc.Reach{All: true}}, fc.AuditFilter{Page: fc.Page{Limit: 1}})
	check(t, err)
	if len(as) == 0 || len(events) == 0 {
		t.Fatal("the world has no assignment or audit event")
	}
	hook, delivery := w.webhook(t)
	return map[string]fc.ID{
		"organizations": w.north, "accounts": w.northAcc, "employees": w.north1.employee, "cards": w.north1.card,
		"locations": w.north1.location, "charge-groups": w.north1.group, "stations": w.north1.station,
		"sessions": w.north1.session, "users": w.users[northFleet], "role-assignments": as[0].ID, "audit-events": events[0].ID,
		"reservations":             w.reservation(t),
		"station-jobs":             w.stationJob(t),
		"ocpi-partners":            w.ocpiPartner(t),
		"ocpi-commands":            w.ocpiCommand(t),
		"reimbursement-rates":      w.reimbursementRate(t),
		"reimbursement-statements": w.reimbursementStatement(t),
		"invoices":                 w.invoice(t),
		"identity-providers":       w.identityProvider(t),
		"webhooks":                 hook,
		"deliveries":               delivery,
		"event-subscriptions":      w.subscription(t),
	}
}

// fillPath replaces the path parameters of an API path.
func fillPath(t *testing.T, path string, ids map[string]fc.ID) string {
	t.Helper()
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch s {
		case "{id}":
			id, ok := ids[segs[i-1]]
			if !ok {
				t.Fatalf("%s: no object for the collection %q: add one to pathIDs", path, segs[i-1])
			}
			segs[i] = id.String()
		case "{report}":
			segs[i] = "charge-cards"
		case "{delivery_id}":
			segs[i] = ids["deliveries"].String()
		default:
			if strings.HasPrefix(s, "{") {
				t.Fatalf("%s: no value for %s: add one to fillPath", path, s)
			}
		}
	}
	return strings.Join(segs, "/")
}

// requestSchema returns the JSON Schema of the route's request body (of one
// item for a bulk route), with references resolved.
func requestSchema(t *testing.T, doc map[string]any, rt api.RouteInfo) map[string]any {
	t.Helper()
	op := dig(doc, "paths", rt.Path, strings.ToLower(rt.Method))
	s := dig(op, "requestBody", "content", "application/json", "schema")
	if items := dig(s, "items"); items != nil {
		s = items
	}
	s = resolve(t, doc, s)
	if s == nil || dig(s, "properties") == nil {
		t.Fatalf("%s: no request body schema with properties in the OpenAPI document", rt.Key())
	}
	return s
}

func resolve(t *testing.T, doc, s map[string]any) map[string]any {
	t.Helper()
	for i := 0; s != nil && i < 4; i++ {
		if ref, ok := s["$ref"].(string); ok {
			s = dig(doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...)
			continue
		}
		if all, ok := s["allOf"].([]any); ok && len(all) == 1 {
			s, _ = all[0].(map[string]any)
			continue
		}
		break
	}
	return s
}

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		if m == nil {
			return nil
		}
		m, _ = m[k].(map[string]any)
	}
	return m
}

type badBody struct {
	name, contentType string
	body              any
	want              []int
}

// bodyClasses returns the bad bodies for a request schema: each is refused
// by the decoding alone, whatever the route does with a good body.
func bodyClasses(schema map[string]any, bulk bool) []badBody {
	var str, other, otherType string
	var names []string
	for name := range dig(schema, "properties") {
		names = append(names, name)
	}
	slices.Sort(names) // the same field every run
	for _, name := range names {
		ty := dig(schema, "properties", name)["type"]
		switch {
		case ty == "string" && str == "":
			str = name
		case ty == "integer" || ty == "boolean" || ty == "number":
			if other == "" {
				other, otherType = name, ty.(string)
			}
		}
	}
	wrap := func(obj string) string {
		if bulk {
			return "[" + obj + "]"
		}
		return obj
	}
	field := str
	if field == "" && len(names) > 0 {
		field = names[0]
	}
	if field == "" { // a body without fields, such as clear-cache's
		field = "any_field"
	}
	out := []badBody{
		{name: "malformed", contentType: "application/json", body: wrap(`{"` + field + `": `)},
		{name: "not an object", contentType: "application/json", body: wrap(`"x"`)},
		{name: "unknown field", contentType: "application/json", body: wrap(`{"no_such_field_anywhere": 1}`)},
		{name: "duplicate key", contentType: "application/json", body: wrap(fmt.Sprintf(`{"%s": "a", "%s": "b"}`, field, field))},
		{name: "two values", contentType: "application/json", body: wrap(`{}`) + ` {}`},
		{name: "no content type", contentType: "", body: wrap(`{}`)},
		{name: "form content type", contentType: "application/x-www-form-urlencoded", body: field + "=x"},
		{name: "oversized", contentType: "application/json",
			body: wrap(`{"` + field + `": "` + strings.Repeat("x", 17<<20) + `"}`), want: []int{http.StatusRequestEntityTooLarge}},
	}
	if str != "" {
		out = append(out,
			badBody{name: "invalid UTF-8", contentType: "application/json", body: wrap(`{"` + str + "\": \"a\xff\xfeb\"}")},
			badBody{name: "NUL", contentType: "application/json", body: wrap(`{"` + str + `": "a\u0000b"}`)},
			badBody{name: "string as number", contentType: "application/json", body: wrap(`{"` + str + `": 12}`)},
		)
	}
	if other != "" {
		v := `"12"`
		if otherType == "boolean" {
			v = `"yes"`
		}
		out = append(out, badBody{name: "wrong type", contentType: "application/json", body: wrap(`{"` + other + `": ` + v + `}`)})
	}
	return out
}

type badQuery struct{ name, query string }

// queryClasses returns the bad query strings for a route: a parameter it
// does not know, and for each of its parameters a value cut by a semicolon,
// with a NUL, with invalid UTF-8, and of 60,000 characters.
func queryClasses(rt api.RouteInfo) []badQuery {
	out := []badQuery{{"unknown parameter", "no_such_parameter=1"}}
	for _, p := range rt.Params {
		out = append(out,
			badQuery{p + " semicolon", p + "=1;x"},
			badQuery{p + " NUL", p + "=a%00b"},
			badQuery{p + " invalid UTF-8", p + "=a%FF%FEb"},
			badQuery{p + " 60000 characters", p + "=" + url.QueryEscape(strings.Repeat("a", 60_000))},
		)
	}
	return out
}
