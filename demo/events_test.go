package demo_test

import (
	"context"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestEvents checks the demo's e-mail alerts, and its webhook to the
// demo server's own receiver: created once with a sealed secret, moved
// to the receiver's address of each start.
func TestEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		mustLoad(t, s, 7)
		checkEvents(t, s)
	})
}

func checkEvents(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if got := count(t, s, `SELECT COUNT(*) FROM event_subscriptions s JOIN users u ON u.id = s.user_id
		WHERE u.email = 'fleet@vandijk-logistics.example'`); got != 3 {
		t.Errorf("the fleet manager's alerts: %d, want 3", got)
	}
	box, err := secret.NewBox(secret.Bytes(secret.KeyLen))
	if err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"http://127.0.0.1:8080" + events.DemoReceiverPath, "http://127.0.0.1:8081" + events.DemoReceiverPath} {
		if err := demo.Webhook(ctx, s, url, box); err != nil {
			t.Fatal(err)
		}
		var got, sealed string
		if err := s.DB().QueryRowContext(ctx, `SELECT url, secret FROM webhooks`).Scan(&got, &sealed); err != nil {
			t.Fatalf("one webhook: %v", err)
		}
		if got != url || !events.IsSealed(sealed) {
			t.Errorf("the demo webhook: %s, sealed %v; want %s, sealed", got, events.IsSealed(sealed), url)
		}
		if _, err := events.OpenSecret(box, sealed); err != nil {
			t.Error(err)
		}
	}
	if got := count(t, s, `SELECT COUNT(*) FROM webhooks WHERE events LIKE $1`, "%"+fc.TypeSessionStopped+"%"); got != 1 {
		t.Errorf("%d demo webhooks of session.stopped, want 1", got)
	}
}
