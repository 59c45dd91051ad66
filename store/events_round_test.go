package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestDeliverRoundDrainers: deliverers drain a backlog in rounds. On
// PostgreSQL two stores on the same database (two nodes) drain at once:
// no webhook is drained by both at the same time, every delivery is
// attempted once, and the deliveries of each object arrive in the events'
// order. On SQLite one deliverer drains it with the same guarantees.
func TestDeliverRoundDrainers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		w := mustWorld(t, s, "Drain")
		admin := mustUser(t, s, w.Provider.ID, "drain-admin@example.com")
		var hooks []fc.Webhook
		for i := range 4 {
			h := fc.Webhook{ProviderID: w.Provider.ID, UserID: admin.ID, URL: fmt.Sprintf("https://example.com/hook/%d", i),
				Events: []string{"*"}, Secret: "whsec_AAAA"}
			if err := s.CreateWebhook(ctx, &h); err != nil {
				t.Fatal(err)
			}
			hooks = append(hooks, h)
		}
		// 60 events about 12 objects, dispatched in two batches of 30.
		var ids []fc.ID
		var outs []fc.EventFanout
		for e := range 60 {
			var out fc.EventFanout
			for _, h := range hooks {
				out.Deliveries = append(out.Deliveries, fc.WebhookDelivery{WebhookID: h.ID, EventType: fc.TypeSessionStarted,
					ObjectKey: fmt.Sprintf("session:%d", e%12), Payload: fmt.Sprintf(`{"event":%d}`, e)})
			}
			ids, outs = append(ids, fc.ID(1000+e)), append(outs, out)
		}
		for _, part := range [][2]int{{0, 30}, {30, 60}} {
			if err := s.DispatchEvents(ctx, ids[part[0]:part[1]], outs[part[0]:part[1]]); err != nil {
				t.Fatal(err)
			}
		}
		// A repeat adds nothing.
		if err := s.DispatchEvents(ctx, ids[:10], outs[:10]); err != nil {
			t.Fatal(err)
		}
		drainers := []*store.Store{s}
		if s.Engine() == "postgres" {
			other, err := store.Open(ctx, s.URL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			other.Now = s.Now
			drainers = append(drainers, other)
		}
		var mu sync.Mutex
		inFlight := map[fc.ID]int{} // webhook → drainer in a round with it
		attempts := map[fc.ID]int{}
		last := map[string]fc.ID{} // webhook and object → the last event delivered
		var problems []string
		var wg sync.WaitGroup
		for n, d := range drainers {
			wg.Go(func() {
				for idle := 0; idle < 3; {
					got, _, err := d.DeliverRound(ctx, now, 7, func(ds []fc.WebhookDelivery) []fc.AttemptRecord {
						mu.Lock()
						mine := map[fc.ID]bool{}
						for _, x := range ds {
							if by, ok := inFlight[x.WebhookID]; ok && by != n {
								problems = append(problems, fmt.Sprintf("webhook %s drained by two at once", x.WebhookID))
							}
							inFlight[x.WebhookID], mine[x.WebhookID] = n, true
						}
						mu.Unlock()
						time.Sleep(2 * time.Millisecond) // the receivers answer
						var rs []fc.AttemptRecord
						mu.Lock()
						defer mu.Unlock()
						for _, x := range ds {
							attempts[x.ID]++
							key := x.WebhookID.String() + "/" + x.ObjectKey
							if prev := last[key]; prev > x.EventID {
								problems = append(problems, fmt.Sprintf("%s: event %s after %s", key, x.EventID, prev))
							}
							last[key] = x.EventID
							rs = append(rs, fc.AttemptRecord{DeliveryID: x.ID, Attempt: fc.DeliveryAttempt{At: now, ResponseStatus: 204,
								Delivered: true}})
						}
						for h := range mine {
							delete(inFlight, h)
						}
						return rs
					})
					if err != nil {
						mu.Lock()
						problems = append(problems, err.Error())
						mu.Unlock()
						return
					}
					if got == 0 {
						idle++
						time.Sleep(5 * time.Millisecond)
					}
				}
			})
		}
		wg.Wait()
		for _, p := range problems {
			t.Error(p)
		}
		if len(attempts) != 60*len(hooks) {
			t.Errorf("%d deliveries attempted, want %d", len(attempts), 60*len(hooks))
		}
		for id, n := range attempts {
			if n != 1 {
				t.Errorf("delivery %s attempted %d times", id, n)
			}
		}
		if n := count(t, s, `SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at IS NOT NULL`); n != 60*len(hooks) {
			t.Errorf("%d deliveries delivered, want %d", n, 60*len(hooks))
		}
		if n := count(t, s, `SELECT COUNT(*) FROM webhook_attempts`); n != 60*len(hooks) {
			t.Errorf("%d attempts recorded, want %d", n, 60*len(hooks))
		}
		if n := count(t, s, `SELECT COUNT(*) FROM events WHERE dispatched_at IS NULL`); n != 0 {
			t.Errorf("%d events not dispatched", n)
		}
	})
}

