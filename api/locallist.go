package api

import (
	"net/http"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// localListEntryView is one entry of a station's local list.
type localListEntryView struct {
	IDTag       string     `json:"id_tag" doc:"the card's internal ID (the OCPP idTag)"`
	Status      string     `json:"status" doc:"the OCPP authorization status the list gives it (Accepted)"`
	ExpiryDate  *time.Time `json:"expiry_date" doc:"when the entry expires; null for never"`
	ParentIDTag string     `json:"parent_id_tag" doc:"the parent ID tag: its account's (ACC- and the account's ID)"`
}

// localListView is the answer of GET /api/v1/stations/{id}/local-list.
type localListView struct {
	StationID     fc.ID                `json:"station_id" doc:"the station"`
	Version       int                  `json:"version" doc:"the list version the station last acknowledged (0: none)"`
	InSync        bool                 `json:"in_sync" doc:"whether the station acknowledged exactly the active cards its charge group admits now"`
	State         string               `json:"state" enum:"pending,synced,failed,not_supported" doc:"the sync state: pending (never synced), synced, failed (see error; retried when the station reconnects or the list changes), not_supported (the station has no local list; checked again when it boots)"`
	Error         string               `json:"error,omitempty" doc:"why the last sync failed"`
	SyncedAt      *time.Time           `json:"synced_at" doc:"when the station last acknowledged a whole sync; null for never"`
	Entries       []localListEntryView `json:"entries" doc:"the entries the station acknowledged, by ID tag: those naming cards the caller may read (cards.read); hidden_entries counts the others"`
	EntryCount    int                  `json:"entry_count" doc:"how many entries the acknowledged list holds"`
	HiddenEntries int                  `json:"hidden_entries" doc:"how many of them name cards the caller may not read, and are left out of entries"`
	DesiredCount  int                  `json:"desired_count" doc:"how many entries the list should hold: the active cards the station's charge group admits"`
	Pending       bool                 `json:"pending" doc:"a sync is due: the list is not in sync and the station has one"`
	ClearCache    bool                 `json:"clear_cache_pending" doc:"a ClearCache is due (a card the station may have cached was blocked), sent when the station is online"`
}

// localListSettingsView is the provider's local list setting.
type localListSettingsView struct {
	LocalListPublic bool `json:"local_list_public" doc:"whether the stations of public charge groups get every active card of the provider in their local lists (default false: an empty list, as a public station admits every card online)"`
}

type localListSettingsInput struct {
	LocalListPublic bool `json:"local_list_public" required:"true" doc:"whether the stations of public charge groups get every active card of the provider in their local lists"`
}

// localListRoutes are the routes of stations' local lists.
func (s *Server) localListRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/stations/{id}/local-list", id: "station_local_list", tag: "stations",
			summary: "A station's local authorization list",
			doc: "The list the station last acknowledged and whether it is in sync with its charge group: the active cards a restricted group admits, " +
				"with their account as parent ID tag; none for a public group unless the provider's local_list_public setting is on. " +
				"The back office keeps it in sync by itself (SendLocalList, differential; a full list after a version mismatch). " +
				"Readable as the station is; entries naming cards the caller may not read are left out and counted.",
			resp: typ[localListView](), status: http.StatusOK, h: getOf(s, s.app.StationLocalList, localListViewOf)},
		{method: http.MethodGet, path: "/api/v1/local-list-settings", id: "local_list_settings", tag: "stations",
			summary: "The provider's local list setting",
			doc:     "Readable by whoever reads charge groups.",
			resp:    typ[localListSettingsView](), status: http.StatusOK, h: s.localListSettings},
		{method: http.MethodPut, path: "/api/v1/local-list-settings", id: "set_local_list_settings", tag: "stations",
			summary: "Set the provider's local list setting",
			doc:     "Needs chargegroups.manage over the whole provider (provider admins). The lists of public groups' stations follow.",
			body:    typ[localListSettingsInput](), create: true, resp: typ[localListSettingsView](), status: http.StatusOK, h: s.setLocalListSettings},
	}
}

// localListViewOf renders a station's local list.
func localListViewOf(l *app.StationLocalList) localListView {
	out := localListView{StationID: l.StationID, Version: l.Version, InSync: l.InSync, State: l.State, Error: l.Error, SyncedAt: l.SyncedAt,
		Entries: make([]localListEntryView, len(l.Entries)), EntryCount: l.Count, HiddenEntries: l.Hidden, DesiredCount: l.Desired,
		Pending: !l.InSync && l.State != fc.LocalListNotSupported, ClearCache: l.ClearCache}
	for i, e := range l.Entries {
		out.Entries[i] = localListEntryView(e)
	}
	return out
}

func (s *Server) localListSettings(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	on, err := s.app.LocalListPublic(r.Context(), subj)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, localListSettingsView{on})
	return nil
}

func (s *Server) setLocalListSettings(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *localListSettingsInput, _ fieldSet) error {
		if err := s.app.SetLocalListPublic(r.Context(), subj, in.LocalListPublic); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, localListSettingsView(*in))
		return nil
	})(w, r)
}
