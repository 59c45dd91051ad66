package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The reservation routes join the leak walk's coverage (leak_test.go).
func init() {
	coverage["GET /api/v1/reservations"] = exList
	coverage["GET /api/v1/reservations/{id}"] = exGet
}

// TestReservationsAPI makes reservations through reserve-now on North's
// station, for North's card and South's, cancels one with
// cancel-reservation, and reads them as each persona: the station's
// readers see both, a card they may not read masked; South's fleet manager
// only its card's, unmasked; the others nothing (404). Both engines.
func TestReservationsAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		w.cmd.online[w.north1.identity] = true
		check(t, w.st.SetConnection(ctx, w.north1.station, true, fc.OCPP16, time.Now()))
		path := "/api/v1/stations/" + w.north1.station.String() + "/commands/"
		exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)

		var reply struct {
			ReservationID int `json:"reservation_id"`
		}
		w.do(admin, "POST", path+"reserve-now", map[string]any{"connector_id": 1, "id_tag": "N04A1B2C3", "expires_at": exp, "reservation_id": 21}).
			want(t, http.StatusOK).json(t, &reply)
		w.do(admin, "POST", path+"reserve-now", map[string]any{"connector_id": 2, "id_tag": "S04A1B2C3", "expires_at": exp}).
			want(t, http.StatusOK).json(t, &reply)
		south := reply.ReservationID
		// Refused by the station: nothing recorded.
		w.cmd.replies = map[string]string{"ReserveNow": `{"status":"Occupied"}`}
		w.do(admin, "POST", path+"reserve-now", map[string]any{"connector_id": 2, "id_tag": "N04A1B2C3", "expires_at": exp, "reservation_id": 23}).
			want(t, http.StatusOK)
		w.cmd.replies = nil

		var page struct {
			Data []fc.Reservation `json:"data"`
		}
		w.do(admin, "GET", "/api/v1/reservations", nil).want(t, http.StatusOK).json(t, &page)
		if len(page.Data) != 2 {
			t.Fatalf("admin reads %d reservations, want 2: %+v", len(page.Data), page.Data)
		}
		northID, southID := page.Data[0].ID, page.Data[1].ID
		if r := page.Data[0]; r.OCPPID != 21 || r.CardID != w.north1.card || r.ConnectorID != 1 || r.Status != fc.ReservationActive || r.CardMasked {
			t.Errorf("North's reservation: %+v", r)
		}
		if r := page.Data[1]; r.OCPPID != south || r.CardID != w.south1.card || r.CardExternalID != "S-0001" || r.StationID != w.north1.station {
			t.Errorf("South's card's reservation: %+v", r)
		}

		type seen struct {
			card   fc.ID
			masked bool
			number string
		}
		for _, tt := range []struct {
			who          string
			north, south *seen // nil: not found
		}{
			{admin, &seen{w.north1.card, false, "N-0001"}, &seen{w.south1.card, false, "S-0001"}},
			{holdingMgr, &seen{w.north1.card, false, "N-0001"}, &seen{w.south1.card, false, "S-0001"}},
			{northFacility, &seen{0, true, "0001"}, &seen{0, true, "0001"}},
			{northFleet, &seen{w.north1.card, false, "N-0001"}, nil},
			{southFleet, nil, &seen{w.south1.card, false, "S-0001"}},
			{nobody, nil, nil},
			{otherAdmin, nil, nil},
		} {
			var listed []fc.ID
			var p struct {
				Data []fc.Reservation `json:"data"`
			}
			w.do(tt.who, "GET", "/api/v1/reservations", nil).want(t, http.StatusOK).json(t, &p)
			for _, r := range p.Data {
				listed = append(listed, r.ID)
			}
			for _, c := range []struct {
				id   fc.ID
				want *seen
			}{{northID, tt.north}, {southID, tt.south}} {
				res := w.do(tt.who, "GET", "/api/v1/reservations/"+c.id.String(), nil)
				if c.want == nil {
					res.want(t, http.StatusNotFound)
					if slices.Contains(listed, c.id) {
						t.Errorf("%s lists reservation %s", tt.who, c.id)
					}
					continue
				}
				var r fc.Reservation
				res.want(t, http.StatusOK).json(t, &r)
				if !slices.Contains(listed, c.id) {
					t.Errorf("%s does not list reservation %s", tt.who, c.id)
				}
				masked := c.want.masked && r.CardExternalID == "**"+c.want.number || !c.want.masked && r.CardExternalID == c.want.number
				if r.CardID != c.want.card || r.CardMasked != c.want.masked || !masked {
					t.Errorf("%s reads reservation %s as card %s %q masked %v, want %+v", tt.who, c.id, r.CardID, r.CardExternalID, r.CardMasked, *c.want)
				}
			}
		}

		// Filters: a card filter never matches a masked reservation.
		for _, tt := range []struct {
			who, query string
			want       []fc.ID
		}{
			{admin, "?card_id=" + w.south1.card.String(), []fc.ID{southID}},
			{northFacility, "?card_id=" + w.south1.card.String(), nil},
			{northFacility, "?station_id=" + w.north1.station.String(), []fc.ID{northID, southID}},
			{admin, "?station_id=" + w.south1.station.String(), nil},
			{admin, "?status=active", []fc.ID{northID, southID}},
			{admin, "?status=cancelled", nil},
		} {
			var p struct {
				Data []fc.Reservation `json:"data"`
			}
			w.do(tt.who, "GET", "/api/v1/reservations"+tt.query, nil).want(t, http.StatusOK).json(t, &p)
			var got []fc.ID
			for _, r := range p.Data {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s %s: %v, want %v", tt.who, tt.query, got, tt.want)
			}
		}
		w.do(admin, "GET", "/api/v1/reservations?status=gone", nil).want(t, http.StatusBadRequest)

		// Cancelled when the station accepts cancel-reservation.
		w.do(admin, "POST", path+"cancel-reservation", map[string]any{"reservation_id": 21}).want(t, http.StatusOK)
		var r fc.Reservation
		w.do(admin, "GET", "/api/v1/reservations/"+northID.String(), nil).want(t, http.StatusOK).json(t, &r)
		if r.Status != fc.ReservationCancelled || r.EndedAt == nil {
			t.Errorf("after cancel-reservation: %s ended %v, want cancelled", r.Status, r.EndedAt)
		}
		w.cmd.replies = map[string]string{"CancelReservation": `{"status":"Rejected"}`}
		w.do(admin, "POST", path+"cancel-reservation", map[string]any{"reservation_id": south}).want(t, http.StatusOK)
		w.do(admin, "GET", "/api/v1/reservations/"+southID.String(), nil).want(t, http.StatusOK).json(t, &r)
		if r.Status != fc.ReservationActive {
			t.Errorf("after a rejected cancel-reservation: %s, want active", r.Status)
		}
	})
}

