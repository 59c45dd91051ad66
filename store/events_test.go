package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// eventTypes lists the types of the events about an object, in order.
func eventTypes(t *testing.T, s *store.Store, providerID fc.ID, kind string, id fc.ID) []string {
	t.Helper()
	evs, err := s.Events(context.Background(), providerID, kind, id)
	if err != nil {
		t.Fatalf("events of %s %s: %v", kind, id, err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func sameList(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// TestEventsInTheChangesTransaction: each change writes its event with it,
// and a change that fails writes none.
func TestEventsInTheChangesTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Evt")
		pid := w.Provider.ID
		t0 := time.Now().UTC().Truncate(time.Millisecond)

		x := mustStart(t, s, w.Station, 1, w.Card.InternalID, 1000, t0)
		// A repeated start opens nothing and tells nothing.
		if _, created, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: w.Station.ID, ConnectorID: 1, IDTag: w.Card.InternalID,
			MeterStart: 1000, Timestamp: t0}); err != nil || created {
			t.Fatalf("repeat start: created %v, err %v", created, err)
		}
		if _, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: x.ID, MeterStop: 5000, Timestamp: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: x.ID, MeterStop: 5000, Timestamp: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if got, want := eventTypes(t, s, pid, fc.KindSession, x.ID), []string{fc.TypeSessionStarted, fc.TypeSessionStopped}; !sameList(got, want) {
			t.Errorf("session events %v, want %v", got, want)
		}

		// A fault is told once, with its error code; the same status
		// again tells nothing, a new fault after recovery does.
		for i, st := range []string{"Available", "Faulted", "Faulted", "Available", "Faulted"} {
			if err := s.RecordStatus(ctx, w.Station.ID, 2, st, "GroundFailure", t0.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		evs, err := s.Events(ctx, pid, fc.KindStation, w.Station.ID)
		if err != nil {
			t.Fatal(err)
		}
		faults := 0
		for _, e := range evs {
			if e.Type == fc.TypeStationFaulted {
				faults++
				if want := `{"connector_id":2,"error_code":"GroundFailure"}`; string(e.Detail) != want {
					t.Errorf("fault detail %s, want %s", e.Detail, want)
				}
			}
		}
		if faults != 2 {
			t.Errorf("%d station.faulted events, want 2", faults)
		}

		// Blocking a card is told; changing a blocked card's number is not.
		if _, err := s.UpdateCard(ctx, fc.ProviderScope(pid), w.Card.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateCard(ctx, fc.ProviderScope(pid), w.Card.ID, func(c *fc.Card) error { c.ExternalID = "EVT-NEW"; return nil }); err != nil {
			t.Fatal(err)
		}
		// A change that fails (an external ID another card has) is rolled
		// back with its event.
		other := mustCard(t, s, w.Account, 0, "Evt-TAG2")
		if _, err := s.UpdateCard(ctx, fc.ProviderScope(pid), other.ID, func(c *fc.Card) error {
			c.Status, c.ExternalID = fc.CardInactive, "EVT-NEW"
			return nil
		}); err == nil {
			t.Fatal("a card took another card's external ID")
		}
		if got, want := eventTypes(t, s, pid, fc.KindCard, w.Card.ID), []string{fc.TypeCardBlocked}; !sameList(got, want) {
			t.Errorf("card events %v, want %v", got, want)
		}
		if got := eventTypes(t, s, pid, fc.KindCard, other.ID); len(got) != 0 {
			t.Errorf("a rolled-back change left events %v", got)
		}
	})
}

// TestStationOfflineGrace: a station that comes back within the grace
// period leaves no event at all; one that stays away is offline once the
// grace period is over, and online when it returns.
func TestStationOfflineGrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		s.OfflineGrace = 2 * time.Minute
		w := mustWorld(t, s, "Grace")
		pid, id := w.Provider.ID, w.Station.ID
		set := func(online bool) {
			t.Helper()
			if err := s.SetConnection(ctx, id, online, fc.OCPP16, now); err != nil {
				t.Fatal(err)
			}
		}
		due := func() []fc.Event {
			t.Helper()
			evs, err := s.DueEvents(ctx, now, 100)
			if err != nil {
				t.Fatal(err)
			}
			return evs
		}
		set(true)
		set(true) // a second connection tells nothing more
		if got := eventTypes(t, s, pid, fc.KindStation, id); !sameList(got, []string{fc.TypeStationOnline}) {
			t.Fatalf("after connecting: %v", got)
		}
		if err := s.DispatchEvent(ctx, due()[0].ID, fc.EventFanout{}); err != nil {
			t.Fatal(err)
		}

		// A blip: away for a minute.
		set(false)
		now = now.Add(time.Minute)
		if evs := due(); len(evs) != 0 {
			t.Fatalf("an offline event is due within the grace period: %v", evs)
		}
		set(true)
		now = now.Add(5 * time.Minute)
		if got := eventTypes(t, s, pid, fc.KindStation, id); !sameList(got, []string{fc.TypeStationOnline}) {
			t.Fatalf("after a blip: %v, want the first online alone", got)
		}

		// Away for good: offline once the grace period is over.
		set(false)
		now = now.Add(time.Minute)
		if evs := due(); len(evs) != 0 {
			t.Fatalf("due before the grace period ended: %v", evs)
		}
		now = now.Add(90 * time.Second)
		evs := due()
		if len(evs) != 1 || evs[0].Type != fc.TypeStationOffline {
			t.Fatalf("after the grace period: %v, want station.offline", evs)
		}
		if err := s.DispatchEvent(ctx, evs[0].ID, fc.EventFanout{}); err != nil {
			t.Fatal(err)
		}
		set(true)
		want := []string{fc.TypeStationOnline, fc.TypeStationOffline, fc.TypeStationOnline}
		if got := eventTypes(t, s, pid, fc.KindStation, id); !sameList(got, want) {
			t.Fatalf("after returning: %v, want %v", got, want)
		}

		// A restart marks every station offline, with the same grace.
		if err := s.MarkAllOffline(ctx); err != nil {
			t.Fatal(err)
		}
		set(true)
		if got := eventTypes(t, s, pid, fc.KindStation, id); !sameList(got, want) {
			t.Fatalf("after a restart and a quick reconnection: %v, want %v", got, want)
		}
	})
}

