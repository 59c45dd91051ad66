package ocpp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// operationsRig sends the third-party scenarios the station operations
// (issue 19) as the API and the web pages do: through app.Service, with
// the OCPP server as its Commander, so that each command takes the real
// mapping of the station's version and is validated by the peer's schemas;
// as a provider admin. It keeps what the stations said back.
type operationsRig struct {
	w    *world
	svc  *app.Service
	subj access.Subject
	rec  *recorder
	// Per station identity: the local list the station said it holds at
	// the end, the list it was sent, and the requestIds of its firmware
	// update and diagnostics upload (OCPP 2.0.1).
	held     map[string]heldList
	sentList map[string][]fc.LocalListEntry
	requests map[string][2]int
}

// heldList is the local list a scenario reports (LOCALLIST line), in one
// shape for both versions.
type heldList struct {
	Version int      `json:"version"`
	Updates []string `json:"updates"` // fleet.js: the updateType of each SendLocalList
	Entries []struct {
		IDTag       string `json:"idTag"`
		Status      string `json:"status"`
		ExpiryDate  string `json:"expiryDate"`
		ParentIDTag string `json:"parentIdTag"`
	} `json:"entries"`
}

// providerAdmin makes a provider admin of w's provider.
func providerAdmin(t *testing.T, w *world) access.Subject {
	t.Helper()
	ctx := context.Background()
	u := &fc.User{ProviderID: w.Provider.ID, Email: fmt.Sprintf("ops-%d@example.com", w.Provider.ID), Name: "Operations"}
	if err := w.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	a := fc.Assignment{ProviderID: w.Provider.ID, UserID: u.ID, Role: fc.RoleProviderAdmin}
	if err := w.Store.CreateAssignment(ctx, &a); err != nil {
		t.Fatal(err)
	}
	return access.NewSubject(u, []fc.Assignment{a})
}

// newOperationsRig makes a provider admin of w's provider and turns on its
// setting that gives public charge groups' stations a local list (every
// active card), so that both of the world's stations have one to check.
func newOperationsRig(t *testing.T, w *world, e *endpoint, rec *recorder) *operationsRig {
	t.Helper()
	if err := w.Store.SetLocalListPublic(context.Background(), w.Provider.ID, true); err != nil {
		t.Fatal(err)
	}
	return &operationsRig{w: w, rec: rec, subj: providerAdmin(t, w),
		svc:  &app.Service{Store: w.Store, Now: time.Now, Commander: e.srv},
		held: map[string]heldList{}, sentList: map[string][]fc.LocalListEntry{}, requests: map[string][2]int{}}
}

// onLine acts on a scenario's line about the operations: OPERATIONS, when
// it waits for them, and LOCALLIST, what it holds at the end.
func (r *operationsRig) onLine(ctx context.Context, t *testing.T, st *fc.Station, line string) {
	t.Helper()
	switch {
	case line == "OPERATIONS":
		r.operate(ctx, t, st)
	case strings.HasPrefix(line, "LOCALLIST "):
		var h heldList
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "LOCALLIST ")), &h); err != nil {
			t.Errorf("%s: %v", line, err)
		}
		r.held[st.Identity] = h
	}
}

