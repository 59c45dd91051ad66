package web

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var (
	glanceFigures = regexp.MustCompile(`(?s)<dl class="facts glance" id="glance-figures">(.*?)</dl>`)
	reportFigures = regexp.MustCompile(`(?s)<dl class="report-summary">(.*?)</dl>`)
	figurePair    = regexp.MustCompile(`<dt>([^<]+)</dt><dd>([^<]+)</dd>`)
)

func figures(t *testing.T, what, page string, block *regexp.Regexp) []string {
	t.Helper()
	m := block.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s shows no figures", what)
	}
	var out []string
	for _, p := range figurePair.FindAllStringSubmatch(m[1], -1) {
		out = append(out, p[1]+"="+p[2])
	}
	return out
}

// TestStartPage: each role's start page shows this month's figures equal
// to the matching report's, the stations' health and the latest sessions.
func TestStartPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		for _, email := range []string{fleetWest, facilitiesDE, adminEmail} {
			b := w.as(t, email)
			home := get(t, b, "/", http.StatusOK)
			got := figures(t, "start page of "+email, home, glanceFigures)
			link := regexp.MustCompile(`<a href="(/reports/charge-sessions\?[^"]+)">The report of this month</a>`).FindStringSubmatch(home)
			if link == nil {
				t.Fatalf("start page of %s links no report", email)
			}
			target := strings.ReplaceAll(link[1], "&amp;", "&")
			month := time.Now().Format("2006-01")
			if !strings.Contains(target, "from="+month+"-01") {
				t.Errorf("start page of %s links %s, not this month", email, target)
			}
			want := figures(t, "report "+target, get(t, b, target, http.StatusOK), reportFigures)
			if !slices.Equal(got, want) || len(got) < 3 {
				t.Errorf("start page of %s shows %v, the report %v", email, got, want)
			}
			if !strings.Contains(got[0], "Sessions=") {
				t.Errorf("start page of %s: first figure %q", email, got[0])
			}
		}
		// The facility manager's station health links to the filtered list,
		// which shows only stations in that state.
		b := w.as(t, facilitiesDE)
		home := get(t, b, "/", http.StatusOK)
		wantIn(t, "facility start page", home, "Stations now", `href="/stations?state=offline"`, "Latest sessions")
		offline := regexp.MustCompile(`<dt>Offline</dt><dd class="conn-offline"><a href="/stations\?state=offline">(\d+)</a>`).FindStringSubmatch(home)
		if offline == nil {
			t.Fatal("no offline count")
		}
		list := get(t, b, "/stations?state=offline", http.StatusOK)
		if n := strings.Count(list, `class="conn-offline"`); strconv.Itoa(n) != offline[1] {
			t.Errorf("the offline list shows %d stations, the start page counts %s", n, offline[1])
		}
		if strings.Contains(list, `class="conn-online"`) {
			t.Error("the offline list shows an online station")
		}
	})
}
