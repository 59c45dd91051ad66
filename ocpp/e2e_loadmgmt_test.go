package ocpp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The location of the load management scenario: 22 kW on three phases at
// 230 V, shared by three stations of one 22 kW connector each.
const (
	loadLimitW   = 22000
	loadPhases   = 3
	loadVoltage  = 230
	loadStations = 3
)

// loadStep is one thing the scenario's stations do, and the limits, in
// watts, the location's running sessions are given then (by station).
type loadStep struct {
	command string
	want    map[int]int64
}

// loadSteps: the three stations start one after another, then the first
// stops and the two others are raised. 22 kW over three sessions leaves a
// watt, which goes to the oldest.
var loadSteps = []loadStep{
	{"START 0", map[int]int64{0: 22000}},
	{"START 1", map[int]int64{0: 11000, 1: 11000}},
	{"START 2", map[int]int64{0: 7334, 1: 7333, 2: 7333}},
	{"STOP 0", map[int]int64{1: 11000, 2: 11000}},
}

// TestThirdPartyLoadManagement runs e2e/loadmgmt.js, three ocpp-rpc
// stations in strict mode (their every received call checked against the
// OCPP schemas), at a location limited to 22 kW, against a real server
// whose station work (app.Operations, with its load manager) runs beside
// it; once with OCPP 1.6 stations and once with OCPP 2.0.1 ones. Each boots
// and gets the default profile (22 kW over the three connectors), the three
// start a session one after another, then the first stops. From what the
// stations took, in the order they took it, the test checks that each
// session got its own TxProfile, that no profile ever raised what the
// running sessions may draw above 22 kW, and that the two left were raised
// to 11 kW each once the first stopped; and the history of a session kept
// by the store.
func TestThirdPartyLoadManagement(t *testing.T) {
	_, dir := thirdPartyPeer(t)
	for _, version := range []string{"1.6", "2.0.1"} {
		t.Run(version, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) { runLoadScenario(t, s, dir, version) })
		})
	}
}

// loadEvent is one line of what loadmgmt.js's stations did and were sent.
type loadEvent struct {
	Seq           int     `json:"seq"`
	Identity      string  `json:"identity"`
	Event         string  `json:"event"` // start, stop, received, taken, refused
	ConnectorID   int     `json:"connectorId"`
	TransactionID string  `json:"transactionId"`
	Purpose       string  `json:"purpose"`
	ProfileID     int     `json:"profileId"`
	StackLevel    int     `json:"stackLevel"`
	Kind          string  `json:"kind"`
	Limit         float64 `json:"limit"`
	Unit          string  `json:"unit"`
	NumberPhases  int     `json:"numberPhases"`
	Periods       int     `json:"periods"`
}

// watts is a profile's limit in watts at the location: amperes per phase
// times the phases it names times the voltage.
func (e loadEvent) watts() int64 {
	return int64(math.Round(e.Limit*10)) * int64(e.NumberPhases) * loadVoltage / 10
}

// ampsOf is the limit, in amperes per phase, that load management sends
// for w watts at the location (rounded down to a tenth).
func ampsOf(w int64) float64 {
	return float64(w*10/(loadPhases*loadVoltage)) / 10
}

