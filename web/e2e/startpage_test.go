package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestStartPage: for each persona with a report right, the start page's
// figures of this month (sessions, energy and cost or revenue) are those
// of the report its link opens, read in the browser from both pages, and
// the start page draws the month's energy as a chart.
func TestStartPage(t *testing.T) {
	t.Parallel()
	for _, email := range []string{fleetFacility, accountAdmin, groupManager, facilityOnly, fleetOnly} {
		t.Run(email, func(t *testing.T) {
			t.Parallel()
			ctx := tab(t, email)
			if status := open(t, ctx, "/?lang=en"); status != 200 {
				t.Fatalf("start page: status %d", status)
			}
			reports := eval[bool](t, ctx, `!!document.querySelector('nav a[href^="/reports"]')`)
			home := figureMap(t, ctx, "#glance-figures")
			if !reports {
				t.Log("no report right")
				if len(home) != 0 {
					t.Errorf("no report right, but the start page shows figures %v", home)
				}
				return
			}
			if len(home) == 0 {
				t.Fatal("the start page shows no figures of this month")
			}
			if n := len(texts(t, ctx, "#chart-glance svg rect, #chart-glance .empty")); n == 0 {
				t.Error("the start page draws no chart of this month's energy")
			}
			link := `section[aria-labelledby="glance-period"] a[href^="/reports/charge-sessions?"]`
			if !strings.Contains(strings.Join(texts(t, ctx, link), " "), "The report of this month") {
				t.Fatal("the start page links no report of this month")
			}
			if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(link), chromedp.NodeVisible)); err != nil {
				t.Fatalf("follow the report link: %v", err)
			}
			report := figureMap(t, ctx, "dl.report-summary")
			compared := 0
			for label, v := range home {
				if label != "Sessions" && label != "Energy" && !strings.HasPrefix(label, "Cost ") && !strings.HasPrefix(label, "Revenue ") {
					continue
				}
				compared++
				if report[label] != v {
					t.Errorf("%s: the start page shows %q, the report %q", label, v, report[label])
				}
			}
			t.Logf("start page %v, report %v", home, report)
			if home["Sessions"] == "" || home["Energy"] == "" || compared < 2 {
				t.Errorf("the start page shows %v: no sessions or energy", home)
			}
			for label := range report {
				if (strings.HasPrefix(label, "Cost ") || strings.HasPrefix(label, "Revenue ")) && home[label] == "" {
					t.Errorf("the report shows %s %q, the start page not", label, report[label])
				}
			}
		})
	}
}

// figureMap reads the label and value pairs of a description list.
func figureMap(t *testing.T, ctx context.Context, selector string) map[string]string {
	t.Helper()
	labels := texts(t, ctx, selector+" dt")
	values := texts(t, ctx, selector+" dd")
	if len(labels) != len(values) {
		t.Fatalf("%s: %d labels, %d values", selector, len(labels), len(values))
	}
	out := map[string]string{}
	for i := range labels {
		out[labels[i]] = values[i]
	}
	return out
}
