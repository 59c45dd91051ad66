package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// CreateReservation records a reservation its station accepted: the
// station's ID, connector (0: any), OCPPID, CardID and ExpiresAt are read
// from r; ID, ProviderID, Status, CardExternalID and CreatedAt are filled
// in. The card must be of the station's provider. An active reservation of
// the station with the same OCPPID ends in the same write: the station
// replaced it (OCPP 1.6 ReserveNow, 2.0.1 H01.FR.02), so it is cancelled,
// or expired when its expiry had passed. A roaming partner's reservation
// names PartnerID and PartnerIDTag (its token's UID) instead of a card: the
// partner must be of the station's provider; it reads as a foreign card.
func (s *Store) CreateReservation(ctx context.Context, r *fc.Reservation) error {
	fields := map[string]string{}
	if r.ConnectorID < 0 || r.ConnectorID > MaxConnectors {
		fields["connector_id"] = fmt.Sprintf("must be between 0 and %d", MaxConnectors)
	}
	if r.OCPPID <= 0 || r.OCPPID > math.MaxInt32 {
		fields["reservation_id"] = "must be 1 to 2147483647"
	}
	if r.ExpiresAt.IsZero() {
		fields["expires_at"] = "is required"
	}
	partner := r.PartnerID != 0
	switch {
	case partner && r.CardID != 0:
		fields["card_id"] = "a partner's reservation has no card of ours"
	case partner && (r.PartnerIDTag == "" || len(r.PartnerIDTag) > 255):
		fields["id_tag"] = "a partner's reservation needs its token's UID (at most 255 characters)"
	case !partner && r.CardID <= 0:
		fields["card_id"] = "is required"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		st, err := chargingStation(ctx, tx, r.StationID)
		if err != nil {
			return err
		}
		var external string
		if partner {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ocpi_partners WHERE id = $1 AND provider_id = $2`,
				int64(r.PartnerID), int64(st.ProviderID)).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fc.Invalid(map[string]string{"partner_id": "no such partner"})
			}
			external = maskCardNumber(r.PartnerIDTag)
		} else {
			err = tx.QueryRowContext(ctx, `SELECT external_id FROM cards WHERE id = $1 AND provider_id = $2`,
				int64(r.CardID), int64(st.ProviderID)).Scan(&external)
			if errors.Is(err, sql.ErrNoRows) {
				return fc.Invalid(map[string]string{"card_id": "no such card"})
			}
			if err != nil {
				return err
			}
		}
		if _, err := endReservations(ctx, tx, `station_id = $4 AND reservation_id = $5`, fc.ReservationCancelled, now,
			int64(st.ID), r.OCPPID); err != nil {
			return err
		}
		var id int64
		tag := ""
		if partner {
			tag = r.PartnerIDTag
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO reservations (provider_id, station_id, connector_id, reservation_id, card_id,
			partner_id, id_tag, expires_at, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			int64(st.ProviderID), int64(st.ID), r.ConnectorID, r.OCPPID, nullID(r.CardID), nullID(r.PartnerID), tag, ms(r.ExpiresAt),
			fc.ReservationActive, ms(now)).Scan(&id); err != nil {
			return err
		}
		r.ID, r.ProviderID, r.CardExternalID, r.CardMasked = fc.ID(id), st.ProviderID, external, partner
		r.Status, r.SessionID, r.EndedAt = fc.ReservationActive, 0, nil
		r.ExpiresAt, r.CreatedAt = fromMS(ms(r.ExpiresAt)), fromMS(ms(now))
		return nil
	})
}

// endReservations ends the active reservations that where (whose
// placeholders start at $4) selects, as status at at; one whose expiry
// had passed by then ends as expired, at its expiry, as the readers
// already showed it. It returns how many it ended.
func endReservations(ctx context.Context, tx *sql.Tx, where, status string, at time.Time, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE reservations
		SET status = CASE WHEN expires_at <= $1 THEN 'expired' ELSE $2 END,
			ended_at = CASE WHEN expires_at <= $3 THEN expires_at ELSE $3 END
		WHERE status = 'active' AND `+where, append([]any{ms(at), status, ms(at)}, args...)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// EndReservation ends the station's active reservation with that OCPP ID
// as cancelled or expired (see fc.ReservationStore); it reports whether
// there was one.
func (s *Store) EndReservation(ctx context.Context, stationID fc.ID, ocppID int, status string, at time.Time) (bool, error) {
	if status != fc.ReservationCancelled && status != fc.ReservationExpired {
		return false, fc.Invalid(map[string]string{"status": "must be cancelled or expired"})
	}
	if at.IsZero() {
		at = s.now()
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		n, err = endReservations(ctx, tx, `station_id = $4 AND reservation_id = $5`, status, at, int64(stationID), ocppID)
		return err
	})
	return n > 0, err
}

// useReservation marks the reservation a new session started with as used
// by it, in the session's write: the station's active reservation with
// the OCPP ID the start names, unexpired at the start; or, when the start
// names none that matches and byCard is set (OCPP 1.6, where a station may
// leave reservationId out), the earliest active reservation of the
// session's card on its connector (or on any connector), made before the
// start; a session of no card of ours matches a roaming partner's
// reservation by its token's UID, the session's idTag.
func useReservation(ctx context.Context, tx *sql.Tx, stationID fc.ID, connectorID int, ocppID *int, cardID, sessionID fc.ID, at time.Time, byCard bool) error {
	if ocppID != nil {
		res, err := tx.ExecContext(ctx, `UPDATE reservations SET status = 'used', session_id = $1, ended_at = $2
			WHERE station_id = $3 AND reservation_id = $4 AND status = 'active' AND expires_at > $5`,
			int64(sessionID), ms(at), int64(stationID), *ocppID, ms(at))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
	}
	if !byCard || connectorID <= 0 {
		return nil
	}
	if cardID == 0 {
		var tag string
		if err := tx.QueryRowContext(ctx, `SELECT id_tag FROM sessions WHERE id = $1`, int64(sessionID)).Scan(&tag); err != nil || tag == "" {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE reservations SET status = 'used', session_id = $1, ended_at = $2
			WHERE id = (SELECT id FROM reservations WHERE station_id = $3 AND card_id IS NULL AND id_tag = $4 AND connector_id IN (0, $5)
				AND status = 'active' AND expires_at > $6 AND created_at <= $7 ORDER BY connector_id DESC, id LIMIT 1)`,
			int64(sessionID), ms(at), int64(stationID), tag, connectorID, ms(at), ms(at))
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE reservations SET status = 'used', session_id = $1, ended_at = $2
		WHERE id = (SELECT id FROM reservations WHERE station_id = $3 AND card_id = $4 AND connector_id IN (0, $5)
			AND status = 'active' AND expires_at > $6 AND created_at <= $7 ORDER BY connector_id DESC, id LIMIT 1)`,
		int64(sessionID), ms(at), int64(stationID), int64(cardID), connectorID, ms(at), ms(at))
	return err
}

// selectReservations appends the SELECT of the reservations r visible in
// sc (with their station st and card c) up to and including the WHERE
// clause's scope. The status reads an active reservation past its expiry
// as expired; the last column tells whether sc.CardSide reads the card.
func selectReservations(q *query, sc fc.ReservationScope, now int64) *query {
	q.add(`SELECT r.id, r.provider_id, r.station_id, r.connector_id, r.reservation_id, COALESCE(r.card_id, 0),
		COALESCE(c.external_id, r.id_tag), COALESCE(r.partner_id, 0), r.expires_at,
		CASE WHEN r.status = 'active' AND r.expires_at <= `).int(now).add(` THEN 'expired' ELSE r.status END,
		COALESCE(r.session_id, 0),
		CASE WHEN r.status = 'active' AND r.expires_at <= `).int(now).add(` THEN r.expires_at ELSE r.ended_at END,
		r.created_at, CASE WHEN r.card_id IS NOT NULL AND (`).reachOf("c.account_id", "c.employee_id", sc.CardSide).add(`) THEN TRUE ELSE FALSE END
		FROM reservations r JOIN stations st ON st.id = r.station_id LEFT JOIN cards c ON c.id = r.card_id
		WHERE r.provider_id = `).arg(int64(sc.ProviderID)).add(" AND (")
	// The station side as stationQuery reads stations, or the card side.
	q.reachOf("st.account_id", stationEmployee, sc.Stations.Reach)
	if !sc.Stations.HomesOf.Empty() {
		q.add(` OR st.location_id IN (SELECT hl.id FROM locations hl JOIN employees he ON he.id = hl.employee_id
			WHERE hl.kind = 'home' AND `).reach("he.account_id", sc.Stations.HomesOf).add(")")
	}
	// A partner's reservation (no card) is read through its station only.
	return q.add(" OR r.card_id IS NOT NULL AND (").reachOf("c.account_id", "c.employee_id", sc.CardSide).add("))")
}

func scanReservation(row rowScanner, r *fc.Reservation) error {
	var expires, created int64
	var ended sql.NullInt64
	var cardVisible bool
	if err := row.Scan(&r.ID, &r.ProviderID, &r.StationID, &r.ConnectorID, &r.OCPPID, &r.CardID, &r.CardExternalID, &r.PartnerID, &expires,
		&r.Status, &r.SessionID, &ended, &created, &cardVisible); err != nil {
		return err
	}
	r.ExpiresAt, r.EndedAt, r.CreatedAt = fromMS(expires), fromNullMS(ended), fromMS(created)
	if !cardVisible {
		r.CardMasked, r.CardID, r.CardExternalID = true, 0, maskCardNumber(r.CardExternalID)
	}
	return nil
}

// Reservation returns one reservation within the scope, its card masked
// when only its station is in scope.
func (s *Store) Reservation(ctx context.Context, sc fc.ReservationScope, id fc.ID) (*fc.Reservation, error) {
	q := &query{}
	selectReservations(q, sc, ms(s.now())).add(" AND r.id = ").arg(int64(id))
	var r fc.Reservation
	err := s.read(ctx, func(tx *sql.Tx) error {
		return scanReservation(tx.QueryRowContext(ctx, q.String(), q.args...), &r)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fc.KindReservation, id)
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Reservations lists the reservations within the scope, by ID. A filter
// on the card matches only reservations whose card the scope reads, or it
// would tell which masked reservations one foreign card made.
func (s *Store) Reservations(ctx context.Context, sc fc.ReservationScope, f fc.ReservationFilter) ([]fc.Reservation, error) {
	now := ms(s.now())
	q := &query{}
	selectReservations(q, sc, now)
	if f.StationID != 0 {
		q.add(" AND r.station_id = ").arg(int64(f.StationID))
	}
	if f.CardID != 0 {
		q.add(" AND r.card_id = ").arg(int64(f.CardID)).add(" AND (").reachOf("c.account_id", "c.employee_id", sc.CardSide).add(")")
	}
	switch f.Status {
	case "":
	case fc.ReservationActive:
		q.add(" AND r.status = 'active' AND r.expires_at > ").int(now)
	case fc.ReservationExpired:
		q.add(" AND (r.status = 'expired' OR r.status = 'active' AND r.expires_at <= ").int(now).add(")")
	case fc.ReservationUsed, fc.ReservationCancelled:
		q.add(" AND r.status = ").arg(f.Status)
	default:
		return nil, fc.Invalid(map[string]string{"status": "must be one of active, used, cancelled, expired"})
	}
	q.page("r.id", f.Page)
	return list(ctx, s, q, scanReservation)
}
