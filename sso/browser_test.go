package sso_test

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
	"github.com/fleetcharge/fleetcharge/web/e2e"
)

// csp is the Content-Security-Policy fleetcharge serves every page with
// (cmd/fleetcharge/edges.go): the browser must reach the identity provider
// under it, though its forms may only submit to this site.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// TestSSOInChromium signs in through the identity provider in headless
// Chromium: the sign-in page's company account form, the provider's login
// page, back signed in with the group's role; a user whose groups give no
// role is told so; signing out passes through the provider and back to the
// sign-in page.
func TestSSOInChromium(t *testing.T) {
	chromium := e2e.Chromium()
	if chromium == "" {
		if os.Getenv("FLEETCHARGE_E2E") != "" {
			t.Fatal("FLEETCHARGE_E2E is set but no Chromium was found")
		}
		t.Skip("no Chromium on this machine (apt-get install chromium)")
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		r.wrap = func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				w.Header().Set("Content-Security-Policy", csp)
				h.ServeHTTP(w, req)
			})
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		alloc, stop := e2e.NewBrowser(ctx, chromium, 1280, 900)
		defer stop()
		browser, closeBrowser := chromedp.NewContext(alloc)
		defer closeBrowser()

		signIn := func(tab context.Context, email, username string) {
			t.Helper()
			err := chromedp.Do(tab,
				chromedp.Navigate(r.fcURL+"/login"),
				chromedp.WaitVisible(chromedp.CSS(`#sso-email`)),
				chromedp.SetValue(chromedp.CSS(`#sso-email`), email),
				chromedp.Submit(chromedp.CSS(`#sso-email`)),
				chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
				chromedp.SetValue(chromedp.CSS(`input[name="username"]`), username),
				chromedp.SetValue(chromedp.CSS(`input[name="password"]`), idpPassword),
				chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
				chromedp.WaitVisible(chromedp.CSS(`main`)),
			)
			if err != nil {
				t.Fatalf("sign in %s: %v", email, err)
			}
		}

		tab, closeTab := chromedp.NewContext(browser)
		defer closeTab()
		signIn(tab, "ann@holding.example.com", "ann")
		if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`))); err != nil {
			t.Fatalf("not signed in: %v", err)
		}
		loc, err := chromedp.Run(tab, chromedp.Location())
		check(t, err)
		if loc != r.fcURL+"/" {
			t.Errorf("after the sign-in the browser is at %s", loc)
		}
		if got, want := r.roles("ann@holding.example.com"), []string{"fleet_manager@" + r.north.String()}; !slices.Equal(got, want) {
			t.Errorf("Ann's roles = %v, want %v", got, want)
		}

		// Signing out goes through the provider's end-session endpoint and
		// comes back to the sign-in page.
		if err := chromedp.Do(tab,
			chromedp.Submit(chromedp.CSS(`form[action="/logout"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`#sso-email`)),
		); err != nil {
			t.Fatalf("sign out: %v", err)
		}
		loc, err = chromedp.Run(tab, chromedp.Location())
		check(t, err)
		if loc != r.fcURL+"/login" {
			t.Errorf("after the sign-out the browser is at %s", loc)
		}

		// Bob's groups give no role: he is told so, signed in to nothing.
		other, closeOther := chromedp.NewContext(browser)
		defer closeOther()
		signIn(other, "bob@holding.example.com", "bob")
		text, err := chromedp.Run(other, chromedp.Text(chromedp.CSS(`#form-error`)))
		if err != nil {
			t.Fatalf("no message for Bob: %v", err)
		}
		if !strings.Contains(text, "canteen") || !strings.Contains(text, "no role") {
			t.Errorf("Bob is told %q", text)
		}
	})
}
