package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/access/accesstest"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var softReset = app.Command{Name: app.CommandReset, Type: "Soft"}

// TestStationJobScope: over generated trees, a job over an organization
// holds exactly the stations of its subtree the user may command; an
// organization the user cannot see is not found; the job is read by its
// creator and provider admins only, and never names a station the reader
// cannot see.
func TestStationJobScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		for seed := uint64(1); seed <= 3; seed++ {
			w := buildMigrationWorld(t, s, 400+seed)
			m := accesstest.NewModel(w.ref)
			checked := 0
			for _, u := range w.users {
				subj, err := w.svc.Subject(w.ctx, &u)
				if err != nil {
					t.Fatal(err)
				}
				for _, org := range w.ref.Organizations {
					orgObj := accesstest.Object{Kind: fc.KindOrganization, ProviderID: org.ProviderID, ID: org.ID}
					var want []fc.ID
					for _, st := range w.ref.Stations {
						x := accesstest.Object{Kind: fc.KindStation, ProviderID: st.ProviderID, ID: st.ID}
						if slices.Contains(m.Owner(x).OrgPath, org.ID) && m.Allowed(u.ID, access.StationsCommand, x) {
							want = append(want, st.ID)
						}
					}
					j, err := w.svc.CreateStationJob(w.ctx, subj, app.JobInput{Command: softReset, Target: fc.JobTarget{OrganizationID: org.ID}})
					switch {
					case !m.Allowed(u.ID, access.OrganizationsRead, orgObj):
						if !fc.IsCode(err, fc.ENotFound) {
							t.Fatalf("user %s, hidden organization %s: %v", u.ID, org.ID, err)
						}
						continue
					case len(want) == 0:
						if !fc.IsCode(err, fc.EUnprocessable) {
							t.Fatalf("user %s, organization %s without its stations: %v", u.ID, org.ID, err)
						}
						continue
					case err != nil:
						t.Fatalf("user %s, organization %s: %v", u.ID, org.ID, err)
					}
					checked++
					all, err := w.svc.StationJobResults(w.ctx, w.admin, j.ID, fc.Page{Limit: fc.MaxPageSize})
					if err != nil {
						t.Fatal(err)
					}
					got := []fc.ID{}
					for _, r := range all {
						got = append(got, r.StationID)
					}
					slices.Sort(want)
					if !slices.Equal(got, want) {
						t.Fatalf("user %s, organization %s: job over %v, want %v", u.ID, org.ID, got, want)
					}
					// Every other user: the job is not found, or (another
					// provider admin) its results name only what it sees.
					for _, v := range w.users {
						vs, _ := w.svc.Subject(w.ctx, &v)
						rs, err := w.svc.StationJobResults(w.ctx, vs, j.ID, fc.Page{Limit: fc.MaxPageSize})
						if v.ID != u.ID && !access.Reach(vs, access.StationsCommand).All {
							if !fc.IsCode(err, fc.ENotFound) {
								t.Fatalf("user %s reads the job of user %s: %v", v.ID, u.ID, err)
							}
							continue
						}
						for _, r := range rs {
							if !m.Allowed(v.ID, access.StationsRead, accesstest.Object{Kind: fc.KindStation, ProviderID: org.ProviderID, ID: r.StationID}) {
								t.Fatalf("user %s reads station %s in a job", v.ID, r.StationID)
							}
						}
					}
				}
			}
			if checked == 0 {
				t.Errorf("seed %d: no job was created", seed)
			}
		}
	})
}

// jobWorld is a provider with two organizations, A and B, each with an
// account, a charge group and stations; admin is a provider admin and
// facility a facility manager of A.
type jobWorld struct {
	s                *store.Store
	svc              *app.Service
	ctx              context.Context
	admin, facility  access.Subject
	orgA, orgB       *fc.Organization
	groupA           *fc.ChargeGroup
	stationsA, bOnly []*fc.Station
	now              time.Time
	mu               sync.Mutex
}

func (w *jobWorld) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *jobWorld) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}

