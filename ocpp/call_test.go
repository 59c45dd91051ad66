package ocpp_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// answer reads the server's next CALL, checks its action, and answers it
// with reply (a whole frame, %s standing for the message ID as JSON), or
// not at all when reply is "".
func (s *station) answer(wantAction, reply string) (payload json.RawMessage) {
	s.t.Helper()
	f := s.read()
	if f.typ() != 2 || len(f) != 4 || f.str(2) != wantAction {
		s.t.Errorf("got %s, want a CALL of %s", f, wantAction)
		return nil
	}
	if reply != "" {
		s.send(replaceID(reply, string(f[1])))
	}
	return f[3]
}

func replaceID(reply, id string) string {
	for i := 0; i+1 < len(reply); i++ {
		if reply[i:i+2] == "%s" {
			return reply[:i] + id + reply[i+2:]
		}
	}
	return reply
}

// callResult is what a Server call returned.
type callResult struct {
	status string
	err    error
}

func TestCommands(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store})
	id := w.Station.Identity
	st := connect(t, e, id, w.Password)
	tests := []struct {
		action, wantPayload string
		call                func(ctx context.Context) (string, error)
		status              string // answered; "" is Accepted
	}{
		{"RemoteStartTransaction", `{"connectorId":1,"idTag":"TAG"}`, func(ctx context.Context) (string, error) {
			return e.srv.RemoteStartTransaction(ctx, id, 1, "TAG")
		}, ""},
		{"RemoteStartTransaction", `{"idTag":"TAG"}`, func(ctx context.Context) (string, error) {
			return e.srv.RemoteStartTransaction(ctx, id, 0, "TAG")
		}, ""},
		{"RemoteStopTransaction", `{"transactionId":42}`, func(ctx context.Context) (string, error) {
			return e.srv.RemoteStopTransaction(ctx, id, 42)
		}, ""},
		{"Reset", `{"type":"Soft"}`, func(ctx context.Context) (string, error) { return e.srv.Reset(ctx, id, "Soft") }, ""},
		{"UnlockConnector", `{"connectorId":2}`, func(ctx context.Context) (string, error) { return e.srv.UnlockConnector(ctx, id, 2) }, "Unlocked"},
		{"ChangeAvailability", `{"connectorId":0,"type":"Inoperative"}`, func(ctx context.Context) (string, error) {
			return e.srv.ChangeAvailability(ctx, id, 0, "Inoperative")
		}, ""},
		{"ChangeConfiguration", `{"key":"HeartbeatInterval","value":"60"}`, func(ctx context.Context) (string, error) {
			return e.srv.ChangeConfiguration(ctx, id, "HeartbeatInterval", "60")
		}, ""},
		{"TriggerMessage", `{"requestedMessage":"StatusNotification","connectorId":1}`, func(ctx context.Context) (string, error) {
			return e.srv.TriggerMessage(ctx, id, "StatusNotification", 1)
		}, ""},
		{"ClearCache", `{}`, func(ctx context.Context) (string, error) { return e.srv.ClearCache(ctx, id) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			st.t = t
			got := make(chan callResult, 1)
			go func() {
				status, err := tt.call(t.Context())
				got <- callResult{status, err}
			}()
			want := tt.status
			if want == "" {
				want = "Accepted"
			}
			payload := st.answer(tt.action, `[3,%s,{"status":"`+want+`"}]`)
			if string(payload) != tt.wantPayload {
				t.Errorf("payload %s, want %s", payload, tt.wantPayload)
			}
			if r := <-got; r.err != nil || r.status != want {
				t.Errorf("got %q, %v; want %s", r.status, r.err, want)
			}
		})
	}

	t.Run("GetConfiguration", func(t *testing.T) {
		st.t = t
		got := make(chan *ocpp.Configuration, 1)
		go func() {
			cfg, err := e.srv.GetConfiguration(t.Context(), id, "HeartbeatInterval", "Colour")
			if err != nil {
				t.Errorf("GetConfiguration: %v", err)
			}
			got <- cfg
		}()
		payload := st.answer("GetConfiguration", `[3,%s,{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"}],"unknownKey":["Colour"]}]`)
		if string(payload) != `{"key":["HeartbeatInterval","Colour"]}` {
			t.Errorf("payload %s", payload)
		}
		cfg := <-got
		if cfg == nil || len(cfg.Keys) != 1 || *cfg.Keys[0].Value != "300" || len(cfg.Unknown) != 1 {
			t.Errorf("configuration = %+v", cfg)
		}
	})
}

