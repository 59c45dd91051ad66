package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The station job routes join the leak walk's coverage as plain requests;
// TestStationJobLeaks walks them with every persona's jobs.
func init() {
	for _, k := range []string{"POST /api/v1/station-jobs", "GET /api/v1/station-jobs", "GET /api/v1/station-jobs/{id}"} {
		coverage[k] = exPlain
	}
}

// stationJob stores a job of the admin over North's station and returns
// its ID.
func (w *world) stationJob(t *testing.T) fc.ID {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	j := &fc.StationJob{ProviderID: w.provider, CreatedBy: w.users[admin], Command: "reset", Args: json.RawMessage(`{"type":"Soft"}`),
		Call: json.RawMessage(`{"Name":"reset","Type":"Soft"}`), Deadline: time.Now().Add(time.Hour)}
	check(t, w.st.CreateStationJob(ctx, j, []fc.ID{w.north1.station}))
	return j.ID
}

// TestStationJobsAPI: creating a job over a station, a group and an
// organization; reading it (creator, provider admin; 404 for others); the
// list; bad input refused before anything is stored.
func TestStationJobsAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		create := func(who string, body map[string]any) response {
			return w.do(who, http.MethodPost, "/api/v1/station-jobs", body)
		}
		reset := map[string]any{"type": "Soft"}
		r := create(northFacility, map[string]any{"command": "reset", "args": reset, "organization_id": w.north.String()}).want(t, http.StatusCreated)
		var job struct {
			ID       fc.ID          `json:"id"`
			Status   string         `json:"status"`
			Command  string         `json:"command"`
			Args     map[string]any `json:"args"`
			Progress map[string]int `json:"progress"`
			Deadline time.Time      `json:"deadline"`
			Results  []struct {
				StationID fc.ID  `json:"station_id"`
				Identity  string `json:"identity"`
				Status    string `json:"status"`
			} `json:"results"`
		}
		r.json(t, &job)
		if job.Status != "running" || job.Command != "reset" || job.Args["type"] != "Soft" || job.Progress["pending"] != 1 ||
			job.Deadline.Before(time.Now().Add(23*time.Hour)) || r.header.Get("Location") != "/api/v1/station-jobs/"+job.ID.String() {
			t.Errorf("created job: %s", r.body)
		}
		path := "/api/v1/station-jobs/" + job.ID.String()
		w.do(northFacility, http.MethodGet, path, nil).want(t, http.StatusOK).json(t, &job)
		if len(job.Results) != 1 || job.Results[0].StationID != w.north1.station || job.Results[0].Status != "pending" || job.Results[0].Identity != w.north1.identity {
			t.Errorf("job read back: %+v", job)
		}
		w.do(admin, http.MethodGet, path, nil).want(t, http.StatusOK)
		for _, who := range []string{holdingMgr, northFleet, southFleet, otherAdmin, nobody} {
			w.do(who, http.MethodGet, path, nil).want(t, http.StatusNotFound)
		}
		w.do(northFacility, http.MethodGet, path+"?limit=0", nil).want(t, http.StatusBadRequest)

		// A group, named stations, a deadline.
		create(northFacility, map[string]any{"command": "trigger-message", "args": map[string]any{"message": "Heartbeat"}, "charge_group_id": w.north1.group.String()}).want(t, http.StatusCreated)
		create(admin, map[string]any{"command": "clear-cache", "station_ids": []string{w.north1.station.String(), w.south1.station.String()},
			"deadline": time.Now().Add(2 * time.Hour).Format(time.RFC3339)}).want(t, http.StatusCreated)
		if ids := w.do(northFacility, http.MethodGet, "/api/v1/station-jobs", nil).want(t, http.StatusOK).ids(t); len(ids) != 2 {
			t.Errorf("north facility's jobs: %v", ids)
		}
		if ids := w.do(admin, http.MethodGet, "/api/v1/station-jobs?status=running&limit=2", nil).want(t, http.StatusOK).ids(t); len(ids) != 2 {
			t.Errorf("admin's jobs, a page of 2: %v", ids)
		}
		if ids := w.do(admin, http.MethodGet, "/api/v1/station-jobs?status=done", nil).want(t, http.StatusOK).ids(t); len(ids) != 0 {
			t.Errorf("done jobs: %v", ids)
		}

		// Refused, and nothing stored.
		before := w.counts(t)
		for _, tt := range []struct {
			who    string
			body   map[string]any
			status int
			field  string
		}{
			{northFacility, map[string]any{"command": "reset", "args": reset, "organization_id": w.south.String()}, http.StatusNotFound, ""},
			{northFacility, map[string]any{"command": "reset", "args": reset, "station_ids": []string{w.north1.station.String(), w.south1.station.String()}}, http.StatusNotFound, ""},
			{northFleet, map[string]any{"command": "reset", "args": reset, "organization_id": w.north.String()}, http.StatusUnprocessableEntity, ""},
			{northFacility, map[string]any{"command": "reset", "args": map[string]any{"type": "Gentle"}, "organization_id": w.north.String()}, http.StatusBadRequest, "args.type"},
			{northFacility, map[string]any{"command": "reset", "args": map[string]any{"type": "Soft", "extra": 1}, "organization_id": w.north.String()}, http.StatusBadRequest, "args.extra"},
			{northFacility, map[string]any{"command": "reset", "args": []any{}, "organization_id": w.north.String()}, http.StatusBadRequest, "args"},
			{northFacility, map[string]any{"command": "change-availability", "args": map[string]any{"type": "Inoperative", "connector_id": 9}, "organization_id": w.north.String()}, http.StatusBadRequest, "args.connector_id"},
			{northFacility, map[string]any{"command": "teleport", "organization_id": w.north.String()}, http.StatusBadRequest, "command"},
			{northFacility, map[string]any{"command": "remote-start", "args": map[string]any{"id_tag": "N04A1B2C3"}, "organization_id": w.north.String()}, http.StatusUnprocessableEntity, ""},
			{northFacility, map[string]any{"command": "reset", "args": reset}, http.StatusBadRequest, "station_ids"},
			{northFacility, map[string]any{"command": "reset", "args": reset, "organization_id": w.north.String(), "charge_group_id": w.north1.group.String()}, http.StatusBadRequest, "station_ids"},
			{northFacility, map[string]any{"command": "reset", "args": reset, "organization_id": w.north.String(), "deadline": time.Now().Add(40 * 24 * time.Hour).Format(time.RFC3339)}, http.StatusBadRequest, "deadline"},
			{northFacility, map[string]any{"args": reset, "organization_id": w.north.String()}, http.StatusBadRequest, "command"},
		} {
			r := create(tt.who, tt.body)
			if r.status != tt.status {
				t.Errorf("%s %v: %d, want %d: %s", tt.who, tt.body, r.status, tt.status, r.body)
				continue
			}
			if _, ok := r.fields()[tt.field]; tt.field != "" && !ok {
				t.Errorf("%v: fields %v, want %s", tt.body, r.fields(), tt.field)
			}
		}
		w.unchanged(t, before)
	})
}

