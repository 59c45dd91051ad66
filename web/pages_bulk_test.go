package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func TestBulkCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ids := func(query string) []string {
			var out []string
			for _, id := range w.ids(t, query) {
				out = append(out, id.String())
			}
			return out
		}
		// Three active cards of Meridian Conseil, which the west fleet
		// manager manages, and one of Van Dijk, which it does not see.
		three := ids(`SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id WHERE a.name LIKE 'Meridian Conseil SAS%'
			AND c.status = 'active' ORDER BY c.id`)
		if len(three) < 3 {
			t.Fatalf("the demo has %d active cards of Meridian Conseil", len(three))
		}
		three = three[:3]
		vanDijk := ids(`SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id WHERE a.name LIKE 'Van Dijk%' AND c.status = 'active' ORDER BY c.id`)[0]
		b := w.as(t, fleetWest)
		list := get(t, b, "/cards?search=04", http.StatusOK)
		wantIn(t, "cards list", list, `<form method="post" action="/cards/bulk" id="bulk"`, `name="card" value="`+three[0]+`" form="bulk"`,
			`name="back" value="/cards?search=04"`)
		token := csrfOf(t, list)
		status := func(raw string) string {
			id, _ := fc.ParseID(raw)
			return w.cardStatus(t, id)
		}
		post := url.Values{"csrf_token": {token}, "action": {bulkBlock}, "back": {"/cards?search=04"}, "card": three}

		// The first post asks, and changes nothing.
		rec := b.do("POST", "/cards/bulk", post)
		if rec.Code != http.StatusOK {
			t.Fatalf("bulk block: %d\n%s", rec.Code, body(rec))
		}
		wantIn(t, "confirmation", body(rec), "Block 3 cards?", `name="confirm" value="yes"`)
		for _, id := range three {
			if got := status(id); got != fc.CardActive {
				t.Errorf("card %s is %s before the confirmation", id, got)
			}
		}
		// A card out of scope among them: not found, and nothing changes.
		withStranger := url.Values{"csrf_token": {token}, "action": {bulkBlock}, "back": {"/cards"}, "confirm": {"yes"},
			"card": append(slices.Clone(three), vanDijk)}
		if rec := b.do("POST", "/cards/bulk", withStranger); rec.Code != http.StatusNotFound {
			t.Errorf("bulk block with a Van Dijk card: %d", rec.Code)
		}
		for _, id := range append(slices.Clone(three), vanDijk) {
			if got := status(id); got != fc.CardActive {
				t.Errorf("card %s is %s after a refused bulk action", id, got)
			}
		}
		// Confirmed: all three are blocked and the list keeps its search.
		post.Set("confirm", "yes")
		wantRedirect(t, "confirmed bulk block", b.do("POST", "/cards/bulk", post), "/cards?search=04&done=bulk-blocked")
		for _, id := range three {
			if got := status(id); got != fc.CardInactive {
				t.Errorf("card %s is %s after bulk block", id, got)
			}
		}
		post.Set("action", bulkUnblock)
		wantRedirect(t, "confirmed bulk unblock", b.do("POST", "/cards/bulk", post), "/cards?search=04&done=bulk-unblocked")
		for _, id := range three {
			if got := status(id); got != fc.CardActive {
				t.Errorf("card %s is %s after bulk unblock", id, got)
			}
		}
		// No card ticked: the list again, with the bulk form's error.
		rec = b.do("POST", "/cards/bulk", url.Values{"csrf_token": {token}, "action": {bulkBlock}, "back": {"/cards?search=04"}})
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("bulk without cards: %d", rec.Code)
		}
		wantIn(t, "bulk without cards", body(rec), "ick at least one card", `id="filter-search" name="search" type="text" value="04"`)

		// The provider admin admits the three to a charge group.
		admin := w.as(t, adminEmail)
		group := w.one(t, `SELECT g.id FROM charge_groups g JOIN accounts a ON a.id = g.account_id WHERE a.name LIKE 'Meridian Conseil SAS%' ORDER BY g.id`)
		post = url.Values{"csrf_token": {csrfOf(t, get(t, admin, "/cards", http.StatusOK))}, "action": {bulkAllow},
			"charge_group_id": {"x (ID " + group.String() + ")"}, "card": three, "confirm": {"yes"}}
		wantRedirect(t, "bulk allow", admin.do("POST", "/cards/bulk", post), "/cards?done=bulk-allowed")
		g, err := st.ChargeGroup(context.Background(), fc.ProviderScope(w.res.ProviderID), group)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range three {
			id, _ := fc.ParseID(raw)
			if !slices.Contains(g.AllowedCardIDs, id) {
				t.Errorf("card %s is not on the group's access list %v", raw, g.AllowedCardIDs)
			}
		}
	})
}

