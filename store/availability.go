package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Availability computes, for every charge point of the stations a station
// report covers, the time its state was known and the part of it that it
// was available, in each bucket of the report's period up to until
// (fc.AvailabilityStore). The stations are those of the report's accounts
// in scope, with its station filters, in SQL; the status history and the
// connection history are read from the last entry before the period on,
// and the intervals are summed here in integer milliseconds:
//
//   - a charge point's state is known from its own first status report on;
//     before it, its time counts for nothing (neither available nor not);
//   - it is available while its last status is one of
//     fc.AvailableStatuses, unless connector 0's last status is Unavailable
//     or Faulted (the whole station) or the station is disconnected (its
//     last connection record says so; a station without one counts as
//     connected).
func (s *Store) Availability(ctx context.Context, rq fc.ReportQuery, until time.Time, fn func(fc.ConnectorAvailability) error) error {
	b, err := newReportSQL(s.dialect, rq, s.now())
	if err != nil {
		return err
	}
	if b.side != fc.SideStation {
		return fc.Invalid(map[string]string{"report": "availability is for the station reports"})
	}
	if until.IsZero() {
		until = s.now()
	}
	end := min(b.to, ms(until))
	stations := func(q *query) *query {
		q.add(`(SELECT st.id FROM stations st WHERE `)
		b.inScope(q, "st.account_id")
		b.stationFilters(q)
		return q.add(`)`)
	}
	points := map[fc.ID][]int{}
	events := map[fc.ID][]statusEvent{}
	var order []fc.ID
	scanStatus := func(rows *sql.Rows) error {
		var id fc.ID
		var e statusEvent
		if err := rows.Scan(&id, &e.connector, &e.at, &e.status); err != nil {
			return err
		}
		events[id] = append(events[id], e)
		return nil
	}
	scanConnection := func(rows *sql.Rows) error {
		var id fc.ID
		var online bool
		e := statusEvent{connector: -1, status: "Offline"}
		if err := rows.Scan(&id, &e.at, &online); err != nil {
			return err
		}
		if online {
			e.status = "Online"
		}
		events[id] = append(events[id], e)
		return nil
	}
	err = s.read(ctx, func(tx *sql.Tx) error {
		clear(points)
		clear(events)
		order = order[:0]
		if err := b.checkScope(ctx, tx); err != nil {
			return err
		}
		q := &query{}
		q.add(`SELECT cp.station_id, cp.connector_id FROM charge_points cp WHERE cp.connector_id > 0 AND cp.station_id IN `)
		stations(q).add(` ORDER BY cp.station_id, cp.connector_id`)
		if err := s.eachRow(ctx, tx, q, func(rows *sql.Rows) error {
			var id fc.ID
			var c int
			if err := rows.Scan(&id, &c); err != nil {
				return err
			}
			if points[id] == nil {
				order = append(order, id)
			}
			points[id] = append(points[id], c)
			return nil
		}); err != nil {
			return err
		}
		// The state the period starts in: the last entry before it of each
		// connector (connector 0's too) and the last connection record,
		// each found by its primary key; then the entries inside the
		// period, by time.
		q = &query{}
		q.add(`SELECT h.station_id, h.connector_id, h.at, h.status
			FROM (SELECT cp.station_id, cp.connector_id FROM charge_points cp WHERE cp.station_id IN `)
		stations(q).add(` UNION SELECT st0.id, 0 FROM stations st0 WHERE st0.id IN `)
		stations(q).add(`) k JOIN status_history h ON h.station_id = k.station_id AND h.connector_id = k.connector_id
			AND h.at = (SELECT MAX(p.at) FROM status_history p WHERE p.station_id = k.station_id AND p.connector_id = k.connector_id AND p.at < `).
			big(b.from).add(`) ORDER BY h.station_id, h.at, h.received_at, h.connector_id, h.status, h.error_code`)
		if err := s.eachRow(ctx, tx, q, scanStatus); err != nil {
			return err
		}
		q = &query{}
		q.add(`SELECT h.station_id, h.at, h.online FROM stations k JOIN station_connections h ON h.station_id = k.id
			AND h.at = (SELECT MAX(p.at) FROM station_connections p WHERE p.station_id = k.id AND p.at < `).big(b.from).
			add(`) WHERE k.id IN `)
		stations(q).add(` ORDER BY h.station_id, h.at, h.online`)
		if err := s.eachRow(ctx, tx, q, scanConnection); err != nil {
			return err
		}
		q = &query{}
		q.add(`SELECT h.station_id, h.connector_id, h.at, h.status FROM status_history h WHERE h.station_id IN `)
		stations(q).add(` AND h.at >= `).big(b.from).add(` AND h.at < `).big(end).
			add(` ORDER BY h.station_id, h.at, h.received_at, h.connector_id, h.status, h.error_code`)
		if err := s.eachRow(ctx, tx, q, scanStatus); err != nil {
			return err
		}
		q = &query{}
		q.add(`SELECT h.station_id, h.at, h.online FROM station_connections h WHERE h.station_id IN `)
		stations(q).add(` AND h.at >= `).big(b.from).add(` AND h.at < `).big(end).add(` ORDER BY h.station_id, h.at, h.online`)
		return s.eachRow(ctx, tx, q, scanConnection)
	})
	if err != nil {
		return err
	}
	// The buckets, clipped at the end of the measured part.
	bounds := make([]int64, len(b.bounds))
	for i, v := range b.bounds {
		bounds[i] = min(v, end)
	}
	for _, id := range order {
		es := events[id]
		// Status entries and connection records of one instant: the
		// records first, as they come from two tables.
		slices.SortStableFunc(es, func(x, y statusEvent) int {
			if x.at != y.at {
				return int(min(max(x.at-y.at, -1), 1))
			}
			return x.connector - y.connector
		})
		for _, a := range connectorAvailability(id, points[id], es, bounds) {
			if err := fn(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// eachRow runs q in tx and calls fn for each row.
func (s *Store) eachRow(ctx context.Context, tx *sql.Tx, q *query, fn func(rows *sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// statusEvent is an entry of a station's status history (connector 0:
// the station as a whole) or, with connector -1, of its connection history
// (status "Online" or "Offline").
type statusEvent struct {
	at        int64
	connector int
	status    string
}

// connectorAvailability sums the known and available time of each
// connector of one station in each bucket [bounds[i], bounds[i+1]), from
// the station's events in time order.
func connectorAvailability(stationID fc.ID, connectors []int, events []statusEvent, bounds []int64) []fc.ConnectorAvailability {
	n := len(bounds) - 1
	out := make([]fc.ConnectorAvailability, 0, len(connectors)*n)
	at := map[int]int{} // connector → its first row in out
	for _, c := range connectors {
		at[c] = len(out)
		for i := 0; i < n; i++ {
			out = append(out, fc.ConnectorAvailability{StationID: stationID, ConnectorID: c, Bucket: i})
		}
	}
	status := map[int]string{}
	var station string // connector 0's last status
	offline := false
	// span counts [from, to) for every connector in its current state.
	span := func(from, to int64) {
		for i := 0; i < n; i++ {
			lo, hi := max(from, bounds[i]), min(to, bounds[i+1])
			if lo >= hi {
				continue
			}
			for _, c := range connectors {
				st, known := status[c]
				if !known {
					continue
				}
				a := &out[at[c]+i]
				a.KnownMS += hi - lo
				if !offline && station != "Unavailable" && station != "Faulted" && slices.Contains(fc.AvailableStatuses, st) {
					a.UpMS += hi - lo
				}
			}
		}
	}
	last := bounds[0]
	for _, e := range events {
		if e.at > last {
			span(last, e.at)
			last = e.at
		}
		switch {
		case e.connector < 0:
			offline = e.status == "Offline"
		case e.connector == 0:
			station = e.status
		default:
			status[e.connector] = e.status
		}
	}
	span(last, bounds[n])
	return out
}

// recordConnection adds a station's connection or disconnection at at to
// its connection history, in the write that records it on the station.
func (s *Store) recordConnection(ctx context.Context, tx *sql.Tx, stationID fc.ID, online bool, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO station_connections (station_id, at, online) VALUES ($1, $2, $3)
		ON CONFLICT (station_id, at, online) DO NOTHING`, int64(stationID), ms(at), online)
	return err
}

// recordAllOffline adds a disconnection at at to the connection history of
// every station recorded as connected: a process that starts serves none.
func recordAllOffline(ctx context.Context, tx *sql.Tx, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO station_connections (station_id, at, online)
		SELECT id, $1, FALSE FROM stations WHERE online ON CONFLICT (station_id, at, online) DO NOTHING`, ms(at))
	return err
}
