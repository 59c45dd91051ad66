package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Station jobs: one command over many stations (issue 19). A job is
// created in the caller's scope, every station's arguments checked before
// anything is stored; the runner (jobRunner, one per process in
// Operations) then sends the command to each station with bounded
// concurrency, keeps each answer, retries offline stations when they
// connect until the job's deadline, and follows firmware and diagnostics
// uploads through the stations' status notifications.

// JobCommands are the commands a job may carry: the fleet-wide ones. The
// commands that name one session, card or reservation (remote-start and
// -stop, reserve-now, cancel-reservation, get-transaction-status, unlock,
// a TxProfile) and send-local-list (the local lists are kept in sync on
// their own) are for one station.
var JobCommands = []string{
	CommandReset, CommandChangeAvailability, CommandGetConfiguration, CommandChangeConfiguration,
	CommandClearCache, CommandTriggerMessage, CommandUpdateFirmware, CommandGetDiagnostics,
	CommandGetLocalListVersion, CommandSetChargingProfile, CommandClearChargingProfile, CommandDataTransfer,
	CommandGetBaseReport, CommandGetVariables, CommandSetVariables,
	CommandGetInstalledCertificateIDs, CommandInstallCertificate, CommandDeleteCertificate,
}

// Bounds of a job.
const (
	MaxJobStations     = 100000
	DefaultJobDeadline = 24 * time.Hour
	MaxJobDeadline     = 30 * 24 * time.Hour
	// DefaultJobConcurrency is how many calls of jobs are out at once in
	// one process.
	DefaultJobConcurrency = 20
	// DefaultJobPoll is how often the runner looks at the database for
	// work it was not woken for (jobs created by another process).
	DefaultJobPoll = 5 * time.Second
)

// JobInput is a job to create: the command with its arguments (Args, as
// the caller gave them, kept to show), the target and the deadline (zero:
// DefaultJobDeadline from now).
type JobInput struct {
	Command  Command
	Args     json.RawMessage
	Target   fc.JobTarget
	Deadline time.Time
}

// jobScope is what the subject reads of jobs: its own, or all of them for
// one who commands every station of the provider; the results on the
// stations it sees.
func jobScope(subj access.Subject) fc.JobScope {
	return fc.JobScope{ProviderID: subj.ProviderID, UserID: subj.UserID,
		All: access.Reach(subj, access.StationsCommand).All, Stations: access.StationScopeFor(subj)}
}

