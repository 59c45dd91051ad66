package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Tariff versions (schema 0020): a charge group's tariff has versions, each
// pricing the sessions that start from its valid_from until the next one's.
// A session stores the version it was priced with. The group's own tariff
// columns hold the version in effect when it was last written; reading a
// group shows the version in effect now.

const versionColumns = `v.id, v.charge_group_id, v.valid_from, v.currency, v.per_kwh_micros, v.per_minute_micros, v.start_fee_micros,
	v.bands, v.idle_fee_per_minute_micros, v.idle_grace_minutes, v.min_price_micros, v.max_price_micros, v.created_at`

func scanVersion(row rowScanner, v *fc.TariffVersion) error {
	var validFrom, created int64
	var bands string
	t := &v.Tariff
	if err := row.Scan(&v.ID, &v.ChargeGroupID, &validFrom, &t.Currency, &t.PerKWhMicros, &t.PerMinuteMicros, &t.StartFeeMicros,
		&bands, &t.IdleFeePerMinuteMicros, &t.IdleGraceMinutes, &t.MinPriceMicros, &t.MaxPriceMicros, &created); err != nil {
		return err
	}
	t.Bands = nil
	if bands != "" && bands != "[]" {
		if err := json.Unmarshal([]byte(bands), &t.Bands); err != nil {
			return err
		}
	}
	v.ValidFrom, v.CreatedAt = fromMS(validFrom), fromMS(created)
	t.VersionID, t.ValidFrom = v.ID, v.ValidFrom
	return nil
}

// maxBands bounds the time-of-day bands of a tariff.
const maxBands = 48

// validateTariff checks the tariff parts beyond the flat prices.
func validateTariff(t *fc.Tariff, fields map[string]string) {
	for field, v := range map[string]int64{
		"tariff.idle_fee_per_minute": t.IdleFeePerMinuteMicros,
		"tariff.min_price":           t.MinPriceMicros,
		"tariff.max_price":           t.MaxPriceMicros,
	} {
		switch {
		case v < 0:
			fields[field] = "must not be negative"
		case v > maxPriceMicros:
			fields[field] = "must be at most 1000000"
		}
	}
	if t.IdleGraceMinutes < 0 || t.IdleGraceMinutes > 24*60 {
		fields["tariff.idle_grace_minutes"] = "must be from 0 to 1440"
	}
	if t.MinPriceMicros > 0 && t.MaxPriceMicros > 0 && t.MinPriceMicros > t.MaxPriceMicros {
		fields["tariff.min_price"] = "must not be above max_price"
	}
	if len(t.Bands) > maxBands {
		fields["tariff.time_of_day"] = "holds more than 48 bands"
	} else if t.BandsOverlap() {
		fields["tariff.time_of_day"] = "bands must be within the day, not empty, and not overlap"
	}
	for _, b := range t.Bands {
		if b.PerKWhMicros < 0 || b.PerKWhMicros > maxPriceMicros {
			fields["tariff.time_of_day"] = "prices must be from 0 to 1000000"
		}
	}
	if len(t.Bands) == 0 {
		t.Bands = nil
	}
}

