package fleetcharge

import (
	"context"
	"time"
)

// The states of a reservation. A reservation is active from the station's
// acceptance of ReserveNow until it is used (a transaction started with
// it), cancelled (CancelReservation accepted, or the station removed it),
// or expired (its expiry passed, or the station said so).
const (
	ReservationActive    = "active"
	ReservationUsed      = "used"
	ReservationCancelled = "cancelled"
	ReservationExpired   = "expired"
)

// KindReservation names reservations in errors.
const KindReservation = "reservation"

// ReservationStatuses lists the states of a reservation.
var ReservationStatuses = []string{ReservationActive, ReservationUsed, ReservationCancelled, ReservationExpired}

// Reservation is a connector of a station kept for a card until a time, as
// the station accepted it.
type Reservation struct {
	ID         ID `json:"id"`
	ProviderID ID `json:"-"`
	StationID  ID `json:"station_id"`
	// ConnectorID is the reserved charge point (OCPP 2.0.1: the EVSE); 0
	// reserves whichever connector the card starts on.
	ConnectorID int `json:"connector_id" doc:"the reserved connector (OCPP 2.0.1: EVSE); 0 for any connector of the station"`
	// OCPPID is the reservationId the station knows it by, unique among the
	// station's active reservations.
	OCPPID         int    `json:"reservation_id" doc:"the reservationId the station knows the reservation by, as reserve-now answered it"`
	CardID         ID     `json:"card_id" doc:"the card, 0 when the caller reads the reservation from the station side only"`
	CardExternalID string `json:"card_external_id" doc:"the card's printed number; masked to its last four characters when card_masked"`
	// CardMasked is set when the caller reads the reservation through its
	// station only, the card being foreign to it (as a session's).
	CardMasked bool `json:"card_masked" doc:"the caller reads the reservation from the station side only: the card is masked and card_id is 0"`
	// PartnerID is the roaming partner (OCPI eMSP) whose token the
	// reservation is for, 0 for one of our cards. A partner's token reads
	// as a foreign card: masked, card_id 0.
	PartnerID ID `json:"partner_id,omitempty" doc:"the roaming partner whose driver's token the reservation is for (a RESERVE_NOW over OCPI); the token reads as a foreign card"`
	// PartnerIDTag is, when a partner's reservation is created, its token's
	// UID, the idTag the station was sent.
	PartnerIDTag string    `json:"-"`
	ExpiresAt    time.Time `json:"expires_at"`
	// Status is one of ReservationStatuses; an active reservation whose
	// expiry has passed reads as expired.
	Status string `json:"status" enum:"active,used,cancelled,expired"`
	// SessionID is the session that used the reservation.
	SessionID ID `json:"session_id,omitempty" doc:"the session that used the reservation"`
	// EndedAt is when the reservation stopped being active: used,
	// cancelled, or expired (its expiry, or the station's word).
	EndedAt   *time.Time `json:"ended_at" doc:"when the reservation stopped being active; null while active"`
	CreatedAt time.Time  `json:"created_at"`
}

// ReservationScope is what a reservation read may touch: reservations on
// stations in Stations (the card masked unless also in CardSide), and
// reservations of cards of accounts in CardSide (where cards are read).
type ReservationScope struct {
	ProviderID ID
	Stations   StationScope
	CardSide   Reach
}

// ReservationFilter narrows a list of reservations; zero fields do not
// filter.
type ReservationFilter struct {
	StationID ID
	CardID    ID // never matches a reservation whose card is masked
	Status    string
	Page
}

// ReservationStore keeps the reservations of connectors (issue 19). The
// writes serve the station commands and the OCPP endpoint, trusted
// callers who checked the station and the card; the reads are scoped.
type ReservationStore interface {
	// CreateReservation records a reservation the station accepted. An
	// active reservation of the station with the same OCPPID is replaced
	// (OCPP: the station replaces it) and ends as cancelled, or as expired
	// when its expiry passed.
	// Ending one is ChargingStore.EndReservation, which the OCPP endpoint
	// calls too.
	CreateReservation(ctx context.Context, r *Reservation) error
	Reservation(ctx context.Context, sc ReservationScope, id ID) (*Reservation, error)
	Reservations(ctx context.Context, sc ReservationScope, f ReservationFilter) ([]Reservation, error)
}
