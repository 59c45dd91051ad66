package ocpi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// fakeStations stands in for the OCPP layer at a CPO: it records what it
// was asked and answers every command with status (or err).
type fakeStations struct {
	mu     sync.Mutex
	calls  []string
	status string
	err    error
}

func (f *fakeStations) answer(call string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	return f.status, f.err
}

func (f *fakeStations) set(status string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.err = status, err
}

func (f *fakeStations) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeStations) RemoteStart(ctx context.Context, providerID, stationID fc.ID, connectorID int, idTag string) (string, error) {
	return f.answer(fmt.Sprintf("RemoteStart %s %d %s", stationID, connectorID, idTag))
}

func (f *fakeStations) RemoteStop(ctx context.Context, providerID, stationID, sessionID fc.ID) (string, error) {
	return f.answer(fmt.Sprintf("RemoteStop %s %s", stationID, sessionID))
}

func (f *fakeStations) UnlockConnector(ctx context.Context, providerID, stationID fc.ID, connectorID int) (string, error) {
	return f.answer(fmt.Sprintf("UnlockConnector %s %d", stationID, connectorID))
}

func (f *fakeStations) ReserveNow(ctx context.Context, providerID, stationID fc.ID, connectorID int, idTag string, reservationID int, expires time.Time) (string, error) {
	return f.answer(fmt.Sprintf("ReserveNow %s %d %s %d", stationID, connectorID, idTag, reservationID))
}

func (f *fakeStations) CancelReservation(ctx context.Context, providerID, stationID fc.ID, reservationID int) (string, error) {
	return f.answer(fmt.Sprintf("CancelReservation %s %d", stationID, reservationID))
}

// resultSink is an eMSP's response_url stand-in: it keeps the command
// results posted to it.
type resultSink struct {
	srv     *httptest.Server
	mu      sync.Mutex
	results map[string]CommandResult
}

func newResultSink(t *testing.T) *resultSink {
	t.Helper()
	k := &resultSink{results: map[string]CommandResult{}}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var res CommandResult
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &res); err != nil {
			http.Error(w, "not a result", http.StatusBadRequest)
			return
		}
		k.mu.Lock()
		k.results[r.URL.Path] = res
		k.mu.Unlock()
		WriteSuccess(w, http.StatusOK, nil)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

// result waits for the result posted to path.
func (k *resultSink) result(t *testing.T, path string) CommandResult {
	t.Helper()
	var res CommandResult
	eventually(t, "the result at "+path, func() bool {
		k.mu.Lock()
		defer k.mu.Unlock()
		r, ok := k.results[path]
		res = r
		return ok
	})
	return res
}

// commandsWorld is A (a CPO with a roaming station and fake stations) and
// B (an eMSP with a card), connected, A's outbox running.
type commandsWorld struct {
	a, b       *platform
	stations   *fakeStations
	station    *fc.Station
	card       *fc.Card
	bAtA, aAtB *fc.OCPIPartner
	// auth is B's Authorization header at A; receiver A's commands URL.
	auth, receiver string
}

func newCommandsWorld(t *testing.T, a, b *platform) *commandsWorld {
	t.Helper()
	w := &commandsWorld{a: a, b: b, stations: &fakeStations{status: "Accepted"}}
	a.server.cfg.Stations = w.stations
	w.station = roamingStation(t, a)
	w.online(true)
	w.card = b.card("BETA-0001")
	w.bAtA, w.aAtB = connect(t, a, b)
	w.auth = AuthorizationHeader(w.aAtB.OutgoingToken)
	w.receiver = w.aAtB.EndpointURL(ModuleCommands, RoleReceiver)
	if w.receiver != a.http.URL+cpoCommandsPath {
		t.Fatalf("A's commands receiver: %q", w.receiver)
	}
	if got := w.bAtA.EndpointURL(ModuleCommands, RoleSender); got != b.http.URL+emspCommandsPath {
		t.Fatalf("B's commands sender: %q", got)
	}
	a.run()
	return w
}

// online marks A's station connected or not, as the OCPP endpoint does.
func (w *commandsWorld) online(on bool) {
	w.a.t.Helper()
	if err := w.a.store.SetConnection(context.Background(), w.station.ID, on, fc.OCPP16, time.Now()); err != nil {
		w.a.t.Fatal(err)
	}
}