// runLoadScenario runs loadmgmt.js's three stations of version at a
// limited location of a fresh world in s, and checks what they took.
func runLoadScenario(t *testing.T, s *store.Store, dir, version string) {
	w := seedWorld(t, s)
	ctx := context.Background()
	depot := &fc.Location{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Depot", Kind: fc.LocationOffice, City: "Utrecht", Country: "NL",
		MaxPowerW: loadLimitW, Phases: loadPhases, Voltage: loadVoltage}
	if err := s.CreateLocation(ctx, depot); err != nil {
		t.Fatal(err)
	}
	var stations []*fc.Station
	var specs []string
	for i := range loadStations {
		st := &fc.Station{ProviderID: w.Provider.ID, AccountID: w.Account.ID, LocationID: depot.ID, ChargeGroupID: w.Station.ChargeGroupID,
			Identity: fmt.Sprintf("%s-LM%d", w.Station.Identity, i), PasswordHash: secret.HashStationPassword(w.Password), ConnectorMaxW: 22000}
		if err := s.CreateStation(ctx, st, 1); err != nil {
			t.Fatal(err)
		}
		card := &fc.Card{ProviderID: w.Provider.ID, AccountID: w.Admitted.ID, InternalID: st.Identity + "-CARD", ExternalID: "EXT-" + st.Identity, Status: fc.CardActive}
		if err := s.CreateCard(ctx, card); err != nil {
			t.Fatal(err)
		}
		stations = append(stations, st)
		specs = append(specs, st.Identity+":"+version+":"+card.InternalID)
	}

	ops := app.NewOperations(s, quietLogger, time.Now)
	e := startServer(t, ocpp.Config{Store: s, Now: time.Now, Observer: ops})
	ops.SetCommander(e.srv)
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { ops.Run(runCtx); close(stopped) }()
	t.Cleanup(func() { stop(); <-stopped })

	sc := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
	running := func(st *fc.Station) (*fc.Session, error) {
		all, err := s.Sessions(ctx, sc, fc.SessionFilter{StationID: st.ID, ActiveOnly: true})
		if err != nil || len(all) != 1 {
			return nil, fmt.Errorf("%s runs %d sessions (%v), want 1", st.Identity, len(all), err)
		}
		return &all[0], nil
	}
	// settled waits until the store's latest limit of every running
	// session is what the step wants: the manager records a division once
	// its stations answered.
	settled := func(step loadStep) {
		t.Helper()
		waitUntil(t, "the division after "+step.command, func() (bool, any) {
			got := map[int]string{}
			ok := true
			for i, st := range stations {
				sess, err := running(st)
				want, runs := step.want[i]
				switch {
				case !runs && err == nil:
					got[i], ok = "still running", false
				case !runs:
				case err != nil:
					got[i], ok = err.Error(), false
				default:
					allocs, err := s.SessionAllocations(ctx, sc, sess.ID)
					if err != nil || len(allocs) == 0 {
						got[i], ok = fmt.Sprintf("no limit yet (%v)", err), false
						continue
					}
					last := allocs[len(allocs)-1]
					got[i] = fmt.Sprintf("%d W (%s)", last.LimitW, last.Reason)
					ok = ok && last.LimitW == want && last.Reason == "share"
				}
			}
			return ok, got
		})
	}

	var events []loadEvent
	var history []fc.SessionAllocation // of the second station's session, after the last step
	sessions := map[int]fc.ID{}        // station → its session
	step := 0
	runNode(t, dir, "loadmgmt.js", append([]string{strings.TrimSuffix(e.base, "/"), w.Password}, specs...), func(_ context.Context, line string, stdin io.Writer) {
		next := func() {
			command := "REPORT"
			if step < len(loadSteps) {
				command = loadSteps[step].command
			}
			if _, err := io.WriteString(stdin, command+"\n"); err != nil {
				t.Error(err)
			}
		}
		switch {
		case line == "BOOTED":
			next()
		case strings.HasPrefix(line, "STARTED "), strings.HasPrefix(line, "STOPPED "):
			if strings.HasPrefix(line, "STARTED ") {
				var i int
				var tx string
				if _, err := fmt.Sscanf(line, "STARTED %d %s", &i, &tx); err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				sess, err := running(stations[i])
				if err != nil {
					t.Fatal(err)
				}
				sessions[i] = sess.ID
			}
			settled(loadSteps[step])
			step++
			if step == len(loadSteps) {
				// Before the stations go: their disconnection is recorded too.
				var err error
				if history, err = s.SessionAllocations(ctx, sc, sessions[1]); err != nil {
					t.Fatal(err)
				}
			}
			next()
		case strings.HasPrefix(line, "EVENTS "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "EVENTS ")), &events); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
		}
	})
	if step != len(loadSteps) || events == nil {
		t.Fatalf("loadmgmt.js went through %d of %d steps and reported %d events", step, len(loadSteps), len(events))
	}
	checkLoadProfiles(t, stations, events)

	// The history of the second station's session: its share of two, of
	// three, and of two again once the first stopped.
	var got []string
	for _, a := range history {
		got = append(got, fmt.Sprintf("%d W %s", a.LimitW, a.Reason))
	}
	if want := []string{"11000 W share", "7333 W share", "11000 W share"}; !slices.Equal(got, want) {
		t.Errorf("the limits recorded for the session of %s: %v, want %v", stations[1].Identity, got, want)
	}
}

