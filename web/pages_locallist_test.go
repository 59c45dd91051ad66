package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestLocalListSection: a station's page shows its local list's sync state
// to its readers, and the entries of the cards each reader may read: the
// provider admin sees a Van Dijk card on a Meridian station's list, the
// station's facility manager (who reads no cards) sees it counted only.
func TestLocalListSection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		stationID := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		cardID := w.one(t, `SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id WHERE a.name LIKE 'Van Dijk Transport%' ORDER BY c.id`)
		var tag string
		var account int64
		if err := st.DB().QueryRow(`SELECT internal_id, account_id FROM cards WHERE id = $1`, int64(cardID)).Scan(&tag, &account); err != nil {
			t.Fatal(err)
		}
		section := func(page string) string {
			t.Helper()
			i := strings.Index(page, "Local authorization list")
			if i < 0 {
				t.Fatalf("no local list section")
			}
			return page[i:]
		}
		whole := get(t, w.as(t, facilitiesDE), "/stations/"+stationID.String(), http.StatusOK)
		wantIn(t, "the station page", whole, `id="live-local-list" data-live`)
		page := section(whole)
		wantIn(t, "a list never synced", page, "pending", "never")

		list := []fc.LocalListEntry{{IDTag: tag, Status: fc.AuthAccepted, ParentIDTag: fc.AccountIDTag(fc.ID(account))}}
		if err := st.RecordLocalList(context.Background(), stationID, fc.LocalListRecord{Version: 41, State: fc.LocalListSynced, Entries: list, Known: true, Synced: true, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		page = section(get(t, w.as(t, adminEmail), "/stations/"+stationID.String(), http.StatusOK))
		wantIn(t, "admin", page, "41", "synced", "Local list entries", tag, fc.AccountIDTag(fc.ID(account)))
		page = section(get(t, w.as(t, facilitiesDE), "/stations/"+stationID.String(), http.StatusOK))
		wantIn(t, "facility manager", page, "41", "synced")
		wantNotIn(t, "facility manager", page, tag, fc.AccountIDTag(fc.ID(account)))
	})
}
