package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// count returns the single number a query answers.
func count(t *testing.T, s *store.Store, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestPruneEvents: pruning drops the dispatched events, the finished
// deliveries with their attempts and the sent notifications older than
// the cut, and keeps what is newer, what waits to be dispatched, and
// pending deliveries of any age.
func TestPruneEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		w := mustWorld(t, s, "Prune")
		pid := w.Provider.ID
		admin := mustUser(t, s, pid, "prune-admin@example.com")
		h := fc.Webhook{ProviderID: pid, UserID: admin.ID, URL: "https://example.com/hook", Events: []string{"*"}, Secret: "whsec_AAAA"}
		if err := s.CreateWebhook(ctx, &h); err != nil {
			t.Fatal(err)
		}
		sub := fc.Subscription{ProviderID: pid, UserID: admin.ID, EventType: fc.TypeSessionStarted, Mode: fc.SubscriptionDigest, Token: "unsub_prune"}
		if err := s.Subscribe(ctx, &sub); err != nil {
			t.Fatal(err)
		}
		// An old session: its two events dispatched, one delivery
		// delivered, one still pending (its object's retries go on), both
		// notifications, one sent.
		x := mustStart(t, s, w.Station, 1, w.Card.InternalID, 1000, now)
		if _, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: x.ID, MeterStop: 3000, Timestamp: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		old, err := s.DueEvents(ctx, now, 10)
		if err != nil || len(old) != 2 {
			t.Fatalf("due events: %d, %v; want 2", len(old), err)
		}
		for _, e := range old {
			if err := s.DispatchEvent(ctx, e.ID, fc.EventFanout{
				Deliveries:    []fc.WebhookDelivery{{WebhookID: h.ID, EventType: e.Type, ObjectKey: "session:old" + e.ID.String(), Payload: "{}"}},
				Notifications: []fc.Notification{{SubscriptionID: sub.ID, Summary: e.Type, At: now}}}); err != nil {
				t.Fatal(err)
			}
		}
		ds, err := s.DueDeliveries(ctx, now, 10)
		if err != nil || len(ds) != 2 {
			t.Fatalf("due deliveries: %d, %v", len(ds), err)
		}
		if _, err := s.RecordAttempt(ctx, ds[0].ID, fc.DeliveryAttempt{At: now, ResponseStatus: 204, Delivered: true}, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordAttempt(ctx, ds[1].ID, fc.DeliveryAttempt{At: now, ResponseStatus: 500, NextAt: now.Add(time.Hour)}, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		ns, err := s.DueNotifications(ctx, fc.SubscriptionDigest, now.Add(time.Minute), 10)
		if err != nil || len(ns) != 2 {
			t.Fatalf("due notifications: %d, %v", len(ns), err)
		}
		if err := s.NotificationsSent(ctx, []fc.ID{ns[0].ID}, now); err != nil {
			t.Fatal(err)
		}

		// Forty days later: a new session, not dispatched yet.
		now = now.Add(40 * 24 * time.Hour)
		y := mustStart(t, s, w.Station, 2, w.Card.InternalID, 1000, now)

		// A cut before everything drops nothing.
		if n, err := s.PruneEvents(ctx, now.Add(-50*24*time.Hour)); err != nil || n != 0 {
			t.Fatalf("prune before everything: %d rows, %v", n, err)
		}
		n, err := s.PruneEvents(ctx, now.Add(-30*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		// 2 events + 1 delivery + its attempt + 1 sent notification.
		if n != 5 {
			t.Errorf("pruned %d rows, want 5", n)
		}
		if got := eventTypes(t, s, pid, fc.KindSession, x.ID); len(got) != 0 {
			t.Errorf("the old session's events stay: %v", got)
		}
		if got := eventTypes(t, s, pid, fc.KindSession, y.ID); !sameList(got, []string{fc.TypeSessionStarted}) {
			t.Errorf("the new session's events: %v", got)
		}
		all, err := s.Deliveries(ctx, pid, admin.ID, h.ID, fc.Page{Limit: 10})
		if err != nil || len(all) != 1 || all[0].ID != ds[1].ID || all[0].Status != fc.DeliveryPending {
			t.Fatalf("deliveries after pruning: %+v, %v; want the pending one", all, err)
		}
		if got := count(t, s, `SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = $1`, int64(ds[1].ID)); got != 1 {
			t.Errorf("the pending delivery has %d attempts, want 1", got)
		}
		if got := count(t, s, `SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = $1`, int64(ds[0].ID)); got != 0 {
			t.Errorf("the pruned delivery keeps %d attempts", got)
		}
		if got := count(t, s, `SELECT COUNT(*) FROM event_notifications WHERE subscription_id = $1`, int64(sub.ID)); got != 1 {
			t.Errorf("%d notifications left, want the unsent one", got)
		}
	})
}

// TestSealWebhookSecrets: the secrets kept in clear are replaced by their
// sealed form once, and counted without a sealer.
func TestSealWebhookSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Seal")
		admin := mustUser(t, s, w.Provider.ID, "seal-admin@example.com")
		clear := fc.Webhook{ProviderID: w.Provider.ID, UserID: admin.ID, URL: "https://example.com/a", Events: []string{"*"}, Secret: "whsec_AAAA"}
		sealed := fc.Webhook{ProviderID: w.Provider.ID, UserID: admin.ID, URL: "https://example.com/b", Events: []string{"*"}, Secret: "v1:already"}
		for _, h := range []*fc.Webhook{&clear, &sealed} {
			if err := s.CreateWebhook(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.SealWebhookSecrets(ctx, nil); err != nil || n != 1 {
			t.Fatalf("counting: %d, %v; want 1", n, err)
		}
		if got, _ := s.Webhook(ctx, w.Provider.ID, admin.ID, clear.ID); got.Secret != "whsec_AAAA" {
			t.Fatalf("counting changed the secret: %q", got.Secret)
		}
		seal := func(plain string) string { return "v1:sealed(" + plain + ")" }
		if n, err := s.SealWebhookSecrets(ctx, seal); err != nil || n != 1 {
			t.Fatalf("sealing: %d, %v; want 1", n, err)
		}
		a, _ := s.Webhook(ctx, w.Provider.ID, admin.ID, clear.ID)
		b, _ := s.Webhook(ctx, w.Provider.ID, admin.ID, sealed.ID)
		if a.Secret != "v1:sealed(whsec_AAAA)" || b.Secret != "v1:already" {
			t.Errorf("after sealing: %q and %q", a.Secret, b.Secret)
		}
		if n, err := s.SealWebhookSecrets(ctx, seal); err != nil || n != 0 || strings.Count(a.Secret, "sealed") != 1 {
			t.Errorf("sealing again: %d, %v; want nothing left", n, err)
		}
	})
}
