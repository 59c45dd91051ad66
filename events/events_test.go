package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestWebhookScopedLikeItsCreator: a fleet manager's webhook on
// organization A gets the events of A's cards and never one of B; a
// facility manager's webhook on A gets the sessions on A's station, a
// foreign driver masked exactly as the API masks it; a provider admin's
// webhook narrowed to B gets B's alone.
func TestWebhookScopedLikeItsCreator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Scope")
		fleet, facility, admin := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
		w.webhook(t, w.fleetA, fleet.URL, 0, "*")
		w.webhook(t, w.facilityA, facility.URL+"/hook", 0, fc.TypeSessionStarted, fc.TypeSessionStopped, fc.TypeCardBlocked)
		w.webhook(t, w.admin, admin.URL, w.orgB.ID, "*")

		own := w.charge(t, w.cardA)
		foreign := w.charge(t, w.cardB)
		for _, c := range []*fc.Card{w.cardA, w.cardB} {
			_, err := s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), c.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
			must(t, "block", err)
		}
		w.service(t, events.Config{})
		settle(t, s)

		kinds := func(rs []received) map[string]int {
			out := map[string]int{}
			for _, r := range rs {
				var obj struct {
					ID        fc.ID `json:"id"`
					AccountID fc.ID `json:"account_id"`
				}
				_ = json.Unmarshal(r.Payload.Data, &obj)
				out[fmt.Sprintf("%s %s", r.Payload.Type, obj.ID)]++
			}
			return out
		}
		want := map[string]int{
			fmt.Sprintf("session.started %s", own): 1, fmt.Sprintf("session.stopped %s", own): 1,
			fmt.Sprintf("card.blocked %s", w.cardA.ID): 1,
		}
		if got := kinds(fleet.requests()); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("fleet manager of A got %v, want %v", got, want)
		}
		for _, r := range fleet.requests() {
			if strings.Contains(string(r.Body), w.cardB.ExternalID) || strings.Contains(string(r.Body), w.empB.Name) {
				t.Errorf("fleet manager of A got B's card or driver: %s", r.Body)
			}
		}
		want = map[string]int{
			fmt.Sprintf("session.started %s", own): 1, fmt.Sprintf("session.stopped %s", own): 1,
			fmt.Sprintf("session.started %s", foreign): 1, fmt.Sprintf("session.stopped %s", foreign): 1,
		}
		if got := kinds(facility.requests()); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("facility manager of A got %v, want %v", got, want)
		}
		// The foreign session as the facility manager reads it through
		// the API's own read, and as the webhook got it: the same data.
		x, err := w.app.Session(ctx, w.subjects[w.facilityA.ID], foreign)
		must(t, "read foreign session", err)
		if !x.CardMasked || x.EmployeeID != 0 || x.CardID != 0 {
			t.Fatalf("the API shows the facility manager the foreign session unmasked: %+v", x)
		}
		apiView, err := w.api.EventData(ctx, w.subjects[w.facilityA.ID], fc.Event{Type: fc.TypeSessionStopped, ObjectKind: fc.KindSession, ObjectID: foreign})
		must(t, "render", err)
		for _, r := range facility.requests() {
			if r.Payload.Type != fc.TypeSessionStopped || !strings.Contains(string(r.Payload.Data), `"id":"`+foreign.String()+`"`) &&
				!strings.Contains(string(r.Payload.Data), `"id":`+foreign.String()+`,`) {
				continue
			}
			var got, wantData map[string]any
			_ = json.Unmarshal(r.Payload.Data, &got)
			_ = json.Unmarshal(apiView, &wantData)
			if fmt.Sprint(got) != fmt.Sprint(wantData) {
				t.Errorf("the webhook's session differs from the API's:\n got %s\nwant %s", r.Payload.Data, apiView)
			}
			if got["card_masked"] != true {
				t.Errorf("foreign session not masked: %s", r.Payload.Data)
			}
			if strings.Contains(string(r.Body), w.cardB.ExternalID) || strings.Contains(string(r.Body), w.empB.Name) || strings.Contains(string(r.Body), w.cardB.InternalID) {
				t.Errorf("the facility manager's webhook got the foreign driver: %s", r.Body)
			}
		}
		want = map[string]int{
			fmt.Sprintf("session.started %s", foreign): 1, fmt.Sprintf("session.stopped %s", foreign): 1,
			fmt.Sprintf("card.blocked %s", w.cardB.ID): 1,
		}
		if got := kinds(admin.requests()); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("provider admin narrowed to B got %v, want %v", got, want)
		}
	})
}