// TestWebhookDeliveriesInOrder: the deliveries of one object go out one
// at a time in order, those of other objects beside them; a dispatch
// repeated after a crash adds no second delivery; a failed delivery that
// gives up disables a webhook that failed for the whole period.
func TestWebhookDeliveriesInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		w := mustWorld(t, s, "Order")
		admin := mustUser(t, s, w.Provider.ID, "order-admin@example.com")
		h := fc.Webhook{ProviderID: w.Provider.ID, UserID: admin.ID, URL: "https://example.com/hook", Events: []string{"*"}, Secret: "whsec_AAAA"}
		if err := s.CreateWebhook(ctx, &h); err != nil {
			t.Fatal(err)
		}
		// Three events: two about object A, one about B.
		for i, key := range []string{"session:1", "session:2", "session:1"} {
			if err := s.DispatchEvent(ctx, fc.ID(100+i), fc.EventFanout{Deliveries: []fc.WebhookDelivery{
				{WebhookID: h.ID, EventType: fc.TypeSessionStarted, ObjectKey: key, Payload: "{}"}}}); err != nil {
				t.Fatal(err)
			}
		}
		// The same event dispatched again (a crash before it was marked).
		if err := s.DispatchEvent(ctx, 100, fc.EventFanout{Deliveries: []fc.WebhookDelivery{
			{WebhookID: h.ID, EventType: fc.TypeSessionStarted, ObjectKey: "session:1", Payload: "{}"}}}); err != nil {
			t.Fatal(err)
		}
		ds, err := s.DueDeliveries(ctx, now, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 2 || ds[0].EventID != 100 || ds[1].EventID != 101 {
			t.Fatalf("due: %+v, want the first of each object (events 100, 101)", ds)
		}
		all, err := s.Deliveries(ctx, w.Provider.ID, admin.ID, h.ID, fc.Page{Limit: 10})
		if err != nil || len(all) != 3 {
			t.Fatalf("deliveries: %d, %v; want 3", len(all), err)
		}
		// A failure keeps the object's next one waiting.
		if _, err := s.RecordAttempt(ctx, ds[0].ID, fc.DeliveryAttempt{At: now, ResponseStatus: 500, NextAt: now.Add(time.Hour)}, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		if ds, _ = s.DueDeliveries(ctx, now, 10); len(ds) != 1 || ds[0].EventID != 101 {
			t.Fatalf("due after a failure: %+v, want event 101 alone", ds)
		}
		// Giving up after the whole period disables the webhook.
		first, _ := s.DueDeliveries(ctx, now.Add(2*time.Hour), 10)
		now = now.Add(25 * time.Hour)
		disabled, err := s.RecordAttempt(ctx, first[0].ID, fc.DeliveryAttempt{At: now, ResponseStatus: 500}, 24*time.Hour)
		if err != nil || !disabled {
			t.Fatalf("giving up: disabled %v, err %v", disabled, err)
		}
		got, err := s.Webhook(ctx, w.Provider.ID, admin.ID, h.ID)
		if err != nil || got.Enabled || got.DisabledReason == "" {
			t.Fatalf("webhook after giving up: %+v, %v", got, err)
		}
		if ds, _ = s.DueDeliveries(ctx, now, 10); len(ds) != 0 {
			t.Errorf("a disabled webhook has due deliveries: %+v", ds)
		}
		// Another user does not see the webhook.
		other := mustUser(t, s, w.Provider.ID, "order-other@example.com")
		if _, err := s.Webhook(ctx, w.Provider.ID, other.ID, h.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another user reads the webhook: %v", err)
		}
	})
}
