package api

import (
	"net/http"

	fc "github.com/fleetcharge/fleetcharge"
)

// reservationRoutes are the routes of reservations: read only, since a
// reservation is made and cancelled by the reserve-now and
// cancel-reservation commands of its station.
func (s *Server) reservationRoutes() []route {
	return collection{name: "reservations", tag: "reservations", noun: "reservation",
		item: typ[fc.Reservation](),
		filters: []param{
			{name: "station_id", kind: paramID, doc: "only reservations of this station"},
			{name: "card_id", kind: paramID, doc: "only reservations of this card (never matches masked reservations)"},
			{name: "status", kind: paramEnum, enum: fc.ReservationStatuses, doc: "only reservations in this state; an active reservation past its expiry is expired"},
		},
		list: s.listReservations, get: s.getReservation,
		notes: map[string]string{
			"list": "Reservations on the caller's stations and reservations of its cards; on the former a foreign card is masked. " +
				"A reservation is recorded when its station accepts reserve-now (POST /api/v1/stations/{id}/commands/reserve-now), " +
				"and ends as used (a transaction started with it), cancelled (cancel-reservation accepted, or the station removed it) or expired.",
		}}.routes()
}

func (s *Server) listReservations(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.ReservationFilter, fc.Page) {
		f := fc.ReservationFilter{StationID: q.id("station_id"), CardID: q.id("card_id"), Status: q.str("status"), Page: q.page()}
		return f, f.Page
	}, s.app.Reservations, viewReservation, func(x *fc.Reservation) fc.ID { return x.ID })(w, r)
}

func (s *Server) getReservation(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.Reservation, viewReservation)(w, r)
}

func viewReservation(x *fc.Reservation) fc.Reservation { return *x }
