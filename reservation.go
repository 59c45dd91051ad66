package fleetcharge

// ReservationStore keeps the reservations of connectors (issue 19).
type ReservationStore interface{}
