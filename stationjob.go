package fleetcharge

import (
	"context"
	"encoding/json"
	"time"
)

// A station job's status: running until every station's result is final.
const (
	JobRunning = "running"
	JobDone    = "done"
)

// The status of one station in a job (CONTRACT.md). Pending: not sent yet
// (or sent again once the station reconnects); sent: the call is out;
// accepted, rejected: the station's answer; offline: the station was not
// connected, and the call goes out when it connects, until the deadline;
// failed: an error answer, no answer in time, a failed firmware or
// diagnostics upload, or the deadline.
const (
	ResultPending  = "pending"
	ResultSent     = "sent"
	ResultAccepted = "accepted"
	ResultRejected = "rejected"
	ResultOffline  = "offline"
	ResultFailed   = "failed"
)

// KindStationJob names station jobs in the audit log.
const KindStationJob = "station_job"

// StationJob is one command sent to many stations (issue 19).
type StationJob struct {
	ID         ID     `json:"id"`
	ProviderID ID     `json:"-"`
	CreatedBy  ID     `json:"created_by"`
	Command    string `json:"command" doc:"the command, by the name of POST /api/v1/stations/{id}/commands/{command}"`
	// Args are the command's arguments as given, in the body shape of the
	// station command route.
	Args json.RawMessage `json:"args"`
	// Call is the command as app sends it (app.Command in JSON): what the
	// runner sends to each station. Never shown.
	Call json.RawMessage `json:"-"`
	// RequestID is the requestId of update-firmware and get-diagnostics on
	// OCPP 2.0.1 stations, one per job, which the stations' status
	// notifications carry.
	RequestID  int        `json:"request_id,omitempty"`
	Status     string     `json:"status" doc:"running until every station's result is final, then done"`
	Deadline   time.Time  `json:"deadline" doc:"after it, stations not reached are failed"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
	// Progress counts the results by status, among the stations the
	// reader sees.
	Progress map[string]int `json:"progress" doc:"the number of stations in each result status, among those the caller sees"`
}

// StationJobResult is how one station fares in a job.
type StationJobResult struct {
	JobID     ID     `json:"-"`
	StationID ID     `json:"station_id"`
	Identity  string `json:"identity"`
	Status    string `json:"status" doc:"pending, sent, accepted, rejected, offline or failed"`
	// Progress is the station's latest firmware or diagnostics status
	// after it accepted update-firmware or get-diagnostics (Downloading,
	// Installed, Uploaded, …).
	Progress string `json:"progress,omitempty"`
	// Reply is the station's answer as it sent it (at most
	// MaxJobReply bytes; a longer one is replaced by a note).
	Reply json.RawMessage `json:"reply,omitempty"`
	Error string          `json:"error,omitempty"`
	// Final: nothing more happens to this station in the job.
	Final     bool      `json:"final"`
	Attempts  int       `json:"attempts"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxJobReply bounds the reply kept per station.
const MaxJobReply = 16 << 10

// JobTarget names a job's stations: exactly one of the fields.
type JobTarget struct {
	StationIDs     []ID
	ChargeGroupID  ID
	OrganizationID ID
}

// JobStation is a station a job may target, with what a command's
// arguments are checked against, and whether the caller may command it.
type JobStation struct {
	Station
	Commandable bool
}

// JobScope is what a station job read may touch: jobs of the provider
// created by UserID, or any with All; their results only on stations in
// Stations.
type JobScope struct {
	ProviderID ID
	UserID     ID
	All        bool
	Stations   StationScope
}

// StationJobFilter selects jobs of a list.
type StationJobFilter struct {
	Status string
	Page
}

// FollowedResult is a result whose station's progress the runner follows,
// with its job's command and requestId.
type FollowedResult struct {
	StationJobResult
	Command   string
	RequestID int
}

// JobWork is a result the runner sends: the job's call and the station.
type JobWork struct {
	Job     *StationJob
	Station Station
}

// StationJobStore keeps station jobs: one command over many stations, and
// each station's progress (issue 19).
type StationJobStore interface {
	// JobStations returns the stations of the target visible in sc, each
	// with its connectors and whether command (the reach of
	// stations.command) reaches it. For a charge group or an organization
	// subtree only the stations it reaches are returned.
	JobStations(ctx context.Context, sc StationScope, command Reach, t JobTarget) ([]JobStation, error)
	// CreateStationJob stores the job, running, with a pending result per
	// station, and audits it, in one transaction.
	CreateStationJob(ctx context.Context, j *StationJob, stationIDs []ID) error
	// StationJob reads a job in sc, its progress counted over the results
	// sc sees.
	StationJob(ctx context.Context, sc JobScope, id ID) (*StationJob, error)
	StationJobs(ctx context.Context, sc JobScope, f StationJobFilter) ([]StationJob, error)
	// StationJobResults pages the job's results on stations sc sees, by
	// station ID.
	StationJobResults(ctx context.Context, sc JobScope, id ID, p Page) ([]StationJobResult, error)

	// The runner's calls, unscoped.

	// RunningStationJobs returns every running job, oldest first.
	RunningStationJobs(ctx context.Context) ([]StationJob, error)
	// ClaimJobResults marks up to n pending results of the job sent (one
	// more attempt) and returns them with their stations.
	ClaimJobResults(ctx context.Context, job *StationJob, n int) ([]JobWork, error)
	// UpdateJobResult sets a result's status, progress, reply, error and
	// finality, if its status is one of from; it reports whether it did.
	UpdateJobResult(ctx context.Context, r *StationJobResult, from ...string) (bool, error)
	// UpdateJobResults does UpdateJobResult for each result, in order, in
	// one transaction, and returns how many it changed.
	UpdateJobResults(ctx context.Context, rs []*StationJobResult, from ...string) (int, error)
	// RequeueOffline puts the offline results of the stations in running
	// jobs back to pending.
	RequeueOffline(ctx context.Context, stationIDs []ID) (int, error)
	// RecoverSentResults, on start, puts the results a stopped process
	// left sent back to pending when that was their first attempt, and
	// fails the others.
	RecoverSentResults(ctx context.Context) (int, error)
	// FollowedJobResults returns the results of running jobs of the
	// commands that the stations accepted, or that are sent (a station may
	// report progress before its answer is recorded), and that are not
	// final, the latest job's first.
	FollowedJobResults(ctx context.Context, stationIDs []ID, commands []string) ([]FollowedResult, error)
	// ExpireStationJobs fails the pending and offline results of running
	// jobs whose deadline is before now, and ends the results still
	// following a station's progress.
	ExpireStationJobs(ctx context.Context, now time.Time) (int, error)
	// FinishStationJobs marks done the running jobs whose results are all
	// final.
	FinishStationJobs(ctx context.Context) (int, error)
}
