package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// locationLoadView is the answer of GET /api/v1/locations/{id}/load.
type locationLoadView struct {
	LocationID  fc.ID             `json:"location_id" doc:"the location"`
	LimitKW     *json.Number      `json:"limit_kw" doc:"the location's limit (max_power_kw), in kW; null: no limit"`
	AllocatedKW json.Number       `json:"allocated_kw" doc:"the sum of the limits of the sessions shown, in kW"`
	MeasuredKW  *json.Number      `json:"measured_kw" doc:"the sum of the measured power of the sessions shown, in kW; null when none has a measurement"`
	Sessions    []sessionLoadView `json:"sessions" doc:"the running sessions at the location's stations the caller may read, by session ID"`
}

// sessionLoadView is one running session's share of its location.
type sessionLoadView struct {
	SessionID       fc.ID        `json:"session_id" doc:"the session"`
	StationID       fc.ID        `json:"station_id" doc:"its station"`
	StationIdentity string       `json:"station_identity" doc:"the station's OCPP identity"`
	ConnectorID     int          `json:"connector_id" doc:"the connector (EVSE on OCPP 2.0.1)"`
	StartedAt       time.Time    `json:"started_at" doc:"when the session started"`
	LimitKW         json.Number  `json:"limit_kw" doc:"the latest limit load management gave it, in kW; 0 before the first"`
	Reason          string       `json:"reason" doc:"why: share, waiting, offline, offline_freed, rejected or unlimited; empty before the first limit"`
	Since           *time.Time   `json:"since" doc:"when the limit was given; null before the first"`
	MeasuredKW      *json.Number `json:"measured_kw" doc:"the latest active power the station reported for the session (Power.Active.Import), in kW; null when none"`
	MeasuredAt      *time.Time   `json:"measured_at" doc:"when it was measured; null when never"`
}

// allocationView is one limit load management gave a session.
type allocationView struct {
	At      time.Time   `json:"at" doc:"from when the limit holds"`
	LimitKW json.Number `json:"limit_kw" doc:"what the session's station may draw, in kW"`
	Reason  string      `json:"reason" doc:"why: share, waiting, offline, offline_freed, rejected or unlimited"`
}

// allocationsView is the answer of GET /api/v1/sessions/{id}/allocations.
type allocationsView struct {
	Data []allocationView `json:"data" doc:"the limits, by time"`
}

// loadRoutes are the routes of load management's readings.
func (s *Server) loadRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/locations/{id}/load", id: "location_load", tag: "locations",
			summary: "How a location's limit is divided",
			doc: "The location's limit and the running sessions at its stations that the caller may read (stations.read), each with the latest limit " +
				"load management gave it, why and since when, and its measured power; allocated_kw and measured_kw sum the sessions shown. " +
				"Readable as the location is (locations.read).",
			resp: typ[locationLoadView](), status: http.StatusOK, h: getOf(s, s.app.LocationLoad, viewLocationLoad)},
		{method: http.MethodGet, path: "/api/v1/sessions/{id}/allocations", id: "session_allocations", tag: "sessions",
			summary: "The limits load management gave a session",
			doc: "Every limit the session was given, by time, with the reason. Readable as the session is; empty for a session at a location without a limit. " +
				"The history is dropped with the meter values (the server's retention).",
			resp: typ[allocationsView](), status: http.StatusOK, h: getOf(s, s.sessionAllocations, viewAllocations)},
	}
}

// sessionAllocations reads a session's allocations in the shape getOf takes.
func (s *Server) sessionAllocations(ctx context.Context, subj access.Subject, id fc.ID) (*[]fc.SessionAllocation, error) {
	xs, err := s.app.SessionAllocations(ctx, subj, id)
	if err != nil {
		return nil, err
	}
	return &xs, nil
}

// kwOf renders watts as kW, exactly.
func kwOf(w int64) json.Number { return decimalNumber(w, 3) }

func viewLocationLoad(l *app.LocationLoad) locationLoadView {
	out := locationLoadView{LocationID: l.Location.ID, AllocatedKW: kwOf(l.AllocatedW), Sessions: make([]sessionLoadView, len(l.Sessions))}
	if l.LimitW > 0 {
		v := kwOf(l.LimitW)
		out.LimitKW = &v
	}
	measured := false
	for i, x := range l.Sessions {
		v := sessionLoadView{SessionID: x.SessionID, StationID: x.StationID, StationIdentity: x.Identity, ConnectorID: x.ConnectorID,
			StartedAt: x.StartedAt, LimitKW: kwOf(x.LimitW), Reason: x.Reason, MeasuredAt: x.MeasuredAt}
		if !x.Since.IsZero() {
			since := x.Since
			v.Since = &since
		}
		if x.MeasuredW != nil {
			m := kwOf(*x.MeasuredW)
			v.MeasuredKW, measured = &m, true
		}
		out.Sessions[i] = v
	}
	if measured {
		m := kwOf(l.MeasuredW)
		out.MeasuredKW = &m
	}
	return out
}

func viewAllocations(xs *[]fc.SessionAllocation) allocationsView {
	out := allocationsView{Data: make([]allocationView, len(*xs))}
	for i, x := range *xs {
		out.Data[i] = allocationView{At: x.At, LimitKW: kwOf(x.LimitW), Reason: x.Reason}
	}
	return out
}