// betaToken is a token of B's party as a command carries it.
func betaToken(uid string, valid bool) map[string]any {
	return map[string]any{"country_code": "DE", "party_id": "MSP", "uid": uid, "type": "APP_USER", "contract_id": "DE-MSP-C" + uid,
		"issuer": "Beta Mobility", "valid": valid, "whitelist": "ALLOWED", "last_updated": "2026-11-02T10:00:00Z"}
}

// commandResponse reads the CommandResponse of an answer.
func commandResponse(t *testing.T, a answer) CommandResponse {
	t.Helper()
	var cr CommandResponse
	if err := json.Unmarshal(a.Env.Data, &cr); err != nil {
		t.Fatalf("not a CommandResponse: %s", a.Raw)
	}
	return cr
}

// TestStartSessionBetweenPlatforms: B's remote start of its card on A's
// EVSE is stored at B, accepted by A at once, reaches A's station with the
// card's UID as the idTag, and A's result reaches B, which stores it. A
// holds the token the command carried.
func TestStartSessionBetweenPlatforms(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		w := newCommandsWorld(t, a, b)
		cmd, err := b.server.StartSession(ctx, w.aAtB, w.card, w.station.LocationID.String(), EVSEUID(w.station.ID, 2), "2")
		if err != nil {
			t.Fatal(err)
		}
		if cmd.Direction != fc.OCPICommandOut || cmd.Command != fc.OCPIStartSession || cmd.CardID != w.card.ID ||
			cmd.ResponseURL != b.http.URL+emspCommandsPath+"/START_SESSION/"+cmd.ID.String() {
			t.Errorf("the command at B: %+v", cmd)
		}
		var sent StartSession
		if err := json.Unmarshal(cmd.Request, &sent); err != nil || sent.Token == nil || sent.Token.UID != "BETA-0001" || sent.ResponseURL != cmd.ResponseURL {
			t.Errorf("the command B sent: %s", cmd.Request)
		}
		eventually(t, "B's command answered", func() bool {
			got, err := b.store.OCPICommand(ctx, b.provider.ID, cmd.ID)
			return err == nil && got.Result != ""
		})
		got, _ := b.store.OCPICommand(ctx, b.provider.ID, cmd.ID)
		if got.Result != ResultAccepted {
			t.Errorf("B's command: %+v", got)
		}
		want := fmt.Sprintf("RemoteStart %s 2 BETA-0001", w.station.ID)
		if asked := w.stations.asked(); len(asked) != 1 || asked[0] != want {
			t.Errorf("A's station was asked %q, want %q", asked, want)
		}
		if tok, err := receivedToken(a, w.bAtA, b, "BETA-0001"); err != nil || !tok.Valid {
			t.Errorf("the token at A: %+v %v", tok, err)
		}
		in, err := a.store.OCPICommands(ctx, w.bAtA.ID, fc.OCPICommandIn, fc.OCPIStartSession, 10)
		if err != nil || len(in) != 1 || in[0].Result != ResultAccepted || in[0].StationID != w.station.ID || in[0].ConnectorID != 2 {
			t.Errorf("the command at A: %+v %v", in, err)
		}
	})
}

