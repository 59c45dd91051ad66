package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/auth"
)

// The OCPI command routes join the leak walk as plain requests (the walk's
// server has no OCPI edge); TestOCPICommandsAPI checks who may send and
// read commands.
func init() {
	for _, k := range []string{
		"POST /api/v1/ocpi-partners/{id}/commands/start-session", "POST /api/v1/ocpi-partners/{id}/commands/stop-session",
		"GET /api/v1/ocpi-commands/{id}",
	} {
		coverage[k] = exPlain
	}
}

// ocpiCommand stores a command sent for North's card to a pending partner
// and returns its ID.
func (w *world) ocpiCommand(t *testing.T) fc.ID {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	p := &fc.OCPIPartner{ProviderID: w.provider, Name: "Commanded partner", Status: fc.PartnerPending}
	check(t, w.st.CreateOCPIPartner(ctx, p, "hash-of-a-commanded-partner", fc.OCPITokenA))
	c := &fc.OCPICommand{PartnerID: p.ID, Direction: fc.OCPICommandOut, Command: fc.OCPIStartSession, CardID: w.north1.card,
		Request: json.RawMessage(`{"location_id":"LOC1"}`)}
	check(t, w.st.CreateOCPICommand(ctx, c))
	return c.ID
}

// fresh zeroes *v and returns v, to decode an answer into.
func fresh[T any](v *T) *T {
	var zero T
	*v = zero
	return v
}

// fakeCommands is an OCPI edge that takes commands without a network: it
// stores each as sent, waiting for its result.
type fakeCommands struct {
	*fakeRoaming
	sent []string
}

func (f *fakeCommands) store(ctx context.Context, p *fc.OCPIPartner, command string, cardID fc.ID, request any) (*fc.OCPICommand, error) {
	b, err := json.Marshal(request)
	if err != nil {
		return nil, err
	}
	c := &fc.OCPICommand{PartnerID: p.ID, Direction: fc.OCPICommandOut, Command: command, CardID: cardID, Request: b}
	if err := f.st.CreateOCPICommand(ctx, c); err != nil {
		return nil, err
	}
	f.sent = append(f.sent, command)
	return c, nil
}

func (f *fakeCommands) StartSession(ctx context.Context, p *fc.OCPIPartner, card *fc.Card, locationID, evseUID, connectorID string) (*fc.OCPICommand, error) {
	return f.store(ctx, p, fc.OCPIStartSession, card.ID, map[string]string{"token_uid": card.InternalID, "location_id": locationID, "evse_uid": evseUID})
}

func (f *fakeCommands) StopSession(ctx context.Context, p *fc.OCPIPartner, cardID fc.ID, sessionID string) (*fc.OCPICommand, error) {
	return f.store(ctx, p, fc.OCPIStopSession, cardID, map[string]string{"session_id": sessionID})
}

// withCommands gives the world's API an OCPI edge that takes commands.
func (w *world) withCommands(t *testing.T) *fakeCommands {
	t.Helper()
	f := &fakeCommands{fakeRoaming: &fakeRoaming{st: w.st}}
	logger := slog.New(slog.DiscardHandler)
	ops := app.NewOperations(w.st, logger, nil)
	ops.SetRoaming(f)
	authSvc := auth.New(w.st, auth.Config{})
	authSvc.Logger = logger
	w.srv = api.New(api.Config{Store: w.st, Auth: authSvc, Commander: w.cmd, Logger: logger, Operations: ops})
	return f
}