// TestBulkExportCards: the chosen cards exported from the bulk form are the
// rows of the cards list's own export for exactly those cards, with its
// column titles (in the user's language), in the list's sort; nothing
// changes. A card the user may not read, posted by hand among them, refuses
// the whole export (not found) and never appears.
func TestBulkExportCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ids := func(query string) []string {
			var out []string
			for _, id := range w.ids(t, query) {
				out = append(out, id.String())
			}
			return out
		}
		meridian := ids(`SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id WHERE a.name LIKE 'Meridian Conseil SAS%'
			AND c.status = 'active' ORDER BY c.id`)
		if len(meridian) < 5 {
			t.Fatalf("the demo has %d active cards of Meridian Conseil", len(meridian))
		}
		three := []string{meridian[4], meridian[0], meridian[2]}
		vanDijk := ids(`SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id WHERE a.name LIKE 'Van Dijk%' ORDER BY c.id`)[0]
		external := func(raw string) string {
			id, _ := fc.ParseID(raw)
			c, err := st.Card(context.Background(), fc.ProviderScope(w.res.ProviderID), id)
			if err != nil {
				t.Fatal(err)
			}
			return c.ExternalID
		}
		readCSV := func(what string, rec *httptest.ResponseRecorder) [][]string {
			t.Helper()
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d\n%s", what, rec.Code, body(rec))
			}
			if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
				t.Errorf("%s: Content-Disposition %q", what, cd)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("%s: Content-Type %q", what, ct)
			}
			recs, err := csv.NewReader(rec.Body).ReadAll()
			if err != nil || len(recs) == 0 {
				t.Fatalf("%s: %v, %d records", what, err, len(recs))
			}
			return recs
		}

		for _, lang := range []string{"en", "de"} {
			b := w.as(t, fleetWest)
			token := csrfOf(t, get(t, b, "/cards?lang="+lang, http.StatusOK))
			// The whole list's export, sorted by external ID descending: the
			// rows the chosen ones must equal.
			whole := readCSV("list export", b.do("GET", "/cards/export?sort=external_id&dir=desc", nil))
			wantHead := whole[0]
			if lang == "de" && slices.Contains(wantHead, "External ID") {
				t.Errorf("the German export's titles are English: %q", wantHead)
			}
			chosen := map[string]bool{}
			for _, id := range three {
				chosen[external(id)] = true
			}
			var want [][]string
			for _, row := range whole[1:] {
				if chosen[row[0]] {
					want = append(want, row)
				}
			}
			if len(want) != 3 {
				t.Fatalf("the list's export holds %d of the chosen cards", len(want))
			}
			post := url.Values{"csrf_token": {token}, "action": {bulkExport}, "back": {"/cards?search=zzz&sort=external_id&dir=desc"},
				"card": three}
			got := readCSV("bulk export", b.do("POST", "/cards/bulk", post))
			if !slices.Equal(got[0], wantHead) {
				t.Errorf("%s: bulk export titles %q, want the list's %q", lang, got[0], wantHead)
			}
			if !slices.EqualFunc(got[1:], want, slices.Equal) {
				t.Errorf("%s: bulk export rows\n%q\nwant\n%q", lang, got[1:], want)
			}
			// Without a confirmation, and nothing changed.
			for _, id := range three {
				if got, _ := fc.ParseID(id); w.cardStatus(t, got) != fc.CardActive {
					t.Errorf("card %s changed by the export", id)
				}
			}
			// A Van Dijk card posted by hand: refused, and not in the answer.
			for _, cards := range [][]string{append(slices.Clone(three), vanDijk), {vanDijk}} {
				post["card"] = cards
				rec := b.do("POST", "/cards/bulk", post)
				if rec.Code != http.StatusNotFound {
					t.Errorf("export with a Van Dijk card: %d", rec.Code)
				}
				if strings.Contains(body(rec), external(vanDijk)) || rec.Header().Get("Content-Disposition") != "" {
					t.Errorf("export with a Van Dijk card answers it:\n%s", body(rec))
				}
			}
			// Without the CSRF token: refused.
			post["card"] = three
			post.Del("csrf_token")
			if rec := b.do("POST", "/cards/bulk", post); rec.Code != http.StatusForbidden {
				t.Errorf("export without CSRF token: %d", rec.Code)
			}
		}
	})
}
