package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestOCPISessionPushes: a session charged with a partner's token at a
// roaming station queues its push (built when sent) to that partner alone
// as it starts, as its meter is read and as it stops, over OCPP 1.6 and
// 2.0.1, at most twice waiting; a session of our own card, one at a
// station that does not roam, and a partner without a sessions receiver
// get nothing. The partner's sessions are read and listed with their
// token, latest reading and tariff, by their last change.
func TestOCPISessionPushes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		w := mustWorld(t, s, "SESS")
		sc := fc.Scope{ProviderID: w.Provider.ID, Reach: fc.Reach{All: true}}
		if _, err := s.UpdateChargeGroup(ctx, sc, w.Group.ID, func(g *fc.ChargeGroup) error {
			g.Roaming = true
			g.Tariff = fc.Tariff{Currency: "EUR", PerKWhMicros: 400000}
			g.Tariff.ValidFrom = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) // in effect at the session's start
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		registered := func(name string, endpoints []fc.OCPIEndpoint) *fc.OCPIPartner {
			t.Helper()
			p := mustPartner(t, s, w.Provider.ID, name, fc.PartnerPending, "hash-"+name)
			p, err := s.UpdateOCPIPartner(ctx, w.Provider.ID, p.ID, "", "", func(p *fc.OCPIPartner) error {
				p.Status, p.Endpoints = fc.PartnerConnected, endpoints
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		msp := registered("msp", []fc.OCPIEndpoint{{Identifier: "sessions", Role: "RECEIVER", URL: "https://msp.example/sessions"},
			{Identifier: "cdrs", Role: "RECEIVER", URL: "https://msp.example/cdrs"}})
		quiet := registered("quiet", []fc.OCPIEndpoint{{Identifier: "cdrs", Role: "RECEIVER", URL: "https://quiet.example/cdrs"}})
		at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		token := func(p *fc.OCPIPartner, uid string) {
			t.Helper()
			if err := s.PutOCPIToken(ctx, fc.OCPIToken{PartnerID: p.ID, CountryCode: "DE", PartyID: "MSP", UID: uid, Type: "RFID",
				ContractID: "DE-MSP-C" + uid, Issuer: "Beta", Valid: true, Whitelist: "ALLOWED", LastUpdated: at}); err != nil {
				t.Fatal(err)
			}
		}
		token(msp, "ROAM1")
		token(quiet, "QUIET1")

		sessionMsgs := func(p *fc.OCPIPartner) []fc.OCPIMessage {
			t.Helper()
			all, err := s.OCPIOutbox(ctx, w.Provider.ID, p.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			var out []fc.OCPIMessage
			for _, m := range all {
				if m.Module == "sessions" {
					if len(m.Body) != 0 || m.Method != "PUT" {
						t.Errorf("session push with a body or not a PUT: %+v", m)
					}
					out = append(out, m)
				}
			}
			return out
		}
		deliverAll := func(p *fc.OCPIPartner) {
			t.Helper()
			all, err := s.OCPIOutbox(ctx, w.Provider.ID, p.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range all {
				if err := s.OCPIDelivered(ctx, m.ID); err != nil {
					t.Fatal(err)
				}
			}
		}

		sess, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: w.Station.ID, ConnectorID: 1, IDTag: "ROAM1",
			MeterStart: 1000, Timestamp: at})
		if err != nil {
			t.Fatal(err)
		}
		key := "session:" + sess.ID.String()
		if ms := sessionMsgs(msp); len(ms) != 1 || ms[0].Key != key {
			t.Fatalf("pushes after the start: %+v", ms)
		}
		for i := range 4 {
			if err := s.RecordMeter(ctx, w.Station.ID, sess.ID, 1000+int64(i+1)*500, at.Add(time.Duration(i+1)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if ms := sessionMsgs(msp); len(ms) != 2 || ms[1].Key != key {
			t.Errorf("pushes after four readings: %+v", ms)
		}

		rs, err := s.RoamingSession(ctx, msp.ID, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rs.Token.UID != "ROAM1" || rs.Token.PartnerID != msp.ID || rs.LastMeterWh == nil || *rs.LastMeterWh != 3000 ||
			!rs.LastMeterAt.Equal(at.Add(4*time.Minute)) || rs.Tariff.PerKWhMicros != 400000 || rs.Session.StoppedAt != nil ||
			rs.LastUpdated.Before(at.Add(4*time.Minute)) {
			t.Errorf("the roaming session: %+v", rs)
		}
		if _, err := s.RoamingSession(ctx, quiet.ID, sess.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another partner's session: %v", err)
		}

		deliverAll(msp)
		reading := int64(3200)
		if err := s.RecordMeterValues(ctx, w.Station.ID, sess.ID, &reading, at.Add(5*time.Minute), nil); err != nil {
			t.Fatal(err)
		}
		if ms := sessionMsgs(msp); len(ms) != 1 || ms[0].Key != key {
			t.Errorf("pushes after MeterValues: %+v", ms)
		}
		deliverAll(msp)
		if _, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: sess.ID, MeterStop: 4500,
			Timestamp: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if ms := sessionMsgs(msp); len(ms) != 1 || ms[0].Key != key {
			t.Errorf("pushes after the stop: %+v", ms)
		}
		rs, err = s.RoamingSession(ctx, msp.ID, sess.ID)
		if err != nil || rs.Session.StoppedAt == nil || rs.Session.EnergyWh != 3500 || rs.Session.CostMinor != 140 {
			t.Errorf("the stopped roaming session: %+v %v", rs, err)
		}
		deliverAll(msp)

		// A partner without a sessions receiver, and our own card.
		other, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: w.Station.ID, ConnectorID: 2, IDTag: "QUIET1", Timestamp: at.Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		own, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: w.Station.ID, ConnectorID: 1, IDTag: w.Card.InternalID, Timestamp: at.Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RecordMeter(ctx, w.Station.ID, own.ID, 100, at.Add(2*time.Hour+time.Minute)); err != nil {
			t.Fatal(err)
		}
		if ms := sessionMsgs(quiet); len(ms) != 0 {
			t.Errorf("a partner without a sessions receiver: %+v", ms)
		}
		if ms := sessionMsgs(msp); len(ms) != 0 {
			t.Errorf("pushes of other sessions: %+v", ms)
		}
		if _, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.Station.ID, TransactionID: other.ID, Timestamp: at.Add(3 * time.Hour)}); err != nil {
			t.Fatal(err)
		}

		// OCPP 2.0.1: started, updated, ended.
		wh := func(v int64) *int64 { return &v }
		for i, e := range []fc.TransactionEvent{
			{EventType: fc.TxStarted, ConnectorID: 2, IDTag: "ROAM1", MeterWh: wh(0)},
			{EventType: fc.TxUpdated, MeterWh: wh(2000)},
			{EventType: fc.TxEnded, MeterWh: wh(5000), StoppedReason: "EVDisconnected"},
		} {
			e.StationID, e.TransactionID, e.SeqNo, e.Timestamp = w.Station.ID, "TX-201", int64(i), at.Add(4*time.Hour+time.Duration(i)*time.Minute)
			res, err := s.TransactionEvent(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			ms := sessionMsgs(msp)
			if len(ms) != 1 || ms[0].Key != "session:"+res.Session.ID.String() {
				t.Errorf("pushes after the 2.0.1 event %s: %+v", e.EventType, ms)
			}
			deliverAll(msp)
		}

		// The partner's sessions, by their last change.
		list, total, err := s.RoamingSessions(ctx, w.Provider.ID, msp.ID, time.Time{}, time.Time{}, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(list) != 2 || list[0].Session.ID != sess.ID || list[1].Session.StationTxID != "TX-201" ||
			list[1].Session.EnergyWh != 5000 || list[1].Token.UID != "ROAM1" {
			t.Errorf("the partner's sessions: %d %+v", total, list)
		}
		list, total, err = s.RoamingSessions(ctx, w.Provider.ID, msp.ID, list[0].LastUpdated.Add(time.Millisecond), time.Time{}, 0, 10)
		if err != nil || total != 1 || len(list) != 1 || list[0].Session.StationTxID != "TX-201" {
			t.Errorf("sessions changed since the first: %d %+v %v", total, list, err)
		}
		if list, total, err := s.RoamingSessions(ctx, w.Provider.ID, msp.ID, time.Time{}, time.Time{}, 1, 10); err != nil || total != 2 || len(list) != 1 {
			t.Errorf("the second page: %d %+v %v", total, list, err)
		}
		if list, total, err := s.RoamingSessions(ctx, w.Provider.ID, quiet.ID, time.Time{}, time.Time{}, 0, 10); err != nil || total != 1 || list[0].Session.ID != other.ID {
			t.Errorf("the other partner's sessions: %d %+v %v", total, list, err)
		}

		// A station whose group no longer roams pushes nothing.
		if _, err := s.UpdateChargeGroup(ctx, sc, w.Group.ID, func(g *fc.ChargeGroup) error {
			g.Roaming = false
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: w.Station.ID, ConnectorID: 1, IDTag: "ROAM1", Timestamp: at.Add(5 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if ms := sessionMsgs(msp); len(ms) != 0 {
			t.Errorf("a session at a station that does not roam: %+v", ms)
		}
	})
}

// TestOCPIPartnerSessions: the sessions partners pushed of the provider's
// cards are listed latest change first, the running ones alone when
// asked, never another provider's, and read as PartnerSessions.
func TestOCPIPartnerSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		prov := mustProvider(t, s, "MSP")
		other := mustProvider(t, s, "Other MSP")
		p := mustPartner(t, s, prov.ID, "CPO", fc.PartnerPending, "hash-cpo")
		foreign := mustPartner(t, s, other.ID, "Foreign CPO", fc.PartnerPending, "hash-foreign")
		at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		put := func(partner fc.ID, id, status string, i int) {
			t.Helper()
			obj := `{"country_code":"NL","party_id":"CPO","id":"` + id + `","start_date_time":"2026-12-01T09:00:00Z","kwh":2.5,` +
				`"cdr_token":{"country_code":"DE","party_id":"MSP","uid":"CARD-` + id + `","type":"RFID","contract_id":"DE-MSP-C1"},` +
				`"auth_method":"WHITELIST","location_id":"LOC1","evse_uid":"E1","connector_id":"1","currency":"EUR",` +
				`"total_cost":{"excl_vat":0.9},"status":"` + status + `","last_updated":"2026-12-01T09:30:00Z"}`
			if err := s.PutOCPIObject(ctx, fc.OCPIObject{PartnerID: partner, Module: fc.OCPIModuleSessions, CountryCode: "NL", PartyID: "CPO",
				ObjectID: id, LastUpdated: at.Add(time.Duration(i) * time.Minute), Object: json.RawMessage(obj)}); err != nil {
				t.Fatal(err)
			}
		}
		put(p.ID, "S1", "ACTIVE", 1)
		put(p.ID, "S2", "COMPLETED", 2)
		put(p.ID, "S3", "PENDING", 3)
		put(p.ID, "S4", "INVALID", 4)
		put(foreign.ID, "S5", "ACTIVE", 5)

		running, total, err := s.PartnerSessions(ctx, prov.ID, true, 0, 10)
		if err != nil || total != 2 || len(running) != 2 || running[0].ObjectID != "S3" || running[1].ObjectID != "S1" {
			t.Errorf("running sessions: %d %+v %v", total, running, err)
		}
		all, total, err := s.PartnerSessions(ctx, prov.ID, false, 1, 2)
		if err != nil || total != 4 || len(all) != 2 || all[0].ObjectID != "S3" {
			t.Errorf("a page of all sessions: %d %+v %v", total, all, err)
		}
		ps, err := fc.PartnerSessionOf(running[1])
		if err != nil || ps.CardUID != "CARD-S1" || ps.Kwh != 2.5 || !ps.Running() || ps.CostExclVAT == nil || *ps.CostExclVAT != 0.9 ||
			!ps.StartedAt.Equal(at) || ps.EndedAt != nil || ps.EVSEUID != "E1" || ps.PartnerID != p.ID {
			t.Errorf("the running session read: %+v %v", ps, err)
		}
		if _, err := fc.PartnerSessionOf(fc.OCPIObject{Module: fc.OCPIModuleLocations, Object: json.RawMessage(`{}`)}); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("a location read as a session: %v", err)
		}
	})
}
