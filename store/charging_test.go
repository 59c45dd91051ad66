package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func mustStart(t *testing.T, s *store.Store, st *fc.Station, connector int, tag string, meter int64, at time.Time) *fc.Session {
	t.Helper()
	x, created, err := s.StartTransaction(context.Background(), fc.StartTransaction{StationID: st.ID, ConnectorID: connector, IDTag: tag, MeterStart: meter, Timestamp: at})
	if err != nil || !created {
		t.Fatalf("start at %s: created %v, err %v", st.Identity, created, err)
	}
	return x
}

func TestStationTelemetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Tel")
		st := w.Station
		t0 := time.Date(2025, 4, 1, 6, 0, 0, 0, time.UTC)

		got, err := s.StationByIdentity(ctx, "Tel-CP1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != st.ID || got.ProviderID != w.Provider.ID || got.PasswordHash != "hash-of-Tel-CP1" || len(got.ChargePoints) != 2 {
			t.Errorf("by identity = %+v", got)
		}
		if _, err := s.StationByIdentity(ctx, "nope"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown identity: err = %v, want not_found", err)
		}

		if err := s.RecordBoot(ctx, st.ID, fc.BootInfo{Vendor: "Alfen", Model: "Eve Double", SerialNumber: "ACE0001", Firmware: "6.3.0"}, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.SetConnection(ctx, st.ID, true, fc.OCPP16, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordHeartbeat(ctx, st.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordHeartbeat(ctx, st.ID, t0.Add(30*time.Second)); err != nil { // late
			t.Fatal(err)
		}
		got, _ = s.StationByIdentity(ctx, "Tel-CP1")
		if got.Vendor != "Alfen" || got.Model != "Eve Double" || got.SerialNumber != "ACE0001" || got.Firmware != "6.3.0" ||
			got.LastBootAt == nil || !got.LastBootAt.Equal(t0) || got.Connection != fc.StationOnline ||
			got.LastHeartbeatAt == nil || !got.LastHeartbeatAt.Equal(t0.Add(time.Minute)) || got.OCPPVersion != fc.OCPP16 {
			t.Errorf("after boot and heartbeats = %+v", got)
		}
		if err := s.SetConnection(ctx, st.ID, false, "", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.StationByIdentity(ctx, "Tel-CP1"); got.Connection != fc.StationOffline || got.OCPPVersion != fc.OCPP16 {
			t.Errorf("connection = %s, version %q; want offline, the version kept", got.Connection, got.OCPPVersion)
		}
		if err := s.SetConnection(ctx, st.ID, true, fc.OCPP201, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.StationByIdentity(ctx, "Tel-CP1"); got.OCPPVersion != fc.OCPP201 {
			t.Errorf("version = %q after a 2.0.1 connection", got.OCPPVersion)
		}
		if err := s.SetConnection(ctx, st.ID, true, "3.0", t0); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("version 3.0: err = %v, want invalid", err)
		}

		// Statuses: a late, older one is ignored; connector 0 is the station
		// itself; a connector the station reports beyond its registration is added.
		steps := []struct {
			connector int
			status    string
			at        time.Duration
		}{
			{1, "Preparing", 10 * time.Second},
			{1, "Charging", 20 * time.Second},
			{1, "Available", 15 * time.Second},
			{2, "Faulted", 5 * time.Second},
			{0, "Unavailable", 30 * time.Second},
			{3, "Available", 40 * time.Second},
		}
		for _, step := range steps {
			if err := s.RecordStatus(ctx, st.ID, step.connector, step.status, "NoError", t0.Add(step.at)); err != nil {
				t.Fatalf("status %d %s: %v", step.connector, step.status, err)
			}
		}
		got, _ = s.StationByIdentity(ctx, "Tel-CP1")
		want := map[int]string{1: "Charging", 2: "Faulted", 3: "Available"}
		if len(got.ChargePoints) != len(want) {
			t.Fatalf("charge points = %+v, want connectors 1..3", got.ChargePoints)
		}
		for _, cp := range got.ChargePoints {
			if cp.Status != want[cp.ConnectorID] || cp.ErrorCode != "NoError" || cp.StatusAt == nil {
				t.Errorf("connector %d = %s at %v, want %s", cp.ConnectorID, cp.Status, cp.StatusAt, want[cp.ConnectorID])
			}
		}
		if err := s.RecordStatus(ctx, st.ID, -1, "Available", "NoError", t0); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("negative connector: err = %v, want invalid", err)
		}

		for name, call := range map[string]func() error{
			"boot":       func() error { return s.RecordBoot(ctx, 999999, fc.BootInfo{}, t0) },
			"connection": func() error { return s.SetConnection(ctx, 999999, true, "", t0) },
			"heartbeat":  func() error { return s.RecordHeartbeat(ctx, 999999, t0) },
			"status":     func() error { return s.RecordStatus(ctx, 999999, 1, "Available", "NoError", t0) },
		} {
			if err := call(); !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("%s of an unknown station: err = %v, want not_found", name, err)
			}
		}
	})
}

