package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// reservationLine renders what a reader sees of a reservation.
func reservationLine(r fc.Reservation) string {
	ended := "-"
	if r.EndedAt != nil {
		ended = r.EndedAt.Format("15:04")
	}
	return fmt.Sprintf("#%d c%d card=%d %s masked=%v %s session=%d ended=%s", r.OCPPID, r.ConnectorID, r.CardID,
		r.CardExternalID, r.CardMasked, r.Status, r.SessionID, ended)
}

func mustReserve(t *testing.T, s *store.Store, st *fc.Station, connector, ocppID int, card *fc.Card, expires time.Time) *fc.Reservation {
	t.Helper()
	r := &fc.Reservation{StationID: st.ID, ConnectorID: connector, OCPPID: ocppID, CardID: card.ID, ExpiresAt: expires}
	if err := s.CreateReservation(context.Background(), r); err != nil {
		t.Fatalf("reserve %d at %s: %v", ocppID, st.Identity, err)
	}
	return r
}

func mustReservation(t *testing.T, s *store.Store, sc fc.ReservationScope, id fc.ID) string {
	t.Helper()
	r, err := s.Reservation(context.Background(), sc, id)
	if err != nil {
		t.Fatalf("reservation %s: %v", id, err)
	}
	return reservationLine(*r)
}

