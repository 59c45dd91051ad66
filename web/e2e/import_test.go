package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestImportCardsFromCSV: a fleet manager imports 50 cards from CSV; two
// bad rows are reported by line and nothing is imported; with them fixed,
// all 50 are.
func TestImportCardsFromCSV(t *testing.T) {
	t.Parallel()
	ctx := tab(t, fleetOnly)
	open(t, ctx, "/cards/new")
	accounts := eval[[][]string](t, ctx, `[...document.querySelectorAll("#new-account-id option")].filter(o => o.value).map(o => [o.value, o.textContent.trim()])`)
	if len(accounts) == 0 {
		t.Fatal("no account to issue cards to")
	}
	account := accounts[0][0]
	open(t, ctx, "/cards")
	existing := eval[string](t, ctx, `document.querySelector("main table tbody td[data-label='External ID'] a").textContent.trim()`)
	lines := []string{"external_id,internal_id,account_id,status"}
	for i := 1; i <= 50; i++ {
		lines = append(lines, fmt.Sprintf("E2E-IMP-%03d,E2EIMP%03d,%s,active", i, i, account))
	}
	bad := append([]string(nil), lines...)
	bad[7] = "E2E-IMP-007,E2EIMP007,not-an-id,active"        // line 8
	bad[42] = existing + ",E2EIMP042," + account + ",active" // line 43

	open(t, ctx, "/cards")
	submit(t, ctx, `main a[href="/imports/cards"]`)
	setText := func(csv string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#import-csv"), csv)); err != nil {
			t.Fatal(err)
		}
	}
	setText(strings.Join(bad, "\n"))
	submit(t, ctx, "#import-run")
	summary := eval[string](t, ctx, `document.querySelector("#import-summary").textContent`)
	if !strings.Contains(summary, "2 errors in 50 rows: nothing is imported") {
		t.Fatalf("import with 2 bad rows says %q", summary)
	}
	failed := eval[[]string](t, ctx, `[...document.querySelectorAll("main table tbody tr")].filter(tr => tr.querySelector(".answer-no")).map(tr => tr.querySelector("td").textContent.trim())`)
	if strings.Join(failed, ",") != "8,43" {
		t.Errorf("lines reported wrong: %v, want 8 and 43", failed)
	}
	open(t, ctx, "/cards?search=E2E-IMP")
	if n := eval[int](t, ctx, `document.querySelectorAll("main table tbody td[data-label='External ID'] a").length`); n != 0 {
		t.Fatalf("%d cards imported from a file with errors", n)
	}

	open(t, ctx, "/imports/cards")
	setText(strings.Join(lines, "\n"))
	submit(t, ctx, "#import-check")
	if s := eval[string](t, ctx, `document.querySelector("#import-summary").textContent`); !strings.Contains(s, "All 50 rows are fine") {
		t.Fatalf("the check of the fixed file says %q", s)
	}
	submit(t, ctx, "#import-run")
	if s := eval[string](t, ctx, `document.querySelector("#import-summary").textContent`); !strings.Contains(s, "50 cards imported") {
		t.Fatalf("the import of the fixed file says %q", s)
	}
	open(t, ctx, "/cards?search=E2E-IMP")
	if n := eval[int](t, ctx, `document.querySelectorAll("main table tbody td[data-label='External ID'] a").length`); n != 50 {
		t.Errorf("%d imported cards listed, want 50", n)
	}
}
