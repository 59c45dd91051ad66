package web

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
)

// stationLocalList adds the station's local list to its page.
func (s *Server) stationLocalList(ctx context.Context, v *view, st *fc.Station, b *detailBody) error {
	return nil
}
