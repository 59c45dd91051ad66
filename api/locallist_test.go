package api_test

import (
	"context"
	"fmt"
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

// The local list routes join the leak walk's coverage: the station's list
// as a station read; the setting as plain requests. TestLocalListLeaks
// walks the lists with cards in them.
func init() {
	coverage["GET /api/v1/stations/{id}/local-list"] = exGet
	coverage["GET /api/v1/local-list-settings"] = exPlain
	coverage["PUT /api/v1/local-list-settings"] = exPlain
}

// recordEveryCard stores, as acknowledged by each of the stations, a list
// holding every card of the provider.
func recordEveryCard(t *testing.T, st *store.Store, providerID fc.ID, stationIDs ...fc.ID) {
	t.Helper()
	ctx := context.Background()
	cards, err := st.Cards(ctx, fc.ProviderScope(providerID), fc.CardFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
	check(t, err)
	var list []fc.LocalListEntry
	for _, c := range cards {
		list = append(list, fc.LocalListEntry{IDTag: c.InternalID, Status: fc.AuthAccepted, ParentIDTag: fc.AccountIDTag(c.AccountID)})
	}
	for _, id := range stationIDs {
		check(t, st.RecordLocalList(ctx, id, fc.LocalListRecord{Version: 7, State: fc.LocalListSynced, Entries: list, Known: true, Synced: true, At: time.Now()}))
	}
}

type localListBody struct {
	StationID     fc.ID  `json:"station_id"`
	Version       int    `json:"version"`
	InSync        bool   `json:"in_sync"`
	State         string `json:"state"`
	EntryCount    int    `json:"entry_count"`
	HiddenEntries int    `json:"hidden_entries"`
	DesiredCount  int    `json:"desired_count"`
	Pending       bool   `json:"pending"`
	Entries       []struct {
		IDTag       string `json:"id_tag"`
		Status      string `json:"status"`
		ParentIDTag string `json:"parent_id_tag"`
	} `json:"entries"`
}

// TestLocalListAPI: a station's list as its readers see it (a facility
// manager of the station, who reads no cards, sees none of the entries, an
// account admin its account's cards only;
// others get 404), the sync state, and the provider's setting (readable by
// charge group readers, set by provider admins only).
func TestLocalListAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		path := "/api/v1/stations/" + w.north1.station.String() + "/local-list"
		var got localListBody
		w.do(admin, http.MethodGet, path, nil).want(t, http.StatusOK).json(t, &got)
		if got.Version != 0 || got.State != fc.LocalListPending || got.InSync || !got.Pending || len(got.Entries) != 0 {
			t.Errorf("a station never synced: got %+v", got)
		}
		recordEveryCard(t, w.st, w.provider, w.north1.station)
		got = localListBody{}
		w.do(admin, http.MethodGet, path, nil).want(t, http.StatusOK).json(t, &got)
		if got.Version != 7 || got.State != fc.LocalListSynced || got.EntryCount < 2 || got.HiddenEntries != 0 || len(got.Entries) != got.EntryCount {
			t.Fatalf("as the provider admin: got %+v", got)
		}
		// North's station is in a public group: its list should be empty.
		if got.InSync || got.DesiredCount != 0 {
			t.Errorf("a public group's station holding cards: in sync %v, desired %d; want false, 0", got.InSync, got.DesiredCount)
		}
		north, err := w.st.Card(context.Background(), fc.ProviderScope(w.provider), w.north1.card)
		check(t, err)
		got = localListBody{}
		w.do(northAdmin, http.MethodGet, path, nil).want(t, http.StatusOK).json(t, &got)
		tags := []string{}
		for _, e := range got.Entries {
			tags = append(tags, e.IDTag)
		}
		if !slices.Equal(tags, []string{north.InternalID}) || got.HiddenEntries != got.EntryCount-1 {
			t.Errorf("as North's account admin: entries %v, %d hidden of %d; want North's card only", tags, got.HiddenEntries, got.EntryCount)
		}
		got = localListBody{}
		w.do(northFacility, http.MethodGet, path, nil).want(t, http.StatusOK).json(t, &got)
		if len(got.Entries) != 0 || got.HiddenEntries != got.EntryCount || got.Version != 7 {
			t.Errorf("as North's facility manager, who reads no cards: got %+v; want the state, every entry hidden", got)
		}
		w.do(southFleet, http.MethodGet, path, nil).want(t, http.StatusNotFound)
		w.do(otherAdmin, http.MethodGet, path, nil).want(t, http.StatusNotFound)

		settings := "/api/v1/local-list-settings"
		w.do(admin, http.MethodGet, settings, nil).want(t, http.StatusOK)
		if code := w.do(northFleet, http.MethodPut, settings, map[string]any{"local_list_public": true}).status; code != http.StatusForbidden {
			t.Errorf("a fleet manager sets the setting: status %d, want 403", code)
		}
		w.do(admin, http.MethodPut, settings, map[string]any{}).want(t, http.StatusBadRequest)
		w.do(admin, http.MethodPut, settings, map[string]any{"local_list_public": true}).want(t, http.StatusOK)
		var s struct {
			LocalListPublic bool `json:"local_list_public"`
		}
		w.do(northFacility, http.MethodGet, settings, nil).want(t, http.StatusOK).json(t, &s)
		if !s.LocalListPublic {
			t.Error("the setting did not hold")
		}
		w.do(nobody, http.MethodGet, settings, nil).want(t, http.StatusForbidden)
		got = localListBody{}
		w.do(admin, http.MethodGet, path, nil).want(t, http.StatusOK).json(t, &got)
		if got.DesiredCount == 0 {
			t.Error("with the setting on, a public group's station should hold the active cards")
		}
	})
}