// TestStationJobLeaks: every persona creates jobs over every organization,
// charge group and station of the leak world (404 for those it may not
// read), then every persona reads every job and the list: no answer shows
// what the persona may not see, and a job of another is 404 but to a
// provider admin.
func TestStationJobLeaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := leaktest.New(t, st)
		srv := api.New(api.Config{Store: st, Auth: w.Auth, Commander: offline{}, Logger: slog.New(slog.DiscardHandler)})
		tokens := map[string]string{}
		for _, p := range leaktest.Personas {
			tokens[p] = w.APIToken(t, p)
		}
		requests, shown := 0, map[string]bool{}
		// call sends one request as p and fails on a status other than
		// want (0: any) and on any marker p may not read in the answer
		// that the request did not carry.
		call := func(p, method, target string, body any, want int) (int, []byte) {
			t.Helper()
			var data []byte
			if body != nil {
				data, _ = json.Marshal(body)
			}
			req := httptest.NewRequest(method, target, bytes.NewReader(data))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tokens[p])
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			requests++
			got := rec.Body.Bytes()
			if rec.Code == http.StatusInternalServerError || want != 0 && rec.Code != want {
				t.Errorf("%s %s as %s: status %d, want %d: %.200s", method, target, p, rec.Code, want, got)
			}
			var forbidden, readable []leaktest.Marker
			for _, m := range w.Markers {
				switch {
				case slices.Contains(m.Readers, p):
					readable = append(readable, m)
				case !strings.Contains(strings.ToLower(target+string(data)), strings.ToLower(m.Value)):
					forbidden = append(forbidden, m)
				}
			}
			for _, m := range leaktest.Leaks(got, forbidden) {
				t.Errorf("%s %s as %s shows %s (%s)", method, target, p, m.What, m.Value)
			}
			for _, m := range leaktest.Leaks(got, readable) {
				shown[m.What] = true
			}
			return rec.Code, got
		}
		owner := map[fc.ID]string{}
		for _, p := range leaktest.Personas {
			for _, target := range []struct{ kind, field string }{
				{leaktest.KindOrganization, "organization_id"}, {leaktest.KindChargeGroup, "charge_group_id"}, {leaktest.KindStation, "station_ids"},
			} {
				for _, o := range w.Of(target.kind) {
					body := map[string]any{"command": "reset", "args": map[string]any{"type": "Soft"}, target.field: o.ID.String()}
					if target.field == "station_ids" {
						body[target.field] = []string{o.ID.String()}
					}
					want := 0
					if !o.Reads(p) {
						want = http.StatusNotFound
					}
					code, got := call(p, http.MethodPost, "/api/v1/station-jobs", body, want)
					if code == http.StatusCreated {
						var j struct{ ID fc.ID }
						if err := json.Unmarshal(got, &j); err != nil {
							t.Fatal(err)
						}
						owner[j.ID] = p
					}
				}
			}
		}
		if len(owner) == 0 {
			t.Fatal("no persona created a job")
		}
		// North's fleet manager reads the station at its employee's home
		// but may not command it: named, it is forbidden, and no job is
		// made; by its organization, it is left out (422: none left).
		named := 0
		for _, o := range w.Of(leaktest.KindOrganization) {
			if o.Name == "N" {
				named++
				call(leaktest.NorthFleet, http.MethodPost, "/api/v1/station-jobs",
					map[string]any{"command": "reset", "args": map[string]any{"type": "Soft"}, "organization_id": o.ID.String()}, http.StatusUnprocessableEntity)
			}
		}
		for _, o := range w.Of(leaktest.KindStation) {
			if o.Name == "NH" {
				named++
				call(leaktest.NorthFleet, http.MethodPost, "/api/v1/station-jobs",
					map[string]any{"command": "reset", "args": map[string]any{"type": "Soft"}, "station_ids": []string{o.ID.String()}}, http.StatusForbidden)
			}
		}
		if named != 2 {
			t.Fatalf("found %d of North's organization and home station", named)
		}
		for _, p := range leaktest.Personas {
			call(p, http.MethodGet, "/api/v1/station-jobs?limit=500", nil, http.StatusOK)
			for id, creator := range owner {
				want := http.StatusNotFound
				if creator == p || p == leaktest.Admin && creator != leaktest.Other {
					want = http.StatusOK
				}
				call(p, http.MethodGet, "/api/v1/station-jobs/"+id.String()+"?limit=500", nil, want)
			}
		}
		// The walk saw the stations' identities where they may show, so
		// it would have seen them where they may not.
		for _, what := range []string{"N station's identity", "S station's identity", "O station's identity"} {
			if !shown[what] {
				t.Errorf("no job answer showed %s to its readers: the walk cannot tell whether it leaks", what)
			}
		}
		t.Logf("%d requests", requests)
	})
}