// operate sends the operations, GetDiagnostics last (the scenarios wait for
// it), and checks each answer.
func (r *operationsRig) operate(ctx context.Context, t *testing.T, st *fc.Station) {
	t.Helper()
	v201 := storedStation(t, r.w, st).OCPPVersion == fc.OCPP201
	send := func(cmd app.Command) *app.CommandResult {
		t.Helper()
		res, err := r.svc.SendCommand(ctx, r.subj, st.ID, cmd)
		if err != nil {
			t.Errorf("%s: %v", cmd.Name, err)
			return &app.CommandResult{Reply: json.RawMessage("{}")}
		}
		return res
	}

	// Configuration: read (1.6: every key; 2.0.1: the keys asked, mapped
	// to GetVariables), then changed key by key.
	var keys []string
	if v201 {
		keys = []string{"HeartbeatInterval", "SendLocalListMaxLength", "NoSuchComponent.Variable"}
	}
	res := send(app.Command{Name: app.CommandGetConfiguration, Operation: app.Operation{Keys: keys}})
	var conf struct {
		ConfigurationKey []struct {
			Key      string  `json:"key"`
			Readonly bool    `json:"readonly"`
			Value    *string `json:"value"`
		} `json:"configurationKey"`
		GetVariableResult []struct {
			AttributeStatus string `json:"attributeStatus"`
		} `json:"getVariableResult"`
	}
	if err := json.Unmarshal(res.Reply, &conf); err != nil {
		t.Errorf("get-configuration reply %s: %v", res.Reply, err)
	}
	if v201 {
		var got []string
		for _, g := range conf.GetVariableResult {
			got = append(got, g.AttributeStatus)
		}
		if want := []string{"Accepted", "Accepted", "UnknownComponent"}; !slices.Equal(got, want) {
			t.Errorf("get-configuration on 2.0.1: %v, want %v", got, want)
		}
	} else if len(conf.ConfigurationKey) != 4 {
		t.Errorf("get-configuration of every key: %s, want the station's 4", res.Reply)
	}
	model, err := r.svc.StationDeviceModel(ctx, r.subj, st.ID)
	if err != nil {
		t.Error(err)
	}
	maxLength := slices.IndexFunc(model, func(d fc.DeviceVariable) bool {
		return (d.Variable == "SendLocalListMaxLength" || d.Variable == "ItemsPerMessage") && d.Value != nil && *d.Value == "250"
	})
	if maxLength < 0 {
		t.Errorf("the device model after get-configuration lacks SendLocalListMaxLength 250: %+v", model)
	}
	for _, c := range []struct{ key, value, want string }{
		{"HeartbeatInterval", "600", "Accepted"},
		{"MeterValueSampleInterval", "30", "RebootRequired"},
		{"SendLocalListMaxLength", "10", "Rejected"},
		{"VendorThing.NoSuchKey", "1", "NotSupported"},
	} {
		if got := send(app.Command{Name: app.CommandChangeConfiguration, Operation: app.Operation{Key: c.key, Value: c.value}}).Status; got != c.want {
			t.Errorf("change-configuration %s=%s: %q, want %q", c.key, c.value, got, c.want)
		}
	}

	for _, m := range []string{"StatusNotification", "Heartbeat"} {
		if got := send(app.Command{Name: app.CommandTriggerMessage, ConnectorID: 1, Operation: app.Operation{Message: m}}).Status; got != "Accepted" {
			t.Errorf("trigger-message %s: %q, want Accepted", m, got)
		}
	}

	res = send(app.Command{Name: app.CommandReserveNow, ConnectorID: 2, IDTag: r.w.Good.InternalID, Operation: app.Operation{ExpiresAt: time.Now().Add(time.Hour)}})
	if res.Status != "Accepted" || res.ReservationID <= 0 {
		t.Errorf("reserve-now: %q, reservation %d; want Accepted and its ID", res.Status, res.ReservationID)
	}
	if got := send(app.Command{Name: app.CommandCancelReservation, Operation: app.Operation{ReservationID: res.ReservationID}}).Status; got != "Accepted" {
		t.Errorf("cancel-reservation: %q, want Accepted", got)
	}

	// The local list: what the station's charge group admits.
	desired, err := r.w.Store.DesiredLocalList(ctx, r.w.Provider.ID, st.ChargeGroupID)
	if err != nil || len(desired) == 0 {
		t.Errorf("the charge group's list: %v, %v; want the cards it admits", desired, err)
	}
	r.sentList[st.Identity] = desired
	list := app.Operation{ListVersion: 1, UpdateType: "Full"}
	for _, e := range desired {
		list.Entries = append(list.Entries, app.LocalListEntry{IDTag: e.IDTag, Status: e.Status, ExpiryDate: e.ExpiryDate, ParentIDTag: e.ParentIDTag})
	}
	if got := send(app.Command{Name: app.CommandSendLocalList, Operation: list}).Status; got != "Accepted" {
		t.Errorf("send-local-list: %q, want Accepted", got)
	}
	var version struct {
		ListVersion   *int `json:"listVersion"`
		VersionNumber *int `json:"versionNumber"`
	}
	res = send(app.Command{Name: app.CommandGetLocalListVersion})
	if json.Unmarshal(res.Reply, &version); version.ListVersion == nil && version.VersionNumber == nil ||
		version.ListVersion != nil && *version.ListVersion != 1 || version.VersionNumber != nil && *version.VersionNumber != 1 {
		t.Errorf("get-local-list-version: %s, want version 1", res.Reply)
	}

	// Firmware and diagnostics: accepted, then followed by notifications
	// (checked by check, once the scenario is over).
	fw := send(app.Command{Name: app.CommandUpdateFirmware, Operation: app.Operation{Location: "https://firmware.example/fw-2.1.bin", RetrieveAt: time.Now()}})
	diag := send(app.Command{Name: app.CommandGetDiagnostics, Operation: app.Operation{Location: "ftp://diagnostics.example/upload/"}})
	var file struct {
		FileName string `json:"fileName"`
		Filename string `json:"filename"`
	}
	_ = json.Unmarshal(diag.Reply, &file)
	if want := "diagnostics-" + st.Identity + ".zip"; file.FileName+file.Filename != want {
		t.Errorf("get-diagnostics: %s, want file %s", diag.Reply, want)
	}
	if v201 {
		if fw.Status != "Accepted" || diag.Status != "Accepted" || fw.RequestID <= 0 || diag.RequestID <= 0 {
			t.Errorf("update-firmware %q (request %d), get-diagnostics %q (request %d); want both Accepted with their requestIds",
				fw.Status, fw.RequestID, diag.Status, diag.RequestID)
		}
		r.requests[st.Identity] = [2]int{fw.RequestID, diag.RequestID}
	}
}

