package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// Station jobs: one command over many stations (app/jobs.go).

type stationJobInput struct {
	Command        string          `json:"command" required:"true" doc:"the command, as POST /api/v1/stations/{id}/commands/{command} names it; a job takes the fleet-wide ones (reset, change-availability, get-configuration, change-configuration, clear-cache, trigger-message, update-firmware, get-diagnostics, get-local-list-version, set-charging-profile but a TxProfile, clear-charging-profile, data-transfer, get-base-report, get-variables, set-variables, the certificate commands); the others are 422"`
	Args           json.RawMessage `json:"args" doc:"the command's arguments: the body that command's station route takes, checked the same way (errors name args.FIELD); absent for none"`
	StationIDs     []fc.ID         `json:"station_ids" doc:"the stations, each visible to the caller (404 otherwise) and commandable (403 otherwise); at most 100000"`
	ChargeGroupID  fc.ID           `json:"charge_group_id" doc:"or: every station of this charge group that the caller may command"`
	OrganizationID fc.ID           `json:"organization_id" doc:"or: every station of this organization's subtree that the caller may command"`
	Deadline       *time.Time      `json:"deadline" doc:"until when offline stations are tried again when they connect; at most 30 days ahead, 24 hours when absent"`
}

// stationJobView is a job; read alone, with a page of its results.
type stationJobView struct {
	ID         fc.ID           `json:"id"`
	CreatedBy  fc.ID           `json:"created_by" doc:"the user who created it"`
	Command    string          `json:"command"`
	Args       json.RawMessage `json:"args" doc:"the command's arguments as given"`
	RequestID  int             `json:"request_id,omitempty" doc:"the requestId sent to OCPP 2.0.1 stations with update-firmware and get-diagnostics, which their status notifications carry"`
	Status     string          `json:"status" doc:"running until every station's result is final, then done"`
	Deadline   time.Time       `json:"deadline"`
	CreatedAt  time.Time       `json:"created_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	Progress   map[string]int  `json:"progress" doc:"the number of stations in each status (pending, sent, accepted, rejected, offline, failed), among those the caller sees"`
	// Results, when the job is read alone.
	Results           []fc.StationJobResult `json:"results,omitempty" doc:"when the job is read alone: a page of the results, by station ID, on the stations the caller sees (limit and after page them)"`
	ResultsNextCursor *string               `json:"results_next_cursor,omitempty" doc:"the after of the next page of results, when this one is full"`
}

func jobView(j *fc.StationJob) stationJobView {
	return stationJobView{ID: j.ID, CreatedBy: j.CreatedBy, Command: j.Command, Args: j.Args, RequestID: j.RequestID, Status: j.Status,
		Deadline: j.Deadline, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt, Progress: j.Progress}
}

// jobRoutes are the routes of station jobs.
func (s *Server) jobRoutes() []route {
	const tag = "station_jobs"
	return []route{
		{method: http.MethodPost, path: "/api/v1/station-jobs", id: "create_station_job", tag: tag, summary: "Send one command to many stations",
			doc: "Creates a job: the command goes to every station of the target (station_ids, charge_group_id or organization_id: exactly one), " +
				"in the caller's scope, needing " + string(access.StationsCommand) + ". The arguments are checked against every station (its OCPP version and connectors) " +
				"before anything is stored: one that does not fit refuses the whole job (400). A target without a station the caller may command is 422. " +
				"The job runs in the background: stations offline are tried again when they connect, until the deadline; update-firmware and get-diagnostics " +
				"follow the stations' status notifications (progress) to Installed or Uploaded (accepted) or a failure (failed).",
			body: typ[stationJobInput](), create: true, resp: typ[stationJobView](), status: http.StatusCreated, h: s.createStationJob},
		{method: http.MethodGet, path: "/api/v1/station-jobs", id: "list_station_jobs", tag: tag, summary: "List the station jobs the caller may read",
			doc:    "The caller's own jobs; every job of the provider for one who commands every station of it (a provider admin). Progress counts the stations the caller sees.",
			params: append([]param{{name: "status", kind: paramEnum, enum: []string{fc.JobRunning, fc.JobDone}, doc: "only jobs in this status"}}, pageParams...),
			resp:   typ[stationJobView](), list: true, status: http.StatusOK, h: s.listStationJobs},
		{method: http.MethodGet, path: "/api/v1/station-jobs/{id}", id: "get_station_job", tag: tag, summary: "Read a station job and its results",
			doc:    "Read by its creator and provider admins (404 for others). The results are those on the stations the caller sees, one page of them (limit, after).",
			params: pageParams, resp: typ[stationJobView](), status: http.StatusOK, h: s.getStationJob},
	}
}

func (s *Server) createStationJob(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *stationJobInput, set fieldSet) error {
		cmd := app.Command{Name: in.Command}
		if err := s.decodeArgs(w, r, &cmd, in.Args); err != nil {
			return err
		}
		job := app.JobInput{Command: cmd, Args: in.Args,
			Target: fc.JobTarget{StationIDs: in.StationIDs, ChargeGroupID: in.ChargeGroupID, OrganizationID: in.OrganizationID}}
		if in.Deadline != nil {
			job.Deadline = *in.Deadline
		}
		j, err := s.app.CreateStationJob(r.Context(), subj, job)
		if err != nil {
			return err
		}
		writeCreated(w, r, j.ID, jobView(j))
		return nil
	})(w, r)
}

// decodeArgs reads a job's arguments into cmd as the route of the command
// on one station reads its body; the errors name args.FIELD.
func (s *Server) decodeArgs(w http.ResponseWriter, r *http.Request, cmd *app.Command, args json.RawMessage) error {
	pattern := http.MethodPost + " /api/v1/stations/{id}/commands/" + cmd.Name
	if s.byKey[pattern] == nil {
		return fc.Invalid(map[string]string{"command": "no such command"})
	}
	if len(args) == 0 || isNull(args) {
		args = json.RawMessage("{}")
	}
	if !isObject(args) {
		return fc.Invalid(map[string]string{"args": "must be a JSON object"})
	}
	sub := r.Clone(r.Context())
	sub.Pattern, sub.Body, sub.ContentLength = pattern, io.NopCloser(bytes.NewReader(args)), int64(len(args))
	err := s.decodeCommand(w, sub, cmd)
	if fields := fc.ErrorFields(err); len(fields) > 0 {
		out := make(map[string]string, len(fields))
		for k, v := range fields {
			out["args."+k] = v
		}
		return fc.Invalid(out)
	}
	return err
}

func (s *Server) listStationJobs(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.StationJobFilter, fc.Page) {
		f := fc.StationJobFilter{Status: q.str("status"), Page: q.page()}
		return f, f.Page
	}, s.app.StationJobs, jobView, func(v *stationJobView) fc.ID { return v.ID })(w, r)
}

func (s *Server) getStationJob(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := s.query(r)
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	j, err := s.app.StationJob(r.Context(), subj, id)
	if err != nil {
		return err
	}
	results, err := s.app.StationJobResults(r.Context(), subj, id, p)
	if err != nil {
		return err
	}
	v := jobView(j)
	v.Results = results
	if v.Results == nil {
		v.Results = []fc.StationJobResult{}
	}
	if n := len(results); n > 0 && n == p.Limit {
		c := results[n-1].StationID.String()
		v.ResultsNextCursor = &c
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
