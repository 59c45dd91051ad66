package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type reservationStatusUpdateRequest struct {
	ReservationID           int    `json:"reservationId"`
	ReservationUpdateStatus string `json:"reservationUpdateStatus"`
}

// reservationStatusUpdate ends the reservation the station says it no
// longer holds: Expired as expired, Removed as cancelled, at the time the
// message arrives (it carries none). A reservation the back office does
// not hold as active (never recorded, or ended already) changes nothing;
// the message is acknowledged all the same, so that the station does not
// send it again.
func (s *Server) reservationStatusUpdate(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[reservationStatusUpdateRequest](payload)
	if err != nil {
		return nil, err
	}
	status := fc.ReservationCancelled
	if req.ReservationUpdateStatus == "Expired" {
		status = fc.ReservationExpired
	}
	ended, err := s.store.EndReservation(ctx, st.ID, req.ReservationID, status, s.now())
	if err != nil {
		return nil, err
	}
	if !ended {
		s.log.Info("reservation status update for no active reservation", "station", st.Identity,
			"reservation", req.ReservationID, "status", req.ReservationUpdateStatus)
	}
	return empty{}, nil
}
