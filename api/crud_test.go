package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// crud runs the happy path of one collection as the provider admin:
// create, read, list, change, delete, and read again (404).
type crud struct {
	collection string
	create     map[string]any
	wantCreate map[string]any // fields of the created object
	listQuery  string         // a filter the new object passes
	patch      map[string]any
	wantPatch  map[string]any // fields after the change; others keep their value
	noDelete   bool
}

func (c crud) run(t *testing.T, w *world) string {
	t.Helper()
	base := "/api/v1/" + c.collection
	created := w.do(admin, "POST", base, c.create).want(t, http.StatusCreated).object(t)
	id, _ := created["id"].(string)
	if id == "" {
		t.Fatalf("created %s has no id: %v", c.collection, created)
	}
	wantFields(t, "created", created, c.wantCreate)
	got := w.do(admin, "GET", base+"/"+id, nil).want(t, http.StatusOK).object(t)
	wantFields(t, "read", got, c.wantCreate)
	if ids := w.do(admin, "GET", base+"?"+c.listQuery, nil).want(t, http.StatusOK).ids(t); !slices.Contains(ids, id) {
		t.Errorf("list ?%s = %v, want it to hold %s", c.listQuery, ids, id)
	}
	if c.patch != nil {
		patched := w.do(admin, "PATCH", base+"/"+id, c.patch).want(t, http.StatusOK).object(t)
		wantFields(t, "patched", patched, c.wantPatch)
		for k, v := range c.wantCreate {
			if _, changed := c.wantPatch[k]; !changed {
				wantFields(t, "patched, unchanged field", patched, map[string]any{k: v})
			}
		}
	}
	if !c.noDelete {
		w.do(admin, "DELETE", base+"/"+id, nil).want(t, http.StatusNoContent)
		w.do(admin, "GET", base+"/"+id, nil).want(t, http.StatusNotFound)
	}
	return id
}

// wantFields checks the fields of a JSON object, comparing numbers and
// strings by their text.
func wantFields(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if g, w := fmt.Sprint(got[k]), fmt.Sprint(v); g != w {
			t.Errorf("%s: %s = %s, want %s (object %v)", what, k, g, w, got)
		}
	}
}

