package web

import (
	"context"
	"math"
	"slices"
	"strconv"

	fc "github.com/fleetcharge/fleetcharge"
)

// reservationRows is how many of the latest reservations a station's or a
// card's page lists.
const reservationRows = 20

// latestReservations returns the latest reservations matching f that the
// viewer reads, newest first.
func (s *Server) latestReservations(ctx context.Context, v *view, f fc.ReservationFilter) ([]fc.Reservation, error) {
	f.Page = fc.Page{Before: math.MaxInt64, Limit: reservationRows}
	xs, err := s.app.Reservations(ctx, v.Subj, f)
	if err != nil {
		return nil, err
	}
	slices.Reverse(xs)
	return xs, nil
}

// reservationStatus renders a reservation's state, with its session once
// used.
func reservationStatus(x *fc.Reservation) cell {
	c := cell{Text: x.Status, Class: "status-" + x.Status}
	if x.SessionID != 0 {
		c.Text += " (session " + x.SessionID.String() + ")"
		c.Href = objectPath(fc.KindSession, x.SessionID)
	}
	return c
}

// connectorText renders a reserved connector; 0 is any.
func connectorText(id int) string {
	if id == 0 {
		return "any"
	}
	return strconv.Itoa(id)
}

// stationReservations adds the station's latest reservations to its page:
// the connector, the card (masked when the viewer does not read it, as on
// a session), the expiry and the state.
func (s *Server) stationReservations(ctx context.Context, v *view, st *fc.Station, b *detailBody) error {
	xs, err := s.latestReservations(ctx, v, fc.ReservationFilter{StationID: st.ID})
	if err != nil {
		return err
	}
	t := table{Caption: "Reservations (latest " + strconv.Itoa(reservationRows) + ")",
		Columns: []string{"Connector", "Card", "Reservation ID", "Expires", "Status"}, Empty: "No reservations."}
	for i := range xs {
		x := &xs[i]
		card := cell{Text: x.CardExternalID}
		if !x.CardMasked {
			card.Href = objectPath(fc.KindCard, x.CardID)
		}
		t.Rows = append(t.Rows, []cell{{Text: connectorText(x.ConnectorID)}, card, {Text: strconv.Itoa(x.OCPPID)},
			{Text: v.when(x.ExpiresAt)}, reservationStatus(x)})
	}
	b.Tables = append(b.Tables, t)
	return nil
}

// cardReservations adds the card's latest reservations to its page: the
// station (named when the viewer reads it), the connector, the expiry and
// the state.
func (s *Server) cardReservations(ctx context.Context, v *view, c *fc.Card, b *detailBody) error {
	xs, err := s.latestReservations(ctx, v, fc.ReservationFilter{CardID: c.ID})
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	t := table{Caption: "Reservations (latest " + strconv.Itoa(reservationRows) + ")",
		Columns: []string{"Station", "Connector", "Reservation ID", "Expires", "Status"}, Empty: "No reservations."}
	for i := range xs {
		x := &xs[i]
		t.Rows = append(t.Rows, []cell{n.cell(fc.KindStation, x.StationID), {Text: connectorText(x.ConnectorID)},
			{Text: strconv.Itoa(x.OCPPID)}, {Text: v.when(x.ExpiresAt)}, reservationStatus(x)})
	}
	b.Tables = append(b.Tables, t)
	return nil
}
