package store

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Load management's allocation history: every limit a session was given
// (session_allocations, schema 0011), one row per session and millisecond.

// maxReasonLen bounds an allocation's reason.
const maxReasonLen = 32

// RecordAllocations keeps the limits load management gave sessions of the
// provider, in one write: a session given a limit twice in one millisecond
// keeps the later one. A session the provider does not have is not found,
// and nothing is kept.
func (s *Store) RecordAllocations(ctx context.Context, providerID fc.ID, allocs []fc.SessionAllocation) error {
	for _, a := range allocs {
		if a.LimitW < 0 || a.Reason == "" || len(a.Reason) > maxReasonLen || a.At.IsZero() {
			return fc.Errorf(fc.EInvalid, "allocation of session %s: a limit of at least 0 W, a time and a reason of at most %d characters", a.SessionID, maxReasonLen)
		}
	}
	return s.writeState(ctx, func(tx *sql.Tx) error {
		for _, a := range allocs {
			res, err := tx.ExecContext(ctx, `INSERT INTO session_allocations (session_id, at, limit_w, reason)
				SELECT id, $1, $2, $3 FROM sessions WHERE id = $4 AND provider_id = $5
				ON CONFLICT (session_id, at) DO UPDATE SET limit_w = excluded.limit_w, reason = excluded.reason`,
				ms(a.At), a.LimitW, a.Reason, int64(a.SessionID), int64(providerID))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if n == 0 {
				return notFound(fc.KindSession, a.SessionID)
			}
		}
		return nil
	})
}

// maxAllocations bounds the history one read returns.
const maxAllocations = 100000

