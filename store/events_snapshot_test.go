package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// eventOf returns the only event of the type about the object.
func eventOf(t *testing.T, s *store.Store, providerID fc.ID, kind string, id fc.ID, typ string) fc.Event {
	t.Helper()
	evs, err := s.Events(context.Background(), providerID, kind, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []fc.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d %s events about %s %s, want 1", len(out), typ, kind, id)
	}
	return out[0]
}

// TestEventSnapshots: each event carries, from the change's transaction,
// its object as the store read it then and the owners the access rules
// decide on; a later change of the object leaves the snapshot as it was;
// the dispatch empties it; an event without one (written before snapshots)
// reads as none.
func TestEventSnapshots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Snap")
		pid := w.Provider.ID
		all := fc.ProviderScope(pid)
		sessions := fc.SessionScope{ProviderID: pid, CardSide: fc.Everything, StationSide: fc.Everything}
		owner := func(kind string, id fc.ID) fc.Owner {
			t.Helper()
			o, err := s.Owner(ctx, pid, kind, id)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		t0 := time.Now().UTC().Truncate(time.Millisecond)

		// A session: started, then stopped; each event has the session as
		// it read at its time.
		x := mustStart(t, s, w.Station, 1, w.Card.InternalID, 1000, t0)
		started, err := s.Session(ctx, sessions, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: x.ID, MeterStop: 5000,
			Timestamp: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		stopped, err := s.Session(ctx, sessions, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		card := owner(fc.KindAccount, w.Account.ID)
		card.EmployeeID = w.Employee.ID
		for _, c := range []struct {
			typ  string
			want *fc.Session
		}{{fc.TypeSessionStarted, started}, {fc.TypeSessionStopped, stopped}} {
			e := eventOf(t, s, pid, fc.KindSession, x.ID, c.typ)
			if e.Snapshot == nil {
				t.Fatalf("%s has no snapshot", c.typ)
			}
			got, ok := e.Snapshot.Object.(*fc.Session)
			if !ok || !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: snapshot of the session\n%+v\nwant\n%+v", c.typ, e.Snapshot.Object, c.want)
			}
			if !reflect.DeepEqual(e.Snapshot.Owner, card) {
				t.Errorf("%s: card side %+v, want %+v", c.typ, e.Snapshot.Owner, card)
			}
			if want := owner(fc.KindAccount, w.Station.AccountID); !reflect.DeepEqual(e.Snapshot.Station, want) {
				t.Errorf("%s: station side %+v, want %+v", c.typ, e.Snapshot.Station, want)
			}
		}

		// A card blocked, then renamed: the event keeps the card as it was
		// blocked.
		blocked, err := s.UpdateCard(ctx, all, w.Card.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateCard(ctx, all, w.Card.ID, func(c *fc.Card) error { c.ExternalID = "SNAP-RENAMED"; return nil }); err != nil {
			t.Fatal(err)
		}
		e := eventOf(t, s, pid, fc.KindCard, w.Card.ID, fc.TypeCardBlocked)
		if e.Snapshot == nil {
			t.Fatal("card.blocked has no snapshot")
		}
		if got, ok := e.Snapshot.Object.(*fc.Card); !ok || !reflect.DeepEqual(got, blocked) {
			t.Errorf("snapshot of the blocked card %+v, want %+v", e.Snapshot.Object, blocked)
		}
		if want := owner(fc.KindCard, w.Card.ID); !reflect.DeepEqual(e.Snapshot.Owner, want) {
			t.Errorf("card owner %+v, want %+v", e.Snapshot.Owner, want)
		}

		// A station faulted: the station with its faulted connector.
		if err := s.RecordStatus(ctx, w.Station.ID, 2, "Faulted", "GroundFailure", t0); err != nil {
			t.Fatal(err)
		}
		faulted, err := s.Station(ctx, fc.StationScope{ProviderID: pid, Reach: fc.Everything}, w.Station.ID)
		if err != nil {
			t.Fatal(err)
		}
		e = eventOf(t, s, pid, fc.KindStation, w.Station.ID, fc.TypeStationFaulted)
		if e.Snapshot == nil {
			t.Fatal("station.faulted has no snapshot")
		}
		if got, ok := e.Snapshot.Object.(*fc.Station); !ok || !reflect.DeepEqual(got, faulted) {
			t.Errorf("snapshot of the faulted station\n%+v\nwant\n%+v", e.Snapshot.Object, faulted)
		}
		if want := owner(fc.KindStation, w.Station.ID); !reflect.DeepEqual(e.Snapshot.Owner, want) {
			t.Errorf("station owner %+v, want %+v", e.Snapshot.Owner, want)
		}

		// The dispatch empties the snapshot.
		if err := s.DispatchEvent(ctx, e.ID, fc.EventFanout{}); err != nil {
			t.Fatal(err)
		}
		if e = eventOf(t, s, pid, fc.KindStation, w.Station.ID, fc.TypeStationFaulted); e.Snapshot != nil {
			t.Errorf("a dispatched event keeps its snapshot")
		}
		// An event written before snapshots has none, and is due as any;
		// so is one whose snapshot no longer decodes.
		for _, col := range []string{``, `{"owner":{},"object":"AAAA"}`} {
			if _, err := s.DB().ExecContext(ctx, `UPDATE events SET snapshot = $1 WHERE object_kind = 'card'`, col); err != nil {
				t.Fatal(err)
			}
			due, err := s.DueEvents(ctx, time.Now().Add(time.Hour), 100)
			if err != nil {
				t.Fatalf("snapshot %q: %v", col, err)
			}
			found := false
			for _, d := range due {
				if d.ObjectKind == fc.KindCard {
					found = true
					if d.Snapshot != nil {
						t.Errorf("an event with the snapshot %q read as %+v", col, d.Snapshot)
					}
				}
			}
			if !found {
				t.Errorf("the event with the snapshot %q is not due", col)
			}
		}
	})
}
