package api_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

// TestNoLeak checks, for every collection, that a user outside the scope of
// an existing object gets exactly the answer it would get for an ID that
// does not exist: 404 on GET, PATCH and DELETE (405 where the collection has
// no such method, for both), and lists without it. Outside the scope are a
// manager of another subsidiary and an admin of another provider.
func TestNoLeak(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		as, err := w.st.UserAssignments(ctx, w.users[northFleet])
		check(t, err)
		events, err := w.st.AuditEvents(ctx, fc.ProviderScope(w.provider), fc.AuditFilter{ObjectType: fc.KindCard, ObjectID: w.north1.card})
		check(t, err)
		if len(as) != 1 || len(events) == 0 {
			t.Fatalf("fixture: %d assignments, %d audit events", len(as), len(events))
		}
		targets := []struct {
			collection string
			id         fc.ID
			patch      map[string]any
		}{
			{"organizations", w.north, map[string]any{"name": "Taken"}},
			{"accounts", w.northAcc, map[string]any{"name": "Taken"}},
			{"employees", w.north1.employee, map[string]any{"active": false}},
			{"cards", w.north1.card, map[string]any{"status": "inactive"}},
			{"locations", w.north1.location, map[string]any{"name": "Taken"}},
			{"charge-groups", w.north1.group, map[string]any{"access": "restricted"}},
			{"stations", w.north1.station, map[string]any{"vendor": "Taken"}},
			{"sessions", w.north1.session, map[string]any{"cost": 0}},
			{"users", w.users[northFleet], map[string]any{"disabled": true}},
			{"role-assignments", as[0].ID, map[string]any{"role": "provider_admin"}},
			{"audit-events", events[0].ID, map[string]any{"action": "none"}},
		}
		const missing = "987654321"
		for _, tt := range targets {
			for _, who := range []string{southFleet, otherAdmin} {
				t.Run(tt.collection+" as "+who, func(t *testing.T) {
					base, id := "/api/v1/"+tt.collection, tt.id.String()
					for _, method := range []string{"GET", "PATCH", "DELETE"} {
						var body any
						if method == "PATCH" {
							body = tt.patch
						}
						got := w.do(who, method, base+"/"+id, body)
						if got.status != http.StatusNotFound && got.status != http.StatusMethodNotAllowed {
							t.Errorf("%s %s/%s: status %d, want 404; body %s", method, base, id, got.status, got.body)
						}
						if method == "GET" && got.status != http.StatusNotFound {
							t.Errorf("GET %s/%s: status %d, want 404", base, id, got.status)
						}
						ref := w.do(who, method, base+"/"+missing, body)
						a := regexp.MustCompile(`\b`+id+`\b`).ReplaceAllString(string(got.body), "ID")
						b := strings.ReplaceAll(string(ref.body), missing, "ID")
						if got.status != ref.status || a != b {
							t.Errorf("%s %s: an invisible ID answers %d %s, a missing one %d %s", method, base, got.status, a, ref.status, b)
						}
					}
					if ids := w.do(who, "GET", base+"?limit=500", nil).want(t, http.StatusOK).ids(t); slices.Contains(ids, id) {
						t.Errorf("GET %s lists %s to %s", base, id, who)
					}
					// Nothing changed: the admin still reads it as it was.
					w.do(admin, "GET", base+"/"+id, nil).want(t, http.StatusOK)
				})
			}
		}
		if got := w.do(admin, "GET", "/api/v1/cards/"+w.north1.card.String(), nil).object(t); got["status"] != "active" {
			t.Errorf("the card's status is %v after the outsiders' PATCH, want active", got["status"])
		}
	})
}

