package ocpp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// listStation is what a raw OCPP 1.6 station keeps of its local list, and
// the list calls it answered.
type listStation struct {
	version    int
	list       map[string]string // ID tag → parent ID tag
	sends      []listSend
	clearCache int
	booted     bool
}

type listSend struct {
	Version int    `json:"listVersion"`
	Type    string `json:"updateType"`
	List    []struct {
		IDTag string `json:"idTag"`
		Info  *struct {
			Status      string `json:"status"`
			ParentIDTag string `json:"parentIdTag"`
			ExpiryDate  string `json:"expiryDate"`
		} `json:"idTagInfo"`
	} `json:"localAuthorizationList"`
}

// serve answers what the server sends the station, as a station with a
// local list of at most 20 entries per message does, until done holds.
func (l *listStation) serve(t *testing.T, st *station, done func() bool) {
	t.Helper()
	for !done() {
		f := st.read()
		if f.typ() == 3 { // the answer to the station's BootNotification
			l.booted = true
			continue
		}
		if f.typ() != 2 || len(f) != 4 {
			t.Fatalf("the server sent %s", f)
		}
		answer := `{"status":"Accepted"}`
		switch action := f.str(2); action {
		case "GetLocalListVersion":
			answer = fmt.Sprintf(`{"listVersion":%d}`, l.version)
		case "GetConfiguration":
			answer = `{"configurationKey":[{"key":"SendLocalListMaxLength","readonly":true,"value":"20"}]}`
		case "ClearCache":
			l.clearCache++
		case "SendLocalList":
			var s listSend
			if err := json.Unmarshal(f[3], &s); err != nil {
				t.Fatal(err)
			}
			l.sends = append(l.sends, s)
			if s.Type == "Full" {
				l.list = map[string]string{}
			}
			for _, e := range s.List {
				if e.Info == nil {
					delete(l.list, e.IDTag)
				} else {
					l.list[e.IDTag] = e.Info.ParentIDTag
				}
			}
			l.version = s.Version
		default:
			t.Fatalf("the server sent %s, which the test does not expect", f)
		}
		st.send(fmt.Sprintf(`[3,%s,%s]`, f[1], answer))
	}
}

// TestLocalListOverOCPP runs the local list sync against a real server and
// a raw OCPP 1.6 station of a restricted charge group: on boot the station
// is asked its list version and sent its group's list in full (each call
// valid against the OCPP 1.6 schemas, as the server checks); a card
// blocked is removed by a differential update, and its cache is cleared.
func TestLocalListOverOCPP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		ops := app.NewOperations(s, quietLogger, time.Now)
		e := startServer(t, ocpp.Config{Store: s, Now: time.Now, Observer: ops})
		ops.SetCommander(e.srv)
		runCtx, stop := context.WithCancel(ctx)
		stopped := make(chan struct{})
		go func() { ops.Run(runCtx); close(stopped) }()
		t.Cleanup(func() { stop(); <-stopped })
		svc := &app.Service{Store: s, Now: time.Now, Commander: e.srv, Operations: ops}
		subj := providerAdmin(t, w)
		inSync := func() bool {
			l, err := svc.StationLocalList(ctx, subj, w.Restricted.ID)
			if err != nil {
				t.Fatal(err)
			}
			return l.InSync
		}

		st := connectUnbooted(t, e, w.Restricted.Identity, w.Password)
		st.send(`[2,"boot","BootNotification",{"chargePointVendor":"Alfen","chargePointModel":"Eve"}]`)
		l := &listStation{list: map[string]string{}}
		want := map[string]string{w.Good.InternalID: fc.AccountIDTag(w.Admitted.ID)}
		l.serve(t, st, func() bool { return l.booted && maps.Equal(l.list, want) })
		eventually(t, "the list in sync", inSync)
		if len(l.sends) != 1 || l.sends[0].Type != "Full" || l.sends[0].Version != 1 || len(l.sends[0].List) != 1 ||
			l.sends[0].List[0].Info.Status != "Accepted" || l.sends[0].List[0].Info.ExpiryDate != "" {
			t.Errorf("on boot: got %+v, want one Full list of the Good card, Accepted, without expiry", l.sends)
		}

		if _, err := svc.UpdateCard(ctx, subj, w.Good.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
			t.Fatal(err)
		}
		l.serve(t, st, func() bool { return len(l.list) == 0 && l.clearCache > 0 })
		eventually(t, "the list in sync after the block", inSync)
		last := l.sends[len(l.sends)-1]
		if last.Type != "Differential" || len(last.List) != 1 || last.List[0].IDTag != w.Good.InternalID || last.List[0].Info != nil ||
			!slices.IsSortedFunc(l.sends, func(a, b listSend) int { return a.Version - b.Version }) {
			t.Errorf("after the block: got %+v, want a Differential update removing the card, versions rising", l.sends)
		}
	})
}
