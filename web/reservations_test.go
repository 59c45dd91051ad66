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

// TestReservationPages: a reservation of a Van Dijk card on a Meridian
// station shows on the station's page, with the card masked to the
// station's facility manager (who reads no cards) and linked for the
// provider admin, and on the card's page, with the station named to the
// provider admin and by its ID alone to Van Dijk's fleet manager, who does
// not read Meridian's stations.
func TestReservationPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		stationID := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		cardID := w.one(t, `SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id WHERE a.name LIKE 'Van Dijk Transport%' ORDER BY c.id`)
		r := &fc.Reservation{StationID: stationID, ConnectorID: 0, OCPPID: 4711, CardID: cardID, ExpiresAt: time.Now().Add(time.Hour)}
		if err := st.CreateReservation(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		var number, identity string
		if err := st.DB().QueryRow(`SELECT external_id FROM cards WHERE id = $1`, int64(cardID)).Scan(&number); err != nil {
			t.Fatal(err)
		}
		if err := st.DB().QueryRow(`SELECT identity FROM stations WHERE id = $1`, int64(stationID)).Scan(&identity); err != nil {
			t.Fatal(err)
		}
		masked := strings.Repeat("*", len(number)-4) + number[len(number)-4:]
		section := func(page string) string {
			t.Helper()
			i := strings.Index(page, "Reservations (latest")
			if i < 0 {
				t.Fatalf("no reservations section")
			}
			return page[i:]
		}

		page := section(get(t, w.as(t, facilitiesDE), "/stations/"+stationID.String(), http.StatusOK))
		wantIn(t, "station page, facility manager", page, "4711", "any", masked, "active")
		wantNotIn(t, "station page, facility manager", page, number, "/cards/"+cardID.String())

		admin := w.as(t, adminEmail)
		page = section(get(t, admin, "/stations/"+stationID.String(), http.StatusOK))
		wantIn(t, "station page, admin", page, "4711", number, `href="/cards/`+cardID.String()+`"`)

		page = section(get(t, admin, "/cards/"+cardID.String(), http.StatusOK))
		wantIn(t, "card page, admin", page, "4711", identity, "active")

		page = section(get(t, w.as(t, holdingFleet), "/cards/"+cardID.String(), http.StatusOK))
		wantIn(t, "card page, fleet manager", page, "4711", "#"+stationID.String())
		wantNotIn(t, "card page, fleet manager", page, identity)
	})
}