// TestCommandReceiver: A answers each command at once, refuses what it
// cannot do with the CommandResponse type the case calls for (or 2003 for
// an EVSE it does not publish, 2001 for an invalid object), and posts the
// station's result, mapped, to the response_url.
func TestCommandReceiver(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		w := newCommandsWorld(t, a, b)
		sink := newResultSink(t)
		loc, evse := w.station.LocationID.String(), EVSEUID(w.station.ID, 1)
		start := func(path string, token map[string]any, evseUID string) map[string]any {
			return map[string]any{"response_url": sink.srv.URL + path, "token": token, "location_id": loc, "evse_uid": evseUID}
		}
		post := func(command string, body any) answer {
			t.Helper()
			return call(t, http.MethodPost, w.receiver+"/"+command, w.auth, body)
		}

		got := post("START_SESSION", start("/ok", betaToken("APP-1", true), evse))
		got.want(t, "START_SESSION", http.StatusOK, StatusSuccess)
		if cr := commandResponse(t, got); cr.Result != ResponseAccepted || cr.Timeout != 60 {
			t.Errorf("the answer: %+v", cr)
		}
		if res := sink.result(t, "/ok"); res.Result != ResultAccepted {
			t.Errorf("the result: %+v", res)
		}

		w.stations.set("Rejected", nil)
		post("START_SESSION", start("/rejected", betaToken("APP-1", true), evse)).want(t, "START_SESSION rejected", http.StatusOK, StatusSuccess)
		if res := sink.result(t, "/rejected"); res.Result != ResultRejected {
			t.Errorf("the result of a start the station rejects: %+v", res)
		}
		w.stations.set("", fc.Errorf(fc.EConflict, "station is offline"))
		post("UNLOCK_CONNECTOR", map[string]any{"response_url": sink.srv.URL + "/offline", "location_id": loc, "evse_uid": evse,
			"connector_id": "1"}).want(t, "UNLOCK_CONNECTOR offline", http.StatusOK, StatusSuccess)
		if res := sink.result(t, "/offline"); res.Result != ResultFailed || len(res.Message) == 0 {
			t.Errorf("the result at an offline station: %+v", res)
		}
		w.stations.set("", fc.Errorf(fc.EUnavailable, "no answer"))
		post("RESERVE_NOW", map[string]any{"response_url": sink.srv.URL + "/timeout", "token": betaToken("APP-1", true),
			"expiry_date": FormatDateTime(time.Now().Add(time.Hour)), "reservation_id": "R1", "location_id": loc, "evse_uid": evse}).
			want(t, "RESERVE_NOW", http.StatusOK, StatusSuccess)
		if res := sink.result(t, "/timeout"); res.Result != ResultTimeout {
			t.Errorf("the result of a call without an answer: %+v", res)
		}

		// Refused at once: nothing reaches the station.
		asked := len(w.stations.asked())
		cases := []struct {
			name, command string
			body          any
			http, code    int
			result        string
		}{
			{"unknown EVSE", "START_SESSION", start("/x", betaToken("APP-1", true), EVSEUID(w.station.ID, 9)), http.StatusOK, StatusUnknownLocation, ""},
			{"unknown station", "START_SESSION", start("/x", betaToken("APP-1", true), "999999-1"), http.StatusOK, StatusUnknownLocation, ""},
			{"EVSE of another location", "UNLOCK_CONNECTOR", map[string]any{"response_url": sink.srv.URL + "/x", "location_id": "999999",
				"evse_uid": evse, "connector_id": "1"}, http.StatusOK, StatusUnknownLocation, ""},
			{"invalid token", "START_SESSION", start("/x", betaToken("APP-2", false), evse), http.StatusOK, StatusSuccess, ResponseRejected},
			{"no EVSE", "START_SESSION", map[string]any{"response_url": sink.srv.URL + "/x", "token": betaToken("APP-1", true), "location_id": loc},
				http.StatusOK, StatusSuccess, ResponseNotSupported},
			{"unknown session", "STOP_SESSION", map[string]any{"response_url": sink.srv.URL + "/x", "session_id": "424242"},
				http.StatusOK, StatusSuccess, ResponseUnknownSession},
			{"unknown reservation", "CANCEL_RESERVATION", map[string]any{"response_url": sink.srv.URL + "/x", "reservation_id": "R9"},
				http.StatusOK, StatusSuccess, ResponseRejected},
			{"another party's token", "START_SESSION", start("/x", func() map[string]any {
				tok := betaToken("APP-1", true)
				tok["country_code"] = "FR"
				return tok
			}(), evse), http.StatusOK, StatusClientError, ""},
			{"no response_url", "START_SESSION", map[string]any{"token": betaToken("APP-1", true), "location_id": loc, "evse_uid": evse},
				http.StatusOK, StatusInvalidParameters, ""},
			{"a response_url on another host", "START_SESSION", map[string]any{"response_url": "http://192.0.2.10/results/1",
				"token": betaToken("APP-1", true), "location_id": loc, "evse_uid": evse}, http.StatusOK, StatusInvalidParameters, ""},
			{"bad token type", "START_SESSION", start("/x", func() map[string]any {
				tok := betaToken("APP-1", true)
				tok["type"] = "BADGE"
				return tok
			}(), evse), http.StatusOK, StatusInvalidParameters, ""},
			{"unknown command", "SELF_DESTRUCT", map[string]any{"response_url": sink.srv.URL + "/x"}, http.StatusOK, StatusInvalidParameters, ""},
			{"not JSON", "STOP_SESSION", "{", http.StatusBadRequest, StatusInvalidParameters, ""},
		}
		for _, c := range cases {
			got := post(c.command, c.body)
			got.want(t, c.name, c.http, c.code)
			if c.result != "" {
				if cr := commandResponse(t, got); cr.Result != c.result || len(cr.Message) == 0 {
					t.Errorf("%s: %+v, want %s with a message", c.name, cr, c.result)
				}
			}
		}
		w.online(false)
		for _, c := range []struct {
			command string
			body    map[string]any
		}{
			{"START_SESSION", start("/x", betaToken("APP-1", true), evse)},
			{"UNLOCK_CONNECTOR", map[string]any{"response_url": sink.srv.URL + "/x", "location_id": loc, "evse_uid": evse, "connector_id": "1"}},
		} {
			got := post(c.command, c.body)
			got.want(t, c.command+" at an offline station", http.StatusOK, StatusSuccess)
			if cr := commandResponse(t, got); cr.Result != ResponseRejected || text(cr.Message) != "the charge point is offline" {
				t.Errorf("%s at an offline station: %+v", c.command, cr)
			}
		}
		if n := len(w.stations.asked()); n != asked {
			t.Errorf("refused commands reached the station: %q", w.stations.asked()[asked:])
		}
		if got := call(t, http.MethodPost, w.receiver+"/START_SESSION", "", start("/x", betaToken("APP-1", true), evse)); got.HTTP != http.StatusUnauthorized {
			t.Errorf("without a token: %s", got.Raw)
		}
	})
}