// check checks, once the scenario is over, what the operations left: the
// local list the station holds is the charge group's, the station reported
// its connector Reserved and what it was asked to trigger, and its
// firmware update reached Installed and its diagnostics Uploaded.
func (r *operationsRig) check(t *testing.T, st *fc.Station) {
	t.Helper()
	held, ok := r.held[st.Identity]
	if !ok {
		t.Fatalf("%s reported no local list", st.Identity)
	}
	want := r.sentList[st.Identity]
	if held.Version != 1 || len(held.Entries) != len(want) {
		t.Errorf("%s holds list version %d with %+v, want version 1 with %+v", st.Identity, held.Version, held.Entries, want)
	} else {
		byTag := map[string]fc.LocalListEntry{}
		for _, e := range want {
			byTag[e.IDTag] = e
		}
		for _, h := range held.Entries {
			e, ok := byTag[h.IDTag]
			expiry := ""
			if ok && e.ExpiryDate != nil {
				expiry = e.ExpiryDate.UTC().Format(time.RFC3339)
			}
			if !ok || h.Status != e.Status || h.ExpiryDate != expiry || h.ParentIDTag != e.ParentIDTag {
				t.Errorf("%s holds %+v, the charge group's list %+v", st.Identity, h, e)
			}
		}
	}

	reports, err := r.w.Store.StatusHistory(context.Background(), st.ID, 200)
	if err != nil {
		t.Fatal(err)
	}
	reserved := slices.ContainsFunc(reports, func(s fc.StatusReport) bool { return s.ConnectorID == 2 && s.Status == "Reserved" })
	if !reserved {
		t.Errorf("%s never reported connector 2 Reserved: %+v", st.Identity, reports)
	}
	if storedStation(t, r.w, st).OCPPVersion == fc.OCPP16 &&
		!slices.ContainsFunc(reports, func(s fc.StatusReport) bool { return s.ConnectorID == 1 && s.Info == "TriggerMessage" }) {
		t.Errorf("%s never sent the StatusNotification of connector 1 it was asked to: %+v", st.Identity, reports)
	}

	var firmware, diagnostics []fc.StationEvent
	eventually(t, "the firmware and diagnostics notifications", func() bool {
		firmware, diagnostics = nil, nil
		for _, e := range r.rec.seen() {
			switch {
			case e.StationID != st.ID:
			case e.Kind == fc.EventFirmwareStatus && e.Status != "Idle":
				firmware = append(firmware, e)
			case e.Kind == fc.EventDiagnosticsStatus && e.Status != "Idle":
				diagnostics = append(diagnostics, e)
			}
		}
		return len(firmware) >= 4 && len(diagnostics) >= 2
	})
	statuses := func(es []fc.StationEvent, requestID int) []string {
		var out []string
		for _, e := range es {
			if e.RequestID != requestID {
				out = append(out, fmt.Sprintf("%s (request %d)", e.Status, e.RequestID))
				continue
			}
			out = append(out, e.Status)
		}
		return out
	}
	req := r.requests[st.Identity]
	if got, want := statuses(firmware, req[0]), []string{"Downloading", "Downloaded", "Installing", "Installed"}; !slices.Equal(got, want) {
		t.Errorf("%s firmware status: %v, want %v", st.Identity, got, want)
	}
	if got, want := statuses(diagnostics, req[1]), []string{"Uploading", "Uploaded"}; !slices.Equal(got, want) {
		t.Errorf("%s diagnostics status: %v, want %v", st.Identity, got, want)
	}
}