func buildJobWorld(t *testing.T, s *store.Store, stationsA int) *jobWorld {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	w := &jobWorld{s: s, ctx: ctx, now: time.Now().UTC()}
	w.svc = &app.Service{Store: s, Now: w.clock}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := &fc.Provider{Name: "CPO"}
	must(s.CreateProvider(ctx, p))
	station := func(org *fc.Organization, n int) ([]*fc.Station, *fc.ChargeGroup) {
		a := &fc.Account{ProviderID: p.ID, OrganizationID: org.ID, Name: org.Name + " account", Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, a))
		l := &fc.Location{ProviderID: p.ID, AccountID: a.ID, Name: "Office", Kind: fc.LocationOffice}
		must(s.CreateLocation(ctx, l))
		g := &fc.ChargeGroup{ProviderID: p.ID, AccountID: a.ID, Name: "Group", Kind: fc.GroupOther, Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR"}}
		must(s.CreateChargeGroup(ctx, g))
		var out []*fc.Station
		for i := range n {
			st := &fc.Station{ProviderID: p.ID, AccountID: a.ID, LocationID: l.ID, ChargeGroupID: g.ID, Identity: fmt.Sprintf("%s-%d", org.Name, i)}
			must(s.CreateStation(ctx, st, 2))
			out = append(out, st)
		}
		return out, g
	}
	w.orgA = &fc.Organization{ProviderID: p.ID, Name: "A"}
	must(s.CreateOrganization(ctx, w.orgA))
	w.orgB = &fc.Organization{ProviderID: p.ID, Name: "B"}
	must(s.CreateOrganization(ctx, w.orgB))
	w.stationsA, w.groupA = station(w.orgA, stationsA)
	w.bOnly, _ = station(w.orgB, 1)
	user := func(email string, a *fc.Assignment) access.Subject {
		u := &fc.User{ProviderID: p.ID, Email: email, Name: email}
		must(s.CreateUser(ctx, u))
		a.ProviderID, a.UserID = p.ID, u.ID
		must(s.CreateAssignment(ctx, a))
		return access.NewSubject(u, []fc.Assignment{*a})
	}
	w.admin = user("admin@example.com", &fc.Assignment{Role: fc.RoleProviderAdmin})
	w.facility = user("facility@example.com", &fc.Assignment{Role: fc.RoleFacilityManager, OrganizationID: w.orgA.ID})
	return w
}