// TestLocalListLeaks reads every station's list, each holding every card
// of its provider, as every persona: no answer shows a card the persona
// may not read, a station it may not read is 404, and the cards' readers
// are shown them.
func TestLocalListLeaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := leaktest.New(t, st)
		srv := api.New(api.Config{Store: st, Auth: w.Auth, Commander: offline{}, Logger: slog.New(slog.DiscardHandler)})
		providers, err := st.Providers(context.Background())
		check(t, err)
		for _, p := range providers {
			stations, err := st.Stations(context.Background(), fc.StationScope{ProviderID: p.ID, Reach: fc.Everything}, fc.StationFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
			check(t, err)
			for _, s := range stations {
				recordEveryCard(t, st, p.ID, s.ID)
			}
		}
		shown := map[string]bool{}
		for _, p := range leaktest.Personas {
			token := w.APIToken(t, p)
			for _, o := range w.Of(leaktest.KindStation) {
				target := fmt.Sprintf("/api/v1/stations/%s/local-list", o.ID)
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				want := http.StatusNotFound
				if o.Reads(p) {
					want = http.StatusOK
				}
				if rec.Code != want {
					t.Errorf("GET %s as %s: status %d, want %d: %.200s", target, p, rec.Code, want, rec.Body.Bytes())
				}
				var forbidden, readable []leaktest.Marker
				for _, m := range w.Markers {
					if slices.Contains(m.Readers, p) {
						readable = append(readable, m)
					} else if !strings.Contains(target, m.Value) {
						forbidden = append(forbidden, m)
					}
				}
				for _, m := range leaktest.Leaks(rec.Body.Bytes(), forbidden) {
					t.Errorf("GET %s as %s shows %s (%s)", target, p, m.What, m.Value)
				}
				for _, m := range leaktest.Leaks(rec.Body.Bytes(), readable) {
					shown[m.What] = true
				}
			}
		}
		cardsShown := 0
		for what := range shown {
			if strings.Contains(what, "card's internal ID") {
				cardsShown++
			}
		}
		if cardsShown == 0 {
			t.Error("no list showed any card to its readers: the walk cannot tell whether lists leak")
		}
	})
}
