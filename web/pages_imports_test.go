package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func TestImportCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		b := w.as(t, fleetWest)
		account := w.one(t, `SELECT id FROM accounts WHERE name LIKE 'Meridian Conseil SAS%' ORDER BY id`)
		vanDijk := w.one(t, `SELECT id FROM accounts WHERE name LIKE 'Van Dijk%' ORDER BY id`)
		existing := w.text(t, `SELECT external_id FROM cards ORDER BY id`)
		page := get(t, b, "/imports/cards", http.StatusOK)
		token := csrfOf(t, page)
		count := func() int { return len(w.ids(t, `SELECT id FROM cards WHERE external_id LIKE 'IMP-%'`)) }

		lines := []string{"external_id,internal_id,account_id,status"}
		for i := 1; i <= 50; i++ {
			lines = append(lines, fmt.Sprintf("IMP-%03d,IMP%03d,%s,active", i, i, account))
		}
		good := slices.Clone(lines)
		// Line 12 names another customer's account, line 31 a card number
		// that exists already.
		lines[11] = "IMP-011,IMP011," + vanDijk.String() + ",active"
		lines[30] = existing + ",IMP030," + account.String() + ",active"
		bad := strings.Join(lines, "\n")
		for _, dry := range []string{"yes", "no"} {
			rec := b.do("POST", "/imports/cards", url.Values{"csrf_token": {token}, "csv": {bad}, "dry_run": {dry}})
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("import with 2 bad rows (dry run %s): %d\n%.2000s", dry, rec.Code, body(rec))
			}
			wantIn(t, "import with 2 bad rows", body(rec), "2 errors in 50 rows: nothing is imported",
				`<td class="num" data-label="Line">12</td>`, `<td class="num" data-label="Line">31</td>`, "exists already", "IMP-050")
			if n := count(); n != 0 {
				t.Fatalf("%d cards imported from a file with errors", n)
			}
		}
		rec := b.do("POST", "/imports/cards", url.Values{"csrf_token": {token}, "csv": {strings.Join(good, "\n")}, "dry_run": {"yes"}})
		wantIn(t, "dry run of the fixed file", body(rec), "All 50 rows are fine")
		if n := count(); n != 0 {
			t.Fatalf("a dry run imported %d cards", n)
		}
		rec = b.do("POST", "/imports/cards", url.Values{"csrf_token": {token}, "csv": {strings.Join(good, "\n")}, "dry_run": {"no"}})
		wantIn(t, "import of the fixed file", body(rec), "50 cards imported.")
		if n := count(); n != 50 {
			t.Fatalf("%d cards imported, want 50", n)
		}
		// The same file again: every row exists, nothing more is created.
		rec = b.do("POST", "/imports/cards", url.Values{"csrf_token": {token}, "csv": {strings.Join(good, "\n")}, "dry_run": {"no"}})
		wantIn(t, "the same import again", body(rec), "50 errors in 50 rows")
		// A header that is not the API's.
		rec = b.do("POST", "/imports/cards", url.Values{"csrf_token": {token}, "csv": {"colour\nred"}, "dry_run": {"yes"}})
		wantIn(t, "a bad header", body(rec), "unknown column")
		// A facility manager imports no cards.
		get(t, w.as(t, facilitiesDE), "/imports/cards", http.StatusNotFound)
	})
}