func TestCRUD(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		tests := []struct {
			name string
			crud crud
		}{
			{"organizations", crud{collection: "organizations",
				create:     map[string]any{"name": "East", "parent_id": w.holding.String(), "country": "nl"},
				wantCreate: map[string]any{"name": "East", "parent_id": w.holding.String(), "country": "NL", "depth": 1},
				listQuery:  "parent_id=" + w.holding.String(),
				patch:      map[string]any{"name": "East Region"},
				wantPatch:  map[string]any{"name": "East Region"}}},
			{"accounts", crud{collection: "accounts",
				create:     map[string]any{"organization_id": w.north.String(), "name": "North Couriers", "kind": "company"},
				wantCreate: map[string]any{"name": "North Couriers", "organization_id": w.north.String(), "kind": "company"},
				listQuery:  "organization_id=" + w.holding.String() + "&kind=company",
				patch:      map[string]any{"name": "North Couriers BV"},
				wantPatch:  map[string]any{"name": "North Couriers BV"}}},
			{"employees", crud{collection: "employees",
				create:     map[string]any{"account_id": w.northAcc.String(), "name": "Ada Driver", "email": "ada@example.com"},
				wantCreate: map[string]any{"name": "Ada Driver", "active": true, "email": "ada@example.com"},
				listQuery:  "account_id=" + w.northAcc.String() + "&active=true&search=ada",
				patch:      map[string]any{"active": false},
				wantPatch:  map[string]any{"active": false}}},
			{"cards", crud{collection: "cards",
				create:     map[string]any{"account_id": w.northAcc.String(), "internal_id": "04FFEE01", "external_id": "NL-FC-9"},
				wantCreate: map[string]any{"status": "active", "internal_id": "04FFEE01", "employee_id": nil},
				listQuery:  "status=active&search=nl-fc",
				patch:      map[string]any{"status": "inactive", "employee_id": w.north1.employee.String()},
				wantPatch:  map[string]any{"status": "inactive", "employee_id": w.north1.employee.String()}}},
			{"locations", crud{collection: "locations",
				create:     map[string]any{"account_id": w.northAcc.String(), "name": "Harbour", "kind": "office", "city": "Groningen"},
				wantCreate: map[string]any{"name": "Harbour", "kind": "office", "city": "Groningen"},
				listQuery:  "kind=office",
				patch:      map[string]any{"city": "Delfzijl", "address": "Kade 1"},
				wantPatch:  map[string]any{"city": "Delfzijl", "address": "Kade 1"}}},
			{"charge-groups", crud{collection: "charge-groups",
				create: map[string]any{"account_id": w.northAcc.String(), "name": "Visitors", "kind": "other", "access": "restricted",
					"allowed_account_ids": []string{w.southAcc.String()},
					"tariff":              map[string]any{"currency": "eur", "per_kwh": 0.35, "per_minute": "0.05", "start_fee": 1}},
				wantCreate: map[string]any{"access": "restricted", "allowed_account_ids": []any{w.southAcc.String()},
					"tariff": map[string]any{"currency": "EUR", "per_kwh": 0.35, "per_minute": 0.05, "start_fee": 1}},
				listQuery: "account_id=" + w.northAcc.String(),
				patch:     map[string]any{"tariff": map[string]any{"per_kwh": "0.4"}},
				wantPatch: map[string]any{"tariff": map[string]any{"currency": "EUR", "per_kwh": 0.4, "per_minute": 0.05, "start_fee": 1}}}},
			{"stations", crud{collection: "stations",
				create: map[string]any{"account_id": w.northAcc.String(), "location_id": w.north1.location.String(),
					"charge_group_id": w.north1.group.String(), "identity": "N-DEPOT-2", "connectors": 2},
				wantCreate: map[string]any{"identity": "N-DEPOT-2", "connection": "offline"},
				listQuery:  "search=depot-2",
				patch:      map[string]any{"vendor": "ABB", "password": "0123456789abcdefXYZ"},
				wantPatch:  map[string]any{"vendor": "ABB"}}},
			{"users", crud{collection: "users",
				create:     map[string]any{"email": "Grace@Example.com", "name": "Grace"},
				wantCreate: map[string]any{"email": "grace@example.com", "must_change_password": true, "disabled": false},
				listQuery:  "search=grace",
				patch:      map[string]any{"name": "Grace H."},
				wantPatch:  map[string]any{"name": "Grace H."},
				noDelete:   true}},
			{"role-assignments", crud{collection: "role-assignments",
				create:     map[string]any{"user_id": w.users[nobody].String(), "role": "fleet_manager", "organization_id": w.north.String()},
				wantCreate: map[string]any{"role": "fleet_manager", "organization_id": w.north.String(), "created_by": w.users[admin].String()},
				listQuery:  "user_id=" + w.users[nobody].String()}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.crud.run(t, w) })
		}

		t.Run("station password", func(t *testing.T) {
			body := map[string]any{"account_id": w.northAcc.String(), "location_id": w.north1.location.String(),
				"charge_group_id": w.north1.group.String(), "identity": "N-DEPOT-3"}
			created := w.do(admin, "POST", "/api/v1/stations", body).want(t, http.StatusCreated).object(t)
			if p, _ := created["password"].(string); len(p) != 24 {
				t.Errorf("generated password %q, want 24 characters", p)
			}
			if _, ok := created["password_hash"]; ok {
				t.Errorf("the station shows its password hash: %v", created)
			}
			body["identity"], body["password"] = "N-DEPOT-4", "0123456789abcdef"
			created = w.do(admin, "POST", "/api/v1/stations", body).want(t, http.StatusCreated).object(t)
			if _, ok := created["password"]; ok {
				t.Errorf("a given password is returned: %v", created)
			}
			body["identity"], body["password"] = "N-DEPOT-5", "short"
			if got := w.do(admin, "POST", "/api/v1/stations", body).want(t, http.StatusBadRequest).fields(); got["password"] == "" {
				t.Errorf("fields %v, want password", got)
			}
		})

		t.Run("user one-time password and disable", func(t *testing.T) {
			created := w.do(admin, "POST", "/api/v1/users", map[string]any{"email": "new@example.com"}).want(t, http.StatusCreated).object(t)
			if p, _ := created["password"].(string); len(p) != 16 {
				t.Errorf("one-time password %q, want 16 characters", p)
			}
			id := created["id"].(string)
			w.do(admin, "DELETE", "/api/v1/users/"+id, nil).want(t, http.StatusNoContent)
			wantFields(t, "disabled user", w.do(admin, "GET", "/api/v1/users/"+id, nil).want(t, http.StatusOK).object(t),
				map[string]any{"disabled": true})
			if got := w.do(admin, "DELETE", "/api/v1/users/"+w.users[admin].String(), nil); got.status != http.StatusUnprocessableEntity {
				t.Errorf("disabling oneself: status %d, want 422", got.status)
			}
		})

		t.Run("audit events", func(t *testing.T) {
			r := w.do(admin, "GET", "/api/v1/audit-events?object_type=card&object_id="+w.north1.card.String(), nil).want(t, http.StatusOK)
			ids := r.ids(t)
			if len(ids) == 0 {
				t.Fatal("no audit event of the card")
			}
			e := w.do(admin, "GET", "/api/v1/audit-events/"+ids[0], nil).want(t, http.StatusOK).object(t)
			wantFields(t, "audit event", e, map[string]any{"action": "card.create", "object_type": "card", "before": nil})
			if after, ok := e["after"].(map[string]any); !ok || after["external_id"] != "N-0001" {
				t.Errorf("after = %v, want the card as an object", e["after"])
			}
		})

		t.Run("pagination", func(t *testing.T) {
			var all []string
			next := ""
			for page := 0; page < 10; page++ {
				url := "/api/v1/cards?limit=1"
				if next != "" {
					url += "&after=" + next
				}
				r := w.do(admin, "GET", url, nil).want(t, http.StatusOK)
				var body struct {
					Data       []struct{ ID string } `json:"data"`
					NextCursor *string               `json:"next_cursor"`
				}
				r.json(t, &body)
				for _, d := range body.Data {
					all = append(all, d.ID)
				}
				if body.NextCursor == nil {
					break
				}
				next = *body.NextCursor
			}
			want := w.do(admin, "GET", "/api/v1/cards", nil).want(t, http.StatusOK).ids(t)
			if !slices.Equal(all, want) {
				t.Errorf("paged through %v, want %v", all, want)
			}
		})
	})
}

