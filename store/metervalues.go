package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
)

// The charging curve: every meter value sample of a session, kept once per
// (session, time, measurand, phase, context, location, format), so that a
// message a station sends again adds nothing. An OCPP 1.6 SignedData sample
// is a row of its own (format SignedData, no value) beside the plain one.

// sampleBatch bounds the rows of one INSERT: 10 arguments each stay well
// under SQLite's limit on a statement's parameters.
const sampleBatch = 100

// maxSampleText bounds a sample's measurand, phase, context, location and
// unit; OCPP's own values are shorter.
const maxSampleText = 50

// maxSignedData bounds a signed reading kept as received (OCPP 2.0.1 allows
// 2,500 characters of signed data, plus its public key).
const maxSignedData = 10000

// cleanSample fills in OCPP's defaults and reports whether the sample can be
// kept: a time, a finite value or signed data within bounds.
func cleanSample(x fc.MeterSample) (fc.MeterSample, bool) {
	if x.At.IsZero() {
		return x, false
	}
	x.At = x.At.UTC().Truncate(time.Millisecond)
	if x.Value != nil && (math.IsNaN(*x.Value) || math.IsInf(*x.Value, 0) || math.Abs(*x.Value) > 1e15) {
		return x, false
	}
	if x.Value == nil && len(x.Signed) == 0 || len(x.Signed) > maxSignedData {
		return x, false
	}
	if len(x.Signed) > 0 && (strings.IndexByte(string(x.Signed), 0) >= 0 || !utf8.Valid(x.Signed) || !json.Valid(x.Signed)) {
		return x, false
	}
	def := func(v, d string) string {
		if v = clip(v, maxSampleText); v == "" {
			return d
		}
		return v
	}
	x.Measurand = def(x.Measurand, fc.MeasurandEnergy)
	x.Context = def(x.Context, "Sample.Periodic")
	x.Unit = def(x.Unit, "Wh")
	x.Location = def(x.Location, "Outlet")
	x.Phase = clip(x.Phase, maxSampleText)
	return x, true
}

// insertSamples stores the session's samples, each once.
func insertSamples(ctx context.Context, tx *sql.Tx, sessionID fc.ID, samples []fc.MeterSample) error {
	rows := make([]fc.MeterSample, 0, len(samples))
	for _, x := range samples {
		if x, ok := cleanSample(x); ok {
			rows = append(rows, x)
		}
	}
	for len(rows) > 0 {
		n := min(len(rows), sampleBatch)
		q := &query{}
		q.add(`INSERT INTO meter_values (session_id, at, measurand, phase, context, location, format, unit, value, signed_data) VALUES `)
		for i, x := range rows[:n] {
			if i > 0 {
				q.add(", ")
			}
			var value, signed any
			format := "SignedData"
			if x.Value != nil {
				value, format = *x.Value, ""
			}
			if len(x.Signed) > 0 {
				signed = string(x.Signed)
			}
			q.add("(").arg(int64(sessionID)).add(", ").arg(ms(x.At)).add(", ").arg(x.Measurand).add(", ").arg(x.Phase).
				add(", ").arg(x.Context).add(", ").arg(x.Location).add(", ").arg(format).add(", ").arg(x.Unit).add(", ").arg(value).
				add(", ").arg(signed).add(")")
		}
		q.add(` ON CONFLICT (session_id, at, measurand, phase, context, location, format) DO NOTHING`)
		if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// RecordMeterValues keeps the samples of a session of the station, whatever
// the session's state (a station may send a stopped transaction's values
// late), and, when meterWh is not nil, the session's latest energy reading
// as RecordMeter does: one write. A session the station does not have is not
// found. Samples without a time, with a value that is not a finite number
// or with signed data beyond bounds are dropped.
func (s *Store) RecordMeterValues(ctx context.Context, stationID, transactionID fc.ID, meterWh *int64, at time.Time, samples []fc.MeterSample) error {
	return s.writeState(ctx, func(tx *sql.Tx) error {
		var found int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE id = $1 AND station_id = $2`,
			int64(transactionID), int64(stationID)).Scan(&found); err != nil {
			return err
		}
		if found == 0 {
			return notFound(fc.KindSession, transactionID)
		}
		if meterWh != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET last_meter_wh = $1, last_meter_at = $2
				WHERE id = $3 AND stopped_at IS NULL AND (last_meter_at IS NULL OR last_meter_at < $4)`,
				*meterWh, ms(at), int64(transactionID), ms(at)); err != nil {
				return err
			}
			if err := queueSession(ctx, tx, transactionID, s.now()); err != nil {
				return err
			}
		}
		return insertSamples(ctx, tx, transactionID, samples)
	})
}