// TestStationJobCreate: the target kinds, the refusals (hidden or
// uncommandable stations, no target, several, a session's command, bad
// arguments, a far deadline) and what is stored.
func TestStationJobCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildJobWorld(t, s, 2)
		a0, b0 := w.stationsA[0].ID, w.bOnly[0].ID
		for _, tt := range []struct {
			name string
			subj access.Subject
			in   app.JobInput
			code string
		}{
			{"another organization's station", w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{StationIDs: []fc.ID{a0, b0}}}, fc.ENotFound},
			{"a missing station", w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{StationIDs: []fc.ID{999999}}}, fc.ENotFound},
			{"another organization", w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{OrganizationID: w.orgB.ID}}, fc.ENotFound},
			{"a missing group", w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{ChargeGroupID: 999999}}, fc.ENotFound},
			{"no target", w.facility, app.JobInput{Command: softReset}, fc.EInvalid},
			{"two targets", w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{StationIDs: []fc.ID{a0}, OrganizationID: w.orgA.ID}}, fc.EInvalid},
			{"a session's command", w.facility, app.JobInput{Command: app.Command{Name: app.CommandRemoteStart, IDTag: "X"}, Target: fc.JobTarget{OrganizationID: w.orgA.ID}}, fc.EUnprocessable},
			{"an unknown command", w.facility, app.JobInput{Command: app.Command{Name: "teleport"}, Target: fc.JobTarget{OrganizationID: w.orgA.ID}}, fc.EInvalid},
			{"bad arguments", w.facility, app.JobInput{Command: app.Command{Name: app.CommandReset, Type: "Gentle"}, Target: fc.JobTarget{OrganizationID: w.orgA.ID}}, fc.EInvalid},
			{"a connector a station lacks", w.facility, app.JobInput{Command: app.Command{Name: app.CommandChangeAvailability, Type: "Inoperative", ConnectorID: 3}, Target: fc.JobTarget{ChargeGroupID: w.groupA.ID}}, fc.EInvalid},
			{"an OCPP 2.0.1 command on 1.6 stations", w.facility, app.JobInput{Command: app.Command{Name: app.CommandGetInstalledCertificateIDs}, Target: fc.JobTarget{OrganizationID: w.orgA.ID}}, fc.EUnprocessable},
			{"a far deadline", w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{OrganizationID: w.orgA.ID}, Deadline: w.now.Add(31 * 24 * time.Hour)}, fc.EInvalid},
			{"a past deadline", w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{OrganizationID: w.orgA.ID}, Deadline: w.now.Add(-time.Minute)}, fc.EInvalid},
		} {
			if _, err := w.svc.CreateStationJob(w.ctx, tt.subj, tt.in); !fc.IsCode(err, tt.code) {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
		}
		if jobs, _ := w.svc.StationJobs(w.ctx, w.admin, fc.StationJobFilter{}); len(jobs) != 0 {
			t.Errorf("a refused job was stored: %+v", jobs)
		}
		if _, err := w.svc.CreateStationJob(w.ctx, w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{StationIDs: []fc.ID{a0}}}); err != nil {
			t.Errorf("facility manager's own station: %v", err)
		}
		for _, target := range []fc.JobTarget{{ChargeGroupID: w.groupA.ID}, {OrganizationID: w.orgA.ID}, {StationIDs: []fc.ID{w.stationsA[1].ID, a0, a0}}} {
			j, err := w.svc.CreateStationJob(w.ctx, w.facility, app.JobInput{Command: softReset, Args: json.RawMessage(`{ "type": "Soft" }`), Target: target})
			if err != nil {
				t.Fatalf("%+v: %v", target, err)
			}
			if j.Status != fc.JobRunning || j.Progress[fc.ResultPending] != 2 || string(j.Args) != `{"type":"Soft"}` ||
				!j.Deadline.Equal(w.now.Add(app.DefaultJobDeadline).Truncate(time.Millisecond)) {
				t.Errorf("job over %+v: %+v", target, j)
			}
		}
		// The admin reads every job, the facility manager its own.
		adminJob, err := w.svc.CreateStationJob(w.ctx, w.admin, app.JobInput{Command: softReset, Target: fc.JobTarget{StationIDs: []fc.ID{b0}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.StationJob(w.ctx, w.facility, adminJob.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("facility manager reads the admin's job: %v", err)
		}
		mine, _ := w.svc.StationJobs(w.ctx, w.facility, fc.StationJobFilter{})
		all, _ := w.svc.StationJobs(w.ctx, w.admin, fc.StationJobFilter{})
		if len(mine) != 4 || len(all) != 5 {
			t.Errorf("jobs listed: facility %d, admin %d", len(mine), len(all))
		}
		// Firmware jobs carry one request ID, sent to every station.
		fw := app.Command{Name: app.CommandUpdateFirmware, Operation: app.Operation{Location: "https://fw.example/2.bin", RetrieveAt: w.now}}
		j, err := w.svc.CreateStationJob(w.ctx, w.facility, app.JobInput{Command: fw, Target: fc.JobTarget{OrganizationID: w.orgA.ID}})
		if err != nil || j.RequestID == 0 {
			t.Fatalf("firmware job: %+v %v", j, err)
		}
	})
}

// fakeStations answers calls as each station is set to: accept (the
// default), reject, offline, or fail; it counts the calls in flight, and
// with hold set keeps each call until released.
type fakeStations struct {
	mu       sync.Mutex
	mode     map[string]string
	calls    map[string][]string // identity → actions
	payloads map[string][]json.RawMessage
	inFlight int
	maxIn    int
	hold     chan struct{}
	// before, when set, runs before a call is answered (a station that
	// reports progress before its answer arrives).
	before func(identity, action string)
}

func newFakeStations() *fakeStations {
	return &fakeStations{mode: map[string]string{}, calls: map[string][]string{}, payloads: map[string][]json.RawMessage{}}
}

func (f *fakeStations) set(identity, mode string) {
	f.mu.Lock()
	f.mode[identity] = mode
	f.mu.Unlock()
}