// TestReservationCommands: a reservation is sent to the station under an
// ID of A's making, not the partner's; cancelling it reaches the same
// station with the same ID; another partner's reservation_id makes another
// ID.
func TestReservationCommands(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		w := newCommandsWorld(t, a, b)
		sink := newResultSink(t)
		loc, evse := w.station.LocationID.String(), EVSEUID(w.station.ID, 2)
		call(t, http.MethodPost, w.receiver+"/RESERVE_NOW", w.auth, map[string]any{"response_url": sink.srv.URL + "/reserve",
			"token": betaToken("APP-1", true), "expiry_date": FormatDateTime(time.Now().Add(time.Hour)), "reservation_id": "R1",
			"location_id": loc, "evse_uid": evse}).want(t, "RESERVE_NOW", http.StatusOK, StatusSuccess)
		if res := sink.result(t, "/reserve"); res.Result != ResultAccepted {
			t.Fatalf("the reservation: %+v", res)
		}
		call(t, http.MethodPost, w.receiver+"/CANCEL_RESERVATION", w.auth, map[string]any{"response_url": sink.srv.URL + "/cancel",
			"reservation_id": "R1"}).want(t, "CANCEL_RESERVATION", http.StatusOK, StatusSuccess)
		if res := sink.result(t, "/cancel"); res.Result != ResultAccepted {
			t.Errorf("the cancellation: %+v", res)
		}
		rid := reservationID(w.bAtA.ID, "R1")
		want := []string{fmt.Sprintf("ReserveNow %s 2 APP-1 %d", w.station.ID, rid), fmt.Sprintf("CancelReservation %s %d", w.station.ID, rid)}
		if got := w.stations.asked(); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("the station was asked %q, want %q", got, want)
		}
		if reservationID(w.bAtA.ID+1, "R1") == rid {
			t.Errorf("two partners' R1 are one reservation at the station")
		}
	})
}

