package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestStationJobs: a job's targets resolve in the scope given, the job and
// its pending results are stored in one go with an audit event, reads are
// scoped (creator or all; results on visible stations), and the runner's
// transitions (claim, answer, offline and back, progress, deadline, done)
// hold, on both engines.
func TestStationJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		w := mustWorld(t, s, "JOB")
		other := mustOrg(t, s, w.Provider.ID, 0, "Other")
		oa := mustAccount(t, s, w.Provider.ID, other.ID, "Other account")
		ol := mustLocation(t, s, oa, fc.LocationOffice, 0)
		og := mustChargeGroup(t, s, oa, fc.AccessPublic)
		st2 := mustStation(t, s, w.Account, w.Office, w.Group, "JOB-CP2")
		ost := mustStation(t, s, oa, ol, og, "JOB-OTHER")
		user := mustUser(t, s, w.Provider.ID, "jobs@example.com")
		stranger := mustUser(t, s, w.Provider.ID, "stranger@example.com")

		mine := stationScope(orgScope(w.Provider.ID, w.Org.ID))
		command := fc.Reach{OrgIDs: []fc.ID{w.Org.ID}}
		byOrg, err := s.JobStations(ctx, mine, command, fc.JobTarget{OrganizationID: w.Org.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := idsOf(byOrg, func(j fc.JobStation) fc.ID { return j.ID }); !slices.Equal(got, []fc.ID{w.Station.ID, st2.ID}) {
			t.Fatalf("organization's stations = %v", got)
		}
		if len(byOrg[0].ChargePoints) != 2 || !byOrg[0].Commandable {
			t.Errorf("station of a job: %+v", byOrg[0])
		}
		// Another organization's stations are not reached, by
		// organization, group or name.
		if got, _ := s.JobStations(ctx, mine, command, fc.JobTarget{OrganizationID: other.ID}); len(got) != 0 {
			t.Errorf("other organization: %v", got)
		}
		if got, _ := s.JobStations(ctx, mine, command, fc.JobTarget{ChargeGroupID: og.ID}); len(got) != 0 {
			t.Errorf("other group: %v", got)
		}
		named, _ := s.JobStations(ctx, mine, command, fc.JobTarget{StationIDs: []fc.ID{w.Station.ID, ost.ID}})
		if len(named) != 1 || named[0].ID != w.Station.ID {
			t.Errorf("named stations: %v", named)
		}
		// Visible but not commanded: named, it says so; in a group, left out.
		if got, _ := s.JobStations(ctx, mine, fc.Reach{}, fc.JobTarget{StationIDs: []fc.ID{w.Station.ID}}); len(got) != 1 || got[0].Commandable {
			t.Errorf("visible, not commandable: %+v", got)
		}
		if got, _ := s.JobStations(ctx, mine, fc.Reach{}, fc.JobTarget{ChargeGroupID: w.Group.ID}); len(got) != 0 {
			t.Errorf("group without command: %v", got)
		}

		deadline := time.Now().Add(time.Hour)
		j := &fc.StationJob{ProviderID: w.Provider.ID, CreatedBy: user.ID, Command: "update-firmware",
			Args: json.RawMessage(`{"location":"https://fw.example/1.bin"}`), Call: json.RawMessage(`{"Name":"update-firmware"}`), RequestID: 77, Deadline: deadline}
		if err := s.CreateStationJob(ctx, j, []fc.ID{w.Station.ID, st2.ID, ost.ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateStationJob(ctx, &fc.StationJob{ProviderID: w.Provider.ID, Command: "reset", Call: json.RawMessage(`{}`), Deadline: deadline}, nil); !fc.IsCode(err, fc.EUnprocessable) {
			t.Errorf("job without stations: %v", err)
		}
		creator := fc.JobScope{ProviderID: w.Provider.ID, UserID: user.ID, Stations: mine}
		got, err := s.StationJob(ctx, creator, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != fc.JobRunning || got.Command != "update-firmware" || got.RequestID != 77 || string(got.Call) != `{"Name":"update-firmware"}` ||
			!got.Deadline.Equal(deadline.Truncate(time.Millisecond)) || got.Progress[fc.ResultPending] != 2 {
			t.Errorf("job read back: %+v", got)
		}
		if _, err := s.StationJob(ctx, fc.JobScope{ProviderID: w.Provider.ID, UserID: stranger.ID, Stations: mine}, j.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("a stranger reads the job: %v", err)
		}
		all := fc.JobScope{ProviderID: w.Provider.ID, All: true, Stations: fc.StationScope{ProviderID: w.Provider.ID, Reach: fc.Everything}}
		if got, err := s.StationJob(ctx, all, j.ID); err != nil || got.Progress[fc.ResultPending] != 3 {
			t.Errorf("provider-wide read: %+v %v", got, err)
		}
		results, err := s.StationJobResults(ctx, creator, j.ID, fc.Page{})
		if err != nil || len(results) != 2 || results[0].Identity != "JOB-CP1" || results[1].StationID != st2.ID {
			t.Errorf("results seen by the creator: %+v %v", results, err)
		}
		if list, err := s.StationJobs(ctx, creator, fc.StationJobFilter{}); err != nil || len(list) != 1 || list[0].ID != j.ID {
			t.Errorf("jobs of the creator: %+v %v", list, err)
		}
		if list, err := s.StationJobs(ctx, fc.JobScope{ProviderID: w.Provider.ID, UserID: stranger.ID}, fc.StationJobFilter{}); err != nil || len(list) != 0 {
			t.Errorf("jobs of a stranger: %+v %v", list, err)
		}
		var audited int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'station_job.create' AND object_id = $1`, int64(j.ID)).Scan(&audited); err != nil || audited != 1 {
			t.Errorf("audit events of the job: %d %v", audited, err)
		}

		// The runner: two claims take the three results once.
		running, err := s.RunningStationJobs(ctx)
		if err != nil || len(running) != 1 {
			t.Fatalf("running jobs: %v %v", running, err)
		}
		work, err := s.ClaimJobResults(ctx, &running[0], 2)
		if err != nil || len(work) != 2 || work[0].Station.Identity != "JOB-CP1" || len(work[0].Station.ChargePoints) != 2 {
			t.Fatalf("first claim: %+v %v", work, err)
		}
		rest, _ := s.ClaimJobResults(ctx, &running[0], 5)
		if len(rest) != 1 || rest[0].Station.ID != ost.ID {
			t.Fatalf("second claim: %+v", rest)
		}
		if again, _ := s.ClaimJobResults(ctx, &running[0], 5); len(again) != 0 {
			t.Errorf("claimed twice: %+v", again)
		}
		set := func(st fc.ID, status string, final bool, from ...string) bool {
			t.Helper()
			ok, err := s.UpdateJobResult(ctx, &fc.StationJobResult{JobID: j.ID, StationID: st, Status: status, Final: final, Reply: json.RawMessage(`{}`)}, from...)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !set(w.Station.ID, fc.ResultAccepted, false, fc.ResultSent) || set(w.Station.ID, fc.ResultRejected, true, fc.ResultSent) {
			t.Errorf("an answer is recorded once")
		}
		set(st2.ID, fc.ResultOffline, false, fc.ResultSent)
		set(ost.ID, fc.ResultRejected, true, fc.ResultSent)
		if n, err := s.RequeueOffline(ctx, []fc.ID{st2.ID, ost.ID}); err != nil || n != 1 {
			t.Errorf("requeue offline: %d %v", n, err)
		}
		if n, _ := s.FinishStationJobs(ctx); n != 0 {
			t.Errorf("a job with open results finished")
		}
		// Progress: the results followed, with their job's command and
		// request ID.
		followed, err := s.FollowedJobResults(ctx, []fc.ID{w.Station.ID, st2.ID}, []string{"update-firmware"})
		if err != nil || len(followed) != 1 || followed[0].JobID != j.ID || followed[0].StationID != w.Station.ID ||
			followed[0].Command != "update-firmware" || followed[0].RequestID != 77 {
			t.Fatalf("followed: %+v %v", followed, err)
		}
		if other, err := s.FollowedJobResults(ctx, []fc.ID{w.Station.ID}, []string{"get-diagnostics"}); err != nil || len(other) != 0 {
			t.Errorf("followed for another command: %+v %v", other, err)
		}
		r := &followed[0].StationJobResult
		r.Progress, r.Final = "Installed", true
		if n, err := s.UpdateJobResults(ctx, []*fc.StationJobResult{r, {JobID: j.ID, StationID: ost.ID, Status: fc.ResultFailed}}, fc.ResultAccepted); n != 1 || err != nil {
			t.Errorf("progress: %d %v", n, err)
		}
		// A stopped process left a call out: sent once more on its first
		// attempt, failed on its second.
		claimed, _ := s.ClaimJobResults(ctx, &running[0], 5)
		if len(claimed) != 1 {
			t.Fatalf("claim after requeue: %+v", claimed)
		}
		if n, err := s.RecoverSentResults(ctx); err != nil || n != 1 {
			t.Errorf("recover: %d %v", n, err)
		}
		if n, err := s.FinishStationJobs(ctx); err != nil || n != 1 {
			t.Errorf("finish: %d %v", n, err)
		}
		got, _ = s.StationJob(ctx, all, j.ID)
		if got.Status != fc.JobDone || got.FinishedAt == nil || got.Progress[fc.ResultFailed] != 1 || got.Progress[fc.ResultAccepted] != 1 || got.Progress[fc.ResultRejected] != 1 {
			t.Errorf("finished job: %+v", got)
		}
		results, _ = s.StationJobResults(ctx, all, j.ID, fc.Page{})
		if results[0].Progress != "Installed" || results[1].Status != fc.ResultFailed || results[1].Attempts != 2 {
			t.Errorf("final results: %+v", results)
		}

		// The deadline fails what is pending or offline, and ends what is
		// followed.
		j2 := &fc.StationJob{ProviderID: w.Provider.ID, CreatedBy: user.ID, Command: "update-firmware", Call: json.RawMessage(`{}`), Deadline: deadline}
		if err := s.CreateStationJob(ctx, j2, []fc.ID{w.Station.ID, st2.ID, ost.ID}); err != nil {
			t.Fatal(err)
		}
		running, _ = s.RunningStationJobs(ctx)
		if work, _ := s.ClaimJobResults(ctx, &running[0], 2); len(work) != 2 {
			t.Fatalf("claim: %+v", work)
		}
		set2 := func(st fc.ID, status string) {
			if ok, err := s.UpdateJobResult(ctx, &fc.StationJobResult{JobID: j2.ID, StationID: st, Status: status}, fc.ResultSent); !ok || err != nil {
				t.Fatalf("set %s: %v %v", status, ok, err)
			}
		}
		set2(w.Station.ID, fc.ResultAccepted)
		set2(st2.ID, fc.ResultOffline)
		if n, err := s.ExpireStationJobs(ctx, deadline.Add(-time.Minute)); err != nil || n != 0 {
			t.Errorf("expired early: %d %v", n, err)
		}
		if n, err := s.ExpireStationJobs(ctx, deadline.Add(time.Minute)); err != nil || n != 3 {
			t.Errorf("expire: %d %v", n, err)
		}
		if n, err := s.FinishStationJobs(ctx); err != nil || n != 1 {
			t.Errorf("finish after the deadline: %d %v", n, err)
		}
		results, _ = s.StationJobResults(ctx, all, j2.ID, fc.Page{})
		if results[0].Status != fc.ResultAccepted || !results[0].Final || results[1].Error != "deadline passed" || results[2].Status != fc.ResultFailed {
			t.Errorf("results after the deadline: %+v", results)
		}
	})
}