func (f *fakeStations) Call(ctx context.Context, identity, action string, req any) (json.RawMessage, error) {
	b, _ := json.Marshal(req)
	f.mu.Lock()
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	f.calls[identity] = append(f.calls[identity], action)
	f.payloads[identity] = append(f.payloads[identity], b)
	mode, hold, before := f.mode[identity], f.hold, f.before
	f.mu.Unlock()
	if before != nil {
		before(identity, action)
	}
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	switch mode {
	case "offline":
		return nil, fc.Errorf(fc.EConflict, "station %s is offline", identity)
	case "fail":
		return nil, fc.Errorf(fc.EUnavailable, "station %s did not answer %s in time", identity, action)
	case "reject":
		return json.RawMessage(`{"status":"Rejected"}`), nil
	}
	if action == "UpdateFirmware" {
		return json.RawMessage(`{}`), nil
	}
	return json.RawMessage(`{"status":"Accepted"}`), nil
}

func (f *fakeStations) count(identity string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls[identity])
}

// startRunner runs the station work on the world's store with the fake,
// until the test ends.
func startRunner(t *testing.T, w *jobWorld, f *fakeStations, concurrency int) *app.Operations {
	t.Helper()
	o := app.NewOperations(w.s, nil, w.clock)
	o.SetCommander(f)
	o.SetJobConcurrency(concurrency)
	o.SetJobPoll(time.Hour) // only wake-ups move it: the test proves they do
	w.svc.Operations = o
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { o.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return o
}

// waitFor polls until cond holds, failing the test after a generous
// while; it asserts no timing, only that the state is reached.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("never: %s", what)
}

// resultsOf returns the job's results by station identity.
func resultsOf(t *testing.T, w *jobWorld, id fc.ID) (*fc.StationJob, map[string]fc.StationJobResult) {
	t.Helper()
	j, err := w.svc.StationJob(w.ctx, w.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := w.svc.StationJobResults(w.ctx, w.admin, id, fc.Page{Limit: fc.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]fc.StationJobResult{}
	for _, r := range rs {
		out[r.Identity] = r
	}
	return j, out
}

// TestStationJobRunner: accepted, rejected, failed and offline stations;
// the offline one answers once it connects and the job is done.
func TestStationJobRunner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildJobWorld(t, s, 4)
		f := newFakeStations()
		f.set("A-1", "reject")
		f.set("A-2", "offline")
		f.set("A-3", "fail")
		o := startRunner(t, w, f, 20)
		j, err := w.svc.CreateStationJob(w.ctx, w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{OrganizationID: w.orgA.ID}})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "every station called", func() bool {
			_, rs := resultsOf(t, w, j.ID)
			return rs["A-0"].Final && rs["A-1"].Final && rs["A-3"].Final && rs["A-2"].Status == fc.ResultOffline
		})
		job, rs := resultsOf(t, w, j.ID)
		if job.Status != fc.JobRunning {
			t.Errorf("job with an offline station: %s", job.Status)
		}
		if r := rs["A-0"]; r.Status != fc.ResultAccepted || string(r.Reply) != `{"status":"Accepted"}` || r.Attempts != 1 {
			t.Errorf("accepting station: %+v", r)
		}
		if r := rs["A-1"]; r.Status != fc.ResultRejected {
			t.Errorf("rejecting station: %+v", r)
		}
		if r := rs["A-3"]; r.Status != fc.ResultFailed || r.Error == "" {
			t.Errorf("failing station: %+v", r)
		}
		if f.count("B-0") != 0 {
			t.Errorf("a station outside the job was called")
		}
		// It connects: sent again, accepted, and the job is done.
		f.set("A-2", "")
		o.StationEvent(w.ctx, fc.StationEvent{Kind: fc.EventConnected, StationID: w.stationsA[2].ID, Identity: "A-2"})
		waitFor(t, "the job done", func() bool {
			job, _ := resultsOf(t, w, j.ID)
			return job.Status == fc.JobDone
		})
		_, rs = resultsOf(t, w, j.ID)
		if r := rs["A-2"]; r.Status != fc.ResultAccepted || r.Attempts != 2 {
			t.Errorf("reconnected station: %+v", r)
		}
		if f.count("A-0") != 1 {
			t.Errorf("an answered station was called again: %d", f.count("A-0"))
		}
	})
}

