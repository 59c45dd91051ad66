package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func TestMinutesText(t *testing.T) {
	for _, tc := range []struct {
		minutes float64
		want    string
	}{{0, "0 min"}, {44.6, "45 min"}, {60, "1 h 00 min"}, {485, "8 h 05 min"}, {30735.0, "21 d 8 h"}} {
		if got := minutesText(tc.minutes); got != tc.want {
			t.Errorf("minutesText(%v) = %q, want %q", tc.minutes, got, tc.want)
		}
	}
}

func TestReportPresetsAndDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		b := w.as(t, adminEmail)
		now := time.Now().UTC()
		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		page := get(t, b, "/reports/charge-cards", http.StatusOK)
		wantIn(t, "report", page, "This month", "Last month", "This year",
			"from="+month.AddDate(0, -1, 0).Format("2006-01-02")+"&amp;to="+month.Format("2006-01-02"))
		rec := b.do("GET", "/reports/charge-cards?from=12026-01-01", nil)
		wantIn(t, "report with a mistyped year", body(rec), "is not a date: write it as year-month-day")
		wantNotIn(t, "report with a mistyped year", body(rec), "RFC 3339", "YYYY-MM-DD")
	})
}
