package events_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// verifies checks a request's signature under the secret with the
// standard library alone: HMAC-SHA256 of id.timestamp.body under the
// base64 key after whsec_.
func verifies(t *testing.T, r received, plain string) bool {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(plain, "whsec_"))
	must(t, "secret key", err)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(r.ID + "." + r.Timestamp + "."))
	mac.Write(r.Body)
	return r.Signature == "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func newBox(t *testing.T) *secret.Box {
	t.Helper()
	box, err := secret.NewBox(secret.Bytes(secret.KeyLen))
	must(t, "box", err)
	return box
}

// TestSecretsSealedAtRest: with a key, a new webhook's secret is stored
// sealed and deliveries are signed with the secret shown at creation; a
// secret kept in clear (created without a key) is sealed when the
// deliverer starts with a key; a deliverer without the key fails the
// deliveries of a sealed secret, saying why, and sends nothing.
func TestSecretsSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Sealed")
		box := newBox(t)
		rc := newReceiver(t, nil)

		// Created without a key: in clear.
		old, oldPlain := w.webhook(t, w.fleetA, rc.URL+"/old", 0, fc.TypeCardBlocked)
		if got, _ := s.Webhook(ctx, w.provider.ID, w.fleetA.ID, old.ID); got.Secret != oldPlain {
			t.Fatalf("without a key the secret is kept as it is: %q", got.Secret)
		}
		// Created with a key: sealed.
		w.app.Secrets = box
		h, plain := w.webhook(t, w.fleetA, rc.URL+"/new", 0, fc.TypeCardBlocked)
		stored, err := s.Webhook(ctx, w.provider.ID, w.fleetA.ID, h.ID)
		must(t, "webhook", err)
		if !strings.HasPrefix(plain, "whsec_") || !events.IsSealed(stored.Secret) || strings.Contains(stored.Secret, strings.TrimPrefix(plain, "whsec_")) {
			t.Fatalf("shown %q, stored %q: want whsec_ shown and a sealed value stored", plain, stored.Secret)
		}

		_, err = s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), w.cardA.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
		must(t, "block", err)
		stop := w.service(t, events.Config{Secrets: box})
		settle(t, s)
		stop()
		if got, _ := s.Webhook(ctx, w.provider.ID, w.fleetA.ID, old.ID); !events.IsSealed(got.Secret) {
			t.Errorf("the secret kept in clear is not sealed at start: %q", got.Secret)
		} else if open, err := events.OpenSecret(box, got.Secret); err != nil || open != oldPlain {
			t.Errorf("the sealed old secret opens to %q, %v", open, err)
		}
		got := rc.requests()
		if len(got) != 2 {
			t.Fatalf("%d requests, want one per webhook", len(got))
		}
		for _, r := range got {
			want := plain
			if r.Payload.Type != fc.TypeCardBlocked {
				t.Errorf("type %q", r.Payload.Type)
			}
			if !verifies(t, r, want) && !verifies(t, r, oldPlain) {
				t.Errorf("delivery %s verifies under neither secret shown", r.ID)
			}
		}
		if verifies(t, got[0], plain) == verifies(t, got[1], plain) {
			t.Errorf("both deliveries signed under the same secret")
		}

		// Without the key, the sealed secrets cannot sign: the attempts
		// fail and say why.
		_, err = s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), w.cardA.ID, func(c *fc.Card) error { c.Status = fc.CardActive; return nil })
		must(t, "unblock", err)
		_, err = s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), w.cardA.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
		must(t, "block again", err)
		w.service(t, events.Config{RetryFirst: time.Hour})
		deadline := time.Now().Add(30 * time.Second)
		for {
			ds, err := s.Deliveries(ctx, w.provider.ID, w.fleetA.ID, h.ID, fc.Page{Limit: 10})
			must(t, "deliveries", err)
			if len(ds) == 2 {
				d := ds[0] // the second block's delivery, the newer one
				if ds[1].ID > d.ID {
					d = ds[1]
				}
				if d.Attempts > 0 {
					if !strings.Contains(d.Error, "no secret key") || d.Status != fc.DeliveryPending {
						t.Errorf("delivery without the key: status %s, error %q", d.Status, d.Error)
					}
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("not attempted: %+v", ds)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if n := len(rc.requests()); n != 2 {
			t.Errorf("the receiver got %d requests in all, want the 2 signed with the key", n)
		}
	})
}

// TestDemoReceiver: the demo's one allowance lets deliveries to its own
// receiver's URL reach loopback while the provider allows no private
// address; another URL on the same loopback address and port is still
// refused by the dialer.
func TestDemoReceiver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Demo")
		must(t, "disallow private", s.SetWebhooksAllowPrivate(ctx, w.provider.ID, false))
		var logs bytes.Buffer
		mux := http.NewServeMux()
		mux.Handle(events.DemoReceiverPath, events.DemoReceiver(slog.New(slog.NewTextHandler(&logs, nil))))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		demoURL := srv.URL + events.DemoReceiverPath

		// As demo.Webhook does: straight into the store, since CheckURL
		// refuses loopback to every user.
		if _, err := w.app.CreateWebhook(ctx, w.subjects[w.fleetA.ID], &fc.Webhook{URL: demoURL, Events: []string{"*"}}); !fc.IsCode(err, fc.EInvalid) {
			t.Fatal("a user registers the demo's loopback URL")
		}
		demoHook := fc.Webhook{ProviderID: w.provider.ID, UserID: w.fleetA.ID, URL: demoURL, Events: []string{fc.TypeCardBlocked}, Secret: events.NewSecret()}
		must(t, "demo webhook", s.CreateWebhook(ctx, &demoHook))
		other := fc.Webhook{ProviderID: w.provider.ID, UserID: w.fleetA.ID, URL: srv.URL + "/elsewhere", Events: []string{fc.TypeCardBlocked}, Secret: events.NewSecret()}
		must(t, "other webhook", s.CreateWebhook(ctx, &other))

		_, err := s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), w.cardA.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
		must(t, "block", err)
		svc := events.New(events.Config{Store: s, Render: w.api.EventData, Poll: 20 * time.Millisecond, RetryFirst: time.Hour})
		if err := svc.SetDemoReceiver("http://192.0.2.1:80" + events.DemoReceiverPath); err == nil {
			t.Error("a demo receiver off loopback is taken")
		}
		must(t, "demo receiver", svc.SetDemoReceiver(demoURL))
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); svc.Run(runCtx) }()
		defer func() { cancel(); <-done }()

		deadline := time.Now().Add(30 * time.Second)
		for {
			a, err := s.Deliveries(ctx, w.provider.ID, w.fleetA.ID, demoHook.ID, fc.Page{Limit: 10})
			must(t, "demo deliveries", err)
			b, err := s.Deliveries(ctx, w.provider.ID, w.fleetA.ID, other.ID, fc.Page{Limit: 10})
			must(t, "other deliveries", err)
			if len(a) == 1 && a[0].Attempts > 0 && len(b) == 1 && b[0].Attempts > 0 {
				if a[0].Status != fc.DeliveryDelivered || a[0].ResponseStatus != http.StatusNoContent {
					t.Errorf("demo delivery: %s, HTTP %d, %q", a[0].Status, a[0].ResponseStatus, a[0].Error)
				}
				if b[0].Status != fc.DeliveryPending || !strings.Contains(b[0].Error, "loopback address: refused") {
					t.Errorf("other loopback delivery: %s, %q; want refused", b[0].Status, b[0].Error)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not attempted: %+v %+v", a, b)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(logs.String(), "type=card.blocked") {
			t.Errorf("the receiver logged: %s", logs.String())
		}
	})
}
