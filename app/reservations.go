package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// reservationScope is the scope of the subject's reservation reads: the
// reservations on the stations it reads (stations.read, and the home
// stations of its employees), their card masked unless it reads the card
// too, and the reservations of the cards it reads (cards.read).
func reservationScope(subj access.Subject) fc.ReservationScope {
	return fc.ReservationScope{ProviderID: subj.ProviderID, Stations: access.StationScopeFor(subj),
		CardSide: access.Reach(subj, access.CardsRead)}
}

// Reservations lists the reservations the subject may read.
func (s *Service) Reservations(ctx context.Context, subj access.Subject, f fc.ReservationFilter) ([]fc.Reservation, error) {
	return s.Store.Reservations(ctx, reservationScope(subj), f)
}

// Reservation returns one reservation the subject may read.
func (s *Service) Reservation(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Reservation, error) {
	return s.Store.Reservation(ctx, reservationScope(subj), id)
}

// recordReservation keeps what the station accepted of a reservation
// command: a reserve-now becomes an active reservation of the card its
// idTag names (as the station would match it, mayStartWith's card), a
// cancel-reservation ends the station's active one with that ID as
// cancelled. Anything the station did not accept changes nothing.
func (s *Service) recordReservation(ctx context.Context, st *fc.Station, cmd Command, status string) error {
	if status != "Accepted" {
		return nil
	}
	switch cmd.Name {
	case CommandReserveNow:
		auth, err := s.Store.CardAuth(ctx, st.ID, cmd.IDTag)
		if err != nil || auth.Card == nil {
			// The card was checked before the command was sent; one
			// deleted meanwhile leaves nothing to record.
			return err
		}
		return s.Store.CreateReservation(ctx, &fc.Reservation{StationID: st.ID, ConnectorID: cmd.ConnectorID,
			OCPPID: cmd.ReservationID, CardID: auth.Card.ID, ExpiresAt: cmd.ExpiresAt})
	case CommandCancelReservation:
		_, err := s.Store.EndReservation(ctx, st.ID, cmd.ReservationID, fc.ReservationCancelled, s.now())
		return err
	}
	return nil
}
