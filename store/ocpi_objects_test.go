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

// TestOCPIObjects: objects a partner pushes are stored, replaced by party
// and ID, changed in one write, listed newest first within the provider
// (one partner's or all), refused when invalid, and gone with the partner.
func TestOCPIObjects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		prov := mustProvider(t, s, "MSP")
		other := mustProvider(t, s, "Other MSP")
		p := mustPartner(t, s, prov.ID, "CPO one", fc.PartnerPending, "hash-one")
		q := mustPartner(t, s, prov.ID, "CPO two", fc.PartnerPending, "hash-two")
		foreign := mustPartner(t, s, other.ID, "Foreign CPO", fc.PartnerPending, "hash-foreign")
		at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		put := func(partner fc.ID, id string, updated time.Time, name string) {
			t.Helper()
			o := fc.OCPIObject{PartnerID: partner, Module: fc.OCPIModuleLocations, CountryCode: "NL", PartyID: "CPO", ObjectID: id,
				LastUpdated: updated, Object: json.RawMessage(`{"id":"` + id + `","name":"` + name + `"}`)}
			if err := s.PutOCPIObject(ctx, o); err != nil {
				t.Fatalf("put %s: %v", id, err)
			}
		}
		put(p.ID, "LOC1", at, "Station square")
		put(p.ID, "LOC2", at.Add(time.Hour), "Harbour")
		put(q.ID, "LOC1", at.Add(2*time.Hour), "Other network's LOC1")
		put(foreign.ID, "LOC9", at.Add(3*time.Hour), "Foreign")
		put(p.ID, "LOC1", at.Add(4*time.Hour), "Station square, renamed")

		got, err := s.OCPIObject(ctx, p.ID, fc.OCPIModuleLocations, "NL", "CPO", "LOC1")
		if err != nil {
			t.Fatal(err)
		}
		if !got.LastUpdated.Equal(at.Add(4*time.Hour)) || string(got.Object) != `{"id":"LOC1","name":"Station square, renamed"}` {
			t.Errorf("the replaced object: %+v %s", got, got.Object)
		}
		if _, err := s.OCPIObject(ctx, p.ID, fc.OCPIModuleTariffs, "NL", "CPO", "LOC1"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another module's object: %v", err)
		}

		list, total, err := s.OCPIObjects(ctx, prov.ID, 0, fc.OCPIModuleLocations, 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(list) != 2 || list[0].ObjectID != "LOC1" || list[0].PartnerID != p.ID || list[1].PartnerID != q.ID {
			t.Errorf("the provider's first page: %d %+v", total, list)
		}
		list, total, err = s.OCPIObjects(ctx, prov.ID, p.ID, fc.OCPIModuleLocations, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(list) != 1 || list[0].ObjectID != "LOC2" {
			t.Errorf("one partner's second page: %d %+v", total, list)
		}
		if list, total, err := s.OCPIObjects(ctx, other.ID, p.ID, fc.OCPIModuleLocations, 0, 10); err != nil || total != 0 || len(list) != 0 {
			t.Errorf("a partner listed for another provider: %d %+v %v", total, list, err)
		}

		changed, err := s.UpdateOCPIObject(ctx, p.ID, fc.OCPIModuleLocations, "NL", "CPO", "LOC2", func(o *fc.OCPIObject) error {
			o.Object, o.LastUpdated = json.RawMessage(`{"id":"LOC2","name":"Harbour, patched"}`), at.Add(5*time.Hour)
			return nil
		})
		if err != nil || string(changed.Object) != `{"id":"LOC2","name":"Harbour, patched"}` {
			t.Errorf("update: %+v %v", changed, err)
		}
		if _, err := s.UpdateOCPIObject(ctx, p.ID, fc.OCPIModuleLocations, "NL", "CPO", "NOPE", func(*fc.OCPIObject) error { return nil }); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("update of a missing object: %v", err)
		}
		if _, err := s.UpdateOCPIObject(ctx, p.ID, fc.OCPIModuleLocations, "NL", "CPO", "LOC2", func(o *fc.OCPIObject) error {
			o.Object = json.RawMessage(`{not json`)
			return nil
		}); !hasField(err, "object") {
			t.Errorf("update to invalid JSON: %v", err)
		}

		for _, bad := range []struct {
			field string
			o     fc.OCPIObject
		}{
			{"module", fc.OCPIObject{PartnerID: p.ID, Module: "cdrs", CountryCode: "NL", PartyID: "CPO", ObjectID: "X", Object: json.RawMessage(`{}`)}},
			{"country_code", fc.OCPIObject{PartnerID: p.ID, Module: fc.OCPIModuleTariffs, CountryCode: "NLD", PartyID: "CPO", ObjectID: "X", Object: json.RawMessage(`{}`)}},
			{"party_id", fc.OCPIObject{PartnerID: p.ID, Module: fc.OCPIModuleTariffs, CountryCode: "NL", PartyID: "", ObjectID: "X", Object: json.RawMessage(`{}`)}},
			{"id", fc.OCPIObject{PartnerID: p.ID, Module: fc.OCPIModuleTariffs, CountryCode: "NL", PartyID: "CPO", ObjectID: string(make([]byte, 37)), Object: json.RawMessage(`{}`)}},
			{"object", fc.OCPIObject{PartnerID: p.ID, Module: fc.OCPIModuleTariffs, CountryCode: "NL", PartyID: "CPO", ObjectID: "X"}},
		} {
			if err := s.PutOCPIObject(ctx, bad.o); !hasField(err, bad.field) {
				t.Errorf("an object with a bad %s: %v", bad.field, err)
			}
		}

		if err := s.DeleteOCPIPartner(ctx, prov.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, total, err := s.OCPIObjects(ctx, prov.ID, 0, fc.OCPIModuleLocations, 0, 10); err != nil || total != 1 {
			t.Errorf("objects after the partner left: %d %v", total, err)
		}
	})
}

