package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The notification and webhook pages join the page leak walk as they are:
// each user's own alerts and webhooks, which TestEventPages checks across
// users.
func init() {
	for _, p := range []string{
		"GET /notifications", "POST /notifications", "POST /notifications/{id}/delete",
		"GET /webhooks", "POST /webhooks", "GET /webhooks/{id}", "POST /webhooks/{id}/enabled", "POST /webhooks/{id}/delete",
		"POST /webhooks/{id}/deliveries/{delivery_id}/retry",
	} {
		pageCoverage[p] = wPage
	}
}

// TestEventPages: a facility manager subscribes to fault alerts (card
// alerts are not offered: it reads no cards), sees and ends them; it adds
// a webhook, sees the secret once and the webhook's deliveries, which
// another user cannot reach; the unsubscribe link ends an alert after a
// confirmation.
func TestEventPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newDemoWorld(t, st)
		b := w.as(t, facilitiesDE)
		nav := navLinks.FindString(get(t, b, "/", http.StatusOK))
		wantIn(t, "navigation", nav, `href="/notifications"`, `href="/webhooks"`)
		page := get(t, b, "/notifications", http.StatusOK)
		wantIn(t, "notifications", page, "No alerts yet.", `<option value="station.faulted"`)
		wantNotIn(t, "notifications", page, `<option value="card.blocked"`)
		rec := b.do("POST", "/notifications", url.Values{"csrf_token": {csrfOf(t, page)}, "event_type": {"card.blocked"}, "mode": {"immediate"}})
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("card alerts for a facility manager: %d", rec.Code)
		}
		rec = b.do("POST", "/notifications", url.Values{"csrf_token": {csrfOf(t, page)}, "event_type": {"station.faulted"}, "mode": {"digest"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("subscribe: %d\n%.2000s", rec.Code, rec.Body.String())
		}
		page = get(t, b, "/notifications", http.StatusOK)
		wantIn(t, "subscribed", page, "station.faulted", "Daily digest")

		page = get(t, b, "/webhooks", http.StatusOK)
		rec = b.do("POST", "/webhooks", url.Values{"csrf_token": {csrfOf(t, page)}, "url": {"http://127.0.0.1:9/hook"}, "events": {"*"}})
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "loopback") {
			t.Fatalf("a loopback webhook: %d", rec.Code)
		}
		rec = b.do("POST", "/webhooks", url.Values{"csrf_token": {csrfOf(t, page)}, "url": {"https://93.184.216.34/hook"},
			"events": {"station.faulted", "station.offline"}, "description": {"ticketing"}})
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "whsec_") {
			t.Fatalf("add a webhook: %d\n%.2000s", rec.Code, rec.Body.String())
		}
		var id fc.ID
		if err := st.DB().QueryRowContext(ctx, `SELECT id FROM webhooks WHERE description = 'ticketing'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		page = get(t, b, "/webhooks/"+id.String(), http.StatusOK)
		wantIn(t, "webhook", page, "https://93.184.216.34/hook", "station.faulted, station.offline", "No deliveries yet.")
		wantNotIn(t, "webhook page", page, "whsec_")
		wantIn(t, "list", get(t, b, "/webhooks", http.StatusOK), `href="/webhooks/`+id.String()+`"`)

		other := w.as(t, fleetWest)
		get(t, other, "/webhooks/"+id.String(), http.StatusNotFound)
		wantNotIn(t, "another user's list", get(t, other, "/webhooks", http.StatusOK), `href="/webhooks/`+id.String()+`"`)
		otherPage := get(t, other, "/webhooks", http.StatusOK)
		if rec := other.do("POST", "/webhooks/"+id.String()+"/delete", url.Values{"csrf_token": {csrfOf(t, otherPage)}}); rec.Code != http.StatusNotFound {
			t.Errorf("another user deletes the webhook: %d", rec.Code)
		}

		var token string
		if err := st.DB().QueryRowContext(ctx, `SELECT token FROM event_subscriptions WHERE event_type = 'station.faulted'
			AND user_id = (SELECT id FROM users WHERE email = $1)`, facilitiesDE).Scan(&token); err != nil {
			t.Fatal(err)
		}
		anon := &browser{t: t, h: b.h, cookies: map[string]string{}}
		confirm := get(t, anon, "/unsubscribe?token="+url.QueryEscape(token), http.StatusOK)
		wantIn(t, "confirmation", confirm, "Stop these e-mails", `value="`+token+`"`)
		if rec := anon.do("POST", "/unsubscribe", url.Values{"token": {token}}); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "is ended") {
			t.Fatalf("unsubscribe: %d", rec.Code)
		}
		if rec := anon.do("POST", "/unsubscribe", url.Values{"token": {token}}); rec.Code != http.StatusNotFound {
			t.Errorf("unsubscribing twice: %d", rec.Code)
		}
		wantIn(t, "after the link", get(t, b, "/notifications", http.StatusOK), "No alerts yet.")
	})
}