func TestSessionImport(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		body := map[string]any{"external_ref": "cdr-1", "id_tag": "n04a1b2c3", "location_kind": "public", "location_name": "Motorway A7",
			"started_at": "2025-03-04T10:00:00Z", "stopped_at": "2025-03-04T10:45:30Z", "energy_kwh": "21.5", "cost": 9.99, "currency": "EUR"}
		created := w.do(admin, "POST", "/api/v1/sessions", body).want(t, http.StatusCreated).object(t)
		wantFields(t, "imported", created, map[string]any{"card_id": w.north1.card.String(), "energy_kwh": 21.5, "cost": 9.99,
			"duration_minutes": 45.5, "location_kind": "public", "source": "import", "card_account_id": w.northAcc.String()})
		again := w.do(admin, "POST", "/api/v1/sessions", body).want(t, http.StatusOK).object(t)
		if again["id"] != created["id"] {
			t.Errorf("re-import id %v, want %v", again["id"], created["id"])
		}
		body["cost"] = 10
		if got := w.do(admin, "POST", "/api/v1/sessions", body); got.status != http.StatusConflict {
			t.Errorf("re-import with other data: status %d, want 409", got.status)
		}
		body["cost"], body["external_ref"] = "1.234", "cdr-2"
		if got := w.do(admin, "POST", "/api/v1/sessions", body).want(t, http.StatusBadRequest).fields(); got["cost"] == "" {
			t.Errorf("fields %v, want cost (more decimals than the currency has)", got)
		}
		// The fleet manager of North reads the sessions of its cards, but
		// may not import: that is the provider's business.
		if ids := w.do(northFleet, "GET", "/api/v1/sessions?location_kind=public", nil).want(t, http.StatusOK).ids(t); !slices.Contains(ids, created["id"].(string)) {
			t.Errorf("north fleet manager lists %v, want the imported session", ids)
		}
		body["cost"] = 1
		w.do(northFleet, "POST", "/api/v1/sessions", body).want(t, http.StatusForbidden)
		body["card_id"] = w.south1.card.String()
		delete(body, "id_tag")
		if got := w.do(otherAdmin, "POST", "/api/v1/sessions", body).want(t, http.StatusBadRequest).fields(); got["card_id"] != "no such card" {
			t.Errorf("importing with another provider's card: fields %v, want card_id: no such card", got)
		}

		t.Run("bulk JSON", func(t *testing.T) {
			rows := []any{
				map[string]any{"external_ref": "cdr-1", "id_tag": "N04A1B2C3", "location_kind": "public", "location_name": "Motorway A7",
					"started_at": "2025-03-04T10:00:00Z", "stopped_at": "2025-03-04T10:45:30Z", "energy_kwh": 21.5, "cost": 9.99, "currency": "EUR"},
				map[string]any{"external_ref": "cdr-3", "card_id": w.north1.card.String(), "station_id": w.south1.station.String(), "connector_id": 2,
					"started_at": "2025-03-05T10:00:00Z", "stopped_at": "2025-03-05T11:00:00Z", "energy_kwh": 11, "cost": 3.85, "currency": "EUR"},
				map[string]any{"external_ref": "cdr-4", "card_id": 5},
			}
			var got struct {
				Created, Existing, Failed int
				Results                   []struct {
					Index  int
					Status string
					ID     *string
					Error  *struct {
						Code   string
						Fields map[string]string
					}
				}
			}
			w.do(admin, "POST", "/api/v1/sessions/bulk", rows).want(t, http.StatusOK).json(t, &got)
			if got.Created != 1 || got.Existing != 1 || got.Failed != 1 {
				t.Fatalf("bulk: %+v, want 1 created, 1 existing, 1 failed", got)
			}
			if e := got.Results[2].Error; e == nil || e.Fields["card_id"] == "" || e.Fields["started_at"] != "is required" {
				t.Errorf("failed row error %+v, want card_id and started_at named", e)
			}
		})

		t.Run("bulk CSV", func(t *testing.T) {
			csv := "external_ref,id_tag,location_kind,location_name,started_at,stopped_at,energy_kwh,cost,currency\n" +
				"cdr-10,N04A1B2C3,home,Home,2025-03-06T18:00:00Z,2025-03-06T20:00:00Z,7.25,2.54,EUR\n" +
				"cdr-11,N04A1B2C3,home,Home,2025-03-07T18:00:00Z,2025-03-07T20:00:00Z,lots,2.54,EUR\n"
			var got struct{ Created, Existing, Failed int }
			w.send(admin, "POST", "/api/v1/sessions/bulk", "text/csv", csv).want(t, http.StatusOK).json(t, &got)
			if got.Created != 1 || got.Failed != 1 {
				t.Errorf("bulk CSV: %+v, want 1 created and 1 failed", got)
			}
			r := w.send(admin, "POST", "/api/v1/sessions/bulk", "text/csv", "external_ref,colour\nx,red\n").want(t, http.StatusBadRequest)
			if r.fields()["colour"] == "" {
				t.Errorf("unknown column: fields %v, want colour", r.fields())
			}
		})
	})
}