// TestWebhookCreationChecks: the narrowing must be a scope the creator
// holds, and the URL an address the provider's webhooks may reach.
func TestWebhookCreationChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Check")
		subj := w.subjects[w.fleetA.ID]
		h := fc.Webhook{URL: "https://93.184.216.34/hook", Events: []string{"*"}, OrganizationID: w.orgB.ID}
		if _, err := w.app.CreateWebhook(ctx, subj, &h); fc.ErrorFields(err)["organization_id"] == "" {
			t.Errorf("a fleet manager of A narrowed a webhook to B: %v", err)
		}
		must(t, "disallow private", s.SetWebhooksAllowPrivate(ctx, w.provider.ID, false))
		for _, u := range []string{"http://127.0.0.1:9/x", "http://localhost/x", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data",
			"http://[::1]/", "http://192.168.0.10/", "ftp://93.184.216.34/"} {
			h := fc.Webhook{URL: u, Events: []string{"*"}}
			if _, err := w.app.CreateWebhook(ctx, subj, &h); fc.ErrorFields(err)["url"] == "" {
				t.Errorf("webhook to %s: %v, want invalid url", u, err)
			}
		}
		h = fc.Webhook{URL: "https://93.184.216.34/hook", Events: []string{fc.TypeCardBlocked}, OrganizationID: w.orgA.ID}
		secret, err := w.app.CreateWebhook(ctx, subj, &h)
		must(t, "a public address", err)
		if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
			t.Errorf("secret %q", secret)
		}
		// Another user neither reads nor changes it.
		if _, err := w.app.Webhook(ctx, w.subjects[w.facilityA.ID], h.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another user reads the webhook: %v", err)
		}
		if err := w.app.DeleteWebhook(ctx, w.subjects[w.facilityA.ID], h.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another user deletes the webhook: %v", err)
		}
	})
}

// TestSSRFRefusedAtDelivery: a webhook made while private addresses were
// allowed reaches nothing once they are not: the dialer checks the address
// it connects to.
func TestSSRFRefusedAtDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Dial")
		rc := newReceiver(t, nil)
		h, _ := w.webhook(t, w.fleetA, rc.URL, 0, "*")
		must(t, "disallow private", s.SetWebhooksAllowPrivate(ctx, w.provider.ID, false))
		w.charge(t, w.cardA)
		w.service(t, events.Config{RetryFirst: time.Hour})
		deadline := time.Now().Add(30 * time.Second)
		for {
			ds, err := s.Deliveries(ctx, w.provider.ID, w.fleetA.ID, h.ID, fc.Page{Limit: 10})
			must(t, "deliveries", err)
			// The session's second delivery waits behind its first.
			if len(ds) == 2 && ds[0].Attempts > 0 {
				if d := ds[0]; !strings.Contains(d.Error, "loopback address: refused") || d.Status != fc.DeliveryPending {
					t.Errorf("delivery %s: status %s, error %q; want pending, refused", d.ID, d.Status, d.Error)
				}
				if ds[1].Attempts != 0 {
					t.Errorf("the object's second delivery went before its first: %+v", ds[1])
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("deliveries not attempted: %+v", ds)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := rc.requests(); len(got) != 0 {
			t.Errorf("the receiver on loopback got %d requests", len(got))
		}
	})
}

