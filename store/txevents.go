package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// validTxEvent checks what a TransactionEvent must hold before it is stored.
func validTxEvent(e *fc.TransactionEvent) error {
	e.TransactionID = strings.TrimSpace(e.TransactionID)
	e.IDTag = strings.TrimSpace(e.IDTag)
	fields := map[string]string{}
	switch {
	case e.TransactionID == "" || len([]rune(e.TransactionID)) > 36:
		fields["transaction_id"] = "is required: 1 to 36 characters"
	case strings.IndexByte(e.TransactionID, 0) >= 0:
		fields["transaction_id"] = "must not contain U+0000"
	}
	switch e.EventType {
	case fc.TxStarted, fc.TxUpdated, fc.TxEnded:
	default:
		fields["event_type"] = "must be Started, Updated or Ended"
	}
	if e.SeqNo < 0 {
		fields["seq_no"] = "must not be negative"
	}
	if e.ConnectorID < 0 || e.ConnectorID > MaxConnectors {
		fields["connector_id"] = fmt.Sprintf("must be between 0 and %d", MaxConnectors)
	}
	if strings.IndexByte(e.IDTag, 0) >= 0 {
		fields["id_tag"] = "must not contain U+0000"
	}
	if e.MeterWh != nil && *e.MeterWh < 0 {
		fields["meter"] = "must not be negative"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// txSession is the state of a transaction's session that storing an event
// reads.
type txSession struct {
	id          fc.ID
	started     time.Time
	meterStart  int64
	lastMeter   sql.NullInt64
	stopped     bool
	cardID      sql.NullInt64
	connectorID int
}

// TransactionEvent stores an OCPP 2.0.1 transaction event, in one
// transaction:
//
//   - The session is the one of the station's transaction (its
//     station_tx_id). The first event that reaches the back office opens it,
//     whatever its type: a station that lost its Started event, or whose
//     Started was answered with an error, still has its energy recorded. It
//     is opened as a 1.6 StartTransaction opens one (both sides recorded,
//     the currency of the charge group, a stale session on the same
//     connector closed as superseded), at the event's time, with the event's
//     energy reading as its meter start (0 without one, and then the first
//     reading that follows).
//   - Each event is recorded once per seqNo: a repeat changes nothing and is
//     reported as Repeated. The event numbers missing between the lowest and
//     the highest received are counted in the session's seq_gaps.
//   - An idToken names the card when the session has none yet (a
//     transaction that started on a plugged-in cable and was authorized
//     later); a reading newer than the kept one is kept.
//   - Ended closes the session with its reading (else the last one kept)
//     and its stoppedReason (Local when it has none); an event for a
//     stopped session is recorded and changes nothing else.
//   - The event's meter values are kept as the session's samples, once
//     each (RecordMeterValues).
func (s *Store) TransactionEvent(ctx context.Context, e fc.TransactionEvent) (fc.TransactionEventResult, error) {
	if err := validTxEvent(&e); err != nil {
		return fc.TransactionEventResult{}, err
	}
	if e.Timestamp.IsZero() {
		e.Timestamp = s.now()
	}
	e.Timestamp = e.Timestamp.UTC().Truncate(time.Millisecond)
	if e.MeterAt.IsZero() {
		e.MeterAt = e.Timestamp
	}
	var out fc.TransactionEventResult
	err := s.writeState(ctx, func(tx *sql.Tx) error {
		out = fc.TransactionEventResult{}
		st, err := chargingStation(ctx, tx, e.StationID)
		if err != nil {
			return err
		}
		x, found, err := findTxSession(ctx, tx, st.ID, e.TransactionID)
		if err != nil {
			return err
		}
		if !found {
			if x, out.Created, err = s.openTxSession(ctx, tx, st, e); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO transaction_events (session_id, seq_no, event_type, trigger_reason, offline, at, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (session_id, seq_no) DO NOTHING`,
			int64(x.id), e.SeqNo, e.EventType, clip(e.TriggerReason, 50), e.Offline, ms(e.Timestamp), ms(s.now()))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			out.Repeated = true
			out.Session, err = txSessionResult(ctx, tx, st.ProviderID, x.id)
			return err
		}
		if err := insertSamples(ctx, tx, x.id, e.Samples); err != nil {
			return err
		}
		if err := useReservation(ctx, tx, st.ID, e.ConnectorID, e.ReservationID, 0, x.id, e.Timestamp, false); err != nil {
			return err
		}
		if !x.stopped {
			if err := s.applyTxEvent(ctx, tx, st, x, e, out.Created); err != nil {
				return err
			}
		}
		if err := countSeqGaps(ctx, tx, x.id); err != nil {
			return err
		}
		out.Session, err = txSessionResult(ctx, tx, st.ProviderID, x.id)
		return err
	})
	if err != nil {
		return fc.TransactionEventResult{}, err
	}
	return out, nil
}

// findTxSession reads the session of the station's transaction.
func findTxSession(ctx context.Context, tx *sql.Tx, stationID fc.ID, txID string) (txSession, bool, error) {
	var x txSession
	var id, started int64
	var stopped sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, started_at, meter_start_wh, last_meter_wh, stopped_at, card_id, connector_id
		FROM sessions WHERE station_id = $1 AND station_tx_id = $2`, int64(stationID), txID).
		Scan(&id, &started, &x.meterStart, &x.lastMeter, &stopped, &x.cardID, &x.connectorID)
	if errors.Is(err, sql.ErrNoRows) {
		return x, false, nil
	}
	if err != nil {
		return x, false, err
	}
	x.id, x.started, x.stopped = fc.ID(id), fromMS(started), stopped.Valid
	return x, true, nil
}

// openTxSession opens the session of a transaction at its first event.
func (s *Store) openTxSession(ctx context.Context, tx *sql.Tx, st *fc.Station, e fc.TransactionEvent) (_ txSession, created bool, _ error) {
	var kind, place, currency string
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT kind FROM locations WHERE id = $1), (SELECT name FROM locations WHERE id = $1),
		(SELECT currency FROM charge_groups WHERE id = $2)`, int64(st.LocationID), int64(st.ChargeGroupID)).Scan(&kind, &place, &currency); err != nil {
		return txSession{}, false, err
	}
	if err := ensureChargePoint(ctx, tx, st.ID, e.ConnectorID); err != nil {
		return txSession{}, false, err
	}
	card, err := cardByTag(ctx, tx, st.ProviderID, e.IDTag)
	if err != nil {
		return txSession{}, false, err
	}
	var cardID, employeeID, cardAccountID fc.ID
	if card != nil {
		cardID, employeeID, cardAccountID = card.ID, card.EmployeeID, card.AccountID
	}
	x := txSession{started: e.Timestamp, connectorID: e.ConnectorID}
	if e.MeterWh != nil {
		x.meterStart, x.lastMeter = *e.MeterWh, sql.NullInt64{Int64: *e.MeterWh, Valid: true}
	}
	var lastAt sql.NullInt64
	if x.lastMeter.Valid {
		lastAt = sql.NullInt64{Int64: ms(e.MeterAt), Valid: true}
	}
	now := s.now()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO sessions (provider_id, source, card_id, id_tag, employee_id, card_account_id,
		station_id, connector_id, station_account_id, location_id, location_kind, location_name, started_at, meter_start_wh,
		last_meter_wh, last_meter_at, currency, station_tx_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
		ON CONFLICT (station_id, station_tx_id) DO NOTHING RETURNING id`,
		int64(st.ProviderID), fc.SourceOCPP, nullID(cardID), e.IDTag, nullID(employeeID), nullID(cardAccountID),
		int64(st.ID), e.ConnectorID, int64(st.AccountID), int64(st.LocationID), kind, place, ms(e.Timestamp), x.meterStart,
		x.lastMeter, lastAt, currency, e.TransactionID, ms(now), ms(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// The same transaction, opened meanwhile by a concurrent call.
		x, found, err := findTxSession(ctx, tx, st.ID, e.TransactionID)
		if err == nil && !found {
			err = fc.Errorf(fc.EConflict, "transaction %q of station %s opened concurrently", e.TransactionID, st.ID)
		}
		return x, false, err
	}
	if err != nil {
		return txSession{}, false, err
	}
	x.id = fc.ID(id)
	x.cardID = sql.NullInt64{Int64: int64(cardID), Valid: cardID != 0}
	if e.ConnectorID > 0 {
		if err := supersede(ctx, tx, st.ID, e.ConnectorID, x.id, e.Timestamp, now); err != nil {
			return txSession{}, false, err
		}
	}
	if err := emitSessionEvent(ctx, tx, fc.TypeSessionStarted, x.id, now); err != nil {
		return txSession{}, false, err
	}
	return x, true, markCardUsed(ctx, tx, cardID, e.Timestamp)
}

// ensureChargePoint adds the station's charge point connectorID when the
// station was not registered with it: its own account of its connectors
// wins, as for a status.
func ensureChargePoint(ctx context.Context, tx *sql.Tx, stationID fc.ID, connectorID int) error {
	if connectorID < 1 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO charge_points (station_id, connector_id) VALUES ($1, $2)
		ON CONFLICT (station_id, connector_id) DO NOTHING`, int64(stationID), connectorID)
	return err
}

// applyTxEvent applies a new event to a running session: the card, the
// connector, the energy reading, and the stop.
func (s *Store) applyTxEvent(ctx context.Context, tx *sql.Tx, st *fc.Station, x txSession, e fc.TransactionEvent, created bool) error {
	now := s.now()
	if !created && !x.cardID.Valid && e.IDTag != "" {
		card, err := cardByTag(ctx, tx, st.ProviderID, e.IDTag)
		if err != nil {
			return err
		}
		if card != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET card_id = $1, id_tag = $2, employee_id = $3, card_account_id = $4,
				updated_at = $5 WHERE id = $6`, int64(card.ID), e.IDTag, nullID(card.EmployeeID), int64(card.AccountID), ms(now), int64(x.id)); err != nil {
				return err
			}
			if err := markCardUsed(ctx, tx, card.ID, e.Timestamp); err != nil {
				return err
			}
		}
	}
	if !created && x.connectorID == 0 && e.ConnectorID > 0 {
		if err := ensureChargePoint(ctx, tx, st.ID, e.ConnectorID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET connector_id = $1 WHERE id = $2`, e.ConnectorID, int64(x.id)); err != nil {
			return err
		}
	}
	if !created && e.MeterWh != nil {
		if !x.lastMeter.Valid {
			// The first reading of a transaction whose first event had
			// none: its start, or the whole register would count.
			x.meterStart = *e.MeterWh
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET meter_start_wh = $1 WHERE id = $2`, *e.MeterWh, int64(x.id)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET last_meter_wh = $1, last_meter_at = $2
			WHERE id = $3 AND (last_meter_at IS NULL OR last_meter_at < $4)`, *e.MeterWh, ms(e.MeterAt), int64(x.id), ms(e.MeterAt)); err != nil {
			return err
		}
		if !x.lastMeter.Valid || *e.MeterWh > x.lastMeter.Int64 {
			x.lastMeter = sql.NullInt64{Int64: *e.MeterWh, Valid: true}
		}
	}
	if e.EventType != fc.TxEnded {
		return queueSession(ctx, tx, x.id, now)
	}
	stop := x.meterStart
	switch {
	case e.MeterWh != nil:
		stop = *e.MeterWh
	case x.lastMeter.Valid:
		stop = x.lastMeter.Int64
	}
	reason := e.StoppedReason
	if reason == "" {
		reason = "Local" // OCPP 2.0.1 leaves stoppedReason out when it is Local
	}
	return closeSession(ctx, tx, st.ID, x.id, x.started, x.meterStart, e.Timestamp, stop, reason, now)
}

// countSeqGaps stores the number of event numbers missing between the
// lowest and the highest received for the session.
func countSeqGaps(ctx context.Context, tx *sql.Tx, id fc.ID) error {
	_, err := tx.ExecContext(ctx, `UPDATE sessions SET seq_gaps = (SELECT MAX(seq_no) - MIN(seq_no) + 1 - COUNT(*)
		FROM transaction_events WHERE session_id = $1) WHERE id = $2`, int64(id), int64(id))
	return err
}

// txSessionResult reads the session with its station transaction fields.
func txSessionResult(ctx context.Context, tx *sql.Tx, providerID, id fc.ID) (*fc.Session, error) {
	sess, err := sessionByID(ctx, tx, providerID, id)
	if err != nil {
		return nil, err
	}
	var txID sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT station_tx_id, seq_gaps FROM sessions WHERE id = $1`, int64(id)).Scan(&txID, &sess.SeqGaps); err != nil {
		return nil, err
	}
	sess.StationTxID = txID.String
	return sess, nil
}

// SeqGapSessions returns the station's latest sessions with transaction
// events missing, newest first, at most limit (20 when not positive).
func (s *Store) SeqGapSessions(ctx context.Context, stationID fc.ID, limit int) ([]fc.Session, error) {
	if limit <= 0 || limit > 1000 {
		limit = 20
	}
	var out []fc.Session
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT id, station_tx_id, seq_gaps, connector_id, started_at FROM sessions
			WHERE station_id = $1 AND seq_gaps > 0 ORDER BY started_at DESC, id DESC LIMIT $2`, int64(stationID), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x := fc.Session{StationID: stationID}
			var txID sql.NullString
			var started int64
			if err := rows.Scan(&x.ID, &txID, &x.SeqGaps, &x.ConnectorID, &started); err != nil {
				return err
			}
			x.StationTxID, x.StartedAt = txID.String, fromMS(started)
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, err
}

// StationTransactionID returns the station's own ID of the session's
// transaction: "" for a session of an OCPP 1.6 transaction, not found for
// a session of another station.
func (s *Store) StationTransactionID(ctx context.Context, stationID, sessionID fc.ID) (string, error) {
	var txID sql.NullString
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT station_tx_id FROM sessions WHERE id = $1 AND station_id = $2`,
			int64(sessionID), int64(stationID)).Scan(&txID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindSession, sessionID)
		}
		return err
	})
	return txID.String, err
}
