package store_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// dueTariffs lists the IDs of the partner's tariff pushes of group g that
// DueOCPI hands out at now.
func dueTariffs(t *testing.T, s *store.Store, f *roamingFixture, g fc.ID, now time.Time) []fc.ID {
	t.Helper()
	ms, err := s.DueOCPI(context.Background(), now, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []fc.ID
	for _, m := range ms {
		if m.PartnerID == f.partner.ID && m.Key == "tariff:"+g.String() {
			out = append(out, m.ID)
		}
	}
	return out
}

// TestTariffVersionPushedAtItsStart: a roaming group's future-dated tariff
// version is pushed to partners when it takes effect, not before (the
// tariff in effect does not change until then), and such a later push
// does not hold up a push of a change that takes effect now; the group
// then reads the new version, which is what the push sends.
func TestTariffVersionPushedAtItsStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		now := time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		f := newRoamingFixture(t, s)
		sc := fc.ProviderScope(f.prov.ID)
		key := "tariff:" + f.roaming.ID.String()
		for _, id := range dueTariffs(t, s, f, f.roaming.ID, now) {
			if err := s.OCPIDelivered(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if got := waiting(t, s, f, key); len(got) != 0 {
			t.Fatalf("tariff pushes left after delivering: %v", got)
		}

		from := now.Add(36 * time.Hour)
		if _, err := s.UpdateChargeGroup(ctx, sc, f.roaming.ID, func(g *fc.ChargeGroup) error {
			g.Tariff.PerKWhMicros, g.Tariff.ValidFrom = 420000, from
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := waiting(t, s, f, key); len(got) != 1 {
			t.Fatalf("pushes after a future version: %v, want one, at its start", got)
		}
		if got := dueTariffs(t, s, f, f.roaming.ID, now); len(got) != 0 {
			t.Errorf("the future version's push is due now: %v", got)
		}
		if got := dueTariffs(t, s, f, f.roaming.ID, from.Add(-time.Second)); len(got) != 0 {
			t.Errorf("the future version's push is due a second before its start: %v", got)
		}
		atStart := dueTariffs(t, s, f, f.roaming.ID, from)
		if len(atStart) != 1 {
			t.Fatalf("pushes due at the version's start: %v, want 1", atStart)
		}

		// A change in effect now is pushed now, ahead of the later one.
		if _, err := s.UpdateChargeGroup(ctx, sc, f.roaming.ID, func(g *fc.ChargeGroup) error {
			g.Tariff.PerKWhMicros, g.Tariff.ValidFrom = 360000, time.Time{}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		due := dueTariffs(t, s, f, f.roaming.ID, now)
		if len(due) != 1 || due[0] == atStart[0] {
			t.Fatalf("pushes due now after a change in effect now: %v (the later one is %v)", due, atStart)
		}
		if g, err := s.ChargeGroup(ctx, sc, f.roaming.ID); err != nil || g.Tariff.PerKWhMicros != 360000 {
			t.Fatalf("the group now: %+v, %v", g, err)
		}
		if err := s.OCPIDelivered(ctx, due[0]); err != nil {
			t.Fatal(err)
		}
		// At the start, the group reads the future version: the push built
		// then sends it.
		now = from
		if got := dueTariffs(t, s, f, f.roaming.ID, now); len(got) != 1 || got[0] != atStart[0] {
			t.Errorf("pushes due at the start: %v, want %v", got, atStart)
		}
		if g, err := s.ChargeGroup(ctx, sc, f.roaming.ID); err != nil || g.Tariff.PerKWhMicros != 420000 || !g.Tariff.ValidFrom.Equal(from) {
			t.Errorf("the group at the version's start: %+v, %v", g, err)
		}
	})
}