// TestRecordAttemptsFailingSince: a round's outcomes set a webhook's
// failing_since from its first failure when nothing succeeded, clear it
// when something did, and restart it at a failure after the success.
func TestRecordAttemptsFailingSince(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		w := mustWorld(t, s, "Failing")
		admin := mustUser(t, s, w.Provider.ID, "failing-admin@example.com")
		h := fc.Webhook{ProviderID: w.Provider.ID, UserID: admin.ID, URL: "https://example.com/hook", Events: []string{"*"}, Secret: "whsec_AAAA"}
		if err := s.CreateWebhook(ctx, &h); err != nil {
			t.Fatal(err)
		}
		for e := range 6 {
			if err := s.DispatchEvent(ctx, fc.ID(10+e), fc.EventFanout{Deliveries: []fc.WebhookDelivery{{WebhookID: h.ID,
				EventType: fc.TypeSessionStarted, ObjectKey: fmt.Sprintf("session:%d", e), Payload: "{}"}}}); err != nil {
				t.Fatal(err)
			}
		}
		ds, err := s.DueDeliveries(ctx, now, 10)
		if err != nil || len(ds) != 6 {
			t.Fatalf("due: %d, %v", len(ds), err)
		}
		fail := func(i int, at time.Time) fc.AttemptRecord {
			return fc.AttemptRecord{DeliveryID: ds[i].ID, Attempt: fc.DeliveryAttempt{At: at, ResponseStatus: 500, Error: "HTTP 500",
				NextAt: at.Add(time.Minute)}, DisableAfter: 24 * time.Hour}
		}
		ok := func(i int, at time.Time) fc.AttemptRecord {
			return fc.AttemptRecord{DeliveryID: ds[i].ID, Attempt: fc.DeliveryAttempt{At: at, ResponseStatus: 204, Delivered: true}}
		}
		since := func() *time.Time {
			got, err := s.Webhook(ctx, w.Provider.ID, admin.ID, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.FailingSince
		}
		t1, t2, t3 := now, now.Add(time.Second), now.Add(2*time.Second)
		if _, err := s.RecordAttempts(ctx, []fc.AttemptRecord{fail(0, t2), fail(1, t1)}); err != nil {
			t.Fatal(err)
		}
		if got := since(); got == nil || !got.Equal(t1) {
			t.Fatalf("after failures: failing since %v, want %v", got, t1)
		}
		// More failures later keep the start.
		if _, err := s.RecordAttempts(ctx, []fc.AttemptRecord{fail(2, t3)}); err != nil {
			t.Fatal(err)
		}
		if got := since(); got == nil || !got.Equal(t1) {
			t.Fatalf("after later failures: failing since %v, want %v", got, t1)
		}
		// A failure after a success in the same round restarts it there.
		if _, err := s.RecordAttempts(ctx, []fc.AttemptRecord{fail(3, t3), ok(4, t2)}); err != nil {
			t.Fatal(err)
		}
		if got := since(); got == nil || !got.Equal(t3) {
			t.Fatalf("after a success then a failure: failing since %v, want %v", got, t3)
		}
		// A success after the failures clears it.
		if _, err := s.RecordAttempts(ctx, []fc.AttemptRecord{fail(5, t1), ok(0, t3)}); err != nil {
			t.Fatal(err)
		}
		if got := since(); got != nil {
			t.Fatalf("after a success: failing since %v, want none", got)
		}
		// An unknown delivery is refused, and nothing of the round stays.
		before := count(t, s, `SELECT COUNT(*) FROM webhook_attempts`)
		if _, err := s.RecordAttempts(ctx, []fc.AttemptRecord{ok(1, t3), {DeliveryID: 999999, Attempt: fc.DeliveryAttempt{At: t3}}}); !fc.IsCode(err, fc.ENotFound) {
			t.Fatalf("an unknown delivery: %v, want not found", err)
		}
		if after := count(t, s, `SELECT COUNT(*) FROM webhook_attempts`); after != before {
			t.Errorf("a refused round left %d attempts", after-before)
		}
	})
}