func TestStationCommands(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		path := "/api/v1/stations/" + w.north1.station.String() + "/commands/"
		w.do(northFacility, "POST", path+"reset", map[string]any{"type": "Soft"}).want(t, http.StatusConflict)
		w.cmd.online[w.north1.identity] = true
		got := w.do(northFacility, "POST", path+"remote-start", map[string]any{"connector_id": 1, "id_tag": "N04A1B2C3"}).want(t, http.StatusOK).object(t)
		wantFields(t, "remote start", got, map[string]any{"status": "Accepted", "action": "RemoteStartTransaction", "command": "remote-start"})
		if len(w.cmd.calls) != 1 || w.cmd.calls[0] != w.north1.identity+" RemoteStartTransaction" {
			t.Errorf("calls %v", w.cmd.calls)
		}
		for _, tt := range []struct {
			command string
			body    map[string]any
			field   string
		}{
			{"reset", map[string]any{"type": "Medium"}, "type"},
			{"unlock", map[string]any{"connector_id": 3}, "connector_id"},
			{"change-availability", map[string]any{"connector_id": 0}, "type"},
			{"remote-stop", map[string]any{}, "transaction_id"},
		} {
			if got := w.do(northFacility, "POST", path+tt.command, tt.body).want(t, http.StatusBadRequest).fields(); got[tt.field] == "" {
				t.Errorf("%s %v: fields %v, want %s", tt.command, tt.body, got, tt.field)
			}
		}
		w.do(northFacility, "POST", path+"unlock", map[string]any{"connector_id": 2}).want(t, http.StatusOK)
		// A fleet manager reads no office station, so it is not found; the
		// holding's manager may command it.
		w.do(northFleet, "POST", path+"reset", map[string]any{"type": "Hard"}).want(t, http.StatusNotFound)
		w.do(holdingMgr, "POST", path+"reset", map[string]any{"type": "Hard"}).want(t, http.StatusOK)
		w.do(northFacility, "POST", path+"self-destruct", map[string]any{}).want(t, http.StatusNotFound)
		w.do(northFacility, "GET", path+"reset", nil).want(t, http.StatusMethodNotAllowed)
	})
}