// TestOCPICommandsAPI: who manages a card starts a session for it on a
// connected partner's EVSE and reads the command and its result; others
// of the provider get 404 for a card they do not read, another provider
// 404 for the partner; a bad body is refused by field, a partner that is
// not connected 409, a server without the edge 503. A session the partner
// never sent us is stopped only by who manages every card.
func TestOCPICommandsAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		start := func(card fc.ID) map[string]any {
			return map[string]any{"card_id": card.String(), "location_id": "LOC1", "evse_uid": "EVSE-1"}
		}
		partner, err := (&fakeRoaming{st: w.st}).Register(ctx, w.provider, "Europa Charge", fakeVersionsURL, "token-a")
		check(t, err)
		path := "/api/v1/ocpi-partners/" + partner.ID.String() + "/commands/"
		if r := w.do(northFleet, "POST", path+"start-session", start(w.north1.card)); r.status != http.StatusServiceUnavailable {
			t.Fatalf("without an edge: %d %s", r.status, r.body)
		}
		f := w.withCommands(t)

		type commandJSON struct {
			ID        string          `json:"id"`
			PartnerID string          `json:"partner_id"`
			Direction string          `json:"direction"`
			Command   string          `json:"command"`
			CardID    string          `json:"card_id"`
			Request   json.RawMessage `json:"request"`
			Result    string          `json:"result"`
			Message   string          `json:"message"`
		}
		var cmd commandJSON
		w.do(northFleet, "POST", path+"start-session", start(w.north1.card)).want(t, http.StatusAccepted).json(t, fresh(&cmd))
		if cmd.Direction != "out" || cmd.Command != "START_SESSION" || cmd.CardID != w.north1.card.String() || cmd.PartnerID != partner.ID.String() ||
			cmd.Result != "" || len(f.sent) != 1 {
			t.Errorf("the command: %+v, sent %v", cmd, f.sent)
		}
		id := cmd.ID

		for _, who := range []string{southFleet, northFacility, nobody} {
			w.do(who, "POST", path+"start-session", start(w.north1.card)).want(t, http.StatusNotFound)
		}
		w.do(otherAdmin, "POST", path+"start-session", start(w.north1.card)).want(t, http.StatusNotFound)
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"card_id": w.north1.card.String(), "location_id": "LOC1"}, "evse_uid"},
			{map[string]any{"card_id": w.north1.card.String(), "evse_uid": "EVSE-1"}, "location_id"},
			{map[string]any{"card_id": w.north1.card.String(), "location_id": "LOC 1", "evse_uid": "EVSE-1"}, "location_id"},
			{map[string]any{"card_id": w.north1.card.String(), "location_id": "LOC1", "evse_uid": "EVSE-1", "connector_id": "0123456789012345678901234567890123456"}, "connector_id"},
		} {
			r := w.do(northFleet, "POST", path+"start-session", c.body).want(t, http.StatusBadRequest)
			if _, ok := r.fields()[c.field]; !ok {
				t.Errorf("start %v: fields %v, want %s", c.body, r.fields(), c.field)
			}
		}
		if len(f.sent) != 1 {
			t.Errorf("refused starts reached the edge: %v", f.sent)
		}

		// Reading the command and, once the partner answered, its result.
		for _, who := range []string{northFleet, holdingMgr, admin} {
			w.do(who, "GET", "/api/v1/ocpi-commands/"+id, nil).want(t, http.StatusOK)
		}
		for _, who := range []string{southFleet, northFacility, nobody, otherAdmin} {
			w.do(who, "GET", "/api/v1/ocpi-commands/"+id, nil).want(t, http.StatusNotFound)
		}
		cid, err := fc.ParseID(id)
		check(t, err)
		_, err = w.st.UpdateOCPICommand(ctx, partner.ID, cid, func(c *fc.OCPICommand) error {
			c.Result, c.Message = "ACCEPTED", "charging"
			return nil
		})
		check(t, err)
		w.do(northFleet, "GET", "/api/v1/ocpi-commands/"+id, nil).want(t, http.StatusOK).json(t, fresh(&cmd))
		if cmd.Result != "ACCEPTED" || cmd.Message != "charging" {
			t.Errorf("the command with its result: %+v", cmd)
		}

		// A session the partner never sent: only who manages every card.
		w.do(northFleet, "POST", path+"stop-session", map[string]any{"session_id": "S-1"}).want(t, http.StatusForbidden)
		w.do(admin, "POST", path+"stop-session", map[string]any{"session_id": "S-1"}).want(t, http.StatusAccepted).json(t, fresh(&cmd))
		if cmd.Command != "STOP_SESSION" || cmd.CardID != "" {
			t.Errorf("the stop: %+v", cmd)
		}
		w.do(admin, "POST", path+"stop-session", map[string]any{}).want(t, http.StatusBadRequest)

		// A session the partner sent us, of North's card: its manager stops it.
		check(t, w.st.PutOCPIObject(ctx, fc.OCPIObject{PartnerID: partner.ID, Module: fc.OCPIModuleSessions, CountryCode: "DE", PartyID: "ABC",
			ObjectID: "S-2", Object: json.RawMessage(`{"id":"S-2","cdr_token":{"uid":"N04A1B2C3"}}`)}))
		w.do(southFleet, "POST", path+"stop-session", map[string]any{"session_id": "S-2"}).want(t, http.StatusNotFound)
		w.do(northFleet, "POST", path+"stop-session", map[string]any{"session_id": "S-2"}).want(t, http.StatusAccepted).json(t, fresh(&cmd))
		if cmd.CardID != w.north1.card.String() {
			t.Errorf("the stop of North's session: %+v", cmd)
		}

		_, err = w.st.UpdateOCPIPartner(ctx, w.provider, partner.ID, "", "", func(p *fc.OCPIPartner) error {
			p.Status = fc.PartnerSuspended
			return nil
		})
		check(t, err)
		w.do(northFleet, "POST", path+"start-session", start(w.north1.card)).want(t, http.StatusConflict)
	})
}