func TestCallErrors(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store, CallTimeout: 200 * time.Millisecond})
	id := w.Station.Identity

	t.Run("offline", func(t *testing.T) {
		_, err := e.srv.Reset(t.Context(), w.Restricted.Identity, "Soft")
		if !fc.IsCode(err, fc.EConflict) {
			t.Errorf("err = %v, want %s", err, fc.EConflict)
		}
	})
	t.Run("request outside the schema", func(t *testing.T) {
		_, err := e.srv.Reset(t.Context(), id, "Medium")
		if !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("err = %v, want %s", err, fc.EInvalid)
		}
		_, err = e.srv.Call(t.Context(), id, "Teleport", struct{}{})
		if !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("unknown action: err = %v, want %s", err, fc.EInvalid)
		}
	})

	st := connect(t, e, id, w.Password)
	tests := []struct {
		name, reply string
		wantCode    string
		wantCallErr string // the station's CALLERROR code in the chain
	}{
		{"station refuses", `[4,%s,"NotSupported","no remote reset here",{}]`, fc.ENotImplemented, ocpp.CodeNotSupported},
		{"station fails", `[4,%s,"GenericError","busy",{}]`, fc.EUnprocessable, ocpp.CodeGenericError},
		{"answer outside the schema", `[3,%s,{"status":"Maybe"}]`, fc.EUnavailable, ""},
		{"malformed answer", `[3,%s]`, fc.EUnavailable, ""},
		{"no answer", ``, fc.EUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st.t = t
			got := make(chan error, 1)
			go func() {
				_, err := e.srv.Reset(t.Context(), id, "Hard")
				got <- err
			}()
			st.answer("Reset", tt.reply)
			err := <-got
			if !fc.IsCode(err, tt.wantCode) {
				t.Fatalf("err = %v, want %s", err, tt.wantCode)
			}
			var ce *ocpp.CallError
			if tt.wantCallErr != "" && (!errors.As(err, &ce) || ce.Code != tt.wantCallErr) {
				t.Errorf("err = %v, want the station's %s in its chain", err, tt.wantCallErr)
			}
		})
	}
	t.Run("late answer is dropped", func(t *testing.T) {
		st.t = t
		// The CALL of the previous subtest timed out; its answer comes now
		// and must neither break the connection nor answer a later call.
		st.send(`[3,"late",{"status":"Accepted"}]`)
		st.call("Heartbeat", struct{}{}, nil)
	})
	t.Run("caller gives up", func(t *testing.T) {
		st.t = t
		ctx, cancel := context.WithCancel(t.Context())
		got := make(chan error, 1)
		go func() {
			_, err := e.srv.Reset(ctx, id, "Hard")
			got <- err
		}()
		st.answer("Reset", "")
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("station disconnects", func(t *testing.T) {
		st.t = t
		e2 := startServer(t, ocpp.Config{Store: w.Store, CallTimeout: time.Minute})
		st2 := connect(t, e2, w.Restricted.Identity, w.Password)
		got := make(chan error, 1)
		go func() {
			_, err := e2.srv.Reset(t.Context(), w.Restricted.Identity, "Hard")
			got <- err
		}()
		st2.answer("Reset", "")
		st2.ws.CloseNow()
		if err := <-got; !fc.IsCode(err, fc.EUnavailable) {
			t.Errorf("err = %v, want %s", err, fc.EUnavailable)
		}
	})
}

// TestOneCallAtATime checks that a second call waits until the station has
// answered the first (OCPP-J allows one outstanding CALL).
func TestOneCallAtATime(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store})
	id := w.Station.Identity
	st := connect(t, e, id, w.Password)
	got := make(chan callResult, 2)
	for range 2 {
		go func() {
			status, err := e.srv.ClearCache(t.Context(), id)
			got <- callResult{status, err}
		}()
	}
	first := st.read()
	// Answering the first CALL releases the second; had both been sent at
	// once, the next frame read would be the second CALL, before our answer.
	st.send(`[3,` + string(first[1]) + `,{"status":"Accepted"}]`)
	st.answer("ClearCache", `[3,%s,{"status":"Rejected"}]`)
	statuses := map[string]bool{}
	for range 2 {
		r := <-got
		if r.err != nil {
			t.Fatalf("ClearCache: %v", r.err)
		}
		statuses[r.status] = true
	}
	if !statuses["Accepted"] || !statuses["Rejected"] {
		t.Errorf("statuses %v, want one Accepted and one Rejected", statuses)
	}
}