func TestMeAndExplain(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		var me struct {
			User   struct{ Email string }
			Roles  []string
			Scopes []struct {
				Kind   string
				ID     string
				Name   string
				Roles  []string
				Counts struct{ Organizations, Accounts, Cards, Stations int }
			}
			Counts struct{ Organizations, Accounts, Cards, Stations int }
		}
		w.do(holdingMgr, "GET", "/api/v1/me/access", nil).want(t, http.StatusOK).json(t, &me)
		if me.User.Email != "holding@example.com" || !slices.Equal(me.Roles, []string{"fleet_manager", "facility_manager"}) {
			t.Errorf("me: %+v", me)
		}
		if len(me.Scopes) != 1 || me.Scopes[0].Name != "Logistics Holding" || me.Scopes[0].ID != w.holding.String() {
			t.Fatalf("scopes %+v, want the holding", me.Scopes)
		}
		want := struct{ Organizations, Accounts, Cards, Stations int }{3, 3, 2, 2}
		if me.Counts != want || me.Scopes[0].Counts != want {
			t.Errorf("counts %+v and %+v, want %+v", me.Counts, me.Scopes[0].Counts, want)
		}
		w.do(northAdmin, "GET", "/api/v1/me/access", nil).want(t, http.StatusOK).json(t, &me)
		if want := (struct{ Organizations, Accounts, Cards, Stations int }{0, 1, 1, 1}); me.Counts != want {
			t.Errorf("account admin counts %+v, want %+v", me.Counts, want)
		}
		w.do("", "GET", "/api/v1/me/access", nil).want(t, http.StatusUnauthorized)

		explain := func(who, query string) map[string]any {
			return w.do(who, "GET", "/api/v1/access/explain?"+query, nil).want(t, http.StatusOK).object(t)
		}
		got := explain(northFleet, "permission=cards.manage&resource=card:"+w.north1.card.String())
		wantFields(t, "explain own card", got, map[string]any{"allowed": true, "user_id": w.users[northFleet].String()})
		got = explain(admin, "user_id="+w.users[northFacility].String()+"&permission=cards.read&resource=card:"+w.north1.card.String())
		wantFields(t, "explain about another user", got, map[string]any{"allowed": false})
		got = explain(northFacility, "permission=sessions.station_side.read&resource=session:"+w.north1.session.String())
		wantFields(t, "explain a session", got, map[string]any{"allowed": true, "card_masked": true})
		got = explain(admin, "permission=organizations.manage&resource=provider")
		wantFields(t, "explain on the provider", got, map[string]any{"allowed": true})

		// Not about others without users.manage; not about what one cannot see.
		w.do(northFleet, "GET", "/api/v1/access/explain?user_id="+w.users[admin].String()+"&permission=cards.read&resource=card:"+w.north1.card.String(), nil).
			want(t, http.StatusForbidden)
		w.do(southFleet, "GET", "/api/v1/access/explain?permission=cards.read&resource=card:"+w.north1.card.String(), nil).want(t, http.StatusNotFound)
		w.do(otherAdmin, "GET", "/api/v1/access/explain?user_id="+w.users[admin].String()+"&permission=cards.read&resource=provider", nil).
			want(t, http.StatusNotFound)
		r := w.do(admin, "GET", "/api/v1/access/explain?permission=cards.fly&resource=card", nil).want(t, http.StatusBadRequest)
		if f := r.fields(); f["permission"] == "" || f["resource"] == "" {
			t.Errorf("fields %v, want permission and resource", f)
		}
	})
}

