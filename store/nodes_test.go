package store_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func wantOnline(t *testing.T, s *store.Store, identity string, want bool) {
	t.Helper()
	st, err := s.StationByIdentity(context.Background(), identity)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Connection == fc.StationOnline; got != want {
		t.Errorf("%s online = %v, want %v", identity, got, want)
	}
}

func TestRegistrationEpochs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Reg")
		id := w.Station.Identity
		t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		for _, n := range []string{"node-a", "node-b"} {
			if err := s.BeatNode(ctx, n, "", time.Minute); err != nil {
				t.Fatal(err)
			}
		}

		e1, err := s.RegisterConnection(ctx, w.Station.ID, "node-a", fc.OCPP16, t0)
		if err != nil {
			t.Fatal(err)
		}
		wantOnline(t, s, id, true)
		// The station reconnects to node B before node A saw its socket die.
		e2, err := s.RegisterConnection(ctx, w.Station.ID, "node-b", fc.OCPP16, t0.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if e2 != e1+1 {
			t.Errorf("epochs %d then %d, want one more", e1, e2)
		}
		// Node A's late release is stale: the station stays online on B.
		released, err := s.ReleaseConnection(ctx, w.Station.ID, "node-a", e1, t0.Add(2*time.Second))
		if err != nil || released {
			t.Fatalf("stale release = %v, %v; want false, nil", released, err)
		}
		wantOnline(t, s, id, true)
		if r, err := s.RegistrationOf(ctx, w.Station.ID); err != nil || r.Node != "node-b" || r.Epoch != e2 {
			t.Errorf("registration = %+v, %v; want node-b at %d", r, err, e2)
		}
		// B's own release under the wrong epoch changes nothing either.
		if released, err := s.ReleaseConnection(ctx, w.Station.ID, "node-b", e1, t0.Add(2*time.Second)); err != nil || released {
			t.Fatalf("release under an old epoch = %v, %v", released, err)
		}
		released, err = s.ReleaseConnection(ctx, w.Station.ID, "node-b", e2, t0.Add(3*time.Second))
		if err != nil || !released {
			t.Fatalf("live release = %v, %v; want true", released, err)
		}
		wantOnline(t, s, id, false)
		// The epoch keeps growing after a release.
		e3, err := s.RegisterConnection(ctx, w.Station.ID, "node-a", fc.OCPP201, t0.Add(4*time.Second))
		if err != nil || e3 != e2+1 {
			t.Fatalf("epoch after release = %d, %v; want %d", e3, err, e2+1)
		}
		if _, err := s.RegisterConnection(ctx, w.Station.ID, "node-a", "", t0); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("no version: err = %v, want invalid", err)
		}
	})
}

func TestReapNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Reap")
		other := mustStation(t, s, w.Account, w.Office, w.Group, "Reap-CP2")
		legacy := mustStation(t, s, w.Account, w.Office, w.Group, "Reap-CP3")
		now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		if err := s.BeatNode(ctx, "dead", "", 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := s.BeatNode(ctx, "live", "", time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RegisterConnection(ctx, w.Station.ID, "dead", fc.OCPP16, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RegisterConnection(ctx, other.ID, "live", fc.OCPP16, now); err != nil {
			t.Fatal(err)
		}
		// Online from before the cluster, registered nowhere.
		if err := s.SetConnection(ctx, legacy.ID, true, fc.OCPP16, now); err != nil {
			t.Fatal(err)
		}

		n, err := s.ReapNodes(ctx)
		if err != nil || n != 1 {
			t.Fatalf("reap while every lease runs = %d, %v; want the unregistered station only", n, err)
		}
		wantOnline(t, s, w.Station.Identity, true)
		wantOnline(t, s, legacy.Identity, false)

		now = now.Add(30 * time.Second) // dead's lease ran out, live's not
		n, err = s.ReapNodes(ctx)
		if err != nil || n != 1 {
			t.Fatalf("reap = %d, %v; want 1", n, err)
		}
		wantOnline(t, s, w.Station.Identity, false)
		wantOnline(t, s, other.Identity, true)
		nodes, err := s.Nodes(ctx)
		if err != nil || len(nodes) != 1 || nodes[0].ID != "live" || nodes[0].Stations != 1 {
			t.Errorf("nodes after reap = %+v, %v; want live alone holding 1", nodes, err)
		}

		released, err := s.LeaveNode(ctx, "live")
		if err != nil || released != 1 {
			t.Fatalf("leave = %d, %v; want 1", released, err)
		}
		wantOnline(t, s, other.Identity, false)
		if nodes, _ := s.Nodes(ctx); len(nodes) != 0 {
			t.Errorf("nodes after leaving = %+v", nodes)
		}
	})
}

func TestLeases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		take := func(node string, want bool) {
			t.Helper()
			held, err := s.AcquireLease(ctx, "ocpi-outbox", node, 10*time.Second)
			if err != nil || held != want {
				t.Fatalf("%s acquires = %v, %v; want %v", node, held, err, want)
			}
		}
		take("a", true)
		take("b", false)
		take("a", true) // renewal
		now = now.Add(5 * time.Second)
		take("b", false)
		now = now.Add(11 * time.Second) // a stopped renewing
		take("b", true)
		take("a", false)
		if err := s.ReleaseLease(ctx, "ocpi-outbox", "a"); err != nil { // not a's: nothing
			t.Fatal(err)
		}
		take("a", false)
		if err := s.ReleaseLease(ctx, "ocpi-outbox", "b"); err != nil {
			t.Fatal(err)
		}
		take("a", true)
	})
}
