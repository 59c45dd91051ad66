package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// one returns the first ID the query finds.
func (w *demoWorld) one(t *testing.T, query string) fc.ID {
	t.Helper()
	ids := w.ids(t, query)
	if len(ids) == 0 {
		t.Fatalf("nothing found: %s", query)
	}
	return ids[0]
}

// group reads the charge group at a page path, as stored.
func (w *demoWorld) group(t *testing.T, path string) *fc.ChargeGroup {
	t.Helper()
	id, err := fc.ParseID(strings.TrimPrefix(path, "/charge-groups/"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := w.st.ChargeGroup(context.Background(), fc.ProviderScope(w.res.ProviderID), id)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// wantCreated checks that a create form led to the new object's page and
// returns the page's path.
func wantCreated(t *testing.T, what string, rec *httptest.ResponseRecorder) string {
	t.Helper()
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasSuffix(loc, "?done=created") {
		t.Fatalf("%s: %d %s\n%s", what, rec.Code, loc, rec.Body)
	}
	return strings.TrimSuffix(loc, "?done=created")
}

func (w *demoWorld) cardStatus(t *testing.T, id fc.ID) string {
	t.Helper()
	c, err := w.st.Card(context.Background(), fc.ProviderScope(w.res.ProviderID), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

func wantIn(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(page, want) {
			t.Errorf("%s lacks %q", what, want)
		}
	}
}

func wantNotIn(t *testing.T, what, page string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(page, u) {
			t.Errorf("%s shows %q", what, u)
		}
	}
}

// TestPersonas runs the demo's personas through the web application: each
// sees and may do what its roles allow, and nothing more is even shown.
func TestPersonas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		vanDijkCard := w.one(t, `SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id WHERE a.name LIKE 'Van Dijk%' AND c.status = 'active' ORDER BY c.id`)
		frenchCard := w.one(t, `SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id WHERE a.name LIKE 'Meridian Conseil SAS%' ORDER BY c.id`)
		germanStation := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		vanDijkStation := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Van Dijk%' ORDER BY s.id`)
		cardPath := func(id fc.ID) string { return "/cards/" + id.String() }
		stationPath := func(id fc.ID) string { return "/stations/" + id.String() }

		t.Run("every page renders", func(t *testing.T) { everyPageRenders(t, w) })

		t.Run("facility manager", func(t *testing.T) {
			b := w.as(t, facilitiesDE)
			nav := navLinks.FindString(get(t, b, "/", http.StatusOK))
			wantIn(t, "navigation", nav, `href="/stations"`, `href="/locations"`, `href="/charge-groups"`, `href="/sessions"`, `href="/reports"`)
			wantNotIn(t, "navigation", nav, `href="/cards"`, `href="/employees"`, `href="/users"`)
			get(t, b, "/cards", http.StatusNotFound)
			get(t, b, "/employees", http.StatusNotFound)
			get(t, b, "/users", http.StatusNotFound)
			get(t, b, cardPath(vanDijkCard), http.StatusNotFound)
			get(t, b, cardPath(frenchCard), http.StatusNotFound)
			get(t, b, stationPath(vanDijkStation), http.StatusNotFound)
			page := get(t, b, stationPath(germanStation), http.StatusOK)
			wantIn(t, "own station", page, "Remote start", "Unlock connector", "Availability", `action="/stations/`+germanStation.String()+`/commands/reset"`, `data-live-of="`+germanStation.String()+`/1" data-live-field="status"`)
			wantNotIn(t, "organizations page", get(t, b, "/organizations", http.StatusOK), "New organization")
		})

		t.Run("fleet manager of two organizations", func(t *testing.T) {
			b := w.as(t, fleetWest)
			nav := navLinks.FindString(get(t, b, "/", http.StatusOK))
			wantIn(t, "navigation", nav, `href="/cards"`, `href="/employees"`, `href="/sessions"`, `href="/reports"`)
			wantNotIn(t, "navigation", nav, `href="/locations"`, `href="/charge-groups"`, `href="/users"`)
			get(t, b, cardPath(vanDijkCard), http.StatusNotFound)
			page := get(t, b, cardPath(frenchCard), http.StatusOK)
			wantIn(t, "own card", page, `action="/cards/`+frenchCard.String()+`/status"`, "Edit")
			get(t, b, stationPath(germanStation), http.StatusNotFound)
			// The scope switcher offers both organizations and everything.
			home := get(t, b, "/", http.StatusOK)
			wantIn(t, "scope switcher", home, `value="all"`, "Meridian Conseil France", "Meridian Consulting Belgium")
		})

		t.Run("account admin", func(t *testing.T) {
			b := w.as(t, transportAcct)
			nav := navLinks.FindString(get(t, b, "/", http.StatusOK))
			wantIn(t, "navigation", nav, `href="/cards"`, `href="/stations"`, `href="/sessions"`)
			wantNotIn(t, "navigation", nav, `href="/organizations"`, `href="/reports"`, `href="/audit"`, `href="/users"`)
			get(t, b, "/organizations", http.StatusNotFound)
			get(t, b, "/audit", http.StatusNotFound)
			cards := get(t, b, "/cards", http.StatusOK)
			wantNotIn(t, "cards", cards, "Van Dijk Express B.V.", "Meridian")
			get(t, b, "/accounts/new", http.StatusNotFound)
		})

		t.Run("provider admin and scopes", func(t *testing.T) {
			b := w.as(t, adminEmail)
			nav := navLinks.FindString(get(t, b, "/", http.StatusOK))
			wantIn(t, "navigation", nav, `href="/organizations"`, `href="/users"`, `href="/audit"`, `href="/cards"`, `href="/stations"`)
			wantIn(t, "organizations", get(t, b, "/organizations", http.StatusOK), "New organization", "<details")
			all := get(t, b, "/accounts", http.StatusOK)
			wantIn(t, "all accounts", all, "Van Dijk Transport B.V.", "Meridian Consulting GmbH")
			meridian := w.one(t, `SELECT id FROM organizations WHERE name = 'Meridian Consulting Group'`)
			scoped := get(t, b, "/accounts?scope=org:"+meridian.String(), http.StatusOK)
			wantIn(t, "accounts in Meridian's scope", scoped, "Meridian Consulting GmbH")
			wantNotIn(t, "accounts in Meridian's scope", scoped, "Van Dijk Transport B.V.")
			// The scope stays chosen on the next page, and a card outside
			// it is not found.
			get(t, b, cardPath(vanDijkCard), http.StatusNotFound)
			get(t, b, cardPath(vanDijkCard)+"?scope=all", http.StatusOK)
			get(t, b, "/cards?scope=org:999999", http.StatusNotFound)
		})

		t.Run("account scopes", func(t *testing.T) {
			b := w.as(t, "admin.de@meridian-consulting.example")
			home := get(t, b, "/", http.StatusOK)
			offices := w.one(t, `SELECT id FROM accounts WHERE name = 'Meridian Consulting GmbH – Offices'`)
			homeCharging := w.one(t, `SELECT id FROM accounts WHERE name = 'Meridian Consulting GmbH – Home Charging'`)
			wantIn(t, "scope switcher", home, `value="account:`+offices.String()+`"`, `value="account:`+homeCharging.String()+`"`, `value="all"`)
			all := get(t, b, "/employees?scope=all", http.StatusOK)
			scoped := get(t, b, "/employees?scope=account:"+offices.String(), http.StatusOK)
			if strings.Count(scoped, "<tr><td") >= strings.Count(all, "<tr><td") {
				t.Errorf("one account's employees (%d rows) are not fewer than both accounts' (%d rows)", strings.Count(scoped, "<tr><td"), strings.Count(all, "<tr><td"))
			}
			wantNotIn(t, "employees of one account", scoped, ">Meridian Consulting GmbH – Home Charging<")
			// A scope the user holds nothing over is not found.
			vanDijk := w.one(t, `SELECT id FROM accounts WHERE name = 'Van Dijk Transport B.V.'`)
			get(t, b, "/employees?scope=account:"+vanDijk.String(), http.StatusNotFound)
		})

		t.Run("block a card", func(t *testing.T) {
			b := w.as(t, holdingFleet)
			page := get(t, b, "/cards?status=active", http.StatusOK)
			action := `action="/cards/` + vanDijkCard.String() + `/status"`
			wantIn(t, "cards list", page, action)
			token := csrfOf(t, page)

			rec := b.do("POST", cardPath(vanDijkCard)+"/status", url.Values{"status": {"inactive"}, "back": {"/cards"}})
			wantStatus(t, "block without CSRF token", rec, http.StatusForbidden)
			if got := w.cardStatus(t, vanDijkCard); got != fc.CardActive {
				t.Fatalf("card status %s after a refused post, want active", got)
			}
			rec = b.do("POST", cardPath(vanDijkCard)+"/status", url.Values{"csrf_token": {token}, "status": {"inactive"}, "back": {"/cards"}})
			wantRedirect(t, "block", rec, "/cards?done=blocked")
			if got := w.cardStatus(t, vanDijkCard); got != fc.CardInactive {
				t.Fatalf("card status %s after blocking, want inactive", got)
			}
			wantIn(t, "page after blocking", get(t, b, "/cards?done=blocked", http.StatusOK), `class="notice"`, "The card is blocked")
			detail := get(t, b, cardPath(vanDijkCard), http.StatusOK)
			wantIn(t, "blocked card", detail, `value="active"`, ">Unblock<")
			rec = b.do("POST", cardPath(vanDijkCard)+"/status", url.Values{"csrf_token": {token}, "status": {"active"}, "back": {cardPath(vanDijkCard)}})
			wantRedirect(t, "unblock", rec, cardPath(vanDijkCard)+"?done=unblocked")
			if got := w.cardStatus(t, vanDijkCard); got != fc.CardActive {
				t.Fatalf("card status %s after unblocking, want active", got)
			}
			// The audit log records it.
			wantIn(t, "audit log", get(t, b, "/audit?object_type=card&object_id="+vanDijkCard.String(), http.StatusOK), "card.update")
			// Another customer's card is not found, even to a post.
			rec = b.do("POST", cardPath(frenchCard)+"/status", url.Values{"csrf_token": {token}, "status": {"inactive"}})
			wantStatus(t, "block another customer's card", rec, http.StatusNotFound)
		})

		t.Run("field errors", func(t *testing.T) {
			b := w.as(t, holdingFleet)
			token := csrfOf(t, get(t, b, "/cards/new", http.StatusOK))
			rec := b.do("POST", "/cards", url.Values{"csrf_token": {token}, "external_id": {""}, "internal_id": {"AB12"}, "account_id": {"abc"}})
			wantStatus(t, "issue a card with invalid fields", rec, http.StatusBadRequest)
			page := body(rec)
			wantIn(t, "form with errors", page, `class="form-error"`, `id="new-account-id-error"`, `aria-invalid="true"`, `value="AB12"`)
			if !regexp.MustCompile(`class="field-error" id="new-account-id-error">Account must be an ID`).MatchString(page) {
				t.Errorf("no message next to the account field:\n%s", page)
			}
			// A card issued with an ID that exists elsewhere is a clear
			// form error, not a crash.
			acct := w.one(t, `SELECT id FROM accounts WHERE name = 'Van Dijk Transport B.V.'`)
			existing, err := w.st.Card(context.Background(), fc.ProviderScope(w.res.ProviderID), vanDijkCard)
			if err != nil {
				t.Fatal(err)
			}
			rec = b.do("POST", "/cards", url.Values{"csrf_token": {token}, "external_id": {existing.ExternalID}, "internal_id": {"0FFEE0FFEE"}, "account_id": {acct.String()}})
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("duplicate external ID: status %d, want 4xx", rec.Code)
			}
			wantIn(t, "duplicate card", body(rec), `class="form-error"`)
		})

		t.Run("pagination", func(t *testing.T) {
			b := w.as(t, adminEmail)
			page := get(t, b, "/sessions?scope=all", http.StatusOK)
			rows := strings.Count(page, `<tr><td`)
			if rows != pageSize {
				t.Fatalf("first page: %d rows, want %d", rows, pageSize)
			}
			m := regexp.MustCompile(`href="(/sessions\?after=(\d+))" rel="next"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no link to the next page")
			}
			next := get(t, b, strings.ReplaceAll(m[1], "&amp;", "&"), http.StatusOK)
			wantIn(t, "second page", next, "First page")
			first := regexp.MustCompile(`href="/sessions/(\d+)"`).FindStringSubmatch(next)
			if first == nil || len(first[1]) == 0 {
				t.Fatalf("second page lists no sessions")
			}
			var a, z int
			fmt.Sscan(first[1], &a)
			fmt.Sscan(m[2], &z)
			// Newest first: the second page goes on with older sessions.
			if a >= z {
				t.Errorf("second page starts at session %d, not before %d", a, z)
			}
			// Paging back from the third page reads the second and the
			// first again, and forward from the first the second again.
			sessionIDs := func(page string) string {
				return fmt.Sprint(regexp.MustCompile(`href="/sessions/(\d+)"`).FindAllString(page, -1))
			}
			link := func(page, rel string) string {
				t.Helper()
				m := regexp.MustCompile(`href="([^"]+)" rel="` + rel + `"`).FindStringSubmatch(page)
				if m == nil {
					t.Fatalf("no %s link", rel)
				}
				return strings.ReplaceAll(m[1], "&amp;", "&")
			}
			wantNotIn(t, "first page", page, `rel="prev"`, "First page")
			third := get(t, b, link(next, "next"), http.StatusOK)
			wantIn(t, "third page", third, `rel="prev"`, "First page")
			second := get(t, b, link(third, "prev"), http.StatusOK)
			if sessionIDs(second) != sessionIDs(next) {
				t.Errorf("the page before the third lists %s, the second %s", sessionIDs(second), sessionIDs(next))
			}
			wantIn(t, "second page, read backward", second, `rel="prev"`, `rel="next"`, "First page")
			back := get(t, b, link(second, "prev"), http.StatusOK)
			if sessionIDs(back) != sessionIDs(page) {
				t.Errorf("the page before the second lists %s, the first %s", sessionIDs(back), sessionIDs(page))
			}
			wantNotIn(t, "first page, read backward", back, `rel="prev"`, "First page")
			if again := get(t, b, link(back, "next"), http.StatusOK); sessionIDs(again) != sessionIDs(next) {
				t.Errorf("the page after the first, read backward, lists %s, the second %s", sessionIDs(again), sessionIDs(next))
			}
			// A cursor that is no ID reads the first page.
			if odd := get(t, b, "/sessions?scope=all&before=x", http.StatusOK); sessionIDs(odd) != sessionIDs(page) {
				t.Errorf("the page before x lists %s, the first %s", sessionIDs(odd), sessionIDs(page))
			}
			// A full last page has no link to a next, empty one.
			lastFull := w.one(t, `SELECT id FROM sessions ORDER BY id LIMIT 1 OFFSET `+strconv.Itoa(pageSize))
			wantNotIn(t, "last page", get(t, b, "/sessions?scope=all&after="+lastFull.String(), http.StatusOK), `rel="next"`)
		})

		t.Run("remote commands", func(t *testing.T) {
			b := w.as(t, facilitiesDE)
			token := csrfOf(t, get(t, b, stationPath(germanStation), http.StatusOK))
			rec := b.do("POST", stationPath(germanStation)+"/commands/reset", url.Values{"csrf_token": {token}, "type": {"Soft"}})
			wantRedirect(t, "reset", rec, stationPath(germanStation)+"?cmd=reset&answer=Accepted")
			wantIn(t, "answer", get(t, b, rec.Header().Get("Location"), http.StatusOK), "The station answered", "Accepted")
			rec = b.do("POST", stationPath(germanStation)+"/commands/unlock", url.Values{"csrf_token": {token}, "connector_id": {"99"}})
			wantStatus(t, "unlock a connector that does not exist", rec, http.StatusBadRequest)
			wantIn(t, "unlock error", body(rec), `id="unlock-connector-id-error"`)
			w.cmds.offline = true
			defer func() { w.cmds.offline = false }()
			rec = b.do("POST", stationPath(germanStation)+"/commands/reset", url.Values{"csrf_token": {token}, "type": {"Hard"}})
			wantStatus(t, "reset an offline station", rec, http.StatusConflict)
			wantIn(t, "offline", body(rec), "Station offline")
			// A fleet manager sees home stations but sends no commands.
			fleet := w.as(t, holdingFleet)
			rec = fleet.do("POST", stationPath(germanStation)+"/commands/reset", url.Values{"csrf_token": {csrfOf(t, get(t, fleet, "/", 200))}, "type": {"Soft"}})
			wantStatus(t, "another customer's station", rec, http.StatusNotFound)
		})

		t.Run("masked sessions", func(t *testing.T) {
			ids := w.ids(t, `SELECT x.id FROM sessions x JOIN accounts sa ON sa.id = x.station_account_id JOIN accounts ca ON ca.id = x.card_account_id
				WHERE sa.name LIKE 'Van Dijk%' AND ca.name LIKE 'Meridian%' ORDER BY x.id`)
			if len(ids) == 0 {
				t.Skip("the demo has no foreign session at Van Dijk")
			}
			b := w.as(t, holdingFleet)
			page := get(t, b, "/sessions/"+ids[0].String(), http.StatusOK)
			wantIn(t, "foreign session", page, "its driver is not shown")
			wantNotIn(t, "foreign session", page, `href="/cards/`)
		})

		t.Run("organizations", func(t *testing.T) {
			b := w.as(t, adminEmail)
			token := csrfOf(t, get(t, b, "/organizations?scope=all", http.StatusOK))
			rec := b.do("POST", "/organizations", url.Values{"csrf_token": {token}, "name": {"Northwind"}, "country": {"nl"}})
			loc := rec.Header().Get("Location")
			if rec.Code != http.StatusSeeOther || !strings.HasSuffix(loc, "?done=created") {
				t.Fatalf("create: %d %s\n%s", rec.Code, loc, rec.Body)
			}
			orgPath := strings.TrimSuffix(loc, "?done=created")
			wantIn(t, "new organization", get(t, b, loc, http.StatusOK), "Northwind", "Created.")
			wantRedirect(t, "rename", b.do("POST", orgPath, url.Values{"csrf_token": {token}, "name": {"Northwind Holding"}, "country": {"NL"}}), orgPath+"?done=saved")
			id := strings.TrimPrefix(orgPath, "/organizations/")
			rec = b.do("POST", "/organizations", url.Values{"csrf_token": {token}, "name": {"Northwind South"}, "parent_id": {id}, "from": {"org"}})
			child := strings.TrimSuffix(rec.Header().Get("Location"), "?done=created")
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("create child: %d\n%s", rec.Code, rec.Body)
			}
			rec = b.do("POST", orgPath+"/delete", url.Values{"csrf_token": {token}})
			if rec.Code < 400 || rec.Code >= 500 {
				t.Fatalf("delete a non-empty organization: status %d", rec.Code)
			}
			wantIn(t, "refused delete", body(rec), `class="form-error"`, "Northwind Holding")
			rec = b.do("POST", orgPath, url.Values{"csrf_token": {token}, "name": {""}})
			wantStatus(t, "rename to nothing", rec, http.StatusBadRequest)
			wantIn(t, "rename error", body(rec), `id="edit-org-name-error"`)
			wantRedirect(t, "delete child", b.do("POST", child+"/delete", url.Values{"csrf_token": {token}}), "/organizations?done=deleted")
			wantRedirect(t, "delete", b.do("POST", orgPath+"/delete", url.Values{"csrf_token": {token}}), "/organizations?done=deleted")
			get(t, b, orgPath, http.StatusNotFound)
			// A fleet manager has no organization management, and its post
			// is refused by the service too.
			fleet := w.as(t, holdingFleet)
			page := get(t, fleet, "/organizations", http.StatusOK)
			wantNotIn(t, "fleet manager's organizations", page, "New organization", "Delete organization")
			rec = fleet.do("POST", "/organizations", url.Values{"csrf_token": {csrfOf(t, page)}, "name": {"Sneaky"}})
			if rec.Code != http.StatusForbidden && rec.Code != http.StatusBadRequest {
				t.Errorf("fleet manager creating an organization: status %d", rec.Code)
			}
		})

		t.Run("choices keep the current value", func(t *testing.T) {
			b := w.as(t, adminEmail)
			// A home location names its employee in a picker, by name and
			// ID.
			home := w.one(t, `SELECT id FROM locations WHERE employee_id IS NOT NULL ORDER BY id`)
			resident := w.one(t, `SELECT employee_id FROM locations WHERE id = `+home.String())
			wantIn(t, "home location", get(t, b, "/locations/"+home.String(), http.StatusOK),
				`<input id="edit-employee-id" name="employee_id" type="text" value="`, ` (ID `+resident.String()+`)" list="edit-employee-id-list"`)
			// An account beyond the first page of choices stays chosen on
			// the edit form of its card, so that saving it unchanged keeps it.
			ctx, org := context.Background(), w.one(t, `SELECT id FROM organizations ORDER BY id`)
			var last fc.Account
			for i := 0; i <= maxChoices; i++ {
				last = fc.Account{ProviderID: w.res.ProviderID, OrganizationID: org, Name: fmt.Sprintf("Filler %03d", i), Kind: fc.AccountCompany}
				if err := w.st.CreateAccount(ctx, &last); err != nil {
					t.Fatal(err)
				}
			}
			card := fc.Card{ProviderID: w.res.ProviderID, AccountID: last.ID, ExternalID: "NL-FIL-000001", InternalID: "F1110001", Status: fc.CardActive}
			if err := w.st.CreateCard(ctx, &card); err != nil {
				t.Fatal(err)
			}
			page := get(t, b, "/cards/"+card.ID.String(), http.StatusOK)
			wantIn(t, "card of the last account", page, `value="`+last.ID.String()+`" selected>Filler 500<`)
			form := url.Values{"csrf_token": {csrfOf(t, page)}, "external_id": {card.ExternalID}, "internal_id": {card.InternalID},
				"account_id": {last.ID.String()}, "status": {fc.CardActive}}
			wantRedirect(t, "save unchanged", b.do("POST", "/cards/"+card.ID.String(), form), "/cards/"+card.ID.String()+"?done=saved")
		})

		t.Run("charge group admits from choices", func(t *testing.T) {
			// The facility manager of the German company admits accounts
			// and organizations chosen from those it sees, and no other.
			b := w.as(t, facilitiesDE)
			offices := w.one(t, `SELECT id FROM accounts WHERE name = 'Meridian Consulting GmbH – Offices'`)
			homes := w.one(t, `SELECT id FROM accounts WHERE name = 'Meridian Consulting GmbH – Home Charging'`)
			germany := w.one(t, `SELECT organization_id FROM accounts WHERE id = `+offices.String())
			vanDijk := w.one(t, `SELECT id FROM accounts WHERE name LIKE 'Van Dijk%' ORDER BY id`)
			page := get(t, b, "/charge-groups/new?account_id="+offices.String(), http.StatusOK)
			wantIn(t, "new charge group", page, `name="allowed_account_ids" multiple`, `name="allowed_organization_ids" multiple`,
				`value="`+homes.String()+`">Meridian Consulting GmbH – Home Charging<`)
			wantNotIn(t, "new charge group", page, "Van Dijk")
			cards := regexp.MustCompile(`name="allowed_card_ids"[\s\S]*?</select>[\s\S]*?</p>`).FindString(page)
			wantIn(t, "cards a facility manager may not read", cards, "multiple", "None that you can see.")
			wantNotIn(t, "cards a facility manager may not read", cards, "<option")
			form := url.Values{"csrf_token": {csrfOf(t, page)}, "name": {"Visitors"}, "kind": {fc.GroupOther}, "account_id": {offices.String()},
				"access": {fc.AccessRestricted}, "allowed_account_ids": {offices.String(), homes.String()},
				"allowed_organization_ids": {germany.String()}, "tariff.currency": {"EUR"}}
			group := wantCreated(t, "create", b.do("POST", "/charge-groups", form))
			page = get(t, b, group, http.StatusOK)
			wantIn(t, "charge group", page, "Meridian Consulting GmbH – Home Charging", `value="`+offices.String()+`" selected`,
				`value="`+homes.String()+`" selected`, `value="`+germany.String()+`" selected`)
			// A refused change shows the form again with the choices posted.
			form.Set("allowed_card_ids", "not-an-id")
			form["allowed_account_ids"] = []string{homes.String()}
			rec := b.do("POST", group, form)
			wantStatus(t, "card list that is no list", rec, http.StatusBadRequest)
			wantIn(t, "refused change", body(rec), `id="edit-allowed-card-ids-error"`)
			admitted := regexp.MustCompile(`name="allowed_account_ids"[\s\S]*?</select>`).FindString(body(rec))
			wantIn(t, "admitted accounts after a refused change", admitted, `value="`+homes.String()+`" selected`)
			wantNotIn(t, "admitted accounts after a refused change", admitted, `value="`+offices.String()+`" selected`)
			form.Del("allowed_card_ids")
			form["allowed_account_ids"] = []string{homes.String(), vanDijk.String()}
			rec = b.do("POST", group, form)
			wantStatus(t, "admitting an account out of sight", rec, http.StatusBadRequest)
			wantIn(t, "refused account", body(rec), "No such account: "+vanDijk.String())
			g := w.group(t, group)
			if fmt.Sprint(g.AllowedAccountIDs, g.AllowedOrganizationIDs) != fmt.Sprint([]fc.ID{min(offices, homes), max(offices, homes)}, []fc.ID{germany}) {
				t.Errorf("stored admitted lists %v %v after refused changes", g.AllowedAccountIDs, g.AllowedOrganizationIDs)
			}
		})

		t.Run("charge group admits cards from choices", func(t *testing.T) {
			// The provider's admin admits single cards picked by their
			// external IDs; a card the list offers is stored as admitted.
			b := w.as(t, adminEmail)
			account := w.one(t, `SELECT id FROM accounts WHERE name = 'Van Dijk Express B.V.'`)
			picked := w.ids(t, `SELECT id FROM cards WHERE account_id = `+account.String()+` ORDER BY id LIMIT 2`)
			var external string
			if err := w.st.DB().QueryRow(`SELECT external_id FROM cards WHERE id = $1`, int64(picked[0])).Scan(&external); err != nil {
				t.Fatal(err)
			}
			page := get(t, b, "/charge-groups/new?account_id="+account.String(), http.StatusOK)
			wantIn(t, "new charge group", page, `name="allowed_card_ids" multiple`, `value="`+picked[0].String()+`">`+external+`<`)
			form := url.Values{"csrf_token": {csrfOf(t, page)}, "name": {"Drivers"}, "kind": {fc.GroupOther}, "account_id": {account.String()},
				"access": {fc.AccessRestricted}, "allowed_card_ids": {picked[1].String(), picked[0].String()}, "tariff.currency": {"EUR"}}
			group := wantCreated(t, "create", b.do("POST", "/charge-groups", form))
			page = get(t, b, group, http.StatusOK)
			wantIn(t, "charge group", page, `value="`+picked[0].String()+`" selected`, `value="`+picked[1].String()+`" selected`)
			g := w.group(t, group)
			if fmt.Sprint(g.AllowedCardIDs) != fmt.Sprint(picked) {
				t.Errorf("stored admitted cards %v, want %v", g.AllowedCardIDs, picked)
			}
		})

		t.Run("roles and explanation", func(t *testing.T) {
			b := w.as(t, adminEmail)
			var target fc.ID
			for _, l := range w.res.Logins {
				if l.Email == transportAcct {
					target = l.UserID
				}
			}
			userPath := "/users/" + target.String()
			page := get(t, b, userPath, http.StatusOK)
			wantIn(t, "user page", page, "Account admin", "Grant a role")
			token := csrfOf(t, page)
			express := w.one(t, `SELECT id FROM accounts WHERE name = 'Van Dijk Express B.V.'`)
			wantRedirect(t, "grant", b.do("POST", userPath+"/roles", url.Values{"csrf_token": {token}, "role": {"fleet_manager"}, "scope": {"account:" + express.String()}}), userPath+"?done=granted")
			// Now the user sees Express's cards.
			expressCard := w.one(t, fmt.Sprintf(`SELECT id FROM cards WHERE account_id = %d ORDER BY id`, express))
			u := w.as(t, transportAcct)
			get(t, u, cardPath(expressCard), http.StatusOK)
			explain := get(t, u, "/access?permission=cards.manage&resource=card:"+expressCard.String(), http.StatusOK)
			wantIn(t, "explanation", explain, "answer-yes")
			aid := w.one(t, fmt.Sprintf(`SELECT id FROM role_assignments WHERE user_id = %d AND account_id = %d`, target, express))
			wantRedirect(t, "revoke", b.do("POST", userPath+"/roles/"+aid.String()+"/delete", url.Values{"csrf_token": {token}}), userPath+"?done=revoked")
			get(t, u, cardPath(expressCard), http.StatusNotFound)
			rec := b.do("POST", userPath+"/roles", url.Values{"csrf_token": {token}, "role": {"fleet_manager"}, "scope": {""}})
			wantStatus(t, "grant without a scope", rec, http.StatusBadRequest)
			wantIn(t, "grant error", body(rec), `id="grant-scope-error"`)
			// Asking about an object one may not see is not an answer.
			wantIn(t, "explanation of a hidden card", get(t, u, "/access?permission=cards.read&resource=card:"+frenchCard.String(), http.StatusNotFound), "No such object")
		})
	})
}
