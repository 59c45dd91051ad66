package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// TestReimbursementToDriverPDF is issue 15's end-to-end test: the logistics
// holding's fleet manager ends an employee's current rate and sets a new
// one from last month, generates last month's drafts and approves them,
// and invites the employee as a driver; the driver signs in on a
// phone-sized window, finds its statement of last month (the pages never
// scroll sideways) and downloads the PDF, in which pdftotext finds the
// total the fleet manager approved.
func TestReimbursementToDriverPDF(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("no pdftotext on this machine (apt-get install poppler-utils)")
	}
	fm := tab(t, fleetFacility)
	now := time.Now().UTC()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	period, day := from.Format("2006-01"), from.Format("2006-01-02")

	// An employee's open-ended rate that began before last month.
	open(t, fm, "/reimbursement/rates")
	rows := eval[[][]string](t, fm, `[...document.querySelectorAll("main table tbody tr")].map(tr => {
		const c = tr.querySelectorAll("td"), a = c[0] && c[0].querySelector("a"), f = tr.querySelector("form");
		return [a ? a.getAttribute("href") : "", a ? a.textContent.trim() : "", c[2] ? c[2].textContent.trim() : "",
			c[3] ? c[3].textContent.trim() : "", f ? f.id : ""];
	})`)
	var rateHref, name, endForm string
	for _, r := range rows {
		if r[3] == "open" && r[2] < day && r[4] != "" {
			rateHref, name, endForm = r[0], r[1], r[4]
			break
		}
	}
	if endForm == "" {
		t.Fatalf("no open-ended rate begun before %s to end: %v", day, rows)
	}
	employee := strings.TrimPrefix(rateHref, "/reimbursement/rates?employee_id=")
	set := func(selector, value string) {
		t.Helper()
		if err := chromedp.Do(fm, chromedp.SetValue(chromedp.CSS(selector), value)); err != nil {
			t.Fatalf("set %s: %v", selector, err)
		}
	}
	set("#"+endForm+" input[name=valid_to]", day)
	submit(t, fm, "#"+endForm+" button")
	open(t, fm, rateHref)
	set("#rate-per-kwh", "0.314159")
	set("#rate-valid-from", day)
	submit(t, fm, "#rate button")
	if text := pageText(t, fm); !strings.Contains(text, "0.314159") {
		t.Fatalf("the new rate is not listed:\n%s", text)
	}

	// Last month: generate, approve the ticked drafts, read the total.
	open(t, fm, "/reimbursement?period="+period)
	submit(t, fm, "#generate button")
	open(t, fm, "/reimbursement?period="+period)
	submit(t, fm, "#approve button[type=submit]")
	open(t, fm, "/reimbursement?period="+period)
	stmt := eval[[]string](t, fm, fmt.Sprintf(`(() => {
		const tr = [...document.querySelectorAll("main table tbody tr")].find(tr => {
			const e = tr.querySelector('td[data-label="Employee"]'); return e && e.textContent.trim() === %q; });
		if (!tr) return [];
		const v = l => tr.querySelector('td[data-label="' + l + '"]').textContent.trim();
		return [v("Amount"), v("Status")];
	})()`, name))
	if len(stmt) != 2 || stmt[1] != "approved" {
		t.Fatalf("%s's statement of %s: %v, want an approved one", name, period, stmt)
	}
	total := strings.Fields(stmt[0])[0] // "12.34 EUR"

	// The invitation, from the employee's page.
	open(t, fm, "/employees/"+employee)
	email := eval[string](t, fm, `document.querySelector("#invite-email").value`)
	if email == "" {
		email = "driver.e2e@example.com"
		set("#invite-email", email)
	}
	submit(t, fm, "#invite button")
	password := eval[string](t, fm, `(document.querySelector(".secret") || {textContent: ""}).textContent.trim()`)
	if password == "" {
		t.Fatalf("no one-time password after the invitation:\n%s", pageText(t, fm))
	}

	// The driver, on a phone.
	ctx, cancel := chromedp.NewContext(env.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	if _, err := SignIn(ctx, env.srv.URL, email, password); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/my/sessions", "/my/cards", "/my/reimbursement"} {
		open(t, ctx, path)
		if wide := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			t.Errorf("%s scrolls sideways on a phone: %d px wide in a %d px window", path,
				eval[int](t, ctx, `document.documentElement.scrollWidth`), eval[int](t, ctx, `window.innerWidth`))
		}
	}
	loc := eval[string](t, ctx, `location.pathname`)
	if loc != "/my/reimbursement" {
		t.Fatalf("the driver is at %s", loc)
	}
	row := eval[[]string](t, ctx, fmt.Sprintf(`(() => {
		const tr = [...document.querySelectorAll("main table tbody tr")].find(tr => {
			const m = tr.querySelector('td[data-label="Month"]'); return m && m.textContent.trim() === %q; });
		if (!tr) return [];
		return [tr.querySelector('td[data-label="Amount"]').textContent.trim(), tr.querySelector('td[data-label="PDF"] a').getAttribute("href")];
	})()`, period))
	if len(row) != 2 || !strings.HasPrefix(row[0], total+" ") {
		t.Fatalf("the driver's statement of %s: %v, want the total %s", period, row, total)
	}

	dir := t.TempDir()
	allow := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
		DownloadPath: dir, EventsEnabled: &allow,
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href=%q]`, row[1])))); err != nil {
		t.Fatal(err)
	}
	file := waitForDownload(t, dir, ".pdf")
	out, err := exec.Command("pdftotext", "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", file, err)
	}
	if text := string(out); !strings.Contains(text, total) || !strings.Contains(text, period[:4]) {
		t.Errorf("the PDF's text lacks the total %s:\n%s", total, text)
	}
	t.Logf("%s's statement of %s, approved at %s, read in the PDF the driver downloaded on a phone", name, period, stmt[0])
}