func TestCardAuth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Auth")
		sub := mustOrg(t, s, w.Provider.ID, w.Org.ID, "Auth Sub")
		subAcc := mustAccount(t, s, w.Provider.ID, sub.ID, "Auth Sub account")
		card := mustCard(t, s, subAcc, 0, "AUTH-SUB-1")

		restricted := mustChargeGroup(t, s, w.Account, fc.AccessRestricted)
		if _, err := s.UpdateChargeGroup(ctx, fc.ProviderScope(w.Provider.ID), restricted.ID, func(g *fc.ChargeGroup) error {
			g.AllowedOrganizationIDs, g.AllowedCardIDs = []fc.ID{sub.ID}, []fc.ID{w.Card.ID}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		st := mustStation(t, s, w.Account, w.Office, restricted, "Auth-CP2")

		got, err := s.CardAuth(ctx, st.ID, "auth-sub-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Card == nil || got.Card.ID != card.ID || !equalIDs(got.CardOrgs, []fc.ID{w.Org.ID, sub.ID}) || got.ActiveTxID != 0 {
			t.Errorf("auth = %+v", got)
		}
		if got.Group == nil || got.Group.ID != restricted.ID || !equalIDs(got.Group.AllowedOrganizationIDs, []fc.ID{sub.ID}) ||
			!equalIDs(got.Group.AllowedCardIDs, []fc.ID{w.Card.ID}) || !got.Group.Admits(got.Card, got.CardOrgs) {
			t.Errorf("group = %+v", got.Group)
		}

		x := mustStart(t, s, w.Station, 1, "AUTH-SUB-1", 0, march)
		if got, _ = s.CardAuth(ctx, st.ID, "AUTH-SUB-1"); got.ActiveTxID != x.ID {
			t.Errorf("active transaction = %s, want %s", got.ActiveTxID, x.ID)
		}

		got, err = s.CardAuth(ctx, st.ID, "UNKNOWN")
		if err != nil || got.Card != nil || got.CardOrgs != nil || got.Group == nil {
			t.Errorf("unknown tag: %+v, err %v", got, err)
		}

		// A card of another provider is unknown at this station.
		other := mustWorld(t, s, "Else")
		if got, err = s.CardAuth(ctx, st.ID, other.Card.InternalID); err != nil || got.Card != nil {
			t.Errorf("foreign card: %+v, err %v", got, err)
		}
		if _, err := s.CardAuth(ctx, 999999, "AUTH-SUB-1"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown station: err = %v, want not_found", err)
		}
	})
}

func TestStartTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Start")
		at := march.Add(123 * time.Millisecond)
		req := fc.StartTransaction{StationID: w.Station.ID, ConnectorID: 2, IDTag: "Start-TAG1", MeterStart: 1500, Timestamp: at}

		first, created, err := s.StartTransaction(ctx, req)
		if err != nil || !created {
			t.Fatalf("start: created %v, err %v", created, err)
		}
		if first.Source != fc.SourceOCPP || first.CardID != w.Card.ID || first.EmployeeID != w.Employee.ID ||
			first.CardAccountID != w.Account.ID || first.StationAccountID != w.Account.ID || first.LocationID != w.Office.ID ||
			first.LocationKind != fc.LocationOffice || first.ConnectorID != 2 || first.MeterStartWh != 1500 ||
			first.Currency != "EUR" || !first.StartedAt.Equal(at) || !first.Active() {
			t.Errorf("started = %+v", first)
		}

		again, created, err := s.StartTransaction(ctx, req)
		if err != nil || created || again.ID != first.ID {
			t.Errorf("repeat: id %v created %v err %v, want %s", again, created, err, first.ID)
		}
		list, _ := s.Sessions(ctx, fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything}, fc.SessionFilter{})
		if len(list) != 1 {
			t.Errorf("sessions after a repeated start = %d, want 1", len(list))
		}
		card, _ := s.Card(ctx, fc.ProviderScope(w.Provider.ID), w.Card.ID)
		if card.LastUsedAt == nil || !card.LastUsedAt.Equal(at) {
			t.Errorf("card last used = %v, want %s", card.LastUsedAt, at)
		}

		// Any other field makes another request.
		other := req
		other.MeterStart++
		if x, created, err := s.StartTransaction(ctx, other); err != nil || !created || x.ID == first.ID {
			t.Errorf("start with another meter value: created %v err %v", created, err)
		}

		// An unknown idTag is stored all the same, without a card side.
		unknown := mustStart(t, s, w.Station, 1, "STRANGER", 0, march.Add(time.Hour))
		if unknown.CardID != 0 || unknown.CardAccountID != 0 || unknown.EmployeeID != 0 || unknown.IDTag != "STRANGER" ||
			unknown.StationAccountID != w.Account.ID {
			t.Errorf("unknown tag session = %+v", unknown)
		}
		masked, err := s.Session(ctx, fc.SessionScope{ProviderID: w.Provider.ID, StationSide: reachAccounts(w.Account.ID)}, unknown.ID)
		if err != nil || !masked.CardMasked || masked.IDTag != "" {
			t.Errorf("unknown tag session from the station side: %+v, err %v", masked, err)
		}

		for _, tc := range []struct {
			name, field string
			change      func(*fc.StartTransaction)
		}{
			{"connector beyond the limit", "connector_id", func(r *fc.StartTransaction) { r.ConnectorID = store.MaxConnectors + 1 }},
			{"connector 0", "connector_id", func(r *fc.StartTransaction) { r.ConnectorID = 0 }},
			{"no idTag", "id_tag", func(r *fc.StartTransaction) { r.IDTag = " " }},
			{"negative meter", "meter_start", func(r *fc.StartTransaction) { r.MeterStart = -1 }},
		} {
			r := req
			tc.change(&r)
			_, _, err := s.StartTransaction(ctx, r)
			wantField(t, tc.name, err, tc.field)
		}
		// A connector the station was not registered with is added: the
		// station's session is never refused for it.
		third := mustStart(t, s, w.Station, 3, "Start-TAG1", 0, march.Add(2*time.Hour))
		if third.ConnectorID != 3 {
			t.Errorf("session on an unregistered connector = %+v", third)
		}
		st, err := s.Station(ctx, fc.StationScope{ProviderID: w.Provider.ID, Reach: fc.Everything}, w.Station.ID)
		if err != nil || len(st.ChargePoints) != 3 {
			t.Errorf("station after a session on connector 3: %+v, err %v", st, err)
		}
		r := req
		r.StationID = 999999
		if _, _, err := s.StartTransaction(ctx, r); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown station: err = %v, want not_found", err)
		}
	})
}

func TestStopTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Stop")
		second := mustStation(t, s, w.Account, w.Office, w.Group, "Stop-CP2")
		x := mustStart(t, s, w.Station, 1, "Stop-TAG1", 10000, march)

		// Meter readings move forward only, on the station's own running session.
		if err := s.RecordMeter(ctx, w.Station.ID, x.ID, 12000, march.Add(20*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordMeter(ctx, w.Station.ID, x.ID, 11000, march.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if wh, at := lastMeter(t, s, x.ID); wh != 12000 || !at.Equal(march.Add(20*time.Minute)) {
			t.Errorf("last meter = %d at %s, want 12000 at +20m", wh, at)
		}
		if err := s.RecordMeter(ctx, second.ID, x.ID, 13000, march.Add(30*time.Minute)); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("meter from another station: err = %v, want not_found", err)
		}

		stop := fc.StopTransaction{StationID: w.Station.ID, TransactionID: x.ID, MeterStop: 22345, Timestamp: march.Add(61*time.Minute + 1500*time.Millisecond), Reason: "EVDisconnected"}
		if _, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: second.ID, TransactionID: x.ID, MeterStop: 1, Timestamp: march.Add(time.Hour)}); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("stop from another station: err = %v, want not_found", err)
		}
		got, err := s.StopTransaction(ctx, stop)
		if err != nil {
			t.Fatal(err)
		}
		// 12.345 kWh at 0.35 EUR = 4.32075 EUR.
		if got.EnergyWh != 12345 || got.DurationSeconds != 3661 || got.CostMinor != 432 || got.Currency != "EUR" ||
			got.MeterStopWh == nil || *got.MeterStopWh != 22345 || got.StopReason != "EVDisconnected" ||
			got.StoppedAt == nil || !got.StoppedAt.Equal(stop.Timestamp) {
			t.Errorf("stopped = %+v", got)
		}

		// A repeat, even a garbled one, returns the stored session unchanged.
		repeat := stop
		repeat.MeterStop, repeat.Timestamp, repeat.Reason = 99999, stop.Timestamp.Add(time.Hour), "Other"
		again, err := s.StopTransaction(ctx, repeat)
		if err != nil || again.EnergyWh != 12345 || again.CostMinor != 432 || !again.StoppedAt.Equal(*got.StoppedAt) || !again.UpdatedAt.Equal(got.UpdatedAt) {
			t.Errorf("repeat stop = %+v, err %v", again, err)
		}
		if err := s.RecordMeter(ctx, w.Station.ID, x.ID, 30000, march.Add(2*time.Hour)); err != nil {
			t.Errorf("meter after stop: %v", err)
		}
		if wh, _ := lastMeter(t, s, x.ID); wh != 22345 {
			t.Errorf("last meter after stop = %d, want 22345", wh)
		}

		// A stop stamped before the start (a station clock put right) and a
		// meter that went backwards give zeros, not errors.
		skew := mustStart(t, s, w.Station, 2, "Stop-TAG1", 5000, march.Add(3*time.Hour))
		got, err = s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: skew.ID, MeterStop: 4000, Timestamp: march.Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if got.DurationSeconds != 0 || got.EnergyWh != 0 || got.CostMinor != 0 || !got.StoppedAt.Equal(skew.StartedAt) || got.StopReason != "Local" {
			t.Errorf("skewed stop = %+v", got)
		}

		if _, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: 999999, Timestamp: march}); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown transaction: err = %v, want not_found", err)
		}
	})
}

func lastMeter(t *testing.T, s *store.Store, id fc.ID) (int64, time.Time) {
	t.Helper()
	var wh, at int64
	if err := s.DB().QueryRow(`SELECT last_meter_wh, last_meter_at FROM sessions WHERE id = $1`, int64(id)).Scan(&wh, &at); err != nil {
		t.Fatalf("read last meter: %v", err)
	}
	return wh, time.UnixMilli(at).UTC()
}