// TestOCPIRetryNow: a partner's messages in back-off are all due at once,
// counted; another provider's partner is not found and its messages keep
// their time.
func TestOCPIRetryNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		prov := mustProvider(t, s, "CPO")
		other := mustProvider(t, s, "Other CPO")
		p := mustPartner(t, s, prov.ID, "Hub", fc.PartnerPending, "hash-hub")
		foreign := mustPartner(t, s, other.ID, "Foreign", fc.PartnerPending, "hash-foreign")
		now := time.Now().UTC().Truncate(time.Millisecond)
		later := now.Add(10 * time.Minute)
		var msgs []fc.OCPIMessage
		for i, partner := range []fc.ID{p.ID, p.ID, foreign.ID} {
			msgs = append(msgs, fc.OCPIMessage{PartnerID: partner, Module: "tokens", Key: "token:" + string(rune('A'+i)), Method: "PUT",
				Body: json.RawMessage(`{}`), NextAt: later})
		}
		if err := s.EnqueueOCPI(ctx, msgs); err != nil {
			t.Fatal(err)
		}
		n, err := s.OCPIRetryNow(ctx, prov.ID, p.ID, now)
		if err != nil || n != 2 {
			t.Fatalf("retry now: %d, %v", n, err)
		}
		waiting, err := s.OCPIOutbox(ctx, prov.ID, p.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range waiting {
			if !m.NextAt.Equal(now) {
				t.Errorf("message %s due at %v, want %v", m.Key, m.NextAt, now)
			}
		}
		if _, err := s.OCPIRetryNow(ctx, prov.ID, foreign.ID, now); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another provider's partner: %v", err)
		}
		theirs, err := s.OCPIOutbox(ctx, other.ID, foreign.ID, 10)
		if err != nil || len(theirs) != 1 || !theirs[0].NextAt.Equal(later) {
			t.Errorf("the other provider's message: %+v %v", theirs, err)
		}
	})
}

// TestOCPIQueueBuilt: a push built when sent goes to every registered
// partner of the provider with a receiver of the module, suspended ones
// too, never a pending one, one without the receiver or another
// provider's; and an object never waits more than twice per partner, the
// second message carrying every later change.
func TestOCPIQueueBuilt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		prov := mustProvider(t, s, "CPO")
		other := mustProvider(t, s, "Other CPO")
		receiver := []fc.OCPIEndpoint{{Identifier: "locations", Role: "RECEIVER", URL: "https://emsp.example/locations"}}
		sender := []fc.OCPIEndpoint{{Identifier: "locations", Role: "SENDER", URL: "https://emsp.example/locations"}}
		registered := func(providerID fc.ID, name, status string, endpoints []fc.OCPIEndpoint) *fc.OCPIPartner {
			t.Helper()
			p := mustPartner(t, s, providerID, name, fc.PartnerPending, "hash-"+name)
			if status == fc.PartnerPending {
				return p
			}
			p, err := s.UpdateOCPIPartner(ctx, providerID, p.ID, "", "", func(p *fc.OCPIPartner) error {
				p.Status, p.Endpoints = status, endpoints
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		connected := registered(prov.ID, "connected", fc.PartnerConnected, receiver)
		suspended := registered(prov.ID, "suspended", fc.PartnerSuspended, receiver)
		registered(prov.ID, "pending", fc.PartnerPending, nil)
		senderOnly := registered(prov.ID, "sender", fc.PartnerConnected, sender)
		foreign := registered(other.ID, "foreign", fc.PartnerConnected, receiver)

		for range 5 {
			if err := s.QueueBuilt(ctx, prov.ID, "locations", "location:7"); err != nil {
				t.Fatal(err)
			}
		}
		count := func(providerID fc.ID, p *fc.OCPIPartner) int {
			t.Helper()
			msgs, err := s.OCPIOutbox(ctx, providerID, p.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if m.Module != "locations" || m.Key != "location:7" || len(m.Body) != 0 {
					t.Errorf("queued %+v", m)
				}
			}
			return len(msgs)
		}
		if n := count(prov.ID, connected); n != 2 {
			t.Errorf("the connected partner has %d messages of the object, want 2", n)
		}
		if n := count(prov.ID, suspended); n != 2 {
			t.Errorf("the suspended partner has %d messages of the object, want 2", n)
		}
		if n := count(prov.ID, senderOnly); n != 0 {
			t.Errorf("a partner without the receiver has %d messages", n)
		}
		if n := count(other.ID, foreign); n != 0 {
			t.Errorf("another provider's partner has %d messages", n)
		}
	})
}