// TestCommandResultReceiver: B takes a result only from the partner it
// sent the command to, for a command it sent, under the command's type;
// an invalid result is 2001.
func TestCommandResultReceiver(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		w := newCommandsWorld(t, a, b)
		w.stations.set("Rejected", nil)
		cmd, err := b.server.StartSession(ctx, w.aAtB, w.card, w.station.LocationID.String(), EVSEUID(w.station.ID, 1), "")
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "A's result at B", func() bool {
			got, err := b.store.OCPICommand(ctx, b.provider.ID, cmd.ID)
			return err == nil && got.Result == ResultRejected
		})

		// C, another partner of B, posts a result for A's command.
		c := newPlatform(t, b.store, "Gamma Roaming", "BE", "GAM")
		cAtB, _ := connect(t, b, c)
		if cAtB.ID == w.aAtB.ID {
			t.Fatal("C is A")
		}
		bAtC := c.partner(func() fc.ID {
			ps, err := c.store.OCPIPartners(ctx, c.provider.ID)
			if err != nil || len(ps) != 1 {
				t.Fatalf("C's partners: %+v %v", ps, err)
			}
			return ps[0].ID
		}())
		asC := AuthorizationHeader(bAtC.OutgoingToken)
		asA := AuthorizationHeader(w.bAtA.OutgoingToken)
		accepted := CommandResult{Result: ResultAccepted}
		call(t, http.MethodPost, cmd.ResponseURL, asC, accepted).want(t, "another partner's result", http.StatusNotFound, StatusClientError)
		other := b.http.URL + emspCommandsPath + "/STOP_SESSION/" + cmd.ID.String()
		call(t, http.MethodPost, other, asA, accepted).want(t, "under another command type", http.StatusNotFound, StatusClientError)
		call(t, http.MethodPost, b.http.URL+emspCommandsPath+"/START_SESSION/x", asA, accepted).want(t, "no ID", http.StatusNotFound, StatusClientError)
		call(t, http.MethodPost, cmd.ResponseURL, asA, map[string]any{"result": "MAYBE"}).want(t, "an invalid result", http.StatusOK, StatusInvalidParameters)
		if got, _ := b.store.OCPICommand(ctx, b.provider.ID, cmd.ID); got.Result != ResultRejected {
			t.Errorf("the command after refused results: %+v", got)
		}
		call(t, http.MethodPost, cmd.ResponseURL, asA, CommandResult{Result: ResultCanceledReservation, Message: english("roadworks")}).
			want(t, "a later result", http.StatusOK, StatusSuccess)
		if got, _ := b.store.OCPICommand(ctx, b.provider.ID, cmd.ID); got.Result != ResultCanceledReservation || got.Message != "roadworks" {
			t.Errorf("the command after a later result: %+v", got)
		}
	})
}

// TestStopSessionCommand: B stops a session charging at A with its card's
// token: A's station is asked to stop that transaction and B gets the
// result. C, another partner of A, cannot stop it: to C it is unknown.
func TestStopSessionCommand(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		w := newCommandsWorld(t, a, b)
		b.drain() // B's card reaches A as a token
		if _, err := receivedToken(a, w.bAtA, b, w.card.InternalID); err != nil {
			t.Fatalf("the card's token at A: %v", err)
		}
		sess, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: w.station.ID, ConnectorID: 1, IDTag: w.card.InternalID,
			Timestamp: time.Now()})
		if err != nil {
			t.Fatal(err)
		}

		c := newPlatform(t, a.store, "Gamma Roaming", "BE", "GAM")
		_, aAtC := connect(t, a, c)
		got := call(t, http.MethodPost, w.receiver+"/STOP_SESSION", AuthorizationHeader(aAtC.OutgoingToken),
			map[string]any{"response_url": c.http.URL + "/results/1", "session_id": sess.ID.String()})
		got.want(t, "C stops B's session", http.StatusOK, StatusSuccess)
		if cr := commandResponse(t, got); cr.Result != ResponseUnknownSession {
			t.Errorf("C's stop: %+v", cr)
		}
		if asked := w.stations.asked(); len(asked) != 0 {
			t.Errorf("C's stop reached the station: %q", asked)
		}

		cmd, err := b.server.StopSession(ctx, w.aAtB, w.card.ID, sess.ID.String())
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "B's stop answered", func() bool {
			got, err := b.store.OCPICommand(ctx, b.provider.ID, cmd.ID)
			return err == nil && got.Result == ResultAccepted
		})
		want := fmt.Sprintf("RemoteStop %s %s", w.station.ID, sess.ID)
		if asked := w.stations.asked(); len(asked) != 1 || asked[0] != want {
			t.Errorf("A's station was asked %q, want %q", asked, want)
		}
	})
}

// TestCommandedRecently: for CommandGrace after A's station accepted B's
// START_SESSION, the token is admitted there without asking B; not at
// another station, not another token, not once the grace has passed.
func TestCommandedRecently(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		w := newCommandsWorld(t, a, b)
		sink := newResultSink(t)
		call(t, http.MethodPost, w.receiver+"/START_SESSION", w.auth, map[string]any{"response_url": sink.srv.URL + "/ok",
			"token": betaToken("APP-1", true), "location_id": w.station.LocationID.String(), "evse_uid": EVSEUID(w.station.ID, 1)}).
			want(t, "START_SESSION", http.StatusOK, StatusSuccess)
		sink.result(t, "/ok")
		tok, err := a.store.OCPIToken(ctx, w.bAtA.ID, "DE", "MSP", "APP-1", "APP_USER")
		if err != nil {
			t.Fatal(err)
		}
		other := *tok
		other.UID = "APP-2"
		for _, c := range []struct {
			name    string
			station fc.ID
			token   *fc.OCPIToken
			want    bool
		}{
			{"the token at the station", w.station.ID, tok, true},
			{"at another station", w.station.ID + 1000, tok, false},
			{"another token", w.station.ID, &other, false},
		} {
			if got, err := a.server.CommandedRecently(ctx, c.station, c.token); err != nil || got != c.want {
				t.Errorf("%s: %v %v, want %v", c.name, got, err, c.want)
			}
		}
		a.later(CommandGrace + time.Minute)
		if got, err := a.server.CommandedRecently(ctx, w.station.ID, tok); err != nil || got {
			t.Errorf("after the grace: %v %v", got, err)
		}
	})
}