// checkLoadProfiles checks the profiles the stations took, in the order
// they were sent and taken.
func checkLoadProfiles(t *testing.T, stations []*fc.Station, events []loadEvent) {
	t.Helper()
	defaultW := int64(loadLimitW / loadStations)
	byStation := map[string][]loadEvent{}
	for _, e := range events {
		byStation[e.Identity] = append(byStation[e.Identity], e)
		if e.Event == "refused" {
			t.Errorf("%s refused %+v", e.Identity, e)
		}
	}

	// Every profile is load management's: the default one at connector 0,
	// each transaction's own at its connector, in amperes on the
	// location's phases.
	for _, e := range events {
		if e.Event != "taken" {
			continue
		}
		want := loadEvent{Seq: e.Seq, Identity: e.Identity, Event: "taken", Kind: "Relative", Unit: "A", NumberPhases: loadPhases, Periods: 1, Limit: e.Limit}
		switch e.Purpose {
		case "TxDefaultProfile":
			want.Purpose, want.ProfileID, want.StackLevel = e.Purpose, app.LoadProfileDefaultID, 0
			want.Limit = ampsOf(defaultW)
		case "TxProfile":
			want.Purpose, want.ProfileID, want.StackLevel = e.Purpose, app.LoadProfileTxBaseID+1, app.LoadStackLevel
			want.ConnectorID, want.TransactionID = 1, e.TransactionID
			if e.TransactionID == "" {
				want.TransactionID = "the running transaction's"
			}
		}
		if e != want {
			t.Errorf("%s took %+v, want %+v", e.Identity, e, want)
		}
	}

	// Each station's own TxProfiles, in amperes: the first station's of
	// one, two, three sessions; the second's of two, three and two again;
	// the third's of three and two.
	share := func(ws ...int64) []float64 {
		var out []float64
		for _, w := range ws {
			out = append(out, ampsOf(w))
		}
		return out
	}
	for i, want := range [][]float64{share(22000, 11000, 7334), share(11000, 7333, 11000), share(7333, 11000)} {
		st := stations[i]
		var got []float64
		defaults := 0
		for _, e := range byStation[st.Identity] {
			switch {
			case e.Event == "taken" && e.Purpose == "TxProfile":
				got = append(got, e.Limit)
			case e.Event == "taken" && e.Purpose == "TxDefaultProfile":
				defaults++
			}
		}
		if !slices.Equal(got, want) || defaults != 1 {
			t.Errorf("%s took TxProfiles of %v A and %d default profiles, want %v A and one", st.Identity, got, defaults, want)
		}
	}

	// Along the way: what each running transaction may draw is its own
	// profile's limit, the higher of the one it holds and one on its way
	// (a station may apply a higher limit as soon as it hears it, a lower
	// one only counts once taken), or, before it has its own, the default
	// profile's. A transaction that starts draws at the default before the
	// server can speak; but a profile may never raise the sum above the
	// limit.
	type hold struct {
		tx                 string
		defaultW, txW, inW int64 // txW, inW: -1 for none
	}
	held := map[string]*hold{}
	for _, st := range stations {
		held[st.Identity] = &hold{txW: -1, inW: -1}
	}
	draw := func(h *hold) int64 {
		if h.tx == "" {
			return 0
		}
		w := h.defaultW
		if h.txW >= 0 {
			w = h.txW
		}
		return max(w, h.inW)
	}
	sums := func() (all, tx int64) {
		for _, h := range held {
			all += draw(h)
			if h.tx != "" && h.txW >= 0 {
				tx += max(h.txW, h.inW)
			}
		}
		return all, tx
	}
	var peak, peakTx int64
	var lines []string
	for _, e := range events {
		h := held[e.Identity]
		before, _ := sums()
		switch {
		case e.Event == "start":
			*h = hold{tx: e.TransactionID, defaultW: h.defaultW, txW: -1, inW: -1}
		case e.Event == "stop":
			*h = hold{defaultW: h.defaultW, txW: -1, inW: -1}
		case e.Purpose == "TxDefaultProfile" && e.Event == "taken":
			h.defaultW = e.watts()
		case e.Purpose == "TxProfile" && e.TransactionID != h.tx:
		case e.Event == "received":
			h.inW = e.watts()
		case e.Event == "taken":
			h.txW, h.inW = e.watts(), -1
		case e.Event == "refused":
			h.inW = -1
		}
		after, tx := sums()
		peak, peakTx = max(peak, after), max(peakTx, tx)
		lines = append(lines, fmt.Sprintf("%3d %-22s %-8s %-16s %5.1f A  → may draw %5d W (TxProfiles %5d W)", e.Seq, e.Identity, e.Event, e.Purpose, e.Limit, after, tx))
		if e.Purpose == "TxProfile" && after > before && after > loadLimitW {
			t.Errorf("event %d: %s %s a TxProfile of %.1f A while the others still held theirs: the running sessions may draw %d W, above %d W",
				e.Seq, e.Identity, e.Event, e.Limit, after, loadLimitW)
		}
	}
	if final, tx := sums(); final > loadLimitW || tx > loadLimitW {
		t.Errorf("at the end the running sessions may draw %d W (TxProfiles %d W), above %d W", final, tx, loadLimitW)
	}
	t.Logf("the stations' profiles (peak %d W, of TxProfiles alone %d W):\n%s", peak, peakTx, strings.Join(lines, "\n"))
}