// TestRetriesWithBackoff: a receiver that fails twice, then succeeds, gets
// the delivery three times with the same webhook-id, each wait at least
// twice the one before; every attempt is logged.
func TestRetriesWithBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Retry")
		rc := newReceiver(t, func(id string, n int) int {
			if n <= 2 {
				return 503
			}
			return 200
		})
		h, _ := w.webhook(t, w.fleetA, rc.URL, 0, fc.TypeCardBlocked)
		_, err := s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), w.cardA.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
		must(t, "block", err)
		first := 200 * time.Millisecond
		w.service(t, events.Config{RetryFirst: first})
		settle(t, s)
		got := rc.requests()
		if len(got) != 3 {
			t.Fatalf("%d requests, want 3", len(got))
		}
		for _, r := range got[1:] {
			if r.ID != got[0].ID {
				t.Errorf("webhook-id %s then %s: a retry keeps its id", got[0].ID, r.ID)
			}
		}
		if d1, d2 := got[1].At.Sub(got[0].At), got[2].At.Sub(got[1].At); d1 < first || d2 < 2*first {
			t.Errorf("waits %s and %s, want at least %s and %s", d1, d2, first, 2*first)
		}
		ds, err := s.Deliveries(ctx, w.provider.ID, w.fleetA.ID, h.ID, fc.Page{Limit: 10})
		must(t, "deliveries", err)
		if len(ds) != 1 || ds[0].Status != fc.DeliveryDelivered || ds[0].Attempts != 3 || ds[0].ResponseStatus != 200 ||
			ds[0].ResponseExcerpt != "answer OK" {
			t.Fatalf("delivery %+v", ds)
		}
		// A replay goes out again with the same id.
		_, err = w.app.RetryWebhookDelivery(ctx, w.subjects[w.fleetA.ID], h.ID, ds[0].ID)
		must(t, "retry", err)
		settle(t, s)
		if got = rc.requests(); len(got) != 4 || got[3].ID != got[0].ID {
			t.Errorf("after the replay: %d requests, last id %s", len(got), got[len(got)-1].ID)
		}
	})
}

// TestFailingWebhookDisabled: a receiver that always fails is tried until
// the retry period is over; then the delivery fails and the webhook is
// disabled, its owner told by mail.
func TestFailingWebhookDisabled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Dead")
		rc := newReceiver(t, func(string, int) int { return 500 })
		h, _ := w.webhook(t, w.fleetA, rc.URL, 0, fc.TypeCardBlocked)
		_, err := s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), w.cardA.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
		must(t, "block", err)
		mail := newMailbox(t)
		w.service(t, events.Config{RetryFirst: 50 * time.Millisecond, RetryFor: 600 * time.Millisecond, Mailer: mail})
		settle(t, s)
		got, err := s.Webhook(ctx, w.provider.ID, w.fleetA.ID, h.ID)
		must(t, "webhook", err)
		if got.Enabled || !strings.Contains(got.DisabledReason, "HTTP 500") {
			t.Errorf("webhook after the retry period: enabled %v, reason %q", got.Enabled, got.DisabledReason)
		}
		ds, err := s.Deliveries(ctx, w.provider.ID, w.fleetA.ID, h.ID, fc.Page{Limit: 10})
		must(t, "deliveries", err)
		if len(ds) != 1 || ds[0].Status != fc.DeliveryFailed || ds[0].Attempts < 3 || ds[0].Attempts != len(rc.requests()) {
			t.Errorf("delivery %+v after %d requests", ds, len(rc.requests()))
		}
		if m := mail.wait(t, 1); len(m) != 1 || m[0].to != w.fleetA.Email || !strings.Contains(m[0].subject, "disabled") {
			t.Errorf("mails %+v, want the owner told", m)
		}
	})
}