// CreateStationJob checks and stores a job, then wakes the runner. The
// target is resolved in the subject's scope: named stations must each be
// visible (not found otherwise) and commandable (forbidden otherwise); a
// charge group or an organization must be visible (not found otherwise)
// and expands to its stations, or its subtree's, that the subject may
// command. The arguments are checked against every station (its OCPP
// version and connectors) first: one that does not fit refuses the job.
func (s *Service) CreateStationJob(ctx context.Context, subj access.Subject, in JobInput) (*fc.StationJob, error) {
	cmd := in.Command
	if actionOf(cmd.Name, fc.OCPP201) == "" {
		return nil, fc.Invalid(map[string]string{"command": "no such command"})
	}
	if !slices.Contains(JobCommands, cmd.Name) || cmd.Name == CommandSetChargingProfile && cmd.Profile.Purpose == "TxProfile" {
		return nil, fc.Errorf(fc.EUnprocessable, "%s names one station's session, card or reservation: send it to the station, not as a job", cmd.Name)
	}
	t := in.Target
	kinds := 0
	for _, set := range []bool{len(t.StationIDs) > 0, t.ChargeGroupID != 0, t.OrganizationID != 0} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, fc.Invalid(map[string]string{"station_ids": "give exactly one of station_ids, charge_group_id and organization_id"})
	}
	if len(t.StationIDs) > MaxJobStations {
		return nil, fc.Invalid(map[string]string{"station_ids": fmt.Sprintf("must name at most %d stations", MaxJobStations)})
	}
	t.StationIDs = normIDs(t.StationIDs)
	now := s.now()
	deadline := in.Deadline
	if deadline.IsZero() {
		deadline = now.Add(DefaultJobDeadline)
	}
	if !deadline.After(now) || deadline.After(now.Add(MaxJobDeadline)) {
		return nil, fc.Invalid(map[string]string{"deadline": "must be in the future, at most 30 days from now"})
	}
	switch {
	case t.ChargeGroupID != 0:
		if ok, err := s.sees(ctx, subj, fc.KindChargeGroup, t.ChargeGroupID, access.ChargeGroupsRead); err != nil || !ok {
			return nil, orNotFound(err, "charge group", t.ChargeGroupID)
		}
	case t.OrganizationID != 0:
		if ok, err := s.sees(ctx, subj, fc.KindOrganization, t.OrganizationID, access.OrganizationsRead); err != nil || !ok {
			return nil, orNotFound(err, "organization", t.OrganizationID)
		}
	}
	sts, err := s.Store.JobStations(ctx, access.StationScopeFor(subj), access.Reach(subj, access.StationsCommand), t)
	if err != nil {
		return nil, err
	}
	if len(t.StationIDs) > 0 {
		found := map[fc.ID]bool{}
		for _, st := range sts {
			found[st.ID] = true
		}
		for _, id := range t.StationIDs {
			if !found[id] {
				return nil, fc.Errorf(fc.ENotFound, "station %s not found", id)
			}
		}
		for _, st := range sts {
			if !st.Commandable {
				return nil, forbidden(fc.KindStation, st.ID, access.StationsCommand)
			}
		}
	}
	if len(sts) == 0 {
		return nil, fc.Errorf(fc.EUnprocessable, "the target holds no station you may command")
	}
	if len(sts) > MaxJobStations {
		return nil, fc.Errorf(fc.EUnprocessable, "the target holds %d stations; a job takes at most %d", len(sts), MaxJobStations)
	}
	if cmd.Name == CommandUpdateFirmware || cmd.Name == CommandGetDiagnostics {
		cmd.RequestID = requestID()
	}
	if err := checkJobCommand(cmd, sts); err != nil {
		return nil, err
	}
	call, err := json.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	j := &fc.StationJob{ProviderID: subj.ProviderID, CreatedBy: subj.UserID, Command: cmd.Name, Args: compactJSON(in.Args),
		Call: call, RequestID: cmd.RequestID, Deadline: deadline}
	ids := make([]fc.ID, len(sts))
	for i := range sts {
		ids[i] = sts[i].ID
	}
	if err := s.Store.CreateStationJob(ctx, j, ids); err != nil {
		return nil, err
	}
	s.Operations.WakeJobs()
	return j, nil
}

// checkJobCommand checks the command's arguments against each station,
// once per OCPP version and set of connectors. The fields of an invalid
// one are named args.FIELD, as the job's arguments hold them.
func checkJobCommand(cmd Command, sts []fc.JobStation) error {
	checked := map[string]bool{}
	for i := range sts {
		st := &sts[i].Station
		key := st.OCPPVersion
		for _, p := range st.ChargePoints {
			key += "," + strconv.Itoa(p.ConnectorID)
		}
		if checked[key] {
			continue
		}
		checked[key] = true
		if _, _, err := CommandCall(cmd, st, ""); err != nil {
			var e *fc.Error
			if errors.As(err, &e) && e.Code == fc.EInvalid {
				fields := map[string]string{}
				for k, v := range e.Fields {
					fields["args."+k] = v
				}
				fields["station_ids"] = fmt.Sprintf("the arguments do not fit station %s (%s)", st.Identity, st.ID)
				return fc.Invalid(fields)
			}
			return fc.Errorf(fc.ErrorCode(err), "station %s (%s): %s", st.Identity, st.ID, errMessage(err))
		}
	}
	return nil
}