// TestCommandResultMapping: what a station answers, or how the call
// failed, becomes the CommandResultType the case calls for.
func TestCommandResultMapping(t *testing.T) {
	tests := []struct {
		command, connector, status string
		err                        error
		want                       string
	}{
		{CommandStartSession, "Available", "Accepted", nil, ResultAccepted},
		{CommandStartSession, "Available", "Rejected", nil, ResultRejected},
		{CommandStartSession, "Charging", "Rejected", nil, ResultEVSEOccupied},
		{CommandStartSession, "Preparing", "Rejected", nil, ResultEVSEOccupied},
		{CommandStartSession, "Faulted", "Rejected", nil, ResultEVSEInoperative},
		{CommandStartSession, "Unavailable", "Rejected", nil, ResultEVSEInoperative},
		{CommandStopSession, "", "Accepted", nil, ResultAccepted},
		{CommandStopSession, "Charging", "Rejected", nil, ResultRejected},
		{CommandUnlockConnector, "", "Unlocked", nil, ResultAccepted},
		{CommandUnlockConnector, "", "UnlockFailed", nil, ResultFailed},
		{CommandUnlockConnector, "", "NotSupported", nil, ResultNotSupported},
		{CommandUnlockConnector, "", "UnknownConnector", nil, ResultNotSupported},
		{CommandUnlockConnector, "", "OngoingAuthorizedTransaction", nil, ResultRejected},
		{CommandReserveNow, "", "Accepted", nil, ResultAccepted},
		{CommandReserveNow, "", "Occupied", nil, ResultEVSEOccupied},
		{CommandReserveNow, "", "Faulted", nil, ResultEVSEInoperative},
		{CommandReserveNow, "", "Unavailable", nil, ResultEVSEInoperative},
		{CommandReserveNow, "", "Rejected", nil, ResultRejected},
		{CommandCancelReservation, "", "Accepted", nil, ResultAccepted},
		{CommandCancelReservation, "", "Rejected", nil, ResultUnknownReservation},
		{CommandStartSession, "", "Maybe", nil, ResultFailed},
		{CommandStartSession, "", "", fc.Errorf(fc.EConflict, "offline"), ResultFailed},
		{CommandStartSession, "", "", fc.Errorf(fc.EUnavailable, "no answer"), ResultTimeout},
		{CommandStartSession, "", "", fc.Errorf(fc.EInvalid, "idTag too long"), ResultRejected},
		{CommandStartSession, "", "", io.ErrUnexpectedEOF, ResultFailed},
	}
	for _, tt := range tests {
		got, msg := commandResult(tt.command, tt.connector, tt.status, tt.err)
		if got != tt.want || (got != ResultAccepted && msg == "") {
			t.Errorf("%s, connector %q, station %q, err %v: %s %q, want %s with a message", tt.command, tt.connector, tt.status, tt.err, got, msg, tt.want)
		}
	}
}

