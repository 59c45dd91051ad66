package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
)

// The charging calls serve the OCPP endpoint. The station is already
// authenticated, so they are not scoped by a reach: a station reaches its
// own provider, through its own row.

// StationByIdentity returns the station with that identity, in any provider,
// with its password hash and charge points.
func (s *Store) StationByIdentity(ctx context.Context, identity string) (*fc.Station, error) {
	if !utf8.ValidString(identity) || strings.ContainsRune(identity, 0) || len(identity) > 255 {
		// No station can have it, and PostgreSQL would refuse the text.
		return nil, fc.Errorf(fc.ENotFound, "no station with identity %q", identity)
	}
	sts := make([]fc.Station, 1)
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanStation(tx.QueryRowContext(ctx, `SELECT `+stationColumns+` FROM stations st WHERE st.identity = $1`, identity), &sts[0])
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "no station with identity %q", identity)
		}
		if err != nil {
			return err
		}
		return loadChargePoints(ctx, tx, sts)
	})
	if err != nil {
		return nil, err
	}
	return &sts[0], nil
}

// chargingStation reads a station by ID, without its charge points.
func chargingStation(ctx context.Context, tx *sql.Tx, id fc.ID) (*fc.Station, error) {
	var st fc.Station
	if err := scanStation(tx.QueryRowContext(ctx, `SELECT `+stationColumns+` FROM stations st WHERE st.id = $1`, int64(id)), &st); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindStation, id)
		}
		return nil, err
	}
	return &st, nil
}

// execStation runs an UPDATE of one station and turns "no row" into not
// found.
func execStation(ctx context.Context, tx *sql.Tx, id fc.ID, stmt string, args ...any) error {
	res, err := tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(fc.KindStation, id)
	}
	return nil
}

// clip trims v, drops the U+0000 characters PostgreSQL text cannot hold,
// and cuts it to at most n characters.
func clip(v string, n int) string {
	v = strings.TrimSpace(strings.ReplaceAll(v, "\x00", ""))
	r := []rune(v)
	if len(r) > n {
		return string(r[:n])
	}
	return v
}

// RecordBoot stores what the station says of itself. The values are cut to
// the lengths OCPP 1.6 allows, which are also those a station edit accepts.
func (s *Store) RecordBoot(ctx context.Context, stationID fc.ID, info fc.BootInfo, at time.Time) error {
	return s.writeState(ctx, func(tx *sql.Tx) error {
		return execStation(ctx, tx, stationID, `UPDATE stations SET vendor = $1, model = $2, serial_number = $3, firmware = $4,
			last_boot_at = $5 WHERE id = $6`,
			clip(info.Vendor, 20), clip(info.Model, 20), clip(info.SerialNumber, 25), clip(info.Firmware, 50), ms(at), int64(stationID))
	})
}

// SetConnection records whether the station is connected now, and the OCPP
// version of its connection unless version is "".
func (s *Store) SetConnection(ctx context.Context, stationID fc.ID, online bool, version string, at time.Time) error {
	switch version {
	case "", fc.OCPP16, fc.OCPP201:
	default:
		return fc.Invalid(map[string]string{"ocpp_version": "must be 1.6 or 2.0.1"})
	}
	err := s.writeState(ctx, func(tx *sql.Tx) error {
		return s.setConnection(ctx, tx, stationID, online, version, at)
	})
	if err == nil {
		s.stationChanged(stationID)
	}
	return err
}

// setConnection is SetConnection's write in tx (also that of the
// connection registrations of several nodes, store/nodes.go).
func (s *Store) setConnection(ctx context.Context, tx *sql.Tx, stationID fc.ID, online bool, version string, at time.Time) error {
	if err := execStation(ctx, tx, stationID, `UPDATE stations SET online = $1,
		ocpp_version = CASE WHEN $2 = '' THEN ocpp_version ELSE $3 END WHERE id = $4`, online, version, version, int64(stationID)); err != nil {
		return err
	}
	if err := s.recordConnection(ctx, tx, stationID, online, at); err != nil {
		return err
	}
	if err := s.stationConnectionEvent(ctx, tx, stationID, online, s.now()); err != nil {
		return err
	}
	return stationStatusChanged(ctx, tx, stationID, s.now())
}