func errMessage(err error) string {
	var e *fc.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func orNotFound(err error, noun string, id fc.ID) error {
	if err != nil {
		return err
	}
	return fc.Errorf(fc.ENotFound, "%s %s not found", noun, id)
}

func compactJSON(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if len(raw) == 0 || json.Compact(&b, raw) != nil {
		return json.RawMessage("{}")
	}
	return json.RawMessage(b.Bytes())
}

// StationJob reads a job the subject created, or any job for one who
// commands every station of the provider; its progress counts the
// stations the subject sees.
func (s *Service) StationJob(ctx context.Context, subj access.Subject, id fc.ID) (*fc.StationJob, error) {
	return s.Store.StationJob(ctx, jobScope(subj), id)
}

// StationJobs lists the jobs the subject reads.
func (s *Service) StationJobs(ctx context.Context, subj access.Subject, f fc.StationJobFilter) ([]fc.StationJob, error) {
	return s.Store.StationJobs(ctx, jobScope(subj), f)
}

// StationJobResults pages a job's results on the stations the subject
// sees.
func (s *Service) StationJobResults(ctx context.Context, subj access.Subject, id fc.ID, p fc.Page) ([]fc.StationJobResult, error) {
	return s.Store.StationJobResults(ctx, jobScope(subj), id, p)
}

// WakeJobs has the runner look for work now; nil-safe.
func (o *Operations) WakeJobs() {
	if o != nil && o.jobs != nil {
		o.jobs.wake()
	}
}

// SetJobConcurrency sets how many calls of jobs may be out at once (1 or
// more; DefaultJobConcurrency otherwise); call it before Run.
func (o *Operations) SetJobConcurrency(n int) {
	if n < 1 {
		n = DefaultJobConcurrency
	}
	o.jobs.limit = n
}

// SetJobPoll sets how often the runner looks at the database unwoken;
// call it before Run.
func (o *Operations) SetJobPoll(d time.Duration) {
	if d <= 0 {
		d = DefaultJobPoll
	}
	o.jobs.poll = d
}

// jobRunner runs station jobs: one loop claims pending results and hands
// each to a goroutine, at most limit at once; station events queue here
// and are handled by the loop.
type jobRunner struct {
	o     *Operations
	limit int
	poll  time.Duration

	wakeCh chan struct{}
	mu     sync.Mutex
	events []fc.StationEvent
	busy   atomic.Int64
	calls  sync.WaitGroup
}

func newJobRunner(o *Operations) *jobRunner {
	return &jobRunner{o: o, limit: DefaultJobConcurrency, poll: DefaultJobPoll, wakeCh: make(chan struct{}, 1)}
}

func (r *jobRunner) wake() {
	select {
	case r.wakeCh <- struct{}{}:
	default:
	}
}

// run runs jobs until ctx ends, then waits for the calls out.
func (r *jobRunner) run(ctx context.Context) {
	defer r.calls.Wait()
	if n, err := r.o.svc.Store.RecoverSentResults(ctx); err != nil {
		r.o.log.Error("station jobs: recovering calls left out", "err", err)
	} else if n > 0 {
		r.o.log.Info("station jobs: calls left out by a stopped process", "results", n)
	}
	tick := time.NewTicker(r.poll)
	defer tick.Stop()
	for {
		if err := r.pass(ctx); err != nil && ctx.Err() == nil {
			r.o.log.Error("station jobs", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wakeCh:
		case <-tick.C:
		}
	}
}

// observe queues the events jobs act on; the loop handles them.
func (r *jobRunner) observe(e fc.StationEvent) {
	switch e.Kind {
	case fc.EventConnected, fc.EventBooted, fc.EventFirmwareStatus, fc.EventDiagnosticsStatus:
	default:
		return
	}
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	r.wake()
}

// pass handles the queued events, the deadlines, then sends what slots
// allow, and marks finished jobs done.
func (r *jobRunner) pass(ctx context.Context) error {
	svc := r.o.svc
	r.mu.Lock()
	events := r.events
	r.events = nil
	r.mu.Unlock()
	var reconnected []fc.ID
	var progress []fc.StationEvent
	for _, e := range events {
		switch e.Kind {
		case fc.EventConnected, fc.EventBooted:
			reconnected = append(reconnected, e.StationID)
		case fc.EventFirmwareStatus, fc.EventDiagnosticsStatus:
			if e.Status != "" && e.Status != "Idle" {
				progress = append(progress, e)
			}
		}
	}
	if len(reconnected) > 0 {
		if _, err := svc.Store.RequeueOffline(ctx, normIDs(reconnected)); err != nil {
			return err
		}
	}
	if len(progress) > 0 {
		if err := r.follow(ctx, progress); err != nil {
			return err
		}
	}
	if _, err := svc.Store.ExpireStationJobs(ctx, svc.now()); err != nil {
		return err
	}
	if svc.Commander != nil {
		jobs, err := svc.Store.RunningStationJobs(ctx)
		if err != nil {
			return err
		}
		for i := range jobs {
			free := r.limit - int(r.busy.Load())
			if free <= 0 {
				break
			}
			if !jobs[i].Deadline.After(svc.now()) {
				continue
			}
			work, err := svc.Store.ClaimJobResults(ctx, &jobs[i], free)
			if err != nil {
				return err
			}
			for _, w := range work {
				r.busy.Add(1)
				r.calls.Add(1)
				go func() {
					defer r.calls.Done()
					defer r.wake()
					defer r.busy.Add(-1)
					if err := r.send(ctx, w); err != nil && ctx.Err() == nil {
						r.o.log.Error("station jobs: recording a result", "job", w.Job.ID, "station", w.Station.ID, "err", err)
					}
				}()
			}
		}
	}
	_, err := svc.Store.FinishStationJobs(ctx)
	return err
}

// send sends the job's command to one station, whose result is marked
// sent, and records the outcome.
func (r *jobRunner) send(ctx context.Context, w fc.JobWork) error {
	svc := r.o.svc
	res := &fc.StationJobResult{JobID: w.Job.ID, StationID: w.Station.ID}
	var cmd Command
	if err := json.Unmarshal(w.Job.Call, &cmd); err != nil {
		res.Status, res.Error, res.Final = fc.ResultFailed, "the job's command cannot be read: "+err.Error(), true
		_, err := svc.Store.UpdateJobResult(ctx, res, fc.ResultSent)
		return err
	}
	out, err := svc.call(ctx, &w.Station, cmd)
	switch {
	case ctx.Err() != nil:
		return nil // left sent: the next start sends it once more
	case fc.IsCode(err, fc.EConflict):
		res.Status = fc.ResultOffline
	case err != nil:
		res.Status, res.Error, res.Final = fc.ResultFailed, boundText(err.Error(), 1000), true
	default:
		res.Reply = boundReply(out.Reply)
		res.Status, res.Final = fc.ResultRejected, true
		if answerAccepted(out.Status) {
			res.Status = fc.ResultAccepted
			// A firmware update or a diagnostics upload goes on: the
			// station's status notifications end it (follow).
			res.Final = cmd.Name != CommandUpdateFirmware && cmd.Name != CommandGetDiagnostics
		}
	}
	_, err = svc.Store.UpdateJobResult(ctx, res, fc.ResultSent)
	return err
}

// call sends a command checked before to a station, as SendCommand does
// once the subject's rights are checked: the call of the station's
// version, the configuration it answers kept, the answer's status read.
func (s *Service) call(ctx context.Context, st *fc.Station, cmd Command) (*CommandResult, error) {
	action, req, err := CommandCall(cmd, st, "")
	if err != nil {
		return nil, err
	}
	reply, err := s.Commander.Call(ctx, st.Identity, action, req)
	if err != nil {
		return nil, err
	}
	if err := s.recordConfiguration(ctx, st.ID, action, reply); err != nil {
		return nil, err
	}
	res := &CommandResult{StationID: st.ID, Command: cmd.Name, Action: action, Reply: reply}
	var status struct {
		Status string `json:"status"`
	}
	if mapped, ok := operationStatus(cmd.Name, st.OCPPVersion == fc.OCPP201, reply); ok {
		res.Status = mapped
	} else if json.Unmarshal(reply, &status) == nil {
		res.Status = status.Status
	}
	return res, nil
}

// answerAccepted reports whether an answer's status accepts the command:
// Accepted (and AcceptedCanceled, which accepts the new request),
// RebootRequired and Scheduled, or no status at all (an answer without a
// status field accepts by answering).
func answerAccepted(status string) bool {
	return status == "" || strings.HasPrefix(status, "Accepted") || status == "RebootRequired" || status == "Scheduled"
}

// boundReply keeps a reply of at most fc.MaxJobReply bytes, or a note of
// its size.
func boundReply(reply json.RawMessage) json.RawMessage {
	if len(reply) <= fc.MaxJobReply {
		return reply
	}
	return json.RawMessage(fmt.Sprintf(`{"truncated":true,"bytes":%d}`, len(reply)))
}

func boundText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// The statuses that end a firmware update or a diagnostics upload, of
// either version; a status not listed is progress.
var (
	jobSucceeded = []string{"Installed", "Uploaded"}
	jobFailed    = []string{"DownloadFailed", "InstallationFailed", "InstallVerificationFailed", "InvalidSignature",
		"UploadFailed", "UploadFailure", "BadMessage", "NotSupportedOperation", "PermissionDenied"}
)

// follow moves the results the stations' firmware and diagnostics
// statuses are about, in one write: on OCPP 2.0.1 the result of the job
// that sent the requestId, on 1.6 the station's latest running one.
func (r *jobRunner) follow(ctx context.Context, events []fc.StationEvent) error {
	store := r.o.svc.Store
	ids := make([]fc.ID, len(events))
	for i, e := range events {
		ids[i] = e.StationID
	}
	followed, err := store.FollowedJobResults(ctx, normIDs(ids), []string{CommandUpdateFirmware, CommandGetDiagnostics})
	if err != nil || len(followed) == 0 {
		return err
	}
	byStation := map[fc.ID][]fc.FollowedResult{}
	for _, f := range followed {
		byStation[f.StationID] = append(byStation[f.StationID], f)
	}
	type key struct{ job, station fc.ID }
	moved := map[key]*fc.StationJobResult{}
	var order []*fc.StationJobResult
	// A station may report before the runner recorded its answer: its
	// events wait for the next pass, which the recorded answer wakes, and
	// so do its later ones, in order.
	waiting := map[fc.ID]bool{}
	var later []fc.StationEvent
	for _, e := range events {
		if waiting[e.StationID] {
			later = append(later, e)
			continue
		}
		command := CommandUpdateFirmware
		if e.Kind == fc.EventDiagnosticsStatus {
			command = CommandGetDiagnostics
		}
		i := slices.IndexFunc(byStation[e.StationID], func(f fc.FollowedResult) bool {
			return f.Command == command && (e.OCPPVersion != fc.OCPP201 || e.RequestID == 0 || f.RequestID == e.RequestID)
		})
		if i < 0 {
			continue
		}
		f := byStation[e.StationID][i]
		if f.Status == fc.ResultSent {
			waiting[e.StationID] = true
			later = append(later, e)
			continue
		}
		k := key{f.JobID, f.StationID}
		res := moved[k]
		if res == nil {
			res = &f.StationJobResult
			moved[k] = res
			order = append(order, res)
		}
		if res.Final {
			continue // ended earlier in this batch
		}
		res.Progress = boundText(e.Status, 50)
		switch {
		case slices.Contains(jobSucceeded, e.Status):
			res.Final = true
		case slices.Contains(jobFailed, e.Status):
			res.Status, res.Final, res.Error = fc.ResultFailed, true, "the station reported "+res.Progress
		}
	}
	if len(later) > 0 {
		r.mu.Lock()
		r.events = append(later, r.events...)
		r.mu.Unlock()
	}
	_, err = store.UpdateJobResults(ctx, order, fc.ResultAccepted)
	return err
}
