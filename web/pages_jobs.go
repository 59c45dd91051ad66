package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// jobRoutes registers the pages of station jobs: one command over every
// station of a charge group or an organization subtree (app/jobs.go).
func (s *Server) jobRoutes() {
	s.handle("GET /station-jobs", s.jobsPage)
	s.handle("GET /station-jobs/new", s.newJobPage)
	s.handle("POST /station-jobs", s.createJob)
	s.handle("GET /station-jobs/{id}", s.jobPage)
}

// jobCommands are the commands the job form offers, each with the form
// fields it reads.
var jobCommands = []struct {
	name, label string
	fields      []string
}{
	{app.CommandReset, "Reset", []string{"type"}},
	{app.CommandChangeAvailability, "Change availability", []string{"connector_id", "type"}},
	{app.CommandChangeConfiguration, "Change a configuration key", []string{"key", "value"}},
	{app.CommandGetConfiguration, "Read configuration keys", []string{"keys"}},
	{app.CommandClearCache, "Clear the authorization cache", nil},
	{app.CommandTriggerMessage, "Trigger a message", []string{"message", "connector_id"}},
	{app.CommandUpdateFirmware, "Update the firmware", []string{"location", "retrieve_at"}},
	{app.CommandGetDiagnostics, "Upload diagnostics", []string{"location"}},
	{app.CommandGetLocalListVersion, "Read the local list's version", nil},
}

func (s *Server) jobsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if !v.can(access.StationsCommand) {
		return fc.Errorf(fc.ENotFound, "no station jobs")
	}
	l, err := newList(r, "/station-jobs", listNoun{"1 job", "%d jobs", "More than %d jobs"}, true, []listColumn{
		{Title: "Job", Sort: byID}, {Title: "Command", Sort: "command"}, {Title: "Status", Sort: "status"}, {Title: "Stations"},
		{Title: "Created", Sort: "created"}, {Title: "Deadline"}})
	if err != nil {
		return err
	}
	b := &listBody{Heading: "Station jobs", Actions: []link{{"/station-jobs/new", "New job"}},
		Intro: "One command sent to every station of a charge group or an organization; stations offline are tried again when they connect, until the deadline."}
	b.Table = table{Empty: "No jobs yet."}
	return showList(s, w, v, l, b, "Station jobs", func(p fc.Page) ([]fc.StationJob, error) {
		return s.app.StationJobs(r.Context(), v.Subj, fc.StationJobFilter{Page: p})
	}, func(j *fc.StationJob) fc.ID { return j.ID }, func(jobs []fc.StationJob) [][]cell {
		var out [][]cell
		for _, j := range jobs {
			out = append(out, []cell{{Text: "#" + j.ID.String(), Href: "/station-jobs/" + j.ID.String()}, {Text: j.Command},
				{Text: j.Status, Class: "job-" + j.Status}, {Text: progressText(j.Progress)}, v.timeCell(j.CreatedAt), v.timeCell(j.Deadline)})
		}
		return out
	})
}

// progressText reads a job's counts: "3 accepted · 1 offline".
func progressText(p map[string]int) string {
	var parts []string
	for _, st := range []string{fc.ResultPending, fc.ResultSent, fc.ResultAccepted, fc.ResultRejected, fc.ResultOffline, fc.ResultFailed} {
		if n := p[st]; n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+st)
		}
	}
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, " · ")
}

func (s *Server) newJobPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showNewJob(w, r, v, nil)
}