// TestThirdPartyFirmwareJob runs e2e/fleet.js, three ocpp-rpc stations in
// strict mode (two OCPP 1.6, one 2.0.1), against a real server whose
// station work (app.Operations) runs beside it: a firmware job over the
// three, made while the 2.0.1 one is offline, reaches Installed on the two
// online and marks the third offline; once it reconnects the job sends it
// the update too, follows it to Installed by its requestId, and is done.
// Meanwhile the stations' local lists are kept in sync with their charge
// groups (a public one, with the provider's setting that gives it every
// active card, and a restricted one): after a card is blocked, each
// station holds exactly the cards its group admits, the blocked one
// removed by a differential update.
func TestThirdPartyFirmwareJob(t *testing.T) {
	_, dir := thirdPartyPeer(t)
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

		third := &fc.Station{ProviderID: w.Provider.ID, AccountID: w.Station.AccountID, LocationID: w.Station.LocationID,
			ChargeGroupID: w.Station.ChargeGroupID, Identity: w.Station.Identity + "-3", PasswordHash: secret.HashStationPassword(w.Password)}
		if err := s.CreateStation(ctx, third, 2); err != nil {
			t.Fatal(err)
		}
		fleet := []*fc.Station{w.Station, w.Restricted, third}
		subj := providerAdmin(t, w)
		svc := &app.Service{Store: s, Now: time.Now, Commander: e.srv, Operations: ops}
		var job *fc.StationJob
		results := func() map[string]fc.StationJobResult {
			t.Helper()
			rs, err := svc.StationJobResults(ctx, subj, job.ID, fc.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]fc.StationJobResult{}
			for _, r := range rs {
				out[r.Identity] = r
			}
			return out
		}
		installed := func(r fc.StationJobResult) bool {
			return r.Status == fc.ResultAccepted && r.Progress == "Installed" && r.Final
		}
		if err := svc.SetLocalListPublic(ctx, subj, true); err != nil {
			t.Fatal(err)
		}
		held := map[string]heldList{}

		args := []string{strings.TrimSuffix(e.base, "/"), w.Password,
			w.Station.Identity + ":1.6", w.Restricted.Identity + ":1.6", third.Identity + ":2.0.1"}
		runNode(t, dir, "fleet.js", args, func(_ context.Context, line string, stdin io.Writer) {
			switch {
			case line == "INSTALLED":
				// Block a card once every station is in sync, then wait
				// for the lists to follow.
				inSync := func() bool {
					for _, st := range fleet {
						if l, err := svc.StationLocalList(ctx, subj, st.ID); err != nil || !l.InSync {
							return false
						}
					}
					return true
				}
				eventually(t, "every local list in sync", inSync)
				if _, err := svc.UpdateCard(ctx, subj, w.Good.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
					t.Fatal(err)
				}
				eventually(t, "every local list in sync after the block", inSync)
				if _, err := io.WriteString(stdin, "REPORT\n"); err != nil {
					t.Error(err)
				}
				return
			case strings.HasPrefix(line, "LOCALLIST "):
				identity, list, _ := strings.Cut(strings.TrimPrefix(line, "LOCALLIST "), " ")
				var h heldList
				if err := json.Unmarshal([]byte(list), &h); err != nil {
					t.Errorf("%s: %v", line, err)
				}
				held[identity] = h
				return
			case line != "OFFLINE":
				return
			}
			eventually(t, third.Identity+" offline", func() bool { return !e.srv.Online(third.Identity) })
			cmd := app.Command{Name: app.CommandUpdateFirmware, Operation: app.Operation{Location: "https://firmware.example/fleet-3.0.bin", RetrieveAt: time.Now()}}
			var err error
			job, err = svc.CreateStationJob(ctx, subj, app.JobInput{Command: cmd, Args: json.RawMessage(`{"location":"https://firmware.example/fleet-3.0.bin"}`),
				Target: fc.JobTarget{StationIDs: []fc.ID{fleet[0].ID, fleet[1].ID, fleet[2].ID}}})
			if err != nil {
				t.Fatal(err)
			}
			var rs map[string]fc.StationJobResult
			waitUntil(t, "the online stations installed, the offline one marked", func() (bool, any) {
				rs = results()
				return installed(rs[fleet[0].Identity]) && installed(rs[fleet[1].Identity]) && rs[third.Identity].Status == fc.ResultOffline, rs
			})
			if got, err := svc.StationJob(ctx, subj, job.ID); err != nil || got.Status != fc.JobRunning {
				t.Errorf("the job with a station offline: %+v, %v; want running", got, err)
			}
			if _, err := io.WriteString(stdin, "RECONNECT\n"); err != nil {
				t.Error(err)
			}
		})
		if job == nil {
			t.Fatal("fleet.js never went offline")
		}
		waitUntil(t, "the job done", func() (bool, any) {
			got, err := svc.StationJob(ctx, subj, job.ID)
			return err == nil && got.Status == fc.JobDone, results()
		})
		rs := results()
		for _, st := range fleet {
			if r := rs[st.Identity]; !installed(r) {
				t.Errorf("%s in the job: %+v, want accepted and Installed", st.Identity, r)
			}
		}
		if r := rs[third.Identity]; r.Attempts < 2 {
			t.Errorf("%s was sent the job %d times, want once offline and once after it reconnected", third.Identity, r.Attempts)
		}

		// The lists: the public group's stations hold every active card
		// (the Foreign one, of another account), the restricted group's
		// the active cards of the account it admits (none, once Good is
		// blocked); each got its full list, then the block differentially.
		public := map[string]string{w.Foreign.InternalID: fc.AccountIDTag(w.Foreign.AccountID)}
		for _, c := range []struct {
			st   *fc.Station
			want map[string]string
		}{{w.Station, public}, {w.Restricted, map[string]string{}}, {third, public}} {
			h := held[c.st.Identity]
			got := map[string]string{}
			for _, e := range h.Entries {
				got[e.IDTag] = e.ParentIDTag
				if e.Status != "Accepted" || e.ExpiryDate != "" {
					t.Errorf("%s holds %+v, want Accepted without expiry", c.st.Identity, e)
				}
			}
			if !maps.Equal(got, c.want) {
				t.Errorf("%s holds %v, want its charge group's cards %v", c.st.Identity, got, c.want)
			}
			if len(h.Updates) < 2 || h.Updates[0] != "Full" || h.Updates[len(h.Updates)-1] != "Differential" {
				t.Errorf("%s was sent %v (list version %d), want a full list, then the block as a differential update", c.st.Identity, h.Updates, h.Version)
			}
		}
	})
}

// waitUntil waits for cond, a little longer than eventually (the station
// work runs beside the test on a loaded machine), and fails the test with
// what cond last saw.
func waitUntil(t *testing.T, what string, cond func() (bool, any)) {
	t.Helper()
	deadline := time.Now().Add(3 * testTimeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v", what, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
