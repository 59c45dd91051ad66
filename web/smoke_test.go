package web

import (
	"regexp"
	"testing"
)

var pageLink = regexp.MustCompile(`href="(/[a-z-]+/(?:\d+|new))"`)

// everyPageRenders signs in as every demo persona, opens every page of
// its navigation and a few of the objects each lists: every page renders.
func everyPageRenders(t *testing.T, w *demoWorld) {
	for _, l := range w.res.Logins {
		b := w.as(t, l.Email)
		nav := navLinks.FindString(get(t, b, "/", 200))
		seen := map[string]bool{}
		for _, n := range navItems {
			if !regexp.MustCompile(`href="` + n.href + `"`).MatchString(nav) {
				continue
			}
			page := get(t, b, n.href, 200)
			opened := 0
			for _, m := range pageLink.FindAllStringSubmatch(page, -1) {
				if seen[m[1]] || opened >= 3 {
					continue
				}
				seen[m[1]], opened = true, opened+1
				get(t, b, m[1], 200)
			}
		}
	}
}
