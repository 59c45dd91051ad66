package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/i18n"
)

var englishWord = regexp.MustCompile(`[A-Za-z]+`)

// englishOnly are words neither Dutch, German nor French uses: two of them in one
// line of a page tell a sentence left in English.
var englishOnly = map[string]bool{"the": true, "and": true, "you": true, "your": true, "with": true, "this": true,
	"not": true, "from": true, "which": true, "there": true, "to": true, "for": true, "are": true, "has": true,
	"have": true, "been": true, "will": true, "can": true, "cannot": true, "no": true, "yet": true, "its": true,
	"nothing": true, "every": true, "each": true, "only": true, "new": true, "here": true, "when": true, "what": true}

// TestPagesInLanguages opens every page of the navigation of two personas
// in Dutch, German and French, chosen by ?lang= and then kept by the
// cookie, and reads what the browser shows: <html lang> is the language,
// and no line is a catalog message left in English or a sentence of
// English words.
func TestPagesInLanguages(t *testing.T) {
	t.Parallel()
	for _, email := range []string{fleetFacility, accountAdmin} {
		t.Run(email, func(t *testing.T) {
			ctx := tab(t, email)
			for _, tag := range i18n.Tags[1:] {
				if got := open(t, ctx, "/?lang="+tag.String()); got != http.StatusOK {
					t.Fatalf("start page: %d", got)
				}
				hrefs := eval[[]string](t, ctx, `[...document.querySelectorAll("nav.nav a")].map(a => a.getAttribute("href"))`)
				if len(hrefs) < 3 {
					t.Fatalf("%s: only %d navigation links", tag, len(hrefs))
				}
				translations := i18n.Translations(tag)
				own := map[string]bool{}
				for _, v := range translations {
					own[v] = true
				}
				for _, href := range hrefs {
					if got := open(t, ctx, href); got != http.StatusOK {
						t.Errorf("%s %s: %d", tag, href, got)
						continue
					}
					if got := eval[string](t, ctx, `document.documentElement.lang`); got != tag.String() {
						t.Errorf("%s %s: <html lang=%q>: the cookie did not keep the language", tag, href, got)
					}
					text := eval[string](t, ctx, `document.querySelector("header").innerText + "\n" + document.querySelector("nav.nav").innerText + "\n" + document.querySelector("main").innerText`)
					for _, line := range strings.Split(text, "\n") {
						line = strings.TrimSpace(line)
						if line == "" {
							continue
						}
						if tr, ok := translations[line]; ok && tr != line && !own[line] {
							t.Errorf("%s %s: %q is shown in English", tag, href, line)
							continue
						}
						seen := map[string]bool{}
						for _, w := range englishWord.FindAllString(line, -1) {
							if w = strings.ToLower(w); englishOnly[w] {
								seen[w] = true
							}
						}
						if len(seen) >= 2 {
							t.Errorf("%s %s: %q reads as English", tag, href, line)
						}
					}
				}
			}
		})
	}
}