// insertTariffVersion stores g's tariff as a version of g valid from
// validFrom, replacing one at the same instant that no session was priced
// with. It sets g.Tariff.VersionID and ValidFrom.
func insertTariffVersion(ctx context.Context, tx *sql.Tx, g *fc.ChargeGroup, validFrom, now time.Time) error {
	var existing int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM tariff_versions WHERE charge_group_id = $1 AND valid_from = $2`,
		int64(g.ID), ms(validFrom)).Scan(&existing)
	switch {
	case err == nil:
		var used int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE tariff_version_id = $1`, existing).Scan(&used); err != nil {
			return err
		}
		if used > 0 {
			return fc.Errorf(fc.EConflict, "the tariff version of charge group %s valid from %s has priced sessions: choose another valid_from",
				g.ID, validFrom.Format(time.RFC3339))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tariff_versions WHERE id = $1`, existing); err != nil {
			return err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	bands := []byte("[]")
	if len(g.Tariff.Bands) > 0 {
		if bands, err = json.Marshal(g.Tariff.Bands); err != nil {
			return err
		}
	}
	t := g.Tariff
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO tariff_versions (provider_id, charge_group_id, valid_from, currency, per_kwh_micros,
		per_minute_micros, start_fee_micros, bands, idle_fee_per_minute_micros, idle_grace_minutes, min_price_micros, max_price_micros, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		int64(g.ProviderID), int64(g.ID), ms(validFrom), t.Currency, t.PerKWhMicros, t.PerMinuteMicros, t.StartFeeMicros, string(bands),
		t.IdleFeePerMinuteMicros, t.IdleGraceMinutes, t.MinPriceMicros, t.MaxPriceMicros, ms(now)).Scan(&id); err != nil {
		return err
	}
	g.Tariff.VersionID, g.Tariff.ValidFrom = fc.ID(id), validFrom.UTC()
	return nil
}

// loadGroupTariffs sets the tariff of every group in gs to the version in
// effect at now; a group without one keeps its columns' tariff.
func loadGroupTariffs(ctx context.Context, tx *sql.Tx, gs []fc.ChargeGroup, now time.Time) error {
	if len(gs) == 0 {
		return nil
	}
	at := make(map[fc.ID]*fc.ChargeGroup, len(gs))
	ids := make([]fc.ID, len(gs))
	for i := range gs {
		at[gs[i].ID], ids[i] = &gs[i], gs[i].ID
	}
	q := &query{}
	q.add(`SELECT ` + versionColumns + ` FROM tariff_versions v WHERE v.charge_group_id IN `).ids(ids).
		add(" AND v.valid_from <= ").arg(ms(now)).add(" ORDER BY v.charge_group_id, v.valid_from")
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v fc.TariffVersion
		if err := scanVersion(rows, &v); err != nil {
			return err
		}
		at[v.ChargeGroupID].Tariff = v.Tariff // the latest wins
	}
	return rows.Err()
}

// TariffVersions returns the versions of a charge group's tariff within
// the scope, oldest first.
func (s *Store) TariffVersions(ctx context.Context, sc fc.Scope, groupID fc.ID) ([]fc.TariffVersion, error) {
	out := []fc.TariffVersion{}
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		if _, err := s.findGroup(ctx, tx, sc, groupID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+versionColumns+` FROM tariff_versions v
			WHERE v.charge_group_id = $1 AND v.provider_id = $2 ORDER BY v.valid_from`, int64(groupID), int64(sc.ProviderID))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v fc.TariffVersion
			if err := scanVersion(rows, &v); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

// stationTariffAt returns the version of the tariff of the station's
// charge group in effect at at: the latest valid from at or before it, or
// the group's columns (VersionID 0) when it has none.
func stationTariffAt(ctx context.Context, tx *sql.Tx, stationID fc.ID, at time.Time) (fc.Tariff, error) {
	var v fc.TariffVersion
	err := scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM stations st
		JOIN tariff_versions v ON v.charge_group_id = st.charge_group_id
		WHERE st.id = $1 AND v.valid_from <= $2 ORDER BY v.valid_from DESC LIMIT 1`, int64(stationID), ms(at)), &v)
	if errors.Is(err, sql.ErrNoRows) {
		return stationTariff(ctx, tx, stationID)
	}
	return v.Tariff, err
}

// pricingInput reads what pricing the session needs beyond its start and
// stop: the energy register's readings, its connector's statuses during
// the session, and the time zone of its provider.
func pricingInput(ctx context.Context, tx *sql.Tx, id fc.ID, started, stopped time.Time) (fc.PricingInput, error) {
	in := fc.PricingInput{Started: started, Stopped: stopped, Location: time.UTC}
	var stationID sql.NullInt64
	var connector sql.NullInt64
	var zone string
	if err := tx.QueryRowContext(ctx, `SELECT s.station_id, s.connector_id, p.time_zone FROM sessions s
		JOIN providers p ON p.id = s.provider_id WHERE s.id = $1`, int64(id)).Scan(&stationID, &connector, &zone); err != nil {
		return in, err
	}
	if loc, err := time.LoadLocation(zone); err == nil {
		in.Location = loc
	}
	rows, err := tx.QueryContext(ctx, `SELECT at, unit, value FROM meter_values WHERE session_id = $1 AND measurand = $2
		AND phase = '' AND location IN ('', 'Outlet') AND format = '' AND value IS NOT NULL ORDER BY at`,
		int64(id), fc.MeasurandEnergy)
	if err != nil {
		return in, err
	}
	for rows.Next() {
		var atMS int64
		var unit string
		var value float64
		if err := rows.Scan(&atMS, &unit, &value); err != nil {
			rows.Close()
			return in, err
		}
		switch strings.ToLower(unit) {
		case "kwh":
			value *= 1000
		case "wh", "":
		default:
			continue
		}
		in.Readings = append(in.Readings, fc.MeterReading{At: fromMS(atMS), Wh: int64(math.Round(value))})
	}
	if err := rows.Close(); err != nil {
		return in, err
	}
	if err := rows.Err(); err != nil || !stationID.Valid {
		return in, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT at, status FROM status_history WHERE station_id = $1 AND connector_id = $2
		AND at >= $3 AND at <= $4 ORDER BY at`, stationID.Int64, connector.Int64, ms(started), ms(stopped))
	if err != nil {
		return in, err
	}
	defer rows.Close()
	for rows.Next() {
		var atMS int64
		var status string
		if err := rows.Scan(&atMS, &status); err != nil {
			return in, err
		}
		in.Statuses = append(in.Statuses, fc.ConnectorStatus{At: fromMS(atMS), Status: status})
	}
	return in, rows.Err()
}