func TestReports(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		got := w.do(holdingMgr, "GET", "/api/v1/reports/charge-cards?from=2025-03-01&to=2025-04-01", nil).want(t, http.StatusOK)
		var body struct {
			Rows []map[string]any `json:"rows"`
		}
		got.json(t, &body)
		if len(body.Rows) != 2 {
			t.Errorf("the holding's card report has %d rows, want its 2 cards: %s", len(body.Rows), got.body)
		}
		got = w.do(northFleet, "GET", "/api/v1/reports/charge-cards?from=2025-03-01&to=2025-04-01&format=csv", nil).want(t, http.StatusOK)
		if ct := got.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if lines := strings.Count(string(got.body), "\n"); lines < 2 {
			t.Errorf("CSV %q, want a header and North's card", got.body)
		}
		w.do(northFleet, "GET", "/api/v1/reports/charge-cards?organization_id="+w.south.String(), nil).want(t, http.StatusNotFound)
		w.do(northFleet, "GET", "/api/v1/reports/charge-stations", nil).want(t, http.StatusForbidden)
		w.do(northFleet, "GET", "/api/v1/reports/nope", nil).want(t, http.StatusNotFound)
		w.do(northFleet, "GET", "/api/v1/reports/charge-cards?colour=red", nil).want(t, http.StatusBadRequest)
	})
}