// SessionAllocations returns the limits a session within the scope was
// given, by time. A session out of scope is not found.
func (s *Store) SessionAllocations(ctx context.Context, sc fc.SessionScope, sessionID fc.ID) ([]fc.SessionAllocation, error) {
	q := &query{}
	q.add(`SELECT COUNT(*) FROM sessions s WHERE s.id = `).arg(int64(sessionID)).
		add(" AND s.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ")
	sessionVisible(q, sc)
	out := []fc.SessionAllocation{}
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		var found int
		if err := tx.QueryRowContext(ctx, q.String(), q.args...).Scan(&found); err != nil {
			return err
		}
		if found == 0 {
			return notFound(fc.KindSession, sessionID)
		}
		rows, err := tx.QueryContext(ctx, `SELECT at, limit_w, reason FROM session_allocations WHERE session_id = $1 ORDER BY at LIMIT $2`,
			int64(sessionID), maxAllocations)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a := fc.SessionAllocation{SessionID: sessionID}
			var at int64
			if err := rows.Scan(&at, &a.LimitW, &a.Reason); err != nil {
				return err
			}
			a.At = fromMS(at)
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PruneSessionAllocations drops the allocations made before before, in
// bounded writes, and returns how many it dropped.
func (s *Store) PruneSessionAllocations(ctx context.Context, before time.Time) (int64, error) {
	return deleteInBatches(ctx, s.writeState, `DELETE FROM session_allocations WHERE at < $1 AND session_id IN
		(SELECT DISTINCT session_id FROM session_allocations WHERE at < $2 LIMIT $3)`, ms(before), ms(before), pruneBatch)
}

// LoadSite returns a location of the provider with all its running
// sessions.
func (s *Store) LoadSite(ctx context.Context, providerID, locationID fc.ID) (*fc.LoadSite, error) {
	return s.loadSite(ctx, fc.Scope{ProviderID: providerID, Reach: fc.Everything},
		fc.StationScope{ProviderID: providerID, Reach: fc.Everything}, locationID)
}

// LocationLoad returns a location within locations with the running
// sessions at its stations within stations.
func (s *Store) LocationLoad(ctx context.Context, locations fc.Scope, stations fc.StationScope, locationID fc.ID) (*fc.LoadSite, error) {
	return s.loadSite(ctx, locations, stations, locationID)
}

func (s *Store) loadSite(ctx context.Context, locations fc.Scope, stations fc.StationScope, locationID fc.ID) (*fc.LoadSite, error) {
	q := &query{}
	q.add(`SELECT s.id, st.id, st.identity, st.ocpp_version, COALESCE(s.station_tx_id, ''), s.connector_id,
		COALESCE(st.connector_max_power_w, 0), COALESCE(g.load_priority, 0), s.started_at, st.online,
		COALESCE((SELECT MAX(c.at) FROM station_connections c WHERE c.station_id = st.id), 0), a.at, a.limit_w, a.reason
		FROM stations st JOIN sessions s ON s.station_id = st.id AND s.stopped_at IS NULL AND s.started_at >= `).
		arg(ms(s.now().Add(-fc.MaxRunningSessionAge))).
		add(` LEFT JOIN charge_groups g ON g.id = st.charge_group_id
		LEFT JOIN session_allocations a ON a.session_id = s.id AND a.at = (SELECT MAX(la.at) FROM session_allocations la WHERE la.session_id = s.id)
		WHERE st.location_id = `).arg(int64(locationID)).add(" AND ")
	stationVisible(q, stations)
	q.add(" ORDER BY s.id")
	var site fc.LoadSite
	err := s.read(ctx, func(tx *sql.Tx) error {
		site = fc.LoadSite{}
		l, err := s.findLocation(ctx, tx, locations, locationID)
		if err != nil {
			return err
		}
		site.Location = *l
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM charge_points cp JOIN stations st ON st.id = cp.station_id
			WHERE st.location_id = $1 AND st.provider_id = $2`, int64(locationID), int64(l.ProviderID)).Scan(&site.Connectors); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x fc.LoadSession
			var started, since int64
			var lastAt, lastLimit sql.NullInt64
			var lastReason sql.NullString
			if err := rows.Scan(&x.SessionID, &x.StationID, &x.Identity, &x.OCPPVersion, &x.StationTxID, &x.ConnectorID,
				&x.ConnectorMaxW, &x.Priority, &started, &x.Online, &since, &lastAt, &lastLimit, &lastReason); err != nil {
				return err
			}
			if lastAt.Valid {
				x.Last = &fc.SessionAllocation{SessionID: x.SessionID, At: fromMS(lastAt.Int64), LimitW: lastLimit.Int64, Reason: lastReason.String}
			}
			x.StartedAt = fromMS(started)
			if since > 0 {
				x.Since = fromMS(since)
			}
			site.Sessions = append(site.Sessions, x)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range site.Sessions {
			if err := readLoadState(ctx, tx, &site.Sessions[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &site, nil
}

// readLoadState reads a running session's latest measured power (its
// latest allocation comes with the site's query): the sum of the latest
// Power.Active.Import readings at the outlet (a total, or one per phase),
// in watts.
func readLoadState(ctx context.Context, tx *sql.Tx, x *fc.LoadSession) error {
	rows, err := tx.QueryContext(ctx, `SELECT at, phase, unit, value FROM meter_values
		WHERE session_id = $1 AND measurand = $2 AND value IS NOT NULL AND location IN ('', 'Outlet')
		AND at = (SELECT MAX(at) FROM meter_values WHERE session_id = $3 AND measurand = $4 AND value IS NOT NULL)`,
		int64(x.SessionID), fc.MeasurandPower, int64(x.SessionID), fc.MeasurandPower)
	if err != nil {
		return err
	}
	defer rows.Close()
	var total, phases float64
	var hasTotal, found bool
	var mat int64
	for rows.Next() {
		var phase, unit string
		var v float64
		if err := rows.Scan(&mat, &phase, &unit, &v); err != nil {
			return err
		}
		if unit == "kW" {
			v *= 1000
		}
		switch {
		case phase == "":
			total, hasTotal = v, true
		case strings.HasPrefix(phase, "L") && !strings.Contains(phase, "-"):
			phases += v
		default:
			continue
		}
		found = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if found {
		w := int64(math.Round(phases))
		if hasTotal {
			w = int64(math.Round(total))
		}
		t := fromMS(mat)
		x.MeasuredW, x.MeasuredAt = &w, &t
	}
	return nil
}

// LoadSiteOf returns the location of the station when it has a limit.
func (s *Store) LoadSiteOf(ctx context.Context, stationID fc.ID) (fc.SiteRef, bool, error) {
	var ref fc.SiteRef
	found := false
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT l.provider_id, l.id FROM stations st JOIN locations l ON l.id = st.location_id
			WHERE st.id = $1 AND l.max_power_w IS NOT NULL`, int64(stationID)).Scan(&ref.ProviderID, &ref.LocationID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			found = false
			return nil
		case err != nil:
			return err
		}
		found = true
		return nil
	})
	return ref, found, err
}

// LimitedSites returns the locations with a limit and a running session.
func (s *Store) LimitedSites(ctx context.Context) ([]fc.SiteRef, error) {
	var out []fc.SiteRef
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `SELECT l.provider_id, l.id FROM locations l WHERE l.max_power_w IS NOT NULL
			AND EXISTS (SELECT 1 FROM stations st JOIN sessions s ON s.station_id = st.id
				WHERE st.location_id = l.id AND s.stopped_at IS NULL AND s.started_at >= $1)
			ORDER BY l.provider_id, l.id`, ms(s.now().Add(-fc.MaxRunningSessionAge)))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r fc.SiteRef
			if err := rows.Scan(&r.ProviderID, &r.LocationID); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
