package web

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
)

// stationReservations adds the station's reservations to its page.
func (s *Server) stationReservations(ctx context.Context, v *view, st *fc.Station, b *detailBody) error {
	return nil
}