// TestStopCost checks the price of sessions under several tariffs, worked
// out by hand.
func TestStopCost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Cost")
		for i, tc := range []struct {
			name     string
			tariff   fc.Tariff
			energyWh int64
			duration time.Duration
			want     int64
		}{
			// 12.345 kWh × 0.35 = 4.32075 EUR
			{"per kWh", fc.Tariff{Currency: "EUR", PerKWhMicros: 350000}, 12345, time.Hour, 432},
			// 3.00 energy + 90 min × 0.02 + 1.00 start fee = 5.80 EUR
			{"all three parts", fc.Tariff{Currency: "EUR", PerKWhMicros: 300000, PerMinuteMicros: 20000, StartFeeMicros: 1000000}, 10000, 90 * time.Minute, 580},
			// 0.02 kWh × 0.25 = 0.005 EUR: half a cent rounds up
			{"half a cent", fc.Tariff{Currency: "EUR", PerKWhMicros: 250000}, 20, time.Minute, 1},
			// 0.01 kWh × 0.25 = 0.0025 EUR rounds down
			{"a quarter cent", fc.Tariff{Currency: "EUR", PerKWhMicros: 250000}, 10, time.Minute, 0},
			// 7.5 kWh × 45 JPY = 337.5 JPY, no minor unit
			{"yen", fc.Tariff{Currency: "JPY", PerKWhMicros: 45000000}, 7500, 30 * time.Minute, 338},
			// 1.5 min × 0.001 KWD = 1.5 fils, rounds up; partial seconds dropped
			{"dinar per minute", fc.Tariff{Currency: "KWD", PerMinuteMicros: 1000}, 0, 90*time.Second + 900*time.Millisecond, 2},
			{"free", fc.Tariff{Currency: "EUR"}, 50000, 5 * time.Hour, 0},
		} {
			start := march.Add(time.Duration(i) * 24 * time.Hour)
			if _, err := s.UpdateChargeGroup(ctx, fc.ProviderScope(w.Provider.ID), w.Group.ID, func(g *fc.ChargeGroup) error {
				g.Tariff = tc.tariff
				g.Tariff.ValidFrom = start // a session is priced by the version in effect at its start
				return nil
			}); err != nil {
				t.Fatalf("%s: set tariff: %v", tc.name, err)
			}
			x := mustStart(t, s, w.Station, 1, "Cost-TAG1", 100000, start)
			got, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: x.ID,
				MeterStop: 100000 + tc.energyWh, Timestamp: start.Add(tc.duration)})
			if err != nil {
				t.Fatalf("%s: stop: %v", tc.name, err)
			}
			if got.CostMinor != tc.want || got.Currency != tc.tariff.Currency || got.EnergyWh != tc.energyWh ||
				got.DurationSeconds != int64(tc.duration/time.Second) {
				t.Errorf("%s: cost %d %s for %d Wh in %d s, want %d %s", tc.name, got.CostMinor, got.Currency,
					got.EnergyWh, got.DurationSeconds, tc.want, tc.tariff.Currency)
			}
		}
	})
}

// TestStopTransactionConcurrent stops one session from many goroutines at
// once, each with another meter value: exactly one stop is stored, and every
// caller is answered with that one.
func TestStopTransactionConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s, "StopRace")
		x := mustStart(t, s, w.Station, 1, "StopRace-TAG1", 1000, march)
		const n = 8
		got := make([]*fc.Session, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				got[i], errs[i] = s.StopTransaction(context.Background(), fc.StopTransaction{StationID: w.Station.ID, TransactionID: x.ID,
					MeterStop: 2000 + int64(i)*100, Timestamp: march.Add(time.Duration(i+1) * time.Minute)})
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("stop %d: %v", i, errs[i])
			}
			if got[i].StoppedAt == nil || !got[i].StoppedAt.Equal(*got[0].StoppedAt) || got[i].EnergyWh != got[0].EnergyWh {
				t.Errorf("stop %d answered %v / %d Wh, stop 0 answered %v / %d Wh: not the one stored stop", i, got[i].StoppedAt, got[i].EnergyWh, got[0].StoppedAt, got[0].EnergyWh)
			}
		}
		stored, err := s.Session(context.Background(), fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything}, x.ID)
		if err != nil || stored.EnergyWh != got[0].EnergyWh {
			t.Errorf("stored %+v, err %v; answered %d Wh", stored, err, got[0].EnergyWh)
		}
	})
}

