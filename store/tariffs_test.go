package store_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func sessionVersion(t *testing.T, s *store.Store, id fc.ID) fc.ID {
	t.Helper()
	var v *int64
	if err := s.DB().QueryRowContext(context.Background(), `SELECT tariff_version_id FROM sessions WHERE id = $1`, int64(id)).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		return 0
	}
	return fc.ID(*v)
}

// A new version prices the sessions that start from its valid_from; a
// session started one millisecond or one second before keeps the old one,
// even when it stops after.
func TestTariffVersionBoundary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Tv")
		all := fc.Scope{ProviderID: w.Provider.ID, Reach: fc.Everything}
		now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		from := now.Add(2 * time.Hour)
		g, err := s.UpdateChargeGroup(ctx, all, w.Group.ID, func(g *fc.ChargeGroup) error {
			g.Tariff.PerKWhMicros = 500000
			g.Tariff.ValidFrom = from
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The new version is not in effect yet: the group shows the old.
		if g.Tariff.PerKWhMicros != 350000 {
			t.Errorf("group's tariff before valid_from = %+v, want the old version", g.Tariff)
		}
		vs, err := s.TariffVersions(ctx, all, w.Group.ID)
		if err != nil || len(vs) != 2 || vs[0].Tariff.PerKWhMicros != 350000 || !vs[0].ValidFrom.Equal(time.UnixMilli(0)) ||
			vs[1].Tariff.PerKWhMicros != 500000 || !vs[1].ValidFrom.Equal(from) {
			t.Fatalf("versions = %+v, %v", vs, err)
		}
		// Another provider sees no versions of this group.
		if _, err := s.TariffVersions(ctx, fc.Scope{ProviderID: w.Provider.ID + 1000, Reach: fc.Everything}, w.Group.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("versions of another provider's group: err = %v, want not_found", err)
		}
		if _, err := s.TariffVersions(ctx, fc.Scope{ProviderID: w.Provider.ID, Reach: reachAccounts(w.Account.ID + 1000)}, w.Group.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("versions of a group out of reach: err = %v, want not_found", err)
		}

		before := mustStart(t, s, w.Station, 1, w.Card.InternalID, 0, from.Add(-time.Second))
		at := mustStart(t, s, w.Station, 2, w.Card.InternalID, 0, from)
		now = from.Add(3 * time.Hour)
		for _, x := range []*fc.Session{before, at} {
			stopped, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: x.ID, MeterStop: 10000, Timestamp: from.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			*x = *stopped
		}
		if before.CostMinor != 350 || sessionVersion(t, s, before.ID) != vs[0].ID {
			t.Errorf("session started 1 s before valid_from: cost %d, version %s; want 350 by version %s", before.CostMinor, sessionVersion(t, s, before.ID), vs[0].ID)
		}
		if at.CostMinor != 500 || sessionVersion(t, s, at.ID) != vs[1].ID {
			t.Errorf("session started at valid_from: cost %d, version %s; want 500 by version %s", at.CostMinor, sessionVersion(t, s, at.ID), vs[1].ID)
		}
		// Now the new version is in effect.
		g, err = s.ChargeGroup(ctx, all, w.Group.ID)
		if err != nil || g.Tariff.PerKWhMicros != 500000 || g.Tariff.VersionID != vs[1].ID {
			t.Errorf("group's tariff after valid_from = %+v, %v", g.Tariff, err)
		}
		// A version that priced sessions is not replaced.
		_, err = s.UpdateChargeGroup(ctx, all, w.Group.ID, func(g *fc.ChargeGroup) error {
			g.Tariff.PerKWhMicros = 1
			g.Tariff.ValidFrom = time.UnixMilli(0)
			return nil
		})
		wantCode(t, "replace a used version", err, fc.EConflict)
		// An update without valid_from starts a version now; one that
		// changes no price starts none.
		if _, err := s.UpdateChargeGroup(ctx, all, w.Group.ID, func(g *fc.ChargeGroup) error { g.Tariff.StartFeeMicros = 1; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateChargeGroup(ctx, all, w.Group.ID, func(g *fc.ChargeGroup) error { g.Name += " renamed"; return nil }); err != nil {
			t.Fatal(err)
		}
		if vs, _ := s.TariffVersions(ctx, all, w.Group.ID); len(vs) != 3 || !vs[2].ValidFrom.Equal(now) {
			t.Errorf("versions after two updates = %+v, want a third from now", vs)
		}
	})
}

// A session is priced by its meter values: energy in each interval at the
// price of its time-of-day band (in the provider's zone), an idle fee from
// the SuspendedEV status after the grace, and the maximum.
func TestTariffPricesMeterValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Tm")
		all := fc.Scope{ProviderID: w.Provider.ID, Reach: fc.Everything}
		if _, err := s.DB().ExecContext(ctx, `UPDATE providers SET time_zone = 'Europe/Amsterdam' WHERE id = $1`, int64(w.Provider.ID)); err != nil {
			t.Fatal(err)
		}
		night := fc.Tariff{Currency: "EUR", PerKWhMicros: 400000, IdleFeePerMinuteMicros: 100000, IdleGraceMinutes: 10,
			Bands: []fc.TariffBand{{FromMinute: 22 * 60, ToMinute: 6 * 60, PerKWhMicros: 200000}}}
		if _, err := s.UpdateChargeGroup(ctx, all, w.Group.ID, func(g *fc.ChargeGroup) error {
			g.Tariff = night
			g.Tariff.ValidFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// 21:00 to 23:30 in Amsterdam (CEST, UTC+2).
		t0 := time.Date(2026, 6, 1, 19, 0, 0, 0, time.UTC)
		x := mustStart(t, s, w.Station, 1, w.Card.InternalID, 1000, t0)
		wh := func(v float64) *float64 { return &v }
		samples := []fc.MeterSample{
			{At: t0.Add(30 * time.Minute), Value: wh(4000)},                   // 3 kWh at 0.40
			{At: t0.Add(90 * time.Minute), Value: wh(10), Unit: "kWh"},        // 6 kWh from 21:30 to 22:30: half at 0.40, half at 0.20
			{At: t0.Add(100 * time.Minute), Value: wh(12000)},                 // 2 kWh at 0.20, the last rise
			{At: t0.Add(120 * time.Minute), Value: wh(12000)},                 // nothing
			{At: t0.Add(130 * time.Minute), Value: wh(999), Phase: "L1"},      // a phase's reading: not the register
			{At: t0.Add(140 * time.Minute), Value: wh(50000), Location: "EV"}, // the EV's: not the station's register
		}
		if err := s.RecordMeterValues(ctx, w.Station.ID, x.ID, nil, t0.Add(2*time.Hour), samples); err != nil {
			t.Fatal(err)
		}
		// The car said it was done at 22:35 (SuspendedEV): idle 55 min, 45 after the grace.
		if err := s.RecordStatusReport(ctx, fc.StatusReport{StationID: w.Station.ID, ConnectorID: 1, Status: "SuspendedEV", At: t0.Add(95 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		stopped, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: x.ID, MeterStop: 12000, Timestamp: t0.Add(150 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		// 1.20 + 1.20 + 0.60 + 0.40 energy, 4.50 idle.
		if want := int64(120 + 120 + 60 + 40 + 450); stopped.CostMinor != want || stopped.Currency != "EUR" {
			t.Errorf("cost = %d %s, want %d EUR", stopped.CostMinor, stopped.Currency, want)
		}

		// The same session under a maximum of 5.00 costs 5.00.
		if _, err := s.UpdateChargeGroup(ctx, all, w.Group.ID, func(g *fc.ChargeGroup) error {
			g.Tariff.MaxPriceMicros = 5000000
			g.Tariff.ValidFrom = time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		t1 := t0.Add(24 * time.Hour)
		y := mustStart(t, s, w.Station, 2, w.Card.InternalID, 0, t1)
		stopped, err = s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: y.ID, MeterStop: 100000, Timestamp: t1.Add(time.Hour)})
		if err != nil || stopped.CostMinor != 500 {
			t.Errorf("capped session: cost %v, err %v; want 500", stopped, err)
		}
	})
}

func TestTariffValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Tval")
		all := fc.Scope{ProviderID: w.Provider.ID, Reach: fc.Everything}
		for field, tf := range map[string]fc.Tariff{
			"tariff.time_of_day":         {Currency: "EUR", Bands: []fc.TariffBand{{FromMinute: 1320, ToMinute: 360}, {FromMinute: 300, ToMinute: 400}}},
			"tariff.min_price":           {Currency: "EUR", MinPriceMicros: 5, MaxPriceMicros: 4},
			"tariff.idle_grace_minutes":  {Currency: "EUR", IdleGraceMinutes: -1},
			"tariff.idle_fee_per_minute": {Currency: "EUR", IdleFeePerMinuteMicros: -1},
		} {
			_, err := s.UpdateChargeGroup(ctx, all, w.Group.ID, func(g *fc.ChargeGroup) error { g.Tariff = tf; return nil })
			wantField(t, field, err, field)
		}
	})
}
