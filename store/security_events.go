package store

import (
	"context"
	"database/sql"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// RecordSecurityEvent stores a station's security event
// (SecurityEventNotification); texts are cut to OCPP 2.0.1's lengths.
func (s *Store) RecordSecurityEvent(ctx context.Context, e fc.SecurityEvent) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	return s.writeState(ctx, func(tx *sql.Tx) error {
		if _, err := chargingStation(ctx, tx, e.StationID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO security_events (station_id, type, tech_info, at, received_at) VALUES ($1, $2, $3, $4, $5)`,
			int64(e.StationID), clip(e.Type, 50), clip(e.TechInfo, 255), ms(e.At.UTC().Truncate(time.Millisecond)), ms(s.now()))
		return err
	})
}

// SecurityEvents returns the station's latest security events, newest
// first, at most limit (100 when limit is not positive).
func (s *Store) SecurityEvents(ctx context.Context, stationID fc.ID, limit int) ([]fc.SecurityEvent, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []fc.SecurityEvent
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT id, station_id, type, tech_info, at, received_at FROM security_events
			WHERE station_id = $1 ORDER BY at DESC, id DESC LIMIT $2`, int64(stationID), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e fc.SecurityEvent
			var at, received int64
			if err := rows.Scan(&e.ID, &e.StationID, &e.Type, &e.TechInfo, &at, &received); err != nil {
				return err
			}
			e.At, e.ReceivedAt = fromMS(at), fromMS(received)
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}
