package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var auditLinks = regexp.MustCompile(`<a href="/audit/([0-9]+)">`)

func TestAuditFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		b := w.as(t, adminEmail)
		// A change by the admin, so that the log has a known actor.
		page := get(t, b, "/employees/new", http.StatusOK)
		account := w.one(t, `SELECT id FROM accounts ORDER BY id`)
		wantCreated(t, "employee", b.do("POST", "/employees", map[string][]string{"csrf_token": {csrfOf(t, page)},
			"name": {"Audit Filter"}, "account_id": {account.String()}, "active": {"on"}}))
		ids := func(page string) []string {
			var out []string
			for _, m := range auditLinks.FindAllStringSubmatch(page, -1) {
				out = append(out, m[1])
			}
			return out
		}
		var newest []string
		for _, id := range w.ids(t, `SELECT id FROM audit_events ORDER BY id DESC LIMIT 100`) {
			newest = append(newest, id.String())
		}
		if got := ids(get(t, b, "/audit", http.StatusOK)); !slices.Equal(got, newest) {
			t.Errorf("audit log starts %v, want the newest %v", got[:min(3, len(got))], newest[:min(3, len(newest))])
		}
		var mine []string
		for _, id := range w.ids(t, `SELECT id FROM audit_events WHERE LOWER(actor) LIKE '%admin@voltaria%' ORDER BY id DESC LIMIT 100`) {
			mine = append(mine, id.String())
		}
		page = get(t, b, "/audit?actor=ADMIN@VOLTARIA", http.StatusOK)
		if got := ids(page); len(mine) == 0 || !slices.Equal(got, mine) {
			t.Errorf("audit log by the admin = %v, want %v", got, mine)
		}
		wantIn(t, "filtered audit log", page, "This month", `value="ADMIN@VOLTARIA"`)
		if got := ids(get(t, b, "/audit?from=2099-01-01", http.StatusOK)); len(got) != 0 {
			t.Errorf("audit log from 2099 lists %v", got)
		}
		page = get(t, b, "/audit?to=12026-01-01", http.StatusOK)
		wantIn(t, "mistyped date", page, "is not a date: write it as year-month-day")
		if strings.Contains(page, "RFC 3339") {
			t.Error("the audit log speaks of RFC 3339")
		}
	})
}