// TestStartSupersedes checks the rule for stale sessions: a start on a
// connector closes the sessions still open there that started no later,
// in the same transaction, as superseded at the new start, with the energy
// of their last meter reading; other connectors and later sessions are
// left alone.
func TestStartSupersedes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Sup")
		sc := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
		read := func(id fc.ID) *fc.Session {
			t.Helper()
			x, err := s.Session(ctx, sc, id)
			if err != nil {
				t.Fatalf("session %s: %v", id, err)
			}
			return x
		}
		stale := mustStart(t, s, w.Station, 1, "Sup-TAG1", 100, march)
		if err := s.RecordMeter(ctx, w.Station.ID, stale.ID, 700, march.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		noMeter := mustStart(t, s, w.Station, 2, "STRANGER", 50, march)
		next := march.Add(time.Hour)
		fresh := mustStart(t, s, w.Station, 1, "Sup-TAG1", 800, next)

		got := read(stale.ID)
		wantCost := w.Group.Tariff.Cost(600, 3600)
		if got.Active() || !got.StoppedAt.Equal(next) || got.StopReason != store.StopSuperseded || got.MeterStopWh == nil ||
			*got.MeterStopWh != 700 || got.EnergyWh != 600 || got.DurationSeconds != 3600 || got.CostMinor != wantCost {
			t.Errorf("superseded = stopped %v reason %q meter %v energy %d duration %d cost %d; want %v %q 700 600 3600 %d",
				got.StoppedAt, got.StopReason, got.MeterStopWh, got.EnergyWh, got.DurationSeconds, got.CostMinor, next, store.StopSuperseded, wantCost)
		}
		if !read(noMeter.ID).Active() || !read(fresh.ID).Active() {
			t.Error("another connector's session or the new one stopped")
		}
		auth, err := s.CardAuth(ctx, w.Station.ID, "Sup-TAG1")
		if err != nil || auth.ActiveTxID != fresh.ID {
			t.Errorf("card's running session %s (err %v), want the new one %s", auth.ActiveTxID, err, fresh.ID)
		}

		// Without a meter reading, the session stops with no energy.
		mustStart(t, s, w.Station, 2, "STRANGER", 90, next)
		if got := read(noMeter.ID); got.StopReason != store.StopSuperseded || *got.MeterStopWh != 50 || got.EnergyWh != 0 {
			t.Errorf("superseded without a reading: reason %q meter %d energy %d", got.StopReason, *got.MeterStopWh, got.EnergyWh)
		}
		// A start older than the running session (delivered late) does not
		// close the newer one.
		late := mustStart(t, s, w.Station, 1, "STRANGER", 10, march.Add(30*time.Minute))
		if !read(fresh.ID).Active() || !read(late.ID).Active() {
			t.Error("a late, older start closed a newer session, or was closed")
		}
		// The first stored of a card's running sessions is the one CardAuth names.
		elsewhere := mustStart(t, s, w.Station, 3, "Sup-TAG1", 0, next.Add(time.Minute))
		if auth, _ := s.CardAuth(ctx, w.Station.ID, "Sup-TAG1"); auth.ActiveTxID != fresh.ID || elsewhere.ID == fresh.ID {
			t.Errorf("running session %s, want the first stored %s", auth.ActiveTxID, fresh.ID)
		}

		// The charge session report shows why each session stopped.
		reasons := map[fc.ID]string{}
		err = s.Report(ctx, fc.ReportQuery{Report: fc.ReportChargeSessions, Scope: sc, From: march.Add(-time.Hour), To: next.Add(time.Hour)},
			func(r *fc.ReportRow) error { reasons[r.SessionID] = r.StopReason; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := reasons[fresh.ID]; reasons[stale.ID] != store.StopSuperseded || !ok || got != "" {
			t.Errorf("report stop reasons %v, want %q for session %s and none for %s", reasons, store.StopSuperseded, stale.ID, fresh.ID)
		}
	})
}

// TestChargingNUL checks that an idTag holding U+0000, which PostgreSQL
// text cannot hold, is refused as invalid or unknown, never an internal
// error, and that boot texts lose it.
func TestChargingNUL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Nul")
		_, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: w.Station.ID, ConnectorID: 1, IDTag: "Nul-TAG1\x00", Timestamp: march})
		wantField(t, "NUL idTag", err, "id_tag")
		if auth, err := s.CardAuth(ctx, w.Station.ID, "Nul-TAG1\x00"); err != nil || auth.Card != nil || auth.Group == nil {
			t.Errorf("NUL idTag: %+v, err %v; want unknown", auth, err)
		}
		if err := s.RecordBoot(ctx, w.Station.ID, fc.BootInfo{Vendor: "Al\x00fen", Model: "\x00"}, march); err != nil {
			t.Fatalf("boot with NUL: %v", err)
		}
		if got, _ := s.StationByIdentity(ctx, w.Station.Identity); got.Vendor != "Alfen" || got.Model != "" {
			t.Errorf("vendor %q model %q, want Alfen and empty", got.Vendor, got.Model)
		}
		for _, identity := range []string{w.Station.Identity + "\x00", "\xff" + w.Station.Identity} {
			if _, err := s.StationByIdentity(ctx, identity); !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("identity %q: %v, want not found", identity, err)
			}
		}
	})
}
