package store_test

import (
	"context"
	"encoding/json"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestOCPICommands: commands are stored with their card or station, read
// within their provider only, changed only through their own partner (the
// result and its push to the partner in one write), and refused with field
// errors when invalid.
func TestOCPICommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		w := mustWorld(t, s, "Cmd")
		other := mustProvider(t, s, "Other")
		p := mustPartner(t, s, w.Provider.ID, "eMSP", fc.PartnerConnected, "hash-one")
		q := mustPartner(t, s, w.Provider.ID, "Another eMSP", fc.PartnerConnected, "hash-two")
		foreign := mustPartner(t, s, other.ID, "Foreign", fc.PartnerConnected, "hash-three")

		in := &fc.OCPICommand{PartnerID: p.ID, Direction: fc.OCPICommandIn, Command: fc.OCPIStartSession,
			ResponseURL: "https://emsp.example.com/commands/START_SESSION/1", StationID: w.Station.ID, ConnectorID: 2,
			Request: json.RawMessage(`{"location_id":"1"}`)}
		if err := s.CreateOCPICommand(ctx, in); err != nil {
			t.Fatal(err)
		}
		out := &fc.OCPICommand{PartnerID: p.ID, Direction: fc.OCPICommandOut, Command: fc.OCPIStopSession, CardID: w.Card.ID,
			Request: json.RawMessage(`{"session_id":"S1"}`)}
		if err := s.CreateOCPICommand(ctx, out); err != nil {
			t.Fatal(err)
		}
		if in.ID == 0 || out.ID == 0 || in.ID == out.ID || in.CreatedAt.IsZero() {
			t.Fatalf("created: %+v %+v", in, out)
		}

		got, err := s.OCPICommand(ctx, w.Provider.ID, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PartnerID != p.ID || got.Direction != fc.OCPICommandIn || got.Command != fc.OCPIStartSession || got.StationID != w.Station.ID ||
			got.ConnectorID != 2 || got.CardID != 0 || got.ResponseURL != in.ResponseURL || string(got.Request) != `{"location_id":"1"}` || got.Result != "" {
			t.Errorf("read back: %+v", got)
		}
		if got, err := s.OCPICommand(ctx, w.Provider.ID, out.ID); err != nil || got.CardID != w.Card.ID || got.StationID != 0 {
			t.Errorf("the command out: %+v %v", got, err)
		}
		second := &fc.OCPICommand{PartnerID: p.ID, Direction: fc.OCPICommandIn, Command: fc.OCPIStartSession, Request: json.RawMessage(`{}`)}
		if err := s.CreateOCPICommand(ctx, second); err != nil {
			t.Fatal(err)
		}
		list, err := s.OCPICommands(ctx, p.ID, fc.OCPICommandIn, fc.OCPIStartSession, 10)
		if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != in.ID {
			t.Errorf("the partner's START_SESSION commands in: %+v %v", list, err)
		}
		if list, err := s.OCPICommands(ctx, q.ID, fc.OCPICommandIn, fc.OCPIStartSession, 10); err != nil || len(list) != 0 {
			t.Errorf("another partner's list: %+v %v", list, err)
		}
		if _, err := s.OCPICommand(ctx, other.ID, in.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another provider's read: %v", err)
		}

		result := func(r string) func(*fc.OCPICommand) error {
			return func(c *fc.OCPICommand) error {
				c.Result, c.Message = r, "station says "+r
				c.Direction, c.PartnerID = fc.OCPICommandOut, q.ID // kept as they were
				return nil
			}
		}
		for _, partner := range []fc.ID{q.ID, foreign.ID} {
			if _, err := s.UpdateOCPICommand(ctx, partner, in.ID, result("REJECTED")); !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("another partner's update: %v", err)
			}
		}
		msg := fc.OCPIMessage{PartnerID: p.ID, Module: "commands", Key: "command:1", Method: "POST", Path: in.ResponseURL,
			Body: json.RawMessage(`{"result":"ACCEPTED"}`)}
		got, err = s.UpdateOCPICommand(ctx, p.ID, in.ID, result("ACCEPTED"), msg)
		if err != nil {
			t.Fatal(err)
		}
		if got.Result != "ACCEPTED" || got.Message != "station says ACCEPTED" || got.Direction != fc.OCPICommandIn || got.PartnerID != p.ID {
			t.Errorf("updated: %+v", got)
		}
		if got, _ := s.OCPICommand(ctx, w.Provider.ID, in.ID); got.Result != "ACCEPTED" || got.PartnerID != p.ID {
			t.Errorf("read after update: %+v", got)
		}
		waiting, err := s.OCPIOutbox(ctx, w.Provider.ID, p.ID, 10)
		if err != nil || len(waiting) != 1 || waiting[0].Path != in.ResponseURL || string(waiting[0].Body) != `{"result":"ACCEPTED"}` {
			t.Errorf("the result queued: %+v %v", waiting, err)
		}

		// A failing fn or an invalid message changes nothing.
		bad := msg
		bad.Method = "GET"
		if _, err := s.UpdateOCPICommand(ctx, p.ID, in.ID, result("FAILED"), bad); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("an invalid message: %v", err)
		}
		if got, _ := s.OCPICommand(ctx, w.Provider.ID, in.ID); got.Result != "ACCEPTED" {
			t.Errorf("after a refused update: %+v", got)
		}

		for name, c := range map[string]*fc.OCPICommand{
			"direction": {PartnerID: p.ID, Direction: "sideways", Command: fc.OCPIStartSession, Request: json.RawMessage(`{}`)},
			"command":   {PartnerID: p.ID, Direction: fc.OCPICommandIn, Command: "SELF_DESTRUCT", Request: json.RawMessage(`{}`)},
			"request":   {PartnerID: p.ID, Direction: fc.OCPICommandIn, Command: fc.OCPIStartSession, Request: json.RawMessage(`{`)},
		} {
			if err := s.CreateOCPICommand(ctx, c); fc.ErrorFields(err)[name] == "" {
				t.Errorf("invalid %s: %v", name, err)
			}
		}
	})
}