// TestReservationLifecycle follows reservations from the station's
// acceptance to their end: cancelled, expired at read time and by the
// station's word, replaced under the same reservationId, used by an OCPP
// 1.6 start naming it or by the reserved card alone, and by an OCPP 2.0.1
// transaction naming it. Both engines.
func TestReservationLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Rsv")
		clock := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return clock }
		all := fc.ReservationScope{ProviderID: w.Provider.ID, Stations: fc.StationScope{ProviderID: w.Provider.ID, Reach: fc.Everything}, CardSide: fc.Everything}
		in := func(d time.Duration) time.Time { return clock.Add(d) }

		for _, bad := range []fc.Reservation{
			{StationID: w.Station.ID, ConnectorID: -1, OCPPID: 1, CardID: w.Card.ID, ExpiresAt: in(time.Hour)},
			{StationID: w.Station.ID, ConnectorID: 1, OCPPID: 0, CardID: w.Card.ID, ExpiresAt: in(time.Hour)},
			{StationID: w.Station.ID, ConnectorID: 1, OCPPID: 1, CardID: w.Card.ID},
			{StationID: w.Station.ID, ConnectorID: 1, OCPPID: 1, CardID: 999999, ExpiresAt: in(time.Hour)},
		} {
			if err := s.CreateReservation(ctx, &bad); !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("reservation %+v: err = %v, want invalid", bad, err)
			}
		}

		a := mustReserve(t, s, w.Station, 1, 11, w.Card, in(time.Hour))
		if got, want := mustReservation(t, s, all, a.ID), "#11 c1 card="+w.Card.ID.String()+" EXT-Rsv-TAG1 masked=false active session=0 ended=-"; got != want {
			t.Errorf("accepted: %s, want %s", got, want)
		}
		// Cancelled (cancel-reservation accepted, or Removed): once.
		if ok, err := s.EndReservation(ctx, w.Station.ID, 11, fc.ReservationCancelled, in(10*time.Minute)); err != nil || !ok {
			t.Fatalf("cancel: %v %v", ok, err)
		}
		if ok, err := s.EndReservation(ctx, w.Station.ID, 11, fc.ReservationExpired, in(20*time.Minute)); err != nil || ok {
			t.Errorf("second end: %v %v, want false", ok, err)
		}
		if got := mustReservation(t, s, all, a.ID); got != "#11 c1 card="+w.Card.ID.String()+" EXT-Rsv-TAG1 masked=false cancelled session=0 ended=09:10" {
			t.Errorf("cancelled: %s", got)
		}
		if _, err := s.EndReservation(ctx, w.Station.ID, 11, fc.ReservationUsed, clock); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("end as used: err = %v, want invalid", err)
		}

		// Expiry at read time: active until expires_at, expired from then
		// on, and the filters agree.
		b := mustReserve(t, s, w.Station, 2, 12, w.Card, in(30*time.Minute))
		byStatus := func(status string) []fc.ID {
			t.Helper()
			xs, err := s.Reservations(ctx, all, fc.ReservationFilter{Status: status})
			if err != nil {
				t.Fatal(err)
			}
			return idsOf(xs, func(r fc.Reservation) fc.ID { return r.ID })
		}
		if got := byStatus(fc.ReservationActive); fmt.Sprint(got) != fmt.Sprint([]fc.ID{b.ID}) {
			t.Errorf("active before expiry: %v, want [%s]", got, b.ID)
		}
		clock = clock.Add(30 * time.Minute)
		if got := mustReservation(t, s, all, b.ID); got != "#12 c2 card="+w.Card.ID.String()+" EXT-Rsv-TAG1 masked=false expired session=0 ended=09:30" {
			t.Errorf("past expiry: %s", got)
		}
		if got := byStatus(fc.ReservationActive); len(got) != 0 {
			t.Errorf("active after expiry: %v", got)
		}
		if got := byStatus(fc.ReservationExpired); fmt.Sprint(got) != fmt.Sprint([]fc.ID{b.ID}) {
			t.Errorf("expired: %v, want [%s]", got, b.ID)
		}
		if got := byStatus(fc.ReservationCancelled); fmt.Sprint(got) != fmt.Sprint([]fc.ID{a.ID}) {
			t.Errorf("cancelled: %v, want [%s]", got, a.ID)
		}
		if _, err := s.Reservations(ctx, all, fc.ReservationFilter{Status: "gone"}); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("status gone: err = %v, want invalid", err)
		}
		// The same reservationId again, once 12 expired: a new reservation;
		// the old one stays expired at its expiry.
		b2 := mustReserve(t, s, w.Station, 2, 12, w.Card, in(time.Hour))
		if got := mustReservation(t, s, all, b.ID); got != "#12 c2 card="+w.Card.ID.String()+" EXT-Rsv-TAG1 masked=false expired session=0 ended=09:30" {
			t.Errorf("replaced after expiry: %s", got)
		}
		// Replaced while active: the old one is cancelled now.
		b3 := mustReserve(t, s, w.Station, 1, 12, w.Card, in(time.Hour))
		if got := mustReservation(t, s, all, b2.ID); got != "#12 c2 card="+w.Card.ID.String()+" EXT-Rsv-TAG1 masked=false cancelled session=0 ended=09:30" {
			t.Errorf("replaced while active: %s", got)
		}
		// The station's Expired.
		if ok, err := s.EndReservation(ctx, w.Station.ID, 12, fc.ReservationExpired, in(5*time.Minute)); err != nil || !ok {
			t.Fatalf("expired by the station: %v %v", ok, err)
		}
		if got := mustReservation(t, s, all, b3.ID); got != "#12 c1 card="+w.Card.ID.String()+" EXT-Rsv-TAG1 masked=false expired session=0 ended=09:35" {
			t.Errorf("expired by the station: %s", got)
		}

		// OCPP 1.6: a start naming the reservation uses it, linked to the
		// session; a repeat of the start changes nothing.
		other := mustCard(t, s, w.Account, 0, "Rsv-TAG2")
		c := mustReserve(t, s, w.Station, 1, 13, other, in(time.Hour))
		id := 13
		start := fc.StartTransaction{StationID: w.Station.ID, ConnectorID: 1, IDTag: "Rsv-TAG2", MeterStart: 0, Timestamp: in(time.Minute), ReservationID: &id}
		x, _, err := s.StartTransaction(ctx, start)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("#13 c1 card=%s EXT-Rsv-TAG2 masked=false used session=%s ended=09:31", other.ID, x.ID)
		if got := mustReservation(t, s, all, c.ID); got != want {
			t.Errorf("used by its start: %s, want %s", got, want)
		}
		if _, created, err := s.StartTransaction(ctx, start); err != nil || created {
			t.Fatalf("repeat: %v %v", created, err)
		}
		if got := mustReservation(t, s, all, c.ID); got != want {
			t.Errorf("after a repeat: %s, want %s", got, want)
		}
		// OCPP 1.6 without reservationId: the reserved card on its
		// connector, or a reservation of any connector (0); another card
		// or connector uses nothing.
		d := mustReserve(t, s, w.Station, 0, 14, w.Card, in(time.Hour))
		e := mustReserve(t, s, w.Station, 2, 15, other, in(time.Hour))
		y := mustStart(t, s, w.Station, 3, "Rsv-TAG1", 0, in(2*time.Minute))
		z := mustStart(t, s, w.Station, 3, "Rsv-TAG2", 0, in(3*time.Minute))
		if got, want := mustReservation(t, s, all, d.ID), fmt.Sprintf("#14 c0 card=%s EXT-Rsv-TAG1 masked=false used session=%s ended=09:32", w.Card.ID, y.ID); got != want {
			t.Errorf("any connector, by card: %s, want %s", got, want)
		}
		if got, want := mustReservation(t, s, all, e.ID), fmt.Sprintf("#15 c2 card=%s EXT-Rsv-TAG2 masked=false active session=0 ended=-", other.ID); got != want {
			t.Errorf("another connector (session %s): %s, want %s", z.ID, got, want)
		}

		// OCPP 2.0.1: the transaction event naming it.
		f := mustReserve(t, s, w.Station, 2, 16, w.Card, in(time.Hour))
		id16 := 16
		res, err := s.TransactionEvent(ctx, fc.TransactionEvent{StationID: w.Station.ID, TransactionID: "RSV-T1", EventType: fc.TxStarted,
			SeqNo: 0, TriggerReason: "Authorized", Timestamp: in(4 * time.Minute), ConnectorID: 2, IDTag: "Rsv-TAG1", ReservationID: &id16})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := mustReservation(t, s, all, f.ID), fmt.Sprintf("#16 c2 card=%s EXT-Rsv-TAG1 masked=false used session=%s ended=09:34", w.Card.ID, res.Session.ID); got != want {
			t.Errorf("used by a transaction event: %s, want %s", got, want)
		}
		// A start naming an expired reservation uses nothing.
		g := mustReserve(t, s, w.Station, 1, 17, other, in(time.Minute))
		id17 := 17
		if _, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: w.Station.ID, ConnectorID: 1, IDTag: "Rsv-TAG9",
			Timestamp: in(2 * time.Minute), ReservationID: &id17}); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(2 * time.Minute)
		if got := mustReservation(t, s, all, g.ID); got != "#17 c1 card="+other.ID.String()+" EXT-Rsv-TAG2 masked=false expired session=0 ended=09:31" {
			t.Errorf("started after its expiry: %s", got)
		}
		if _, err := s.Reservation(ctx, all, 999999); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("no such reservation: err = %v, want not_found", err)
		}
	})
}