// MarkAllOffline records every station as disconnected: a process that
// starts serves no connection yet, whatever a crash left behind.
func (s *Store) MarkAllOffline(ctx context.Context) error {
	return s.writeState(ctx, func(tx *sql.Tx) error {
		if err := recordAllOffline(ctx, tx, s.now()); err != nil {
			return err
		}
		if err := queueOnlinePublished(ctx, tx, s.now()); err != nil {
			return err
		}
		if err := s.allOfflineEvents(ctx, tx, s.now()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE stations SET online = FALSE WHERE online`)
		return err
	})
}

// RecordHeartbeat moves the station's last heartbeat forward to at; an
// older one arriving late changes nothing.
func (s *Store) RecordHeartbeat(ctx context.Context, stationID fc.ID, at time.Time) error {
	return s.writeState(ctx, func(tx *sql.Tx) error {
		return execStation(ctx, tx, stationID, `UPDATE stations SET last_heartbeat_at =
			CASE WHEN last_heartbeat_at IS NULL OR last_heartbeat_at < $1 THEN $2 ELSE last_heartbeat_at END WHERE id = $3`,
			ms(at), ms(at), int64(stationID))
	})
}

// RecordStatus stores a connector's status as of at: RecordStatusReport
// without a vendor error code.
func (s *Store) RecordStatus(ctx context.Context, stationID fc.ID, connectorID int, status, errorCode string, at time.Time) error {
	return s.RecordStatusReport(ctx, fc.StatusReport{StationID: stationID, ConnectorID: connectorID, Status: status, ErrorCode: errorCode, At: at})
}

// RecordStatusReport stores a connector's status as of the report's time,
// and adds the report to the station's status history, once (a repeat adds
// nothing), in one write. A status older than the stored one (a message
// that arrived out of order) changes the connector's status not, but joins
// the history in its place. A connector the station was not registered with
// is added, so that the station's own account of its connectors wins.
// Connector 0, the station as a whole, is not a charge point: its status is
// kept in the history only.
func (s *Store) RecordStatusReport(ctx context.Context, r fc.StatusReport) (err error) {
	if r.ConnectorID < 0 || r.ConnectorID > MaxConnectors {
		return fc.Invalid(map[string]string{"connector_id": fmt.Sprintf("must be between 0 and %d", MaxConnectors)})
	}
	if r.At.IsZero() {
		r.At = s.now()
	}
	defer func() {
		if err == nil {
			s.stationChanged(r.StationID)
		}
	}()
	return s.writeState(ctx, func(tx *sql.Tx) error {
		if _, err := chargingStation(ctx, tx, r.StationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO status_history (station_id, connector_id, at, status, error_code,
			vendor_error_code, vendor_id, info, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (station_id, connector_id, at, status, error_code) DO NOTHING`,
			int64(r.StationID), r.ConnectorID, ms(r.At), clip(r.Status, 50), clip(r.ErrorCode, 50), clip(r.VendorErrorCode, 50),
			clip(r.VendorID, 255), clip(r.Info, 50), ms(s.now())); err != nil {
			return err
		}
		if r.ConnectorID == 0 {
			return nil // no charge point, and no transaction to pay for
		}
		was, err := connectorStatusIfFaulted(ctx, tx, r)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO charge_points (station_id, connector_id, status, error_code, status_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (station_id, connector_id) DO UPDATE
			SET status = excluded.status, error_code = excluded.error_code, status_at = excluded.status_at
			WHERE charge_points.status_at IS NULL OR charge_points.status_at <= excluded.status_at`,
			int64(r.StationID), r.ConnectorID, clip(r.Status, 50), clip(r.ErrorCode, 50), ms(r.At))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n > 0 {
			if err := s.faultEvent(ctx, tx, r, was, s.now()); err != nil {
				return err
			}
		}
		return connectorStatusChanged(ctx, tx, r.StationID, r.ConnectorID, s.now())
	})
}

// StatusHistory returns the station's latest status reports, newest first,
// at most limit (100 when limit is not between 1 and 1000).
func (s *Store) StatusHistory(ctx context.Context, stationID fc.ID, limit int) ([]fc.StatusReport, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []fc.StatusReport
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT connector_id, at, status, error_code, vendor_error_code, vendor_id, info
			FROM status_history WHERE station_id = $1 ORDER BY at DESC, connector_id DESC LIMIT $2`, int64(stationID), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r := fc.StatusReport{StationID: stationID}
			var at int64
			if err := rows.Scan(&r.ConnectorID, &at, &r.Status, &r.ErrorCode, &r.VendorErrorCode, &r.VendorID, &r.Info); err != nil {
				return err
			}
			r.At = fromMS(at)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// roamingToken returns the token with the UID of a connected partner of
// the provider, a valid one first; nil when none has it.
func roamingToken(ctx context.Context, tx *sql.Tx, providerID fc.ID, uid string) (*fc.OCPIToken, error) {
	var t fc.OCPIToken
	var updated int64
	err := tx.QueryRowContext(ctx, `SELECT t.partner_id, t.country_code, t.party_id, t.uid, t.type, t.contract_id, t.issuer,
		t.valid, t.whitelist, t.last_updated FROM ocpi_tokens t JOIN ocpi_partners p ON p.id = t.partner_id
		WHERE t.uid = $1 AND p.provider_id = $2 AND p.status = 'connected'
		ORDER BY CASE WHEN t.valid THEN 0 ELSE 1 END, t.last_updated DESC LIMIT 1`, uid, int64(providerID)).
		Scan(&t.PartnerID, &t.CountryCode, &t.PartyID, &t.UID, &t.Type, &t.ContractID, &t.Issuer, &t.Valid, &t.Whitelist, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t.LastUpdated = fromMS(updated)
	return &t, nil
}

// startKey identifies a StartTransaction request, so that a repeat of it
// finds the session the first one opened.
func startKey(t fc.StartTransaction) string {
	return fmt.Sprintf("%d|%s|%d|%d", t.ConnectorID, t.IDTag, ms(t.Timestamp), t.MeterStart)
}

// StopSuperseded is the stop reason of a session closed because its
// station started another transaction on the same connector.
const StopSuperseded = "superseded"

// StartTransaction opens a session at the station, recording both sides as
// they are now: the card side from the card with that idTag (none when the
// idTag is unknown; the session is stored all the same) and the station side
// from the station, its location and its charge group's currency. A repeat
// of the same request returns the session it opened, with created=false.
//
// A connector charges one transaction at a time, so a new start closes, in
// the same transaction, every session still open on that connector that
// started no later: a station that lost or never sent a StopTransaction
// would otherwise leave it open for ever, and its card refused as
// ConcurrentTx everywhere. Such a session stops when the new one starts, as
// StopSuperseded, with the energy of its last meter reading (none without
// one).
func (s *Store) StartTransaction(ctx context.Context, t fc.StartTransaction) (*fc.Session, bool, error) {
	t.IDTag = strings.TrimSpace(t.IDTag)
	if t.Timestamp.IsZero() {
		t.Timestamp = s.now()
	}
	t.Timestamp = t.Timestamp.UTC().Truncate(time.Millisecond)
	fields := map[string]string{}
	if t.ConnectorID < 1 || t.ConnectorID > MaxConnectors {
		fields["connector_id"] = fmt.Sprintf("must be between 1 and %d", MaxConnectors)
	}
	if t.IDTag == "" {
		fields["id_tag"] = "is required"
	} else if strings.IndexByte(t.IDTag, 0) >= 0 {
		fields["id_tag"] = "must not contain U+0000"
	}
	if t.MeterStart < 0 {
		fields["meter_start"] = "must not be negative"
	}
	if len(fields) > 0 {
		return nil, false, fc.Invalid(fields)
	}
	key := startKey(t)
	var out *fc.Session
	created := false
	err := s.writeState(ctx, func(tx *sql.Tx) error {
		created = false
		st, err := chargingStation(ctx, tx, t.StationID)
		if err != nil {
			return err
		}
		var existing int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM sessions WHERE station_id = $1 AND start_key = $2`, int64(st.ID), key).Scan(&existing)
		if err == nil {
			out, err = sessionByID(ctx, tx, st.ProviderID, fc.ID(existing))
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var connectors int
		var kind, place, currency string
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM charge_points WHERE station_id = $1 AND connector_id = $2),
			(SELECT kind FROM locations WHERE id = $3), (SELECT name FROM locations WHERE id = $3),
			(SELECT currency FROM charge_groups WHERE id = $4)`,
			int64(st.ID), t.ConnectorID, int64(st.LocationID), int64(st.ChargeGroupID)).Scan(&connectors, &kind, &place, &currency); err != nil {
			return err
		}
		if connectors == 0 {
			// The station charges on a connector it was not registered
			// with: its own account of its connectors wins, as for a
			// status, and the session is kept.
			if _, err := tx.ExecContext(ctx, `INSERT INTO charge_points (station_id, connector_id) VALUES ($1, $2)`,
				int64(st.ID), t.ConnectorID); err != nil {
				return err
			}
		}
		card, err := cardByTag(ctx, tx, st.ProviderID, t.IDTag)
		if err != nil {
			return err
		}
		var cardID, employeeID, cardAccountID fc.ID
		if card != nil {
			cardID, employeeID, cardAccountID = card.ID, card.EmployeeID, card.AccountID
		}
		now := s.now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO sessions (provider_id, source, card_id, id_tag, employee_id, card_account_id,
			station_id, connector_id, station_account_id, location_id, location_kind, location_name, started_at, meter_start_wh,
			currency, start_key, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
			ON CONFLICT (station_id, start_key) DO NOTHING RETURNING id`,
			int64(st.ProviderID), fc.SourceOCPP, nullID(cardID), t.IDTag, nullID(employeeID), nullID(cardAccountID),
			int64(st.ID), t.ConnectorID, int64(st.AccountID), int64(st.LocationID), kind, place, ms(t.Timestamp), t.MeterStart,
			currency, key, ms(now), ms(now)).Scan(&id); errors.Is(err, sql.ErrNoRows) {
			// The same request, stored meanwhile by a concurrent call.
			if err := tx.QueryRowContext(ctx, `SELECT id FROM sessions WHERE station_id = $1 AND start_key = $2`, int64(st.ID), key).Scan(&existing); err != nil {
				return err
			}
			out, err = sessionByID(ctx, tx, st.ProviderID, fc.ID(existing))
			return err
		} else if err != nil {
			return err
		}
		if err := supersede(ctx, tx, st.ID, t.ConnectorID, fc.ID(id), t.Timestamp, s.now()); err != nil {
			return err
		}
		if err := markCardUsed(ctx, tx, cardID, t.Timestamp); err != nil {
			return err
		}
		if err := useReservation(ctx, tx, st.ID, t.ConnectorID, t.ReservationID, cardID, fc.ID(id), t.Timestamp, true); err != nil {
			return err
		}
		if err := queueSession(ctx, tx, fc.ID(id), now); err != nil {
			return err
		}
		if err := emitSessionEvent(ctx, tx, fc.TypeSessionStarted, fc.ID(id), now); err != nil {
			return err
		}
		out, err = sessionByID(ctx, tx, st.ProviderID, fc.ID(id))
		created = err == nil
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// RecordMeter keeps the latest energy reading of a running session of the
// station. A reading older than the kept one, or for a stopped session,
// changes nothing; a session the station does not have is not found.
func (s *Store) RecordMeter(ctx context.Context, stationID, transactionID fc.ID, meterWh int64, at time.Time) error {
	return s.writeState(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET last_meter_wh = $1, last_meter_at = $2
			WHERE id = $3 AND station_id = $4 AND stopped_at IS NULL AND (last_meter_at IS NULL OR last_meter_at < $5)`,
			meterWh, ms(at), int64(transactionID), int64(stationID), ms(at))
		if err != nil {
			return err
		}
		if err := queueSession(ctx, tx, transactionID, s.now()); err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var found int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE id = $1 AND station_id = $2`,
			int64(transactionID), int64(stationID)).Scan(&found); err != nil {
			return err
		}
		if found == 0 {
			return notFound(fc.KindSession, transactionID)
		}
		return nil
	})
}

// StopTransaction closes the station's session: energy from the meter
// readings (never below zero), duration from the timestamps, and cost under
// the version of the tariff of the station's charge group in effect at
// the session's start, by its meter values (Tariff.Price). A stop timestamp before the
// start (a station's clock put right while it was offline) stops the
// session at its start, with duration zero. Its samples (transactionData)
// are kept in the same write, once each. A repeat returns the stopped
// session unchanged.
func (s *Store) StopTransaction(ctx context.Context, t fc.StopTransaction) (*fc.Session, error) {
	if t.Timestamp.IsZero() {
		t.Timestamp = s.now()
	}
	t.Timestamp = t.Timestamp.UTC().Truncate(time.Millisecond)
	t.Reason = strings.TrimSpace(t.Reason)
	if t.Reason == "" {
		// OCPP 1.6 leaves the reason out when it is Local.
		t.Reason = "Local"
	}
	var out *fc.Session
	err := s.writeState(ctx, func(tx *sql.Tx) error {
		q := &query{}
		selectSessions(q, fc.Everything).add(" WHERE s.id = ").arg(int64(t.TransactionID)).add(" AND s.station_id = ").arg(int64(t.StationID))
		var x fc.Session
		if err := scanSession(tx.QueryRowContext(ctx, q.String(), q.args...), &x); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound(fc.KindSession, t.TransactionID)
			}
			return err
		}
		if err := insertSamples(ctx, tx, x.ID, t.Samples); err != nil {
			return err
		}
		if x.StoppedAt != nil {
			out = &x
			return nil
		}
		if err := closeSession(ctx, tx, t.StationID, x.ID, x.StartedAt, x.MeterStartWh, t.Timestamp, t.MeterStop, t.Reason, s.now()); err != nil {
			return err
		}
		stored, err := sessionByID(ctx, tx, x.ProviderID, x.ID)
		out = stored
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// stationTariff reads the tariff of the station's charge group's columns
// (the version in effect when the group was last written).
func stationTariff(ctx context.Context, tx *sql.Tx, stationID fc.ID) (fc.Tariff, error) {
	var tariff fc.Tariff
	err := tx.QueryRowContext(ctx, `SELECT g.currency, g.per_kwh_micros, g.per_minute_micros, g.start_fee_micros
		FROM stations st JOIN charge_groups g ON g.id = st.charge_group_id WHERE st.id = $1`, int64(stationID)).
		Scan(&tariff.Currency, &tariff.PerKWhMicros, &tariff.PerMinuteMicros, &tariff.StartFeeMicros)
	return tariff, err
}

// closeSession stops a running session at stopped with the meter at
// meterStop: energy from the meter readings (never below zero), duration
// from the timestamps (a stop before the start stops it at its start), and
// cost by the version of the station's tariff in effect at the start,
// which the session keeps. Only a running session stops: of two concurrent stops,
// the second changes nothing.
func closeSession(ctx context.Context, tx *sql.Tx, stationID, id fc.ID, started time.Time, meterStart int64,
	stopped time.Time, meterStop int64, reason string, now time.Time) error {
	if stopped.Before(started) {
		stopped = started
	}
	tariff, err := stationTariffAt(ctx, tx, stationID, started)
	if err != nil {
		return err
	}
	in, err := pricingInput(ctx, tx, id, started, stopped)
	if err != nil {
		return err
	}
	in.MeterStartWh, in.MeterStopWh = meterStart, meterStop
	price := tariff.Price(in)
	var version any
	if tariff.VersionID != 0 {
		version = int64(tariff.VersionID)
	}
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET stopped_at = $1, meter_stop_wh = $2, energy_wh = $3, duration_s = $4,
		stop_reason = $5, cost_minor = $6, currency = $7, last_meter_wh = $8, last_meter_at = $9, updated_at = $10, tariff_version_id = $11
		WHERE id = $12 AND stopped_at IS NULL`,
		ms(stopped), meterStop, price.EnergyWh, price.DurationSeconds, clip(reason, 50), price.TotalMinor, tariff.Currency, meterStop, ms(stopped),
		ms(now), version, int64(id))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	if err := queueSession(ctx, tx, id, now); err != nil {
		return err
	}
	if err := emitSessionEvent(ctx, tx, fc.TypeSessionStopped, id, now); err != nil {
		return err
	}
	return queueCDR(ctx, tx, id, now)
}

// supersede closes the sessions still open on the station's connector that
// started no later than at, other than the session keep, as StopSuperseded
// at at, with their last meter reading as the meter stop (their meter
// start without one).
func supersede(ctx context.Context, tx *sql.Tx, stationID fc.ID, connectorID int, keep fc.ID, at, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, started_at, meter_start_wh, last_meter_wh FROM sessions
		WHERE station_id = $1 AND connector_id = $2 AND stopped_at IS NULL AND id <> $3 AND started_at <= $4 ORDER BY id`,
		int64(stationID), connectorID, int64(keep), ms(at))
	if err != nil {
		return err
	}
	type stale struct {
		id         fc.ID
		started    time.Time
		meterStart int64
		meterStop  int64
	}
	var all []stale
	for rows.Next() {
		var x stale
		var id, startedMS int64
		var last sql.NullInt64
		if err := rows.Scan(&id, &startedMS, &x.meterStart, &last); err != nil {
			rows.Close()
			return err
		}
		x.id, x.started = fc.ID(id), time.UnixMilli(startedMS).UTC()
		x.meterStop = x.meterStart
		if last.Valid {
			x.meterStop = last.Int64
		}
		all = append(all, x)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil || len(all) == 0 {
		return err
	}
	for _, x := range all {
		if err := closeSession(ctx, tx, stationID, x.id, x.started, x.meterStart, at, x.meterStop, StopSuperseded, now); err != nil {
			return err
		}
	}
	return nil
}