// reservation records an active reservation of North's card on North's
// station and returns its ID.
func (w *world) reservation(t *testing.T) fc.ID {
	t.Helper()
	r := &fc.Reservation{StationID: w.north1.station, ConnectorID: 1, OCPPID: 7, CardID: w.north1.card, ExpiresAt: time.Now().Add(time.Hour)}
	check(t, w.st.CreateReservation(context.Background(), r))
	return r.ID
}

// TestReservationRouteLeaks plants a reservation of every card on every
// station of the leak test's world (leaktest) and reads the reservation
// routes as every persona: a reservation is listed and read (else 404)
// exactly by the readers of its station or of its card, and no response
// holds a marker its persona may not read (a card read from the station
// side alone shows masked). Both engines.
func TestReservationRouteLeaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := leaktest.New(t, st)
		srv := api.New(api.Config{Store: st, Auth: w.Auth, Logger: slog.New(slog.DiscardHandler)})
		readers := map[fc.ID][]string{}
		n := 0
		for _, s := range w.Of(leaktest.KindStation) {
			for _, c := range w.Of(leaktest.KindCard) {
				n++
				r := &fc.Reservation{StationID: s.ID, ConnectorID: 1, OCPPID: n, CardID: c.ID, ExpiresAt: time.Now().Add(time.Hour)}
				if err := st.CreateReservation(ctx, r); fc.IsCode(err, fc.EInvalid) {
					continue // a card of the other provider
				} else if err != nil {
					t.Fatal(err)
				}
				readers[r.ID] = append(slices.Clone(s.Readers), c.Readers...)
			}
		}
		if len(readers) < 4 {
			t.Fatalf("only %d reservations planted", len(readers))
		}
		get := func(persona, token, target string) (int, []byte) {
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if leaks := leaktest.Leaks(rec.Body.Bytes(), w.Forbidden(persona)); len(leaks) > 0 {
				t.Errorf("GET %s as %s shows %v", target, persona, leaks)
			}
			return rec.Code, rec.Body.Bytes()
		}
		for _, p := range leaktest.Personas {
			token := w.APIToken(t, p)
			code, body := get(p, token, "/api/v1/reservations?limit=500")
			if code != http.StatusOK {
				t.Fatalf("list as %s: %d %s", p, code, body)
			}
			var page struct{ Data []fc.Reservation }
			if err := json.Unmarshal(body, &page); err != nil {
				t.Fatal(err)
			}
			listed := map[fc.ID]bool{}
			for _, r := range page.Data {
				listed[r.ID] = true
			}
			for id, who := range readers {
				reads := slices.Contains(who, p)
				if listed[id] != reads {
					t.Errorf("%s: reservation %s listed %v, want %v", p, id, listed[id], reads)
				}
				want := http.StatusNotFound
				if reads {
					want = http.StatusOK
				}
				if code, body := get(p, token, "/api/v1/reservations/"+id.String()); code != want {
					t.Errorf("%s: reservation %s: %d, want %d: %.200s", p, id, code, want, body)
				}
			}
		}
	})
}
