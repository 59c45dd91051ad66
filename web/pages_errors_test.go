package web

import (
	"net/http"
	"testing"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestUnknownURL: a URL no page has shows the error page in the layout,
// with the navigation for a signed-in user, and never Go's bare text.
func TestUnknownURL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		b := w.as(t, fleetWest)
		page := get(t, b, "/no-such-page/at/all", http.StatusNotFound)
		wantIn(t, "unknown URL, signed in", page, "<h1>Not found</h1>", `<nav class="nav" aria-label="Main">`, `href="/cards"`)
		wantNotIn(t, "unknown URL, signed in", page, "404 page not found")
		anon := &browser{t: t, h: w.srv, cookies: map[string]string{}}
		page = get(t, anon, "/no-such-page", http.StatusNotFound)
		wantIn(t, "unknown URL, signed out", page, "<h1>Not found</h1>", `<main id="main">`)
		wantNotIn(t, "unknown URL, signed out", page, `<nav class="nav"`)
	})
}