func (s *Server) showNewJob(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	ctx := r.Context()
	if !v.can(access.StationsCommand) {
		return fc.Errorf(fc.ENotFound, "no new station job")
	}
	orgs, err := s.orgOptions(ctx, v, 0, "– None –")
	if err != nil {
		return err
	}
	groups := []option{{"", "– None –"}}
	if v.can(access.ChargeGroupsRead) {
		gs, err := s.app.ChargeGroups(ctx, v.Subj, fc.ChargeGroupFilter{Page: fc.Page{Limit: maxChoices}})
		if err != nil {
			return err
		}
		n := s.names(ctx, v)
		for _, g := range gs {
			groups = append(groups, option{g.ID.String(), g.Name + " (" + n.get(fc.KindAccount, g.AccountID) + ")"})
		}
	}
	commands := []option{}
	for _, c := range jobCommands {
		commands = append(commands, option{c.name, c.label})
	}
	messages := []option{{"", "–"}}
	for _, m := range app.TriggerMessages {
		messages = append(messages, option{m, m})
	}
	f := v.postForm("job", "/station-jobs", "Start the job",
		field{Name: "command", Label: "Command", Type: "select", Options: commands, Required: true},
		field{Name: "organization_id", Label: "Organization", Type: "select", Options: orgs,
			Hint: "Every station of the organization and its subtree that you may command. Choose an organization or a charge group."},
		field{Name: "charge_group_id", Label: "Charge group", Type: "select", Options: groups, Hint: "Or every station of a charge group that you may command."},
		field{Name: "deadline", Label: "Deadline", Type: "datetime-local", Hint: "Until when stations offline are tried again when they connect; empty: 24 hours, at most 30 days."},
		field{Name: "type", Label: "Type", Type: "select", Options: []option{{"", "–"}, {"Soft", "Soft (reset)"}, {"Hard", "Hard (reset)"},
			{"Operative", "Operative (availability)"}, {"Inoperative", "Inoperative (availability)"}}, Hint: "Reset: Soft or Hard. Change availability: Operative or Inoperative."},
		field{Name: "connector_id", Label: "Connector", Type: "number", Hint: "Change availability, trigger message: 0 or empty for the whole station."},
		field{Name: "key", Label: "Configuration key", Hint: "Change a configuration key (on OCPP 2.0.1 a kept 1.6 key or Component.Variable)."},
		field{Name: "value", Label: "Value", Hint: "Change a configuration key: its new value."},
		field{Name: "keys", Label: "Configuration keys", Hint: "Read configuration keys: separated by commas; empty for every key (OCPP 1.6 only)."},
		field{Name: "message", Label: "Message", Type: "select", Options: messages, Hint: "Trigger a message."},
		field{Name: "location", Label: "URL", Hint: "Update the firmware: where to download it from; upload diagnostics: where to upload them to."},
		field{Name: "retrieve_at", Label: "Download at", Type: "datetime-local", Hint: "Update the firmware: when to download it; empty: now."},
	)
	f.Intro = "The arguments are checked against every station before the job starts; a value that does not fit one refuses the job."
	b := &detailBody{Heading: "New station job", Back: link{"/station-jobs", "Station jobs"}, Forms: []*form{f}}
	s.show(w, r, v, b.apply(fl), "detail", "New station job", b)
	return nil
}

func (s *Server) createJob(w http.ResponseWriter, r *http.Request, v *view) error {
	vals, fields := r.PostForm, map[string]string{}
	name := vals.Get("command")
	i := slices.IndexFunc(jobCommands, func(c struct {
		name, label string
		fields      []string
	}) bool {
		return c.name == name
	})
	if i < 0 {
		fields["command"] = "must be one of the commands offered"
	}
	cmd := app.Command{Name: name, Type: vals.Get("type"), ConnectorID: formInt(vals, "connector_id", fields)}
	names := readOperation(name, vals, v.Loc, &cmd, fields)
	if name == app.CommandUpdateFirmware && cmd.RetrieveAt.IsZero() && strings.TrimSpace(vals.Get("retrieve_at")) == "" {
		cmd.RetrieveAt = s.cfg.Now()
	}
	in := app.JobInput{Command: cmd, Target: fc.JobTarget{OrganizationID: formID(vals, "organization_id", fields), ChargeGroupID: formID(vals, "charge_group_id", fields)}}
	if d := formTime(vals, "deadline", v.Loc, fields); d != nil {
		in.Deadline = *d
	}
	if i >= 0 {
		args := map[string]any{}
		for _, k := range jobCommands[i].fields {
			raw := strings.TrimSpace(vals.Get(k))
			switch {
			case raw == "":
			case k == "connector_id":
				args[k] = cmd.ConnectorID
			case k == "keys":
				args[k] = cmd.Keys
			default:
				args[k] = raw
			}
		}
		in.Args, _ = json.Marshal(args)
	}
	err := validated(fields)
	var j *fc.StationJob
	if err == nil {
		j, err = s.app.CreateStationJob(r.Context(), v.Subj, in)
	}
	if err != nil {
		return refail(r, jobFormError(err, names), "job", func(fl *failure) error { return s.showNewJob(w, r, v, fl) })
	}
	redirect(w, r, "/station-jobs/"+j.ID.String(), "")
	return nil
}