// TestStationJobDeadline: a station offline until the deadline fails.
func TestStationJobDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildJobWorld(t, s, 2)
		f := newFakeStations()
		f.set("A-1", "offline")
		o := startRunner(t, w, f, 20)
		j, err := w.svc.CreateStationJob(w.ctx, w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{OrganizationID: w.orgA.ID},
			Deadline: w.now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the offline station tried", func() bool {
			_, rs := resultsOf(t, w, j.ID)
			return rs["A-1"].Status == fc.ResultOffline && rs["A-0"].Final
		})
		w.advance(2 * time.Hour)
		o.WakeJobs()
		waitFor(t, "the job done", func() bool {
			job, _ := resultsOf(t, w, j.ID)
			return job.Status == fc.JobDone
		})
		// Connecting after the deadline sends nothing.
		o.StationEvent(w.ctx, fc.StationEvent{Kind: fc.EventConnected, StationID: w.stationsA[1].ID})
		_, rs := resultsOf(t, w, j.ID)
		if r := rs["A-1"]; r.Status != fc.ResultFailed || r.Error != "deadline passed" {
			t.Errorf("station offline past the deadline: %+v", r)
		}
	})
}

// TestStationJobFirmware: a firmware campaign follows each station's
// FirmwareStatusNotification: to Installed (accepted), to a failure
// (failed); one request ID for the job, which OCPP 2.0.1 stations'
// notifications must carry.
func TestStationJobFirmware(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildJobWorld(t, s, 2)
		f := newFakeStations()
		o := startRunner(t, w, f, 20)
		fw := app.Command{Name: app.CommandUpdateFirmware, Operation: app.Operation{Location: "https://fw.example/3.bin", RetrieveAt: w.now}}
		j, err := w.svc.CreateStationJob(w.ctx, w.facility, app.JobInput{Command: fw, Target: fc.JobTarget{OrganizationID: w.orgA.ID}})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "both accepted", func() bool {
			_, rs := resultsOf(t, w, j.ID)
			return rs["A-0"].Status == fc.ResultAccepted && rs["A-1"].Status == fc.ResultAccepted
		})
		event := func(i int, status string, requestID int) {
			o.StationEvent(w.ctx, fc.StationEvent{Kind: fc.EventFirmwareStatus, StationID: w.stationsA[i].ID, Status: status, RequestID: requestID, OCPPVersion: fc.OCPP16})
		}
		event(0, "Downloading", 0)
		event(1, "Downloading", 0)
		waitFor(t, "downloading", func() bool {
			_, rs := resultsOf(t, w, j.ID)
			return rs["A-0"].Progress == "Downloading" && rs["A-1"].Progress == "Downloading"
		})
		job, rs := resultsOf(t, w, j.ID)
		if job.Status != fc.JobRunning || rs["A-0"].Final {
			t.Errorf("campaign under way: %s %+v", job.Status, rs["A-0"])
		}
		event(0, "Installing", 0)
		event(0, "Installed", 0)
		event(1, "InstallationFailed", 0)
		waitFor(t, "the campaign done", func() bool {
			job, _ := resultsOf(t, w, j.ID)
			return job.Status == fc.JobDone
		})
		_, rs = resultsOf(t, w, j.ID)
		if r := rs["A-0"]; r.Status != fc.ResultAccepted || r.Progress != "Installed" || !r.Final {
			t.Errorf("installed: %+v", r)
		}
		if r := rs["A-1"]; r.Status != fc.ResultFailed || r.Progress != "InstallationFailed" {
			t.Errorf("failed installation: %+v", r)
		}
		// The request carried the job's request ID on no 1.6 station (it
		// has none), and each station got the one call.
		if f.count("A-0") != 1 || f.count("A-1") != 1 {
			t.Errorf("calls: %d, %d", f.count("A-0"), f.count("A-1"))
		}

		// On OCPP 2.0.1 a notification of another request moves nothing.
		if _, err := s.DB().ExecContext(w.ctx, `UPDATE stations SET ocpp_version = '2.0.1'`); err != nil {
			t.Fatal(err)
		}
		j2, err := w.svc.CreateStationJob(w.ctx, w.facility, app.JobInput{Command: fw, Target: fc.JobTarget{StationIDs: []fc.ID{w.stationsA[0].ID}}})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "accepted on 2.0.1", func() bool {
			_, rs := resultsOf(t, w, j2.ID)
			return rs["A-0"].Status == fc.ResultAccepted
		})
		var sent struct {
			RequestID int `json:"requestId"`
		}
		f.mu.Lock()
		_ = json.Unmarshal(f.payloads["A-0"][1], &sent)
		f.mu.Unlock()
		if sent.RequestID != j2.RequestID {
			t.Errorf("requestId sent %d, job's %d", sent.RequestID, j2.RequestID)
		}
		v201 := func(status string, requestID int) {
			o.StationEvent(w.ctx, fc.StationEvent{Kind: fc.EventFirmwareStatus, StationID: w.stationsA[0].ID, Status: status, RequestID: requestID, OCPPVersion: fc.OCPP201})
		}
		v201("DownloadFailed", j2.RequestID+1)
		v201("Downloading", j2.RequestID)
		waitFor(t, "progress of the job's request", func() bool {
			_, rs := resultsOf(t, w, j2.ID)
			return rs["A-0"].Progress == "Downloading"
		})
		v201("Installed", j2.RequestID)
		waitFor(t, "installed on 2.0.1", func() bool {
			job, rs := resultsOf(t, w, j2.ID)
			return job.Status == fc.JobDone && rs["A-0"].Status == fc.ResultAccepted
		})
	})
}