// TestRoleRules checks the rules of SPEC.md's role table that decide
// between 403 (the caller sees the object but may not change it) and 404
// (it does not see it), with the seed's personas.
func TestRoleRules(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		station := map[string]any{"account_id": w.northAcc.String(), "location_id": w.north1.location.String(),
			"charge_group_id": w.north1.group.String(), "identity": "N-NEW-1"}
		card := map[string]any{"account_id": w.northAcc.String(), "internal_id": "04CAFE", "external_id": "NEW-1"}

		t.Run("fleet manager cannot register a station", func(t *testing.T) {
			w.do(northFleet, "POST", "/api/v1/stations", station).want(t, http.StatusForbidden)
			// It sees no office station at all.
			w.do(northFleet, "PATCH", "/api/v1/stations/"+w.north1.station.String(), map[string]any{"vendor": "x"}).want(t, http.StatusNotFound)
		})
		t.Run("facility manager cannot manage cards", func(t *testing.T) {
			w.do(northFacility, "POST", "/api/v1/cards", card).want(t, http.StatusForbidden)
			w.do(northFacility, "PATCH", "/api/v1/cards/"+w.north1.card.String(), map[string]any{"status": "inactive"}).want(t, http.StatusNotFound)
			if ids := w.do(northFacility, "GET", "/api/v1/cards", nil).want(t, http.StatusOK).ids(t); len(ids) != 0 {
				t.Errorf("facility manager lists cards %v", ids)
			}
			w.do(northFacility, "POST", "/api/v1/stations", station).want(t, http.StatusCreated)
		})
		t.Run("fleet manager manages its cards, not another subsidiary's", func(t *testing.T) {
			w.do(northFleet, "POST", "/api/v1/cards", card).want(t, http.StatusCreated)
			w.do(northFleet, "PATCH", "/api/v1/cards/"+w.north1.card.String(), map[string]any{"status": "inactive"}).want(t, http.StatusOK)
			other := map[string]any{"account_id": w.southAcc.String(), "internal_id": "04BEEF", "external_id": "NEW-2"}
			if f := w.do(northFleet, "POST", "/api/v1/cards", other).want(t, http.StatusBadRequest).fields(); f["account_id"] != "no such account" {
				t.Errorf("card in another subsidiary's account: fields %v, want account_id: no such account", f)
			}
		})
		t.Run("account admin only its own account", func(t *testing.T) {
			if ids := w.do(northAdmin, "GET", "/api/v1/accounts", nil).want(t, http.StatusOK).ids(t); !slices.Equal(ids, []string{w.northAcc.String()}) {
				t.Errorf("account admin lists accounts %v, want only its own", ids)
			}
			w.do(northAdmin, "GET", "/api/v1/cards/"+w.south1.card.String(), nil).want(t, http.StatusNotFound)
			w.do(northAdmin, "PATCH", "/api/v1/locations/"+w.north1.location.String(), map[string]any{"city": "Emmen"}).want(t, http.StatusOK)
			w.do(northAdmin, "PATCH", "/api/v1/accounts/"+w.northAcc.String(), map[string]any{"name": "Mine"}).want(t, http.StatusForbidden)
			w.do(northAdmin, "GET", "/api/v1/organizations/"+w.north.String(), nil).want(t, http.StatusNotFound)
			if f := w.do(northAdmin, "POST", "/api/v1/accounts", map[string]any{"organization_id": w.north.String(), "name": "x", "kind": "company"}).
				want(t, http.StatusBadRequest).fields(); f["organization_id"] == "" {
				t.Errorf("fields %v, want organization_id", f)
			}
			w.do(northAdmin, "GET", "/api/v1/reports/charge-cards", nil).want(t, http.StatusForbidden)
		})
		t.Run("delegation refused beyond scope", func(t *testing.T) {
			grant := map[string]any{"user_id": w.users[nobody].String(), "role": "fleet_manager", "organization_id": w.north.String()}
			w.do(holdingMgr, "POST", "/api/v1/role-assignments", grant).want(t, http.StatusForbidden)
			w.do(northAdmin, "POST", "/api/v1/role-assignments",
				map[string]any{"user_id": w.users[nobody].String(), "role": "account_admin", "account_id": w.northAcc.String()}).want(t, http.StatusForbidden)
			if f := w.do(otherAdmin, "POST", "/api/v1/role-assignments", grant).want(t, http.StatusBadRequest).fields(); f["organization_id"] != "no such organization" {
				t.Errorf("granting in another provider: fields %v", f)
			}
			w.do(holdingMgr, "POST", "/api/v1/role-assignments", map[string]any{"user_id": w.users[nobody].String(), "role": "provider_admin"}).
				want(t, http.StatusForbidden)
			created := w.do(admin, "POST", "/api/v1/role-assignments", grant).want(t, http.StatusCreated).object(t)
			w.do(holdingMgr, "DELETE", "/api/v1/role-assignments/"+created["id"].(string), nil).want(t, http.StatusNotFound)
			w.do(admin, "DELETE", "/api/v1/role-assignments/"+created["id"].(string), nil).want(t, http.StatusNoContent)
		})
		t.Run("fleet manager reads the home stations of its employees", func(t *testing.T) {
			home := w.do(admin, "POST", "/api/v1/locations", map[string]any{"account_id": w.holdingAcc.String(), "name": "Driver's home",
				"kind": "home", "employee_id": w.north1.employee.String()})
			// The employee belongs to North's account: a home of the
			// holding's account cannot name it.
			if home.status != http.StatusBadRequest {
				t.Fatalf("home of another account's employee: status %d", home.status)
			}
			loc := w.do(admin, "POST", "/api/v1/locations", map[string]any{"account_id": w.northAcc.String(), "name": "Driver's home",
				"kind": "home", "employee_id": w.north1.employee.String()}).want(t, http.StatusCreated).object(t)
			group := w.do(admin, "POST", "/api/v1/charge-groups", map[string]any{"account_id": w.northAcc.String(), "name": "Home",
				"kind": "home", "access": "public", "tariff": map[string]any{"currency": "EUR"}}).want(t, http.StatusCreated).object(t)
			st := w.do(admin, "POST", "/api/v1/stations", map[string]any{"account_id": w.northAcc.String(), "location_id": loc["id"],
				"charge_group_id": group["id"], "identity": "N-HOME-1"}).want(t, http.StatusCreated).object(t)
			id := st["id"].(string)
			if ids := w.do(northFleet, "GET", "/api/v1/stations", nil).want(t, http.StatusOK).ids(t); !slices.Equal(ids, []string{id}) {
				t.Errorf("fleet manager lists stations %v, want only the home station %s", ids, id)
			}
			w.do(northFleet, "GET", "/api/v1/stations/"+id, nil).want(t, http.StatusOK)
			w.do(northFleet, "PATCH", "/api/v1/stations/"+id, map[string]any{"vendor": "x"}).want(t, http.StatusForbidden)
			w.do(northFleet, "POST", "/api/v1/stations/"+id+"/commands/reset", map[string]any{"type": "Soft"}).want(t, http.StatusForbidden)
			w.do(southFleet, "GET", "/api/v1/stations/"+id, nil).want(t, http.StatusNotFound)
		})
		t.Run("facility manager sees foreign cards masked", func(t *testing.T) {
			body := map[string]any{"external_ref": "visit-1", "card_id": w.south1.card.String(), "station_id": w.north1.station.String(),
				"connector_id": 1, "started_at": "2025-03-05T09:00:00Z", "stopped_at": "2025-03-05T10:00:00Z", "energy_kwh": 5, "cost": 1.75, "currency": "EUR"}
			x := w.do(admin, "POST", "/api/v1/sessions", body).want(t, http.StatusCreated).object(t)
			got := w.do(northFacility, "GET", "/api/v1/sessions/"+x["id"].(string), nil).want(t, http.StatusOK).object(t)
			wantFields(t, "masked session", got, map[string]any{"card_masked": true, "card_external_id": "**0001", "employee_id": nil})
			got = w.do(holdingMgr, "GET", "/api/v1/sessions/"+x["id"].(string), nil).want(t, http.StatusOK).object(t)
			wantFields(t, "holding's view", got, map[string]any{"card_masked": false, "card_external_id": "S-0001", "employee_id": w.south1.employee.String()})
			w.do(northFleet, "GET", "/api/v1/sessions/"+x["id"].(string), nil).want(t, http.StatusNotFound)
		})
		t.Run("charge group admits only what its manager sees", func(t *testing.T) {
			body := map[string]any{"account_id": w.northAcc.String(), "name": "Partners", "kind": "other", "access": "restricted",
				"allowed_account_ids": []string{w.southAcc.String()}, "tariff": map[string]any{"currency": "EUR"}}
			if f := w.do(northFacility, "POST", "/api/v1/charge-groups", body).want(t, http.StatusBadRequest).fields(); f["allowed_account_ids"] == "" {
				t.Errorf("fields %v, want allowed_account_ids", f)
			}
			body["allowed_account_ids"] = []string{w.northAcc.String()}
			w.do(northFacility, "POST", "/api/v1/charge-groups", body).want(t, http.StatusCreated)
		})
		t.Run("organizations: only a provider-wide admin places at the top", func(t *testing.T) {
			w.do(holdingMgr, "POST", "/api/v1/organizations", map[string]any{"name": "Top"}).want(t, http.StatusForbidden)
			w.do(holdingMgr, "PATCH", "/api/v1/organizations/"+w.north.String(), map[string]any{"name": "Mine"}).want(t, http.StatusForbidden)
			moved := w.do(admin, "PATCH", "/api/v1/organizations/"+w.north.String(), map[string]any{"parent_id": w.south.String()}).
				want(t, http.StatusOK).object(t)
			wantFields(t, "moved", moved, map[string]any{"depth": 2, "name": "North"})
		})
	})
}
