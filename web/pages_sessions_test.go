package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var sessionLinks = regexp.MustCompile(`<a href="/sessions/([0-9]+)">`)

func TestSessionsList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		b := w.as(t, adminEmail)
		// Newest first.
		page := get(t, b, "/sessions", http.StatusOK)
		var shown []string
		for _, m := range sessionLinks.FindAllStringSubmatch(page, -1) {
			shown = append(shown, m[1])
		}
		var newest []string
		for _, id := range w.ids(t, `SELECT id FROM sessions ORDER BY id DESC LIMIT 100`) {
			newest = append(newest, id.String())
		}
		if !slices.Equal(shown, newest) {
			t.Errorf("sessions list shows %v…, want the newest %v…", shown[:min(3, len(shown))], newest[:min(3, len(newest))])
		}
		wantIn(t, "sessions list", page, "This month", "Last month", "This year", `href="/sessions/export"`)
		// The next page goes on with older sessions.
		next := regexp.MustCompile(`<a href="(/sessions\?after=[0-9]+)" rel="next">`).FindStringSubmatch(page)
		if next == nil {
			t.Fatal("no next page")
		}
		older := sessionLinks.FindStringSubmatch(get(t, b, strings.ReplaceAll(next[1], "&amp;", "&"), http.StatusOK))
		last, _ := fc.ParseID(newest[len(newest)-1])
		if older == nil {
			t.Fatal("the next page shows no session")
		}
		if first, _ := fc.ParseID(older[1]); first >= last {
			t.Errorf("the next page starts with %v, want older than %s", older, newest[len(newest)-1])
		}

		// By the driver's name: only that driver's sessions, in the list
		// and in the export.
		driver := w.one(t, `SELECT employee_id FROM sessions WHERE employee_id IS NOT NULL GROUP BY employee_id ORDER BY COUNT(*) DESC, employee_id`)
		name := w.text(t, `SELECT name FROM employees WHERE id = `+driver.String())
		var theirs []string
		for _, id := range w.ids(t, `SELECT id FROM sessions WHERE employee_id = `+driver.String()+` ORDER BY id DESC`) {
			theirs = append(theirs, id.String())
		}
		q := "employee=" + url.QueryEscape(name)
		page = get(t, b, "/sessions?"+q, http.StatusOK)
		shown = nil
		for _, m := range sessionLinks.FindAllStringSubmatch(page, -1) {
			shown = append(shown, m[1])
		}
		if !slices.Equal(shown, theirs[:min(100, len(theirs))]) {
			t.Errorf("sessions of %s = %v, want %v", name, shown, theirs)
		}
		wantIn(t, "filtered list", page, `href="/sessions/export?employee=`)
		rec := b.do("GET", "/sessions/export?"+q, nil)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		rows, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var exported []string
		for _, row := range rows[1:] {
			exported = append(exported, row[0])
			if row[7] != name {
				t.Errorf("exported session %s has driver %q, want %q", row[0], row[7], name)
			}
		}
		if !slices.Equal(exported, theirs) {
			t.Errorf("exported sessions = %v, want %v", exported, theirs)
		}

		// A typo in a date is said in words, and the list still shows.
		page = get(t, b, "/sessions?from=12026-01-01", http.StatusOK)
		wantIn(t, "mistyped date", page, "is not a date: write it as year-month-day")
		wantNotIn(t, "mistyped date", page, "RFC 3339")
	})
}