// TestReservationScope reads reservations as their station's reader (the
// foreign card masked), as their card's reader, and as neither (not found,
// and absent from lists); a card filter never matches a masked one. Both
// engines.
func TestReservationScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "RsvScope")
		s.Now = func() time.Time { return march }
		fleetOrg := mustOrg(t, s, w.Provider.ID, 0, "RsvScope Fleet")
		fleet := mustAccount(t, s, w.Provider.ID, fleetOrg.ID, "RsvScope Fleet BV")
		foreign := mustCard(t, s, fleet, 0, "RsvScope-F1")
		own := mustReserve(t, s, w.Station, 1, 1, w.Card, march.Add(time.Hour))
		visiting := mustReserve(t, s, w.Station, 2, 2, foreign, march.Add(time.Hour))

		scope := func(stations, cards fc.Reach) fc.ReservationScope {
			return fc.ReservationScope{ProviderID: w.Provider.ID, Stations: fc.StationScope{ProviderID: w.Provider.ID, Reach: stations}, CardSide: cards}
		}
		host := fc.Reach{AccountIDs: []fc.ID{w.Account.ID}}
		facility := scope(host, fc.Reach{})                                 // reads the station, no card
		operator := scope(host, host)                                       // reads the station and its own cards
		driver := scope(fc.Reach{}, fc.Reach{OrgIDs: []fc.ID{fleetOrg.ID}}) // reads the foreign card only
		nobody := scope(fc.Reach{}, fc.Reach{})
		elsewhere := scope(fc.Everything, fc.Everything)
		elsewhere.ProviderID = w.Provider.ID + 1000

		for _, tt := range []struct {
			name string
			sc   fc.ReservationScope
			id   fc.ID
			want string // "" for not found
		}{
			{"facility, own card", facility, own.ID, "#1 c1 card=0 *************TAG1 masked=true active session=0 ended=-"},
			{"facility, foreign card", facility, visiting.ID, "#2 c2 card=0 ***********e-F1 masked=true active session=0 ended=-"},
			{"operator, own card", operator, own.ID, fmt.Sprintf("#1 c1 card=%s EXT-RsvScope-TAG1 masked=false active session=0 ended=-", w.Card.ID)},
			{"operator, foreign card", operator, visiting.ID, "#2 c2 card=0 ***********e-F1 masked=true active session=0 ended=-"},
			{"driver, its card", driver, visiting.ID, fmt.Sprintf("#2 c2 card=%s EXT-RsvScope-F1 masked=false active session=0 ended=-", foreign.ID)},
			{"driver, another card", driver, own.ID, ""},
			{"nobody", nobody, own.ID, ""},
			{"another provider", elsewhere, visiting.ID, ""},
		} {
			r, err := s.Reservation(ctx, tt.sc, tt.id)
			if tt.want == "" {
				if !fc.IsCode(err, fc.ENotFound) {
					t.Errorf("%s: err = %v, want not_found", tt.name, err)
				}
			} else if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else if got := reservationLine(*r); got != tt.want {
				t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
			}
			xs, err := s.Reservations(ctx, tt.sc, fc.ReservationFilter{})
			if err != nil {
				t.Fatal(err)
			}
			listed := false
			for _, x := range xs {
				if x.ID == tt.id {
					listed = true
					if got := reservationLine(x); got != tt.want {
						t.Errorf("%s, listed: %s, want %s", tt.name, got, tt.want)
					}
				}
			}
			if listed != (tt.want != "") {
				t.Errorf("%s: listed %v, want %v", tt.name, listed, tt.want != "")
			}
		}
		for _, tt := range []struct {
			name string
			sc   fc.ReservationScope
			card fc.ID
			want int
		}{
			{"facility by the foreign card", facility, foreign.ID, 0},
			{"operator by its card", operator, w.Card.ID, 1},
			{"operator by the foreign card", operator, foreign.ID, 0},
			{"driver by its card", driver, foreign.ID, 1},
		} {
			xs, err := s.Reservations(ctx, tt.sc, fc.ReservationFilter{CardID: tt.card})
			if err != nil || len(xs) != tt.want {
				t.Errorf("%s: %d reservations (err %v), want %d", tt.name, len(xs), err, tt.want)
			}
		}
		xs, err := s.Reservations(ctx, operator, fc.ReservationFilter{StationID: w.Station.ID, Page: fc.Page{Limit: 1}})
		if err != nil || len(xs) != 1 || xs[0].ID != own.ID {
			t.Errorf("first page of one: %v (err %v), want [%s]", idsOf(xs, func(r fc.Reservation) fc.ID { return r.ID }), err, own.ID)
		}
	})
}
