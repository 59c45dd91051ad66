package e2e

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// TestFindAndBlockCards: a fleet manager finds a card by its driver's
// name, exports three chosen cards as CSV (a download of exactly those,
// without a confirmation), then blocks them at once, confirming first; the
// list keeps its search afterwards.
func TestFindAndBlockCards(t *testing.T) {
	t.Parallel()
	ctx := tab(t, fleetOnly)
	open(t, ctx, "/cards?status=active")
	// A driver's name, as the list shows it.
	names := eval[[]string](t, ctx, `[...document.querySelectorAll("main table tbody td[data-label=Employee] a")].map(a => a.textContent.trim())`)
	if len(names) == 0 {
		t.Fatal("no active card with a driver on the list")
	}
	name := names[0]
	part := strings.Fields(name)[len(strings.Fields(name))-1] // the family name
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#filter-search"), strings.ToLower(part))); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "#filter button")
	found := texts(t, ctx, "main table tbody td[data-label=Employee]")
	if !containsText(found, name) {
		t.Fatalf("searching %q does not find the card of %s: %v", part, name, found)
	}

	// Three cards at once: a search that finds many.
	open(t, ctx, "/cards?status=active&search=04")
	checks := eval[[]string](t, ctx, `[...document.querySelectorAll("main table input[type=checkbox][name=card]")].map(c => c.value)`)
	if len(checks) < 3 {
		t.Fatalf("the list offers %d cards to choose", len(checks))
	}
	chosen := checks[:3]
	for _, id := range chosen {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=card][value=%q]`, id)))); err != nil {
			t.Fatal(err)
		}
	}
	// Exported first: the download holds the three, nothing else.
	want := eval[[]string](t, ctx, fmt.Sprintf(`[%s].map(id => document.querySelector("input[name=card][value='" + id + "']")
		.closest("tr").querySelector("td[data-label='External ID']").textContent.trim())`, `"`+strings.Join(chosen, `","`)+`"`))
	dir := t.TempDir()
	allow := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
		DownloadPath: dir, EventsEnabled: &allow,
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#bulk-action"), "export"),
		chromedp.Click(chromedp.CSS("#bulk button[type=submit]"))); err != nil {
		t.Fatal(err)
	}
	file := waitForDownload(t, dir, ".csv")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil || len(records) != 4 || records[0][0] != "External ID" {
		t.Fatalf("the export of 3 chosen cards: %v\n%s", err, raw)
	}
	var got []string
	for _, r := range records[1:] {
		got = append(got, r[0])
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("exported cards %v, chosen %v", got, want)
	}

	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#bulk-action"), "block")); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "#bulk button[type=submit]")
	text := pageText(t, ctx)
	if !strings.Contains(text, "Block 3 cards?") {
		t.Fatalf("no confirmation before blocking 3 cards:\n%s", text)
	}
	submit(t, ctx, "#confirm button[type=submit]")
	if url := eval[string](t, ctx, `location.pathname + location.search`); !strings.Contains(url, "search=04") || !strings.Contains(url, "status=active") {
		t.Errorf("after the bulk action the list is at %s: its search is lost", url)
	}
	if text := pageText(t, ctx); !strings.Contains(text, "The chosen cards are blocked") {
		t.Errorf("no notice after blocking:\n%s", text)
	}
	for _, id := range chosen {
		if s := cardStatus(t, ctx, id); s != "inactive" {
			t.Errorf("card %s is %s after blocking it", id, s)
		}
	}
}

// cardStatus reads a card's status from its page.
func cardStatus(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	open(t, ctx, "/cards/"+id)
	return eval[string](t, ctx, `(document.querySelector("dd[class^=status-]") || {textContent: ""}).textContent.trim()`)
}

func containsText(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}