// jobFormError puts the app's fields on the form's: a job's arguments
// (args.FIELD) on the command's field, the target on the organization.
func jobFormError(err error, names formNames) error {
	fields := fc.ErrorFields(err)
	if len(fields) == 0 {
		if fc.IsCode(err, fc.ENotFound) || fc.IsCode(err, fc.EUnprocessable) || fc.IsCode(err, fc.EForbidden) {
			return fc.Invalid(map[string]string{"organization_id": fc.ErrorMessage(err)})
		}
		return err
	}
	out := map[string]string{}
	for k, m := range fields {
		k = strings.TrimPrefix(k, "args.")
		if k == "station_ids" {
			k = "organization_id"
		}
		f, lead := names(k)
		if lead != "" {
			m = lead + " " + m
		}
		if prev, ok := out[f]; ok {
			m = prev + "; " + m
		}
		out[f] = m
	}
	return fc.Invalid(out)
}

// jobResultsPage is how many stations the job page lists at once.
const jobResultsPage = 200

func (s *Server) jobPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	j, err := s.app.StationJob(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	after, _ := fc.ParseID(r.URL.Query().Get("after"))
	results, err := s.app.StationJobResults(ctx, v.Subj, id, fc.Page{After: after, Limit: jobResultsPage + 1})
	if err != nil {
		return err
	}
	running := j.Status == fc.JobRunning
	b := &detailBody{Heading: fmt.Sprintf("Station job #%s: %s", j.ID, j.Command), Back: link{"/station-jobs", "Station jobs"}, Live: running}
	b.Facts = []fact{{Label: "Status", Value: j.Status, Class: "job-" + j.Status}, {Label: "Stations", Value: progressText(j.Progress)},
		{Label: "Command", Value: j.Command}, {Label: "Arguments", Value: string(j.Args)},
		{Label: "Created", Value: v.when(j.CreatedAt)}, {Label: "Deadline", Value: v.when(j.Deadline)}}
	if j.FinishedAt != nil {
		b.Facts = append(b.Facts, fact{Label: "Finished", Value: v.when(j.FinishedAt)})
	}
	if j.RequestID != 0 {
		b.Facts = append(b.Facts, fact{Label: "Request ID (OCPP 2.0.1)", Value: strconv.Itoa(j.RequestID)})
	}
	t := table{Caption: "Stations", Columns: []string{"Station", "Status", "Progress", "Attempts", "Reply", "Updated"}, Empty: "No station you can see."}
	if running {
		t.Live = "results"
	}
	more := len(results) > jobResultsPage
	if more {
		results = results[:jobResultsPage]
	}
	for _, res := range results {
		reply := res.Error
		if reply == "" && len(res.Reply) > 0 {
			reply = string(res.Reply)
		}
		if len(reply) > 200 {
			reply = strings.ToValidUTF8(reply[:200], "") + "…"
		}
		t.Rows = append(t.Rows, []cell{{Text: res.Identity, Href: objectPath(fc.KindStation, res.StationID)}, {Text: res.Status, Class: "result-" + res.Status},
			{Text: res.Progress}, {Text: strconv.Itoa(res.Attempts)}, {Text: reply}, {Text: v.when(res.UpdatedAt)}})
	}
	b.Tables = append(b.Tables, t)
	if more {
		b.Links = append(b.Links, link{"/station-jobs/" + j.ID.String() + "?after=" + results[len(results)-1].StationID.String(), "Next stations"})
	}
	if after != 0 {
		b.Links = append(b.Links, link{"/station-jobs/" + j.ID.String(), "First stations"})
	}
	s.show(w, r, v, http.StatusOK, "detail", fmt.Sprintf("Station job #%s", j.ID), b)
	return nil
}