// maxCurveSamples bounds the samples one read returns: a day of charging
// sampled every ten seconds, at ten measurands, is 86,400.
const maxCurveSamples = 200000

// MeterValues returns the samples with a value of a session within the
// scope, by time, measurand and phase. A session out of scope is not found;
// a masked session's samples are the station side's, and returned.
func (s *Store) MeterValues(ctx context.Context, sc fc.SessionScope, sessionID fc.ID) ([]fc.MeterSample, error) {
	q := &query{}
	q.add(`SELECT COUNT(*) FROM sessions s WHERE s.id = `).arg(int64(sessionID)).
		add(" AND s.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ")
	sessionVisible(q, sc)
	var out []fc.MeterSample
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		var found int
		if err := tx.QueryRowContext(ctx, q.String(), q.args...).Scan(&found); err != nil {
			return err
		}
		if found == 0 {
			return notFound(fc.KindSession, sessionID)
		}
		rows, err := tx.QueryContext(ctx, `SELECT at, measurand, value, unit, phase, context, location FROM meter_values
			WHERE session_id = $1 AND value IS NOT NULL ORDER BY at, measurand, phase, context, location LIMIT $2`,
			int64(sessionID), maxCurveSamples)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x fc.MeterSample
			var at int64
			var v float64
			if err := rows.Scan(&at, &x.Measurand, &v, &x.Unit, &x.Phase, &x.Context, &x.Location); err != nil {
				return err
			}
			x.At, x.Value = fromMS(at), &v
			out = append(out, x)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []fc.MeterSample{}
	}
	return out, nil
}

// signedMeterData reads the session's signed readings, in order; nil when
// it has none.
func signedMeterData(ctx context.Context, tx *sql.Tx, sessionID fc.ID) ([]json.RawMessage, error) {
	rows, err := tx.QueryContext(ctx, `SELECT signed_data FROM meter_values WHERE session_id = $1 AND signed_data IS NOT NULL
		ORDER BY at, measurand, phase, context, location, format`, int64(sessionID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, json.RawMessage(v))
	}
	return out, rows.Err()
}

// pruneBatch bounds the sessions whose old samples one write drops, so that
// a first run over a large table does not hold the writer for long.
const pruneBatch = 200

// PruneMeterValues drops the samples taken before before, a few sessions
// per write, and returns how many it dropped. Sessions stay, and so do
// signed readings: they are the proof of a session's energy.
func (s *Store) PruneMeterValues(ctx context.Context, before time.Time) (int64, error) {
	return deleteInBatches(ctx, s.writeState, `DELETE FROM meter_values WHERE at < $1 AND signed_data IS NULL AND session_id IN
		(SELECT DISTINCT session_id FROM meter_values WHERE at < $2 AND signed_data IS NULL LIMIT $3)`,
		ms(before), ms(before), pruneBatch)
}

// deleteInBatches runs a DELETE bounded to a batch, one write each time,
// until one deletes nothing, and returns the rows deleted in all: a long
// retention run never holds the writer for long.
func deleteInBatches(ctx context.Context, write func(context.Context, func(*sql.Tx) error) error, stmt string, args ...any) (int64, error) {
	var total int64
	for {
		var n int64
		err := write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, stmt, args...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// RetainMeterValues drops, every period until ctx ends, the samples older
// than keep (PruneMeterValues), a first time at once.
func (s *Store) RetainMeterValues(ctx context.Context, keep, every time.Duration, log *slog.Logger) {
	s.Retain(ctx, "meter values", keep, every, s.PruneMeterValues, log)
}

// Retain runs prune, every period until ctx ends and a first time at once,
// on what is older than keep. A failed run is logged and tried again at the
// next period; what is named what in the logs.
func (s *Store) Retain(ctx context.Context, what string, keep, every time.Duration,
	prune func(ctx context.Context, before time.Time) (int64, error), log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := prune(ctx, s.now().Add(-keep))
		switch {
		case err != nil && !errors.Is(err, context.Canceled):
			log.Error("retention", "of", what, "err", err)
		case n > 0:
			log.Info("retention dropped", "of", what, "rows", n, "older_than", keep.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
