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

func TestTransactionEventStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "TxE")
		other := mustStation(t, s, w.Account, w.Office, w.Group, "TxE-other")
		t0 := time.Date(2025, 4, 1, 6, 0, 0, 0, time.UTC)
		wh := func(v int64) *int64 { return &v }

		// What an event must hold.
		for name, e := range map[string]fc.TransactionEvent{
			"no transaction": {StationID: w.Station.ID, EventType: fc.TxStarted},
			"too long":       {StationID: w.Station.ID, TransactionID: "0123456789012345678901234567890123456", EventType: fc.TxStarted},
			"NUL":            {StationID: w.Station.ID, TransactionID: "T\x00", EventType: fc.TxStarted},
			"event type":     {StationID: w.Station.ID, TransactionID: "T", EventType: "Paused"},
			"seqNo":          {StationID: w.Station.ID, TransactionID: "T", EventType: fc.TxStarted, SeqNo: -1},
			"connector":      {StationID: w.Station.ID, TransactionID: "T", EventType: fc.TxStarted, ConnectorID: 99},
			"meter":          {StationID: w.Station.ID, TransactionID: "T", EventType: fc.TxStarted, MeterWh: wh(-1)},
		} {
			if _, err := s.TransactionEvent(ctx, e); !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("%s: err = %v, want invalid", name, err)
			}
		}
		if _, err := s.TransactionEvent(ctx, fc.TransactionEvent{StationID: 999999, TransactionID: "T", EventType: fc.TxStarted}); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown station: err = %v, want not_found", err)
		}

		// A transaction whose Started lacks a reading starts at its first
		// reading; the same transaction ID at another station is another
		// session.
		res, err := s.TransactionEvent(ctx, fc.TransactionEvent{StationID: w.Station.ID, TransactionID: "T1", EventType: fc.TxStarted,
			TriggerReason: "CablePluggedIn", Timestamp: t0, ConnectorID: 1})
		if err != nil || !res.Created || res.Repeated || res.Session.StationTxID != "T1" || res.Session.CardID != 0 {
			t.Fatalf("started: %+v, %v", res, err)
		}
		elsewhere, err := s.TransactionEvent(ctx, fc.TransactionEvent{StationID: other.ID, TransactionID: "T1", EventType: fc.TxStarted, Timestamp: t0, ConnectorID: 1})
		if err != nil || !elsewhere.Created || elsewhere.Session.ID == res.Session.ID {
			t.Fatalf("the same ID at another station: %+v, %v", elsewhere, err)
		}
		upd, err := s.TransactionEvent(ctx, fc.TransactionEvent{StationID: w.Station.ID, TransactionID: "T1", EventType: fc.TxUpdated, SeqNo: 1,
			TriggerReason: "Authorized", Timestamp: t0.Add(time.Minute), IDTag: w.Card.InternalID, MeterWh: wh(50000)})
		if err != nil || upd.Created || upd.Session.CardID != w.Card.ID || upd.Session.MeterStartWh != 50000 {
			t.Fatalf("authorized later: %+v, %v", upd, err)
		}
		end, err := s.TransactionEvent(ctx, fc.TransactionEvent{StationID: w.Station.ID, TransactionID: "T1", EventType: fc.TxEnded, SeqNo: 3,
			Timestamp: t0.Add(time.Hour), MeterWh: wh(57000)})
		if err != nil || end.Session.Active() || end.Session.EnergyWh != 7000 || end.Session.StopReason != "Local" || end.Session.SeqGaps != 1 {
			t.Fatalf("ended: %+v, %v", end.Session, err)
		}
		gaps, err := s.SeqGapSessions(ctx, w.Station.ID, 0)
		if err != nil || len(gaps) != 1 || gaps[0].ID != end.Session.ID || gaps[0].StationTxID != "T1" || gaps[0].SeqGaps != 1 {
			t.Errorf("sessions with gaps: %+v, %v", gaps, err)
		}
		everything := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
		if read, err := s.Session(ctx, everything, end.Session.ID); err != nil || read.StationTxID != "T1" || read.SeqGaps != 1 {
			t.Errorf("session as read: %+v, %v; want station transaction T1 with 1 gap", read, err)
		}
		if got, err := s.StationTransactionID(ctx, w.Station.ID, end.Session.ID); err != nil || got != "T1" {
			t.Errorf("station transaction ID = %q, %v", got, err)
		}
		if _, err := s.StationTransactionID(ctx, other.ID, end.Session.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another station's session: err = %v, want not_found", err)
		}
		v16 := mustStart(t, s, w.Station, 2, w.Card.InternalID, 0, t0)
		if got, err := s.StationTransactionID(ctx, w.Station.ID, v16.ID); err != nil || got != "" {
			t.Errorf("a 1.6 session's station transaction ID = %q, %v; want empty", got, err)
		}
	})
}

// TestTransactionEventConcurrent: the same first event delivered twice at
// once (a station that retried while the first was being stored) opens
// one session.
func TestTransactionEventConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := mustWorld(t, s, "TxC")
		e := fc.TransactionEvent{StationID: w.Station.ID, TransactionID: "C1", EventType: fc.TxStarted, TriggerReason: "Authorized",
			Timestamp: time.Date(2025, 4, 1, 6, 0, 0, 0, time.UTC), ConnectorID: 1, IDTag: w.Card.InternalID}
		var wg sync.WaitGroup
		ids := make([]fc.ID, 8)
		for i := range ids {
			wg.Go(func() {
				res, err := s.TransactionEvent(context.Background(), e)
				if err != nil {
					t.Errorf("event %d: %v", i, err)
					return
				}
				ids[i] = res.Session.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("sessions %v, want one", ids)
			}
		}
	})
}

func TestDeviceModelAndSecurityEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Dm")
		at := time.Date(2025, 4, 1, 6, 0, 0, 0, time.UTC)
		v1, v2 := "a", "b\x00"
		vars := []fc.DeviceVariable{{Component: "C", Variable: "V", AttributeType: "Actual", Value: &v1}, {Component: "C", Variable: "V", AttributeType: "Target", Value: &v2}}
		if err := s.RecordDeviceModel(ctx, w.Station.ID, vars, at); err != nil {
			t.Fatal(err)
		}
		got, err := s.DeviceModel(ctx, w.Station.ID)
		if err != nil || len(got) != 2 || *got[1].Value != "b" {
			t.Fatalf("device model %+v, %v", got, err)
		}
		if err := s.RecordDeviceModel(ctx, 999999, vars, at); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown station: %v", err)
		}
		if err := s.RecordSecurityEvent(ctx, fc.SecurityEvent{StationID: w.Station.ID, Type: "X\x00", At: at}); err != nil {
			t.Fatal(err)
		}
		if ev, err := s.SecurityEvents(ctx, w.Station.ID, 0); err != nil || len(ev) != 1 || ev[0].Type != "X" {
			t.Errorf("security events %+v, %v", ev, err)
		}
		// A station that was never registered with any of it is deleted
		// with its device model and security events.
		if err := s.DeleteStation(ctx, fc.ProviderScope(w.Provider.ID), w.Station.ID); err != nil {
			t.Fatalf("delete: %v", err)
		}
	})
}