// TestStationJobConcurrency: no more calls are out at once than the bound.
func TestStationJobConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildJobWorld(t, s, 12)
		f := newFakeStations()
		f.hold = make(chan struct{})
		const bound = 3
		startRunner(t, w, f, bound)
		j, err := w.svc.CreateStationJob(w.ctx, w.facility, app.JobInput{Command: softReset, Target: fc.JobTarget{OrganizationID: w.orgA.ID}})
		if err != nil {
			t.Fatal(err)
		}
		for released := 0; released < 12; released++ {
			waitFor(t, "a call out", func() bool {
				f.mu.Lock()
				defer f.mu.Unlock()
				return f.inFlight > 0
			})
			f.hold <- struct{}{}
		}
		waitFor(t, "the job done", func() bool {
			job, _ := resultsOf(t, w, j.ID)
			return job.Status == fc.JobDone
		})
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.maxIn > bound || f.maxIn < 1 {
			t.Errorf("at most %d calls out at once, want 1 to %d", f.maxIn, bound)
		}
	})
}

// TestStationJobEarlyProgress: stations that report their whole firmware
// update before their answer to UpdateFirmware is recorded still end
// Installed: the progress waits for the answer.
func TestStationJobEarlyProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildJobWorld(t, s, 3)
		f := newFakeStations()
		o := startRunner(t, w, f, 20)
		byIdentity := map[string]fc.ID{}
		for _, st := range w.stationsA {
			byIdentity[st.Identity] = st.ID
		}
		f.before = func(identity, action string) {
			for _, status := range []string{"Downloading", "Downloaded", "Installing", "Installed"} {
				o.StationEvent(w.ctx, fc.StationEvent{Kind: fc.EventFirmwareStatus, StationID: byIdentity[identity], Status: status, OCPPVersion: fc.OCPP16})
			}
			time.Sleep(20 * time.Millisecond) // the runner handles the events first, most of the time
		}
		fw := app.Command{Name: app.CommandUpdateFirmware, Operation: app.Operation{Location: "https://fw.example/4.bin", RetrieveAt: w.now}}
		j, err := w.svc.CreateStationJob(w.ctx, w.facility, app.JobInput{Command: fw, Target: fc.JobTarget{OrganizationID: w.orgA.ID}})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "every station installed", func() bool {
			job, _ := resultsOf(t, w, j.ID)
			return job.Status == fc.JobDone
		})
		_, rs := resultsOf(t, w, j.ID)
		for id, r := range rs {
			if r.Status != fc.ResultAccepted || r.Progress != "Installed" {
				t.Errorf("%s: %+v", id, r)
			}
		}
	})
}
