package store

import (
	"context"
	"database/sql"
	"errors"

	fc "github.com/fleetcharge/fleetcharge"
)

// selectSessions appends the SELECT of sessions s (with their card c) up to
// and including the FROM clause. Its last column tells whether cardSide sees
// the card side of the session; scanSession masks the card when it does not.
func selectSessions(q *query, cardSide fc.Reach) *query {
	q.add(`SELECT s.id, s.provider_id, s.source, COALESCE(s.external_ref, ''), s.external_party, COALESCE(s.card_id, 0), s.id_tag,
		COALESCE(s.employee_id, 0), COALESCE(s.card_account_id, 0), COALESCE(s.station_id, 0), s.connector_id,
		COALESCE(s.station_account_id, 0), COALESCE(s.location_id, 0), s.location_kind, s.location_name,
		s.started_at, s.stopped_at, s.meter_start_wh, s.meter_stop_wh, s.energy_wh, s.duration_s, s.stop_reason,
		s.cost_minor, s.currency, COALESCE(c.external_id, ''), COALESCE(s.station_tx_id, ''), s.seq_gaps,
		s.created_at, s.updated_at, CASE WHEN `)
	q.reachOf("s.card_account_id", "s.employee_id", cardSide)
	return q.add(` THEN TRUE ELSE FALSE END FROM sessions s LEFT JOIN cards c ON c.id = s.card_id`)
}

func scanSession(row rowScanner, x *fc.Session) error {
	var started, created, updated int64
	var stopped, meterStop sql.NullInt64
	var cardVisible bool
	if err := row.Scan(&x.ID, &x.ProviderID, &x.Source, &x.ExternalRef, &x.ExternalParty, &x.CardID, &x.IDTag,
		&x.EmployeeID, &x.CardAccountID, &x.StationID, &x.ConnectorID,
		&x.StationAccountID, &x.LocationID, &x.LocationKind, &x.LocationName,
		&started, &stopped, &x.MeterStartWh, &meterStop, &x.EnergyWh, &x.DurationSeconds, &x.StopReason,
		&x.CostMinor, &x.Currency, &x.ExternalID, &x.StationTxID, &x.SeqGaps, &created, &updated, &cardVisible); err != nil {
		return err
	}
	x.StartedAt, x.StoppedAt = fromMS(started), fromNullMS(stopped)
	x.MeterStopWh = nil
	if meterStop.Valid {
		x.MeterStopWh = &meterStop.Int64
	}
	x.CreatedAt, x.UpdatedAt = fromMS(created), fromMS(updated)
	if !cardVisible {
		maskCard(x)
	}
	return nil
}

// maskCard hides the card side of a session read only from its station
// side: nothing that names the card, its account or its driver is left but
// the last four characters of the card's number.
func maskCard(x *fc.Session) { x.MaskCard() }

// maskCardNumber masks all but the last four characters of a card's number
// (fleetcharge.MaskCardNumber).
func maskCardNumber(v string) string { return fc.MaskCardNumber(v) }

// sessionVisible appends the predicate of a session scope on sessions s:
// the card side within CardSide or the station side within StationSide.
func sessionVisible(q *query, sc fc.SessionScope) *query {
	q.add("(")
	q.reachOf("s.card_account_id", "s.employee_id", sc.CardSide).add(" OR ").reach("s.station_account_id", sc.StationSide)
	return q.add(")")
}

// Session returns one session within the scope, its card masked when only
// the station side is in scope.
func (s *Store) Session(ctx context.Context, sc fc.SessionScope, id fc.ID) (*fc.Session, error) {
	q := &query{}
	selectSessions(q, sc.CardSide).add(" WHERE s.id = ").arg(int64(id)).
		add(" AND s.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ")
	sessionVisible(q, sc)
	var x fc.Session
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanSession(tx.QueryRowContext(ctx, q.String(), q.args...), &x)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindSession, id)
		}
		if err != nil {
			return err
		}
		x.SignedMeterData, err = signedMeterData(ctx, tx, x.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &x, nil
}

// Sessions lists the sessions within the scope, by ID.
func (s *Store) Sessions(ctx context.Context, sc fc.SessionScope, f fc.SessionFilter) ([]fc.Session, error) {
	q := &query{}
	selectSessions(q, sc.CardSide).add(" WHERE s.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ")
	sessionVisible(q, sc).scoped()
	if !f.From.IsZero() {
		q.add(" AND s.started_at >= ").arg(ms(f.From))
	}
	if !f.To.IsZero() {
		q.add(" AND s.started_at < ").arg(ms(f.To))
	}
	// The card, its account and its driver are hidden on masked sessions;
	// a filter on them matches only sessions whose card side the caller
	// reads, or it would tell which masked sessions one foreign card made.
	if f.AccountID != 0 {
		q.add(" AND (s.card_account_id = ").arg(int64(f.AccountID)).add(" AND ").reachOf("s.card_account_id", "s.employee_id", sc.CardSide).
			add(" OR s.station_account_id = ").arg(int64(f.AccountID)).add(")")
	}
	if f.CardID != 0 {
		q.add(" AND s.card_id = ").arg(int64(f.CardID)).add(" AND ").reachOf("s.card_account_id", "s.employee_id", sc.CardSide)
	}
	if f.EmployeeID != 0 {
		q.add(" AND s.employee_id = ").arg(int64(f.EmployeeID)).add(" AND ").reachOf("s.card_account_id", "s.employee_id", sc.CardSide)
	}
	if f.StationID != 0 {
		q.add(" AND s.station_id = ").arg(int64(f.StationID))
	}
	if f.LocationKind != "" {
		q.add(" AND s.location_kind = ").arg(f.LocationKind)
	}
	if f.ActiveOnly {
		q.add(" AND s.stopped_at IS NULL")
	}
	q.sortable(s.dialect, sessionSorts).page("s.id", f.Page)
	return list(ctx, s, q, scanSession)
}

// sessionByID reads one session of the provider, unmasked, for trusted
// callers inside a transaction.
func sessionByID(ctx context.Context, tx *sql.Tx, providerID, id fc.ID) (*fc.Session, error) {
	q := &query{}
	selectSessions(q, fc.Everything).add(" WHERE s.id = ").arg(int64(id)).add(" AND s.provider_id = ").arg(int64(providerID))
	var x fc.Session
	if err := scanSession(tx.QueryRowContext(ctx, q.String(), q.args...), &x); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindSession, id)
		}
		return nil, err
	}
	return &x, nil
}
