package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formOf returns the fields of the page's form with the element ID, as a
// browser would post them (hidden fields only).
func formOf(t *testing.T, page, id string) url.Values {
	t.Helper()
	m := regexp.MustCompile(`(?s)<form [^>]*id="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</form>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form %q on the page:\n%.4000s", id, page)
	}
	vals := url.Values{}
	for _, h := range hiddenInput.FindAllStringSubmatch(m[1], -1) {
		vals.Add(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	return vals
}

func (w *demoWorld) cardAccount(t *testing.T, id fc.ID) fc.ID {
	t.Helper()
	c, err := w.st.Card(context.Background(), fc.ProviderScope(w.res.ProviderID), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.AccountID
}

// TestMigrationPages runs asset migrations through the web application: a
// provider admin previews and runs them, nobody else even sees the page.
func TestMigrationPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		cards := w.ids(t, `SELECT id FROM cards WHERE employee_id IS NOT NULL ORDER BY id`)
		if len(cards) < 2 {
			t.Fatalf("the demo has %d cards with an employee, want 2", len(cards))
		}
		otherAccount := func(card fc.ID) fc.ID {
			return w.one(t, fmt.Sprintf(`SELECT id FROM accounts WHERE id <> %d AND provider_id = %d ORDER BY id`, w.cardAccount(t, card), w.res.ProviderID))
		}

		t.Run("others see no migrations", func(t *testing.T) {
			admin := w.as(t, adminEmail)
			wantIn(t, "provider admin's navigation", navLinks.FindString(get(t, admin, "/", http.StatusOK)), `href="/migrations"`)
			vanDijkCard := w.one(t, `SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id WHERE a.name LIKE 'Van Dijk%' ORDER BY c.id`)
			cardPath := "/cards/" + vanDijkCard.String()
			wantIn(t, "provider admin's card page", get(t, admin, cardPath, http.StatusOK), `href="/migrations?kind=cards&amp;ids=`+vanDijkCard.String()+`"`)
			wantNotIn(t, "fleet manager's card page", get(t, w.as(t, holdingFleet), cardPath, http.StatusOK), `href="/migrations`)
			get(t, admin, "/migrations/999999", http.StatusNotFound)
			for _, email := range []string{holdingFleet, transportAcct} {
				b := w.as(t, email)
				page := get(t, b, "/", http.StatusOK)
				wantNotIn(t, email+"'s navigation", navLinks.FindString(page), `href="/migrations"`)
				get(t, b, "/migrations", http.StatusNotFound)
				get(t, b, "/migrations?kind=cards&ids="+cards[0].String(), http.StatusNotFound)
				token := csrfOf(t, page)
				for _, path := range []string{"/migrations/preview", "/migrations/run"} {
					rec := b.do("POST", path, url.Values{"csrf_token": {token}, "kind": {"cards"}, "ids": {cards[0].String()},
						"target_account_id": {otherAccount(cards[0]).String()}, "plan": {"x"}})
					wantStatus(t, email+" posting "+path, rec, http.StatusNotFound)
				}
			}
		})

		t.Run("preview and run a card move", func(t *testing.T) {
			card := cards[0]
			from, to := w.cardAccount(t, card), otherAccount(card)
			b := w.as(t, adminEmail)
			page := get(t, b, "/migrations?kind=cards&ids="+card.String(), http.StatusOK)
			wantIn(t, "prefilled form", page, `action="/migrations/preview"`, `<option value="cards" selected>`, `>`+card.String()+`</textarea>`,
				`name="target_account_id"`, `name="with_linked"`)
			token := csrfOf(t, page)
			req := url.Values{"kind": {"cards"}, "ids": {card.String()}, "target_account_id": {to.String()}}

			wantStatus(t, "preview without CSRF token", b.do("POST", "/migrations/preview", req), http.StatusForbidden)
			req.Set("csrf_token", token)
			rec := b.do("POST", "/migrations/preview", req)
			wantStatus(t, "preview", rec, http.StatusOK)
			plan := body(rec)
			wantIn(t, "plan", plan, "Dry run: move 1 card", "Ready to run", `href="/cards/`+card.String()+`"`,
				"Card employee", "Removed", "Who gains or loses sight", `action="/migrations/run"`, "Run this migration")
			run := formOf(t, plan, "run")
			if run.Get("plan") == "" || run.Get("kind") != "cards" || run.Get("ids") != card.String() || run.Get("target_account_id") != to.String() {
				t.Fatalf("run form carries %v", run)
			}
			if got := w.cardAccount(t, card); got != from {
				t.Fatalf("card in account %s after a dry run, want %s", got, from)
			}

			run.Del("csrf_token")
			rec = b.do("POST", "/migrations/run", run)
			wantStatus(t, "run without CSRF token", rec, http.StatusForbidden)
			if got := w.cardAccount(t, card); got != from {
				t.Fatalf("card in account %s after a refused run, want %s", got, from)
			}
			run.Set("csrf_token", token)
			rec = b.do("POST", "/migrations/run", run)
			loc := rec.Header().Get("Location")
			if rec.Code != http.StatusSeeOther || !regexp.MustCompile(`^/migrations/\d+\?done=migrated$`).MatchString(loc) {
				t.Fatalf("run: status %d to %q, want 303 to the migration\n%.3000s", rec.Code, loc, rec.Body)
			}
			if got := w.cardAccount(t, card); got != to {
				t.Fatalf("card in account %s after the migration, want %s", got, to)
			}
			result := get(t, b, loc, http.StatusOK)
			wantIn(t, "result", result, `class="notice"`, "The migration is done", "What moved", `href="/cards/`+card.String()+`"`,
				"Links it removed", "Reverse this migration", `href="/audit/`)
			back := formOf(t, result, "reverse-0")
			if back.Get("ids") != card.String() || back.Get("target_account_id") != from.String() {
				t.Fatalf("reverse form carries %v, want card %s to account %s", back, card, from)
			}
			wantIn(t, "reverse link", result, `href="/migrations?ids=`+card.String()+`&amp;kind=cards&amp;target_account_id=`+from.String()+`"`)
			// The reverse migration's dry run is one click away, and runs.
			back.Set("csrf_token", token)
			rec = b.do("POST", "/migrations/preview", back)
			wantStatus(t, "reverse preview", rec, http.StatusOK)
			again := formOf(t, body(rec), "run")
			again.Set("csrf_token", token)
			if rec = b.do("POST", "/migrations/run", again); rec.Code != http.StatusSeeOther {
				t.Fatalf("reverse run: status %d\n%.3000s", rec.Code, rec.Body)
			}
			if got := w.cardAccount(t, card); got != from {
				t.Fatalf("card in account %s after the reverse migration, want %s", got, from)
			}
		})

		t.Run("stale fingerprint", func(t *testing.T) {
			card := cards[1]
			from, to := w.cardAccount(t, card), otherAccount(card)
			b := w.as(t, adminEmail)
			token := csrfOf(t, get(t, b, "/migrations", http.StatusOK))
			rec := b.do("POST", "/migrations/preview", url.Values{"csrf_token": {token}, "kind": {"cards"}, "ids": {card.String()},
				"target_account_id": {to.String()}})
			wantStatus(t, "preview", rec, http.StatusOK)
			run := formOf(t, body(rec), "run")
			run.Set("csrf_token", token)
			// The card loses its employee after the review: the plan no
			// longer detaches it.
			if _, err := w.st.UpdateCard(context.Background(), fc.ProviderScope(w.res.ProviderID), card, func(c *fc.Card) error {
				c.EmployeeID = 0
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			rec = b.do("POST", "/migrations/run", run)
			wantStatus(t, "run of a stale plan", rec, http.StatusConflict)
			page := body(rec)
			wantIn(t, "stale plan", page, `id="migration-message"`, "changed since your dry run", "fresh dry run", "Run this migration")
			if got := w.cardAccount(t, card); got != from {
				t.Fatalf("card in account %s after a refused run, want %s", got, from)
			}
			fresh := formOf(t, page, "run")
			if fresh.Get("plan") == run.Get("plan") || fresh.Get("plan") == "" {
				t.Fatalf("fresh plan %q, stale %q", fresh.Get("plan"), run.Get("plan"))
			}
			fresh.Set("csrf_token", token)
			if rec = b.do("POST", "/migrations/run", fresh); rec.Code != http.StatusSeeOther {
				t.Fatalf("run of the fresh plan: status %d\n%.3000s", rec.Code, rec.Body)
			}
			if got := w.cardAccount(t, card); got != to {
				t.Fatalf("card in account %s after the fresh run, want %s", got, to)
			}
		})

		t.Run("blocked plan", func(t *testing.T) {
			station := w.one(t, fmt.Sprintf(`SELECT id FROM stations WHERE location_id IS NOT NULL AND provider_id = %d ORDER BY id`, w.res.ProviderID))
			to := w.one(t, fmt.Sprintf(`SELECT a.id FROM accounts a, stations s WHERE s.id = %d AND a.id <> s.account_id AND a.provider_id = s.provider_id ORDER BY a.id`, station))
			b := w.as(t, adminEmail)
			token := csrfOf(t, get(t, b, "/migrations", http.StatusOK))
			req := url.Values{"csrf_token": {token}, "kind": {"stations"}, "ids": {station.String()}, "target_account_id": {to.String()}}
			rec := b.do("POST", "/migrations/preview", req)
			wantStatus(t, "preview", rec, http.StatusOK)
			page := body(rec)
			wantIn(t, "blocked plan", page, `class="blocked"`, "Station location", "Blocks the migration", `id="fix"`)
			wantNotIn(t, "blocked plan", page, `action="/migrations/run"`, "Run this migration")
			// Running it anyway is refused, and shows the plan again.
			req.Set("plan", "0123456789abcdef0123456789abcdef")
			rec = b.do("POST", "/migrations/run", req)
			if rec.Code != http.StatusConflict && rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("run of a blocked plan: status %d, want 409 or 422", rec.Code)
			}
			wantNotIn(t, "refused blocked run", body(rec), "Run this migration")
			// With the linked assets, nothing blocks it.
			fix := formOf(t, page, "fix")
			fix.Set("csrf_token", token)
			rec = b.do("POST", "/migrations/preview", fix)
			wantStatus(t, "preview with linked assets", rec, http.StatusOK)
			wantIn(t, "plan with linked assets", body(rec), "Run this migration", "location of a moved station")
		})

		t.Run("field errors", func(t *testing.T) {
			b := w.as(t, adminEmail)
			token := csrfOf(t, get(t, b, "/migrations", http.StatusOK))
			rec := b.do("POST", "/migrations/preview", url.Values{"csrf_token": {token}, "kind": {"cards"}, "ids": {"1, abc"}})
			wantStatus(t, "IDs that are not IDs", rec, http.StatusBadRequest)
			wantIn(t, "invalid IDs", body(rec), `id="migration-ids-error"`, `value="cards" selected`, "1, abc</textarea>")
			rec = b.do("POST", "/migrations/preview", url.Values{"csrf_token": {token}, "kind": {"cards"}, "ids": {cards[0].String()}})
			wantStatus(t, "no target", rec, http.StatusBadRequest)
			wantIn(t, "no target", body(rec), `id="migration-target-account-id-error"`)
			rec = b.do("POST", "/migrations/preview", url.Values{"csrf_token": {token}, "kind": {"accounts"}, "ids": {"999999"}, "target_organization_id": {"999998"}})
			if rec.Code < 400 || rec.Code >= 500 {
				t.Fatalf("unknown organization: status %d, want 4xx", rec.Code)
			}
			wantIn(t, "unknown organization", body(rec), `class="field-error"`)
		})
	})
}
