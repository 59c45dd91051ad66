package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

// The webhook and e-mail alert routes join the leak walk as plain
// requests: each user reads and changes its own alone, which
// TestWebhooksAPI checks; what a webhook receives is tested in package
// events.
func init() {
	for _, k := range []string{
		"GET /api/v1/webhooks", "GET /api/v1/webhooks/{id}", "POST /api/v1/webhooks", "PATCH /api/v1/webhooks/{id}",
		"DELETE /api/v1/webhooks/{id}", "GET /api/v1/webhooks/{id}/deliveries", "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
		"GET /api/v1/event-subscriptions", "GET /api/v1/event-subscriptions/{id}", "POST /api/v1/event-subscriptions",
		"DELETE /api/v1/event-subscriptions/{id}",
	} {
		coverage[k] = exPlain
	}
}

// webhook stores a webhook of the provider admin with one delivery, and
// returns both IDs.
func (w *world) webhook(t *testing.T) (webhookID, deliveryID fc.ID) {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	h := fc.Webhook{ProviderID: w.provider, UserID: w.users[admin], URL: "https://93.184.216.34/hook", Events: []string{"*"}, Secret: "whsec_AAAA"}
	check(t, w.st.CreateWebhook(ctx, &h))
	check(t, w.st.DispatchEvent(ctx, 1, fc.EventFanout{Deliveries: []fc.WebhookDelivery{{WebhookID: h.ID,
		EventType: fc.TypeCardBlocked, ObjectKey: "card:1", Payload: `{"type":"card.blocked"}`}}}))
	ds, err := w.st.Deliveries(ctx, w.provider, w.users[admin], h.ID, fc.Page{Limit: 1})
	check(t, err)
	return h.ID, ds[0].ID
}

// subscription stores an e-mail alert of the provider admin.
func (w *world) subscription(t *testing.T) fc.ID {
	t.Helper()
	x := fc.Subscription{ProviderID: w.provider, UserID: w.users[admin], EventType: fc.TypeStationOffline, Mode: fc.SubscriptionDigest, Token: "unsub_test"}
	check(t, w.st.Subscribe(context.Background(), &x))
	return x.ID
}

// TestWebhooksAPI: a webhook is created with its secret shown once, read,
// changed and deleted by its creator alone; loopback and private URLs are
// refused until the provider admin allows them; deliveries list and retry.
func TestWebhooksAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		body := map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"session.stopped"}}
		r := w.do(northFleet, "POST", "/api/v1/webhooks", body).want(t, http.StatusBadRequest)
		if !strings.Contains(r.fields()["url"], "loopback") {
			t.Errorf("loopback URL: %v", r.fields())
		}
		w.do(northFleet, "PATCH", "/api/v1/provider", map[string]any{"webhooks_allow_private": true}).want(t, http.StatusForbidden)
		w.do(admin, "PATCH", "/api/v1/provider", map[string]any{"webhooks_allow_private": true}).want(t, http.StatusOK)
		if p := w.do(northFleet, "GET", "/api/v1/provider", nil).want(t, http.StatusOK).object(t); p["webhooks_allow_private"] != true {
			t.Errorf("provider: %v", p)
		}
		created := w.do(northFleet, "POST", "/api/v1/webhooks", body).want(t, http.StatusCreated).object(t)
		id, _ := created["id"].(string)
		if secret, _ := created["secret"].(string); !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("created: %v", created)
		}
		got := w.do(northFleet, "GET", "/api/v1/webhooks/"+id, nil).want(t, http.StatusOK).object(t)
		if _, ok := got["secret"]; ok || got["url"] != "http://127.0.0.1:9/hook" || got["enabled"] != true {
			t.Errorf("read: %v", got)
		}
		for _, who := range []string{northFacility, admin, otherAdmin} {
			w.do(who, "GET", "/api/v1/webhooks/"+id, nil).want(t, http.StatusNotFound)
			w.do(who, "PATCH", "/api/v1/webhooks/"+id, map[string]any{"enabled": false}).want(t, http.StatusNotFound)
			w.do(who, "DELETE", "/api/v1/webhooks/"+id, nil).want(t, http.StatusNotFound)
			if ids := w.do(who, "GET", "/api/v1/webhooks", nil).want(t, http.StatusOK).ids(t); len(ids) != 0 {
				t.Errorf("%s lists %v", who, ids)
			}
		}
		r = w.do(northFleet, "PATCH", "/api/v1/webhooks/"+id, map[string]any{"events": []string{"nope"}}).want(t, http.StatusBadRequest)
		if r.fields()["events"] == "" {
			t.Errorf("unknown event type: %v", r.fields())
		}
		r = w.do(northFleet, "PATCH", "/api/v1/webhooks/"+id, map[string]any{"organization_id": w.south.String()}).want(t, http.StatusBadRequest)
		if r.fields()["organization_id"] == "" {
			t.Errorf("narrowed to an organization the creator holds nothing on: %v", r.fields())
		}
		w.do(northFleet, "PATCH", "/api/v1/webhooks/"+id, map[string]any{"organization_id": w.north.String(), "events": []string{"*"}}).
			want(t, http.StatusOK)
		if ds := w.do(northFleet, "GET", "/api/v1/webhooks/"+id+"/deliveries", nil).want(t, http.StatusOK).ids(t); len(ds) != 0 {
			t.Errorf("deliveries of a new webhook: %v", ds)
		}
		w.do(northFleet, "POST", "/api/v1/webhooks/"+id+"/deliveries/999999/retry", nil).want(t, http.StatusNotFound)
		hook, delivery := w.webhook(t)
		w.do(northFleet, "POST", "/api/v1/webhooks/"+hook.String()+"/deliveries/"+delivery.String()+"/retry", nil).want(t, http.StatusNotFound)
		d := w.do(admin, "POST", "/api/v1/webhooks/"+hook.String()+"/deliveries/"+delivery.String()+"/retry", nil).want(t, http.StatusAccepted).object(t)
		if d["status"] != "pending" || d["event_type"] != "card.blocked" {
			t.Errorf("retried: %v", d)
		}
		w.do(northFleet, "DELETE", "/api/v1/webhooks/"+id, nil).want(t, http.StatusNoContent)

		// E-mail alerts: in the subscriber's scope only.
		w.do(northFacility, "POST", "/api/v1/event-subscriptions", map[string]any{"event_type": "card.blocked", "mode": "immediate"}).
			want(t, http.StatusBadRequest)
		x := w.do(northFacility, "POST", "/api/v1/event-subscriptions", map[string]any{"event_type": "station.faulted", "mode": "immediate"}).
			want(t, http.StatusCreated).object(t)
		xid, _ := x["id"].(string)
		w.do(northFleet, "DELETE", "/api/v1/event-subscriptions/"+xid, nil).want(t, http.StatusNotFound)
		if ids := w.do(northFacility, "GET", "/api/v1/event-subscriptions", nil).want(t, http.StatusOK).ids(t); len(ids) != 1 {
			t.Errorf("subscriptions: %v", ids)
		}
		w.do(northFacility, "DELETE", "/api/v1/event-subscriptions/"+xid, nil).want(t, http.StatusNoContent)
	})
}
