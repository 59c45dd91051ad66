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

var toApprove = regexp.MustCompile(`<a href="/reimbursement\?period=(\d{4}-\d{2})">Reimbursement statements of [^<]+ to approve: (\d+)</a>`)

// TestStartPageStatementsToApprove: under "Needs attention", every persona
// of the demo counts, per month, exactly the draft statements that the
// month's reimbursement page offers it to approve (a ticked box each), and
// names no month where that page offers none; a user who may not approve
// counts none.
func TestStartPageStatementsToApprove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		var periods []string
		rows, err := st.DB().Query(`SELECT DISTINCT period FROM reimbursement_statements ORDER BY period`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				t.Fatal(err)
			}
			periods = append(periods, p)
		}
		rows.Close()
		if len(periods) == 0 {
			t.Fatal("the demo has no reimbursement statements")
		}
		counted := 0
		for _, l := range w.res.Logins {
			b := w.as(t, l.Email)
			home := get(t, b, "/", http.StatusOK)
			shown := map[string]int{}
			for _, m := range toApprove.FindAllStringSubmatch(home, -1) {
				n, _ := strconv.Atoi(m[2])
				if n == 0 {
					t.Errorf("%s: the start page counts 0 statements of %s", l.Email, m[1])
				}
				shown[m[1]] = n
				counted += n
			}
			for _, p := range periods {
				month := b.do("GET", "/reimbursement?period="+p, nil)
				offered := 0
				if month.Code == http.StatusOK {
					offered = strings.Count(body(month), `name="statement_id"`)
				}
				if shown[p] != offered {
					t.Errorf("%s: the start page counts %d statements of %s to approve, the month's page offers %d", l.Email, shown[p], p, offered)
				}
			}
		}
		if counted == 0 {
			t.Error("no persona has a statement to approve: the demo has no draft to check")
		}
		if home := get(t, w.as(t, facilitiesDE), "/", http.StatusOK); toApprove.MatchString(home) {
			t.Error("a facility manager, who may not approve, has statements to approve")
		}
	})
}

var (
	glanceChartBlock = regexp.MustCompile(`(?s)<figure class="chart glance-chart" id="chart-glance">(.*?)</figure>`)
	glanceBar        = regexp.MustCompile(`class="label">days (\d+)–(\d+)</text>.*?class="value">([^<]+)</text>`)
)

// kWhValue reads "1,234.5 kWh".
func kWhValue(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSuffix(s, " kWh"), ",", ""), 64)
	if err != nil {
		t.Fatalf("energy %q: %v", s, err)
	}
	return v
}

// TestStartPageChart: the start page's chart of the month's energy per
// week has a bar per week of the month, each equal to the report of its
// days, and the bars add up to the energy figure shown above them (within
// the rounding of each bar to a tenth of a kWh), for a fleet and a facility
// manager.
func TestStartPageChart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		for _, email := range []string{fleetWest, facilitiesDE} {
			b := w.as(t, email)
			home := get(t, b, "/", http.StatusOK)
			energy := ""
			for _, f := range figures(t, "start page of "+email, home, glanceFigures) {
				if v, ok := strings.CutPrefix(f, "Energy="); ok {
					energy = v
				}
			}
			if energy == "" {
				t.Fatalf("start page of %s shows no energy", email)
			}
			m := glanceChartBlock.FindStringSubmatch(home)
			if m == nil {
				t.Fatalf("start page of %s draws no chart", email)
			}
			wantIn(t, "chart of "+email, m[1], `role="img"`, `<figcaption id="chart-glance-title">Energy (kWh) per week of the month</figcaption>`,
				`aria-labelledby="chart-glance-title chart-glance-desc"`)
			if kWhValue(t, energy) == 0 {
				if !strings.Contains(m[1], `class="empty"`) {
					t.Errorf("start page of %s: no energy, but the chart is not empty", email)
				}
				continue
			}
			bars := glanceBar.FindAllStringSubmatch(m[1], -1)
			if len(bars) != 4 {
				t.Fatalf("start page of %s: %d bars, want 4 weeks", email, len(bars))
			}
			link := regexp.MustCompile(`<a href="(/reports/charge-sessions\?[^"]+)">The report of this month</a>`).FindStringSubmatch(home)
			if link == nil {
				t.Fatalf("start page of %s links no report", email)
			}
			target := strings.ReplaceAll(link[1], "&amp;", "&")
			// The month of the link (the provider's), not the test's clock.
			fromParam := regexp.MustCompile(`from=(\d{4}-\d{2})-01`).FindStringSubmatch(target)
			if fromParam == nil {
				t.Fatalf("start page of %s links %s, no month", email, target)
			}
			month := fromParam[1]
			first, _ := time.Parse("2006-01", month)
			sum := 0.0
			next := 1
			for i, bar := range bars {
				from, _ := strconv.Atoi(bar[1])
				to, _ := strconv.Atoi(bar[2])
				if from != next || to < from {
					t.Fatalf("start page of %s: bar %d covers days %d–%d after day %d", email, i, from, to, next-1)
				}
				next = to + 1
				v := kWhValue(t, bar[3])
				sum += v
				// The bar equals the report of its days.
				q := strings.Replace(target, "from="+month+"-01", "from="+month+"-"+fmt2(from), 1)
				if i < 3 {
					q = regexp.MustCompile(`to=\d{4}-\d{2}-\d{2}`).ReplaceAllString(q, "to="+month+"-"+fmt2(to+1))
				}
				for _, f := range figures(t, "report "+q, get(t, b, q, http.StatusOK), reportFigures) {
					if e, ok := strings.CutPrefix(f, "Energy="); ok && e != bar[3] {
						t.Errorf("start page of %s: days %d–%d show %s, their report %s", email, from, to, bar[3], e)
					}
				}
			}
			if last := first.AddDate(0, 1, -1).Day(); next != last+1 {
				t.Errorf("start page of %s: the bars end on day %d, the month on %d", email, next-1, last)
			}
			if d := sum - kWhValue(t, energy); d > 0.05*float64(len(bars))+1e-9 || d < -0.05*float64(len(bars))-1e-9 {
				t.Errorf("start page of %s: the bars add up to %.1f kWh, the figure is %s", email, sum, energy)
			}
		}
	})
}

func fmt2(d int) string {
	if d < 10 {
		return "0" + strconv.Itoa(d)
	}
	return strconv.Itoa(d)
}