// TestOutboxSurvivesKill: events committed while nothing delivers are
// delivered after a restart; a process killed while a delivery was on its
// way (the receiver got it, the outcome was never recorded) sends it again
// after the restart with the same webhook-id, so that every delivery id
// reaches the receiver and none is lost.
func TestOutboxSurvivesKill(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			open := func() *store.Store {
				s, err := store.Open(ctx, url)
				must(t, "open", err)
				_, err = s.Migrate(ctx)
				must(t, "migrate", err)
				return s
			}
			s := open()
			w := newWorld(t, s, "Kill")
			hold := make(chan struct{})
			var mu sync.Mutex
			first := ""
			rc := newReceiver(t, func(id string, n int) int {
				mu.Lock()
				held := first == ""
				if held {
					first = id
				}
				mu.Unlock()
				if held {
					<-hold // the process dies while this delivery waits for its answer
				}
				return 204
			})
			w.webhook(t, w.fleetA, rc.URL, 0, "*")
			sessions := []fc.ID{w.charge(t, w.cardA), w.charge(t, w.cardA)} // committed; nothing runs yet

			stop := w.service(t, events.Config{Workers: 1})
			deadline := time.Now().Add(30 * time.Second)
			for len(rc.requests()) == 0 {
				if time.Now().After(deadline) {
					t.Fatal("nothing delivered")
				}
				time.Sleep(10 * time.Millisecond)
			}
			stop() // killed: the attempt in flight is never recorded
			close(hold)
			must(t, "close", s.Close())

			s = open()
			t.Cleanup(func() { s.Close() })
			w.s, w.api, w.app = s, api.New(api.Config{Store: s}), &app.Service{Store: s}
			w.service(t, events.Config{})
			settle(t, s)

			mu.Lock()
			inFlight := first
			mu.Unlock()
			ids := map[string]int{}
			types := map[string]int{}
			for _, r := range rc.requests() {
				ids[r.ID]++
				if ids[r.ID] == 1 {
					types[r.Payload.Type]++
				}
			}
			if len(ids) != 2*len(sessions) {
				t.Errorf("%d delivery ids reached the receiver, want %d: %v", len(ids), 2*len(sessions), ids)
			}
			if types[fc.TypeSessionStarted] != 2 || types[fc.TypeSessionStopped] != 2 {
				t.Errorf("delivered %v, want 2 started and 2 stopped", types)
			}
			if ids[inFlight] != 2 {
				t.Errorf("the delivery in flight at the kill arrived %d times, want 2 with the same id", ids[inFlight])
			}
			for id, n := range ids {
				if id != inFlight && n != 1 {
					t.Errorf("delivery %s arrived %d times", id, n)
				}
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://93.184.216.34/hook", false, true},
		{"http://127.0.0.1:8080/hook", false, false},
		{"http://127.0.0.1:8080/hook", true, true},
		{"http://localhost/hook", false, false},
		{"http://10.0.0.5/hook", false, false},
		{"http://172.16.3.4/hook", false, false},
		{"http://192.168.1.1/hook", false, false},
		{"http://169.254.169.254/latest/meta-data/", false, false},
		{"http://[::1]/hook", false, false},
		{"http://[fe80::1]/hook", false, false},
		{"http://[fd00::1]/hook", false, false},
		{"http://[::ffff:127.0.0.1]/hook", false, false},
		{"http://100.64.0.1/hook", false, false},
		{"http://0.0.0.0/hook", true, false},
		{"http://224.0.0.1/hook", true, false},
		{"ftp://93.184.216.34/hook", false, false},
		{"https://user:pw@93.184.216.34/hook", false, false},
		{"/relative", false, false},
	} {
		err := events.CheckURL(context.Background(), nil, c.url, c.allowPrivate)
		if (err == nil) != c.ok {
			t.Errorf("CheckURL(%s, allowPrivate %v) = %v, want ok %v", c.url, c.allowPrivate, err, c.ok)
		}
		if err != nil && fc.ErrorFields(err)["url"] == "" {
			t.Errorf("CheckURL(%s): %v is not an invalid url", c.url, err)
		}
	}
}