// TestReportSessionPages walks the charge session report page by page and
// checks that the pages are the whole listing, each with the totals of the
// whole period.
func TestReportSessionPages(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for i := range 7 {
			// Three sessions share a start: the cursor must tell them apart.
			start := time.Date(2025, 3, 10+min(i, 4), 8, 0, 0, 0, time.UTC)
			card := w.north1.card
			if i%2 == 1 {
				card = w.south1.card
			}
			w.do(admin, "POST", "/api/v1/sessions", map[string]any{"external_ref": fmt.Sprintf("page-%d", i), "card_id": card.String(),
				"location_kind": "public", "location_name": "Motorway", "started_at": start.Format(time.RFC3339),
				"stopped_at": start.Add(time.Hour).Format(time.RFC3339), "energy_kwh": 10 + i, "cost": 5, "currency": "EUR"}).
				want(t, http.StatusCreated)
		}
		type page struct {
			Rows   []map[string]any `json:"rows"`
			Totals map[string]any   `json:"totals"`
			Next   *string          `json:"next_cursor"`
		}
		base := "/api/v1/reports/charge-sessions?from=2025-03-01&to=2025-04-01"
		var all page
		w.do(holdingMgr, "GET", base, nil).want(t, http.StatusOK).json(t, &all)
		if len(all.Rows) < 7 || all.Next != nil {
			t.Fatalf("the whole listing has %d rows and cursor %v", len(all.Rows), all.Next)
		}
		var ids []any
		url := base + "&limit=2"
		for n := 0; ; n++ {
			if n > len(all.Rows) {
				t.Fatal("the pages do not end")
			}
			var p page
			w.do(holdingMgr, "GET", url, nil).want(t, http.StatusOK).json(t, &p)
			if fmt.Sprint(p.Totals) != fmt.Sprint(all.Totals) {
				t.Errorf("page %d totals %v, want the period's %v", n, p.Totals, all.Totals)
			}
			for _, r := range p.Rows {
				if r["session_id"] == nil {
					t.Fatalf("a row without session_id: %v", r)
				}
				ids = append(ids, r["session_id"])
			}
			if p.Next == nil {
				break
			}
			url = base + "&limit=2&after=" + *p.Next
		}
		var want []any
		for _, r := range all.Rows {
			want = append(want, r["session_id"])
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("the pages list %v, the whole listing %v", ids, want)
		}
		csv := w.do(holdingMgr, "GET", base+"&format=csv", nil).want(t, http.StatusOK)
		if lines := strings.Count(string(csv.body), "\n"); lines != len(all.Rows)+1 {
			t.Errorf("the CSV export has %d lines, want a header and %d sessions", lines, len(all.Rows))
		}

		for query, field := range map[string]string{
			"&after=yesterday":             "after",
			"&after=1741600800000.0":       "after",
			"&limit=10001":                 "limit",
			"&group_by=month&after=1.1":    "after",
			"&limit=0":                     "limit",
			"&after=1741600800000.1&x=1":   "x",
			"&after=1741600800000.1&to=no": "to",
		} {
			if got := w.do(holdingMgr, "GET", base+query, nil).want(t, http.StatusBadRequest).fields(); got[field] == "" {
				t.Errorf("%s: fields %v, want %s", query, got, field)
			}
		}
		if got := w.do(holdingMgr, "GET", "/api/v1/reports/charge-cards?after=1.1", nil).want(t, http.StatusBadRequest).fields(); got["after"] == "" {
			t.Errorf("after on the card report: fields %v", got)
		}
	})
}

// The CSV import of cards: a refused row stops the whole file, a dry run
// creates nothing, and the fixed file creates every row.
func TestImportCardsCSV(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		acc := w.northAcc.String()
		type outcome struct {
			Created int
			Updated int
			Errors  []struct {
				Line    int
				Field   string
				Message string
			}
		}
		count := func() int {
			var page struct{ Data []any }
			w.do(admin, "GET", "/api/v1/cards?account_id="+acc+"&limit=500", nil).want(t, http.StatusOK).json(t, &page)
			return len(page.Data)
		}
		before := count()
		bad := "external_id,internal_id,account_id\nIMP-1,IMPA1,N" + acc + "\nIMP-2,IMPA2," + acc + "\nIMP-3,IMPA2," + acc + "\n"
		var got outcome
		w.send(admin, "POST", "/api/v1/imports/cards", "text/csv", bad).want(t, http.StatusOK).json(t, &got)
		if got.Created != 0 || len(got.Errors) != 2 || got.Errors[0].Line != 2 || got.Errors[0].Field != "account_id" || got.Errors[1].Line != 4 {
			t.Errorf("bad file: %+v, want nothing created and lines 2 and 4 refused", got)
		}
		good := "external_id,internal_id,account_id\nIMP-1,IMPA1," + acc + "\nIMP-2,IMPA2," + acc + "\n"
		got = outcome{}
		w.send(admin, "POST", "/api/v1/imports/cards?dry_run=true", "text/csv", good).want(t, http.StatusOK).json(t, &got)
		if got.Created != 0 || len(got.Errors) != 0 || count() != before {
			t.Errorf("dry run: %+v and %d cards, want no error, nothing created and %d cards", got, count(), before)
		}
		got = outcome{}
		w.send(admin, "POST", "/api/v1/imports/cards", "text/csv", good).want(t, http.StatusOK).json(t, &got)
		if got.Created != 2 || count() != before+2 {
			t.Errorf("import: %+v and %d cards, want 2 created", got, count())
		}
		w.send(admin, "POST", "/api/v1/imports/cards", "application/json", `[]`).want(t, http.StatusBadRequest)
		w.send(northAdmin, "POST", "/api/v1/imports/employees", "text/csv", "name,account_id\nX,"+acc+"\n").want(t, http.StatusOK)
	})
}
