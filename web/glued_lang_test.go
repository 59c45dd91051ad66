package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestPickerInLanguages: a picker's labels (a kind, a status) and its word
// on a name it cannot find read in the page's language.
func TestPickerInLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		b := w.as(t, adminEmail)

		// The picker's labels: a location's kind, a card's status.
		b.cookies[langCookie] = "nl"
		kinds := map[string]bool{}
		for _, it := range suggestions(t, b, "kind=locations&q=") {
			kinds[strings.Split(it.Label, " · ")[0]] = true
		}
		if !kinds["Kantoor"] || kinds["Office"] || kinds["Home"] || kinds["Start"] {
			t.Errorf("Dutch location kinds in the picker: %v, want Kantoor and no English (nor Start, the start page)", kinds)
		}
		cards := suggestions(t, b, "kind=cards&q=")
		if len(cards) == 0 || !strings.HasSuffix(cards[0].Label, " · actief") && !strings.HasSuffix(cards[0].Label, " · inactief") {
			t.Errorf("Dutch card labels: %+v", cards[:min(2, len(cards))])
		}

		// A name that matches nothing, in French.
		b.cookies[langCookie] = "fr"
		account := w.one(t, `SELECT id FROM accounts ORDER BY id`)
		page := get(t, b, "/cards/new?account_id="+account.String(), http.StatusOK)
		form := url.Values{"csrf_token": {csrfOf(t, page)}, "external_id": {"GLUE-0001"}, "internal_id": {"GLUE0001"},
			"account_id": {account.String()}, "employee_id": {"Nobody Anywhere"}, "status": {fc.CardActive}}
		rec := b.do("POST", "/cards", form)
		if got, want := html.UnescapeString(body(rec)), "«\u00a0Nobody Anywhere\u00a0» ne correspond à rien que vous puissiez voir"; rec.Code != http.StatusBadRequest || !strings.Contains(got, want) {
			t.Errorf("a card for nobody, in French: %d, want %q in %q", rec.Code, want, errorsOf(got))
		}

	})
}

// TestReportChartsInLanguages: a report chart's title, legend, note and
// description, put together by the handler, read in the page's language.
func TestReportChartsInLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rw := newReportWorld(t, st)
		rec := rw.get(t, fleetAndFacility, "/reports/sessions-per-card?from=2025-01-01&to=2025-07-01&lang=de")
		report := html.UnescapeString(rec.Body.String())
		for _, want := range []string{"Energie (kWh) pro Ladekarte", "<desc id=\"chart-energy-desc\">Energie (kWh) pro Ladekarte. ",
			"Energie (kWh) pro Monat nach Standortart"} {
			if !strings.Contains(report, want) {
				t.Errorf("the German report lacks %q", want)
			}
		}
		desc := regexp.MustCompile(`<desc id="chart-months-desc">([^<]*)</desc>`).FindStringSubmatch(report)
		if desc == nil || regexp.MustCompile(`\b(home|office|public|none)\b|[0-9]\.[0-9]`).MatchString(desc[1]) {
			t.Errorf("the German month chart's description: %q, want German words and decimal commas", desc)
		}
		for _, legend := range []string{"Büro", "Zuhause", "Öffentlich"} {
			if !strings.Contains(report, legend+"</li>") {
				t.Errorf("the German legend lacks %q", legend)
			}
		}
	})
}