// TestCommandObjectsValidate: each command object is checked against its
// 2.2.1 definition: required fields, CiString(36) lengths, the URL, the
// token, the expiry DateTime, and the enums of the answers.
func TestCommandObjectsValidate(t *testing.T) {
	long := strings.Repeat("x", 37)
	decode := func(body string, v Validator) FieldErrors {
		t.Helper()
		if err := DecodeBytes([]byte(body), v); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return v.Validate()
	}
	tok := `{"country_code":"DE","party_id":"MSP","uid":"APP-1","type":"APP_USER","contract_id":"DE-MSP-C1","issuer":"Beta","valid":true,"whitelist":"NEVER","last_updated":"2026-11-02T10:00:00Z"}`
	url := `"response_url":"https://emsp.example/commands/1"`
	tests := []struct {
		name string
		v    Validator
		body string
		want string // the path of the first error; "" for a valid object
	}{
		{"start", &StartSession{}, `{` + url + `,"token":` + tok + `,"location_id":"L1","evse_uid":"1-1","connector_id":"1"}`, ""},
		{"start without an EVSE", &StartSession{}, `{` + url + `,"token":` + tok + `,"location_id":"L1"}`, ""},
		{"start, connector without EVSE", &StartSession{}, `{` + url + `,"token":` + tok + `,"location_id":"L1","connector_id":"1"}`, "evse_uid"},
		{"start without a token", &StartSession{}, `{` + url + `,"location_id":"L1"}`, "token"},
		{"start, token without uid", &StartSession{}, `{` + url + `,"token":` + strings.Replace(tok, `"uid":"APP-1",`, "", 1) + `,"location_id":"L1"}`, "token.uid"},
		{"start, long location", &StartSession{}, `{` + url + `,"token":` + tok + `,"location_id":"` + long + `"}`, "location_id"},
		{"start, relative URL", &StartSession{}, `{"response_url":"/commands/1","token":` + tok + `,"location_id":"L1"}`, "response_url"},
		{"start, long authorization_reference", &StartSession{}, `{` + url + `,"token":` + tok + `,"location_id":"L1","authorization_reference":"` + long + `"}`, "authorization_reference"},
		{"stop", &StopSession{}, `{` + url + `,"session_id":"42"}`, ""},
		{"stop without a session", &StopSession{}, `{` + url + `}`, "session_id"},
		{"stop without a URL", &StopSession{}, `{"session_id":"42"}`, "response_url"},
		{"unlock", &UnlockConnector{}, `{` + url + `,"location_id":"L1","evse_uid":"1-1","connector_id":"1"}`, ""},
		{"unlock without a connector", &UnlockConnector{}, `{` + url + `,"location_id":"L1","evse_uid":"1-1"}`, "connector_id"},
		{"unlock without an EVSE", &UnlockConnector{}, `{` + url + `,"location_id":"L1","connector_id":"1"}`, "evse_uid"},
		{"reserve", &ReserveNow{}, `{` + url + `,"token":` + tok + `,"expiry_date":"2026-11-02T11:00:00Z","reservation_id":"R1","location_id":"L1"}`, ""},
		{"reserve, bad expiry", &ReserveNow{}, `{` + url + `,"token":` + tok + `,"expiry_date":"2026-11-02 11:00","reservation_id":"R1","location_id":"L1"}`, "expiry_date"},
		{"reserve without an expiry", &ReserveNow{}, `{` + url + `,"token":` + tok + `,"reservation_id":"R1","location_id":"L1"}`, "expiry_date"},
		{"reserve without an ID", &ReserveNow{}, `{` + url + `,"token":` + tok + `,"expiry_date":"2026-11-02T11:00:00Z","location_id":"L1"}`, "reservation_id"},
		{"cancel", &CancelReservation{}, `{` + url + `,"reservation_id":"R1"}`, ""},
		{"cancel, long ID", &CancelReservation{}, `{` + url + `,"reservation_id":"` + long + `"}`, "reservation_id"},
		{"response", &CommandResponse{}, `{"result":"ACCEPTED","timeout":30}`, ""},
		{"response, bad result", &CommandResponse{}, `{"result":"OK","timeout":30}`, "result"},
		{"response, negative timeout", &CommandResponse{}, `{"result":"REJECTED","timeout":-1}`, "timeout"},
		{"result", &CommandResult{}, `{"result":"EVSE_OCCUPIED","message":[{"language":"en","text":"busy"}]}`, ""},
		{"result, bad result", &CommandResult{}, `{"result":"UNKNOWN_SESSION"}`, "result"},
		{"result, message without language", &CommandResult{}, `{"result":"FAILED","message":[{"text":"broken"}]}`, "message[0].language"},
	}
	for _, tt := range tests {
		fe := decode(tt.body, tt.v)
		switch {
		case tt.want == "" && len(fe) > 0:
			t.Errorf("%s: %v, want valid", tt.name, fe)
		case tt.want != "" && fe.Map()[tt.want] == "":
			t.Errorf("%s: %v, want an error at %s", tt.name, fe, tt.want)
		}
	}
}
