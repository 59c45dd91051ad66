package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The provider's roaming stations as OCPI publishes them (the Locations
// and Tariffs modules, CPO role; fleetcharge.OCPILocationStore), and the
// pushes their changes queue.
//
// A location is published when it has coordinates and at least one
// station in a roaming charge group; its EVSEs are those stations'
// connectors. A roaming group's tariff is published as the tariff of its
// group. Pushes are queued in the change's own write and built when sent
// (ocpi: buildLocation, buildTariff): "location:<id>" is a PUT of the
// whole location as it is then, or, with the path "evse:<station>:<connector>",
// a PATCH of that EVSE to REMOVED, queued when it stops being published,
// or, with the path "status:<station>:<connector>", a PATCH of that EVSE's
// status, queued when its connector reports one;
// "tariff:<group>" is a PUT of the tariff, or a DELETE once the group no
// longer roams.

// Outbox key prefixes and the path of an EVSE's removal, read by the ocpi
// package's builders.
const (
	locationKeyPrefix = "location:"
	tariffKeyPrefix   = "tariff:"
	evsePathPrefix    = "evse:"
	statusPathPrefix  = "status:"
)

// roamingStations is the FROM clause of the provider's stations in roaming
// groups, as st, with their group g.
func roamingStations(providerID fc.ID) string {
	return ` FROM stations st JOIN charge_groups g ON g.id = st.charge_group_id AND g.roaming
		WHERE st.provider_id = ` + strconv.FormatInt(int64(providerID), 10)
}

// publishedQuery selects (location id, last updated) of the provider's
// published locations, last updated in [from, to) where set: the latest
// of the location, its roaming stations, their groups, connector statuses
// and connections.
func publishedQuery(providerID fc.ID, from, to time.Time) *query {
	q := &query{}
	rs := roamingStations(providerID)
	q.add(`SELECT l.id, MAX(x.t) FROM locations l JOIN (
		SELECT st.location_id AS location_id, st.updated_at AS t` + rs + `
		UNION ALL SELECT st.location_id, g.updated_at` + rs + `
		UNION ALL SELECT st.location_id, cp.status_at FROM charge_points cp JOIN stations st ON st.id = cp.station_id
			JOIN charge_groups g ON g.id = st.charge_group_id AND g.roaming WHERE st.provider_id = `).int(int64(providerID)).add(`
		UNION ALL SELECT st.location_id, (SELECT MAX(c.at) FROM station_connections c WHERE c.station_id = st.id)` + rs + `
		UNION ALL SELECT id, updated_at FROM locations WHERE provider_id = `).int(int64(providerID)).add(`
		) x ON x.location_id = l.id
		WHERE l.provider_id = `).int(int64(providerID)).add(` AND l.latitude <> '' AND l.longitude <> ''
		AND EXISTS (SELECT 1` + rs + ` AND st.location_id = l.id)
		GROUP BY l.id HAVING 1 = 1`)
	if !from.IsZero() {
		q.add(` AND MAX(x.t) >= `).arg(ms(from))
	}
	if !to.IsZero() {
		q.add(` AND MAX(x.t) < `).arg(ms(to))
	}
	return q
}

// RoamingLocations lists a page of the provider's published locations
// (fleetcharge.OCPILocationStore).
func (s *Store) RoamingLocations(ctx context.Context, providerID fc.ID, from, to time.Time, offset, limit int) ([]fc.RoamingLocation, int, error) {
	if limit <= 0 {
		limit = fc.DefaultPageSize
	}
	var out []fc.RoamingLocation
	var total int
	err := s.read(ctx, func(tx *sql.Tx) error {
		q := publishedQuery(providerID, from, to)
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+q.String()+`) c`, q.args...).Scan(&total); err != nil {
			return err
		}
		q.add(` ORDER BY MAX(x.t), l.id LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(max(offset, 0)))
		ids, err := publishedIDs(ctx, tx, q)
		if err != nil {
			return err
		}
		out, err = roamingLocations(ctx, tx, ids)
		return err
	})
	return out, total, err
}

func publishedIDs(ctx context.Context, tx *sql.Tx, q *query) ([]fc.ID, error) {
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []fc.ID
	for rows.Next() {
		var id fc.ID
		var t sql.NullInt64
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// RoamingLocation reads one published location
// (fleetcharge.OCPILocationStore).
func (s *Store) RoamingLocation(ctx context.Context, providerID, locationID fc.ID) (*fc.RoamingLocation, error) {
	var out *fc.RoamingLocation
	err := s.read(ctx, func(tx *sql.Tx) error {
		locs, err := roamingLocations(ctx, tx, []fc.ID{locationID})
		if err != nil {
			return err
		}
		if len(locs) == 0 || locs[0].Location.ProviderID != providerID {
			return fc.Errorf(fc.ENotFound, "location %s is not published", locationID)
		}
		out = &locs[0]
		return nil
	})
	return out, err
}

// withExtra is a row whose columns beyond those its scanner reads go
// into extra.
type withExtra struct {
	row   rowScanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

// roamingLocations reads those of the locations ids that are published,
// in the order of ids, with their roaming stations.
func roamingLocations(ctx context.Context, tx *sql.Tx, ids []fc.ID) ([]fc.RoamingLocation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q := &query{}
	q.add(`SELECT ` + locationColumns + ` FROM locations l WHERE l.latitude <> '' AND l.longitude <> '' AND l.id IN `).ids(ids)
	locs, err := txList(ctx, tx, q, scanLocation)
	if err != nil {
		return nil, err
	}
	byID := make(map[fc.ID]*fc.RoamingLocation, len(locs))
	for _, l := range locs {
		byID[l.ID] = &fc.RoamingLocation{Location: l, LastUpdated: l.UpdatedAt}
	}
	q = &query{}
	q.add(`SELECT ` + stationColumns + `, g.updated_at, COALESCE((SELECT MAX(c.at) FROM station_connections c WHERE c.station_id = st.id), 0)
		FROM stations st JOIN charge_groups g ON g.id = st.charge_group_id AND g.roaming WHERE st.location_id IN `).ids(ids).
		add(` ORDER BY st.id`)
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	var sts []fc.Station
	var changed []time.Time
	for rows.Next() {
		var st fc.Station
		var groupAt, connAt int64
		if err := scanStation(withExtra{rows, []any{&groupAt, &connAt}}, &st); err != nil {
			rows.Close()
			return nil, err
		}
		sts = append(sts, st)
		changed = append(changed, latest(st.UpdatedAt, fromMS(groupAt), fromMS(connAt)))
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := loadChargePoints(ctx, tx, sts); err != nil {
		return nil, err
	}
	for i, st := range sts {
		rl := byID[st.LocationID]
		if rl == nil {
			continue
		}
		rs := fc.RoamingStation{Station: st, LastUpdated: changed[i]}
		rl.Stations = append(rl.Stations, rs)
		rl.LastUpdated = latest(rl.LastUpdated, rs.LastUpdated)
		for _, cp := range st.ChargePoints {
			if cp.StatusAt != nil {
				rl.LastUpdated = latest(rl.LastUpdated, *cp.StatusAt)
			}
		}
	}
	out := make([]fc.RoamingLocation, 0, len(ids))
	for _, id := range ids {
		if rl := byID[id]; rl != nil && len(rl.Stations) > 0 {
			out = append(out, *rl)
		}
	}
	return out, nil
}

// txList runs q within tx and scans every row into a T.
func txList[T any](ctx context.Context, tx *sql.Tx, q *query, scan func(row rowScanner, v *T) error) ([]T, error) {
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// latest returns the latest of ts.
func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// RoamingGroups lists a page of the provider's roaming charge groups
// (fleetcharge.OCPILocationStore).
func (s *Store) RoamingGroups(ctx context.Context, providerID fc.ID, from, to time.Time, offset, limit int) ([]fc.ChargeGroup, int, error) {
	if limit <= 0 {
		limit = fc.DefaultPageSize
	}
	where := &query{}
	where.add(` FROM charge_groups g WHERE g.roaming AND g.provider_id = `).arg(int64(providerID))
	if !from.IsZero() {
		where.add(` AND g.updated_at >= `).arg(ms(from))
	}
	if !to.IsZero() {
		where.add(` AND g.updated_at < `).arg(ms(to))
	}
	var out []fc.ChargeGroup
	var total int
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*)`+where.String(), where.args...).Scan(&total); err != nil {
			return err
		}
		q := &query{}
		q.add(`SELECT ` + groupColumns + where.String() + ` ORDER BY g.updated_at, g.id LIMIT ` + strconv.Itoa(limit) +
			` OFFSET ` + strconv.Itoa(max(offset, 0)))
		q.args = where.args
		var err error
		out, err = txList(ctx, tx, q, scanGroup)
		return err
	})
	return out, total, err
}

// QueueOCPILocations queues for one partner a push of every published
// location and roaming group's tariff (fleetcharge.OCPILocationStore).
func (s *Store) QueueOCPILocations(ctx context.Context, providerID, partnerID fc.ID) (int, error) {
	var n int
	err := s.write(ctx, func(tx *sql.Tx) error {
		n = 0
		now := s.now()
		q := publishedQuery(providerID, time.Time{}, time.Time{})
		ids, err := publishedIDs(ctx, tx, q)
		if err != nil {
			return err
		}
		for _, id := range ids {
			added, err := queuePush(ctx, tx, providerID, partnerID, fc.OCPIModuleLocations, locationKeyPrefix+id.String(), "PUT", "", now)
			if err != nil {
				return err
			}
			n += added
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM charge_groups WHERE roaming AND provider_id = $1 ORDER BY id`, int64(providerID))
		if err != nil {
			return err
		}
		var groups []fc.ID
		for rows.Next() {
			var id fc.ID
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			groups = append(groups, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, id := range groups {
			added, err := queuePush(ctx, tx, providerID, partnerID, fc.OCPIModuleTariffs, tariffKeyPrefix+id.String(), "PUT", "", now)
			if err != nil {
				return err
			}
			n += added
		}
		return nil
	})
	return n, err
}

// queuePush queues, within tx, a body-less push (built when sent) of an
// object of the Locations or Tariffs module to the provider's connected
// or suspended partners with a receiver of the module (one partner when
// partnerID is not zero), and returns how many it queued. A partner whose
// latest waiting message of the object is the same push, and not the one
// that may be on its way already, gets none: that one will carry this
// change too. A push behind another kind of message (a removal) is
// queued, so that the order of changes holds.
func queuePush(ctx context.Context, tx *sql.Tx, providerID, partnerID fc.ID, module, key, method, path string, now time.Time) (int, error) {
	q := &query{}
	q.add(`INSERT INTO ocpi_outbox (partner_id, module, object_key, method, path, body, attempts, next_at, last_error, created_at)
		SELECT p.id, `).arg(module).add(`, `).arg(key).add(`, `).arg(method).add(`, `).arg(path).add(`, '', 0, `).arg(ms(now)).
		add(`, '', `).arg(ms(now)).add(` FROM ocpi_partners p
		WHERE p.provider_id = `).arg(int64(providerID)).add(` AND p.status IN ('connected', 'suspended') AND p.endpoints LIKE `).
		arg(`%{"identifier":"` + module + `","role":"RECEIVER"%`)
	if partnerID != 0 {
		q.add(` AND p.id = `).arg(int64(partnerID))
	}
	q.add(` AND NOT EXISTS (SELECT 1 FROM ocpi_outbox o WHERE o.partner_id = p.id AND o.object_key = `).arg(key).
		add(` AND o.body = '' AND o.method = `).arg(method).add(` AND o.path = `).arg(path).add(` AND o.next_at <= `).arg(ms(now)).
		add(` AND o.id = (SELECT MAX(n.id) FROM ocpi_outbox n WHERE n.partner_id = p.id AND n.object_key = o.object_key)
		AND EXISTS (SELECT 1 FROM ocpi_outbox f WHERE f.partner_id = p.id AND f.object_key = o.object_key AND f.id < o.id))`)
	res, err := tx.ExecContext(ctx, q.String(), q.args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// queueLocation queues a push of the whole location to every partner.
func queueLocation(ctx context.Context, tx *sql.Tx, providerID, locationID fc.ID, now time.Time) error {
	_, err := queuePush(ctx, tx, providerID, 0, fc.OCPIModuleLocations, locationKeyPrefix+locationID.String(), "PUT", "", now)
	return err
}

// queueRemoved queues the removal of a station's connectors, as EVSEs of
// the location, to every partner.
func queueRemoved(ctx context.Context, tx *sql.Tx, providerID, locationID fc.ID, st *fc.Station, now time.Time) error {
	for _, cp := range st.ChargePoints {
		path := evsePathPrefix + st.ID.String() + ":" + strconv.Itoa(cp.ConnectorID)
		if _, err := queuePush(ctx, tx, providerID, 0, fc.OCPIModuleLocations, locationKeyPrefix+locationID.String(), "PATCH", path, now); err != nil {
			return err
		}
	}
	return nil
}

// queueTariffAt queues a push of a group's tariff to every partner, due at
// at: a future-dated tariff version is published when it takes effect
// (docs/TARIFFS.md). The push builds the tariff then in effect. A push of
// the group already due at the same time is not queued twice.
func queueTariffAt(ctx context.Context, tx *sql.Tx, providerID, groupID fc.ID, at time.Time) error {
	key := tariffKeyPrefix + groupID.String()
	q := &query{}
	q.add(`INSERT INTO ocpi_outbox (partner_id, module, object_key, method, path, body, attempts, next_at, last_error, created_at)
		SELECT p.id, `).arg(fc.OCPIModuleTariffs).add(`, `).arg(key).add(`, 'PUT', '', '', 0, `).arg(ms(at)).add(`, '', `).arg(ms(at)).
		add(` FROM ocpi_partners p WHERE p.provider_id = `).arg(int64(providerID)).add(` AND p.status IN ('connected', 'suspended')
		AND p.endpoints LIKE `).arg(`%{"identifier":"` + fc.OCPIModuleTariffs + `","role":"RECEIVER"%`).
		add(` AND NOT EXISTS (SELECT 1 FROM ocpi_outbox o WHERE o.partner_id = p.id AND o.object_key = `).arg(key).
		add(` AND o.attempts = 0 AND o.next_at = `).arg(ms(at)).add(`)`)
	_, err := tx.ExecContext(ctx, q.String(), q.args...)
	return err
}

// queueTariff queues a push of a group's tariff to every partner.
func queueTariff(ctx context.Context, tx *sql.Tx, providerID, groupID fc.ID, now time.Time) error {
	_, err := queuePush(ctx, tx, providerID, 0, fc.OCPIModuleTariffs, tariffKeyPrefix+groupID.String(), "PUT", "", now)
	return err
}

// stationStatusChanged queues, in a status or connection change's write,
// the push of the station's location when the station is published.
func stationStatusChanged(ctx context.Context, tx *sql.Tx, stationID fc.ID, now time.Time) error {
	var providerID, locationID fc.ID
	err := tx.QueryRowContext(ctx, `SELECT st.provider_id, st.location_id FROM stations st
		JOIN charge_groups g ON g.id = st.charge_group_id AND g.roaming
		JOIN locations l ON l.id = st.location_id AND l.latitude <> '' AND l.longitude <> ''
		WHERE st.id = $1`, int64(stationID)).Scan(&providerID, &locationID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return queueLocation(ctx, tx, providerID, locationID, now)
}

// connectorStatusChanged queues, in a connector's status report's write,
// a PATCH of that EVSE's status when the station is published (the whole
// location for connector 0, the station as a whole).
func connectorStatusChanged(ctx context.Context, tx *sql.Tx, stationID fc.ID, connectorID int, now time.Time) error {
	if connectorID <= 0 {
		return stationStatusChanged(ctx, tx, stationID, now)
	}
	var providerID, locationID fc.ID
	err := tx.QueryRowContext(ctx, `SELECT st.provider_id, st.location_id FROM stations st
		JOIN charge_groups g ON g.id = st.charge_group_id AND g.roaming
		JOIN locations l ON l.id = st.location_id AND l.latitude <> '' AND l.longitude <> ''
		WHERE st.id = $1`, int64(stationID)).Scan(&providerID, &locationID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	key := locationKeyPrefix + locationID.String()
	path := statusPathPrefix + stationID.String() + ":" + strconv.Itoa(connectorID)
	// A waiting message of the location that is not on its way yet and
	// will carry the EVSE's status as it is when sent (a PUT of the whole
	// location, or this EVSE's status PATCH) covers the change.
	_, err = tx.ExecContext(ctx, `INSERT INTO ocpi_outbox (partner_id, module, object_key, method, path, body, attempts, next_at, last_error, created_at)
		SELECT p.id, $1, $2, 'PATCH', $3, '', 0, $4, '', $5 FROM ocpi_partners p
		WHERE p.provider_id = $6 AND p.status IN ('connected', 'suspended') AND p.endpoints LIKE $7
		AND NOT EXISTS (SELECT 1 FROM ocpi_outbox o WHERE o.partner_id = p.id AND o.object_key = $8 AND o.body = ''
			AND ((o.method = 'PUT' AND o.path = '') OR (o.method = 'PATCH' AND o.path = $9))
			AND EXISTS (SELECT 1 FROM ocpi_outbox f WHERE f.partner_id = p.id AND f.object_key = o.object_key AND f.id < o.id))`,
		fc.OCPIModuleLocations, key, path, ms(now), ms(now), int64(providerID),
		`%{"identifier":"`+fc.OCPIModuleLocations+`","role":"RECEIVER"%`, key, path)
	return err
}

// queueOnlinePublished queues, in MarkAllOffline's write, the push of
// every published location with a station recorded as connected: its
// EVSEs become UNKNOWN.
func queueOnlinePublished(ctx context.Context, tx *sql.Tx, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT st.provider_id, st.location_id FROM stations st
		JOIN charge_groups g ON g.id = st.charge_group_id AND g.roaming
		JOIN locations l ON l.id = st.location_id AND l.latitude <> '' AND l.longitude <> ''
		WHERE st.online ORDER BY st.provider_id, st.location_id`)
	if err != nil {
		return err
	}
	var locs [][2]fc.ID
	for rows.Next() {
		var p, l fc.ID
		if err := rows.Scan(&p, &l); err != nil {
			rows.Close()
			return err
		}
		locs = append(locs, [2]fc.ID{p, l})
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, pl := range locs {
		if err := queueLocation(ctx, tx, pl[0], pl[1], now); err != nil {
			return err
		}
	}
	return nil
}

// published reports whether a station of the group at the location is
// published: the group roams and the location has coordinates.
func published(ctx context.Context, tx *sql.Tx, groupID, locationID fc.ID) (bool, error) {
	var roaming, placed bool
	err := tx.QueryRowContext(ctx, `SELECT g.roaming, l.latitude <> '' AND l.longitude <> ''
		FROM charge_groups g, locations l WHERE g.id = $1 AND l.id = $2`, int64(groupID), int64(locationID)).Scan(&roaming, &placed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return roaming && placed, err
}

// stationPublication queues, in a station's create (before nil), update
// or delete (after nil), the pushes its change makes: the removal of its
// EVSEs from the location where they were published and are no longer,
// and the location where it is published now.
func stationPublication(ctx context.Context, tx *sql.Tx, before, after *fc.Station, now time.Time) error {
	var was, is bool
	var err error
	if before != nil {
		if was, err = published(ctx, tx, before.ChargeGroupID, before.LocationID); err != nil {
			return err
		}
	}
	if after != nil {
		if is, err = published(ctx, tx, after.ChargeGroupID, after.LocationID); err != nil {
			return err
		}
	}
	if was && (!is || after.LocationID != before.LocationID) {
		if err := queueRemoved(ctx, tx, before.ProviderID, before.LocationID, before, now); err != nil {
			return err
		}
	}
	if is {
		return queueLocation(ctx, tx, after.ProviderID, after.LocationID, now)
	}
	return nil
}

// groupStations reads the stations of a group, with their charge points,
// at locations with coordinates.
func groupStations(ctx context.Context, tx *sql.Tx, groupID fc.ID) ([]fc.Station, error) {
	q := &query{}
	q.add(`SELECT ` + stationColumns + ` FROM stations st JOIN locations l ON l.id = st.location_id
		WHERE l.latitude <> '' AND l.longitude <> '' AND st.charge_group_id = `).arg(int64(groupID)).add(` ORDER BY st.id`)
	sts, err := txList(ctx, tx, q, scanStation)
	if err != nil {
		return nil, err
	}
	return sts, loadChargePoints(ctx, tx, sts)
}

// groupPublication queues, in a charge group's create (before nil),
// update or delete (after nil), the pushes its change makes: its tariff
// when it roams or stopped roaming, its stations' EVSEs removed when it
// stopped, their locations when it started.
func groupPublication(ctx context.Context, tx *sql.Tx, before, after *fc.ChargeGroup, now time.Time) error {
	was := before != nil && before.Roaming
	is := after != nil && after.Roaming
	g := after
	if g == nil {
		g = before
	}
	if was || is {
		if was && is && before.Tariff.SamePrices(after.Tariff) {
			// Nothing published changed.
			return nil
		}
		if err := queueTariff(ctx, tx, g.ProviderID, g.ID, now); err != nil {
			return err
		}
	}
	if was == is {
		return nil
	}
	sts, err := groupStations(ctx, tx, g.ID)
	if err != nil {
		return err
	}
	for i := range sts {
		st := &sts[i]
		if was {
			err = queueRemoved(ctx, tx, st.ProviderID, st.LocationID, st, now)
		} else {
			err = queueLocation(ctx, tx, st.ProviderID, st.LocationID, now)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// locationPublication queues, in a location's update, the pushes its
// change makes when it has roaming stations: the location while it has
// coordinates, its EVSEs removed once it has none.
func locationPublication(ctx context.Context, tx *sql.Tx, before, after *fc.Location, now time.Time) error {
	wasPlaced := before.Latitude != "" && before.Longitude != ""
	isPlaced := after.Latitude != "" && after.Longitude != ""
	if !wasPlaced && !isPlaced {
		return nil
	}
	q := &query{}
	q.add(`SELECT ` + stationColumns + roamingStations(after.ProviderID) + ` AND st.location_id = `).arg(int64(after.ID)).add(` ORDER BY st.id`)
	sts, err := txList(ctx, tx, q, scanStation)
	if err != nil || len(sts) == 0 {
		return err
	}
	if isPlaced {
		return queueLocation(ctx, tx, after.ProviderID, after.ID, now)
	}
	if err := loadChargePoints(ctx, tx, sts); err != nil {
		return err
	}
	for i := range sts {
		if err := queueRemoved(ctx, tx, after.ProviderID, after.ID, &sts[i], now); err != nil {
			return err
		}
	}
	return nil
}

// DeleteOCPIObject removes an object a partner pushed
// (fleetcharge.OCPILocationStore).
func (s *Store) DeleteOCPIObject(ctx context.Context, partnerID fc.ID, module, countryCode, partyID, objectID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM ocpi_objects
			WHERE partner_id = $1 AND module = $2 AND country_code = $3 AND party_id = $4 AND object_id = $5`,
			int64(partnerID), module, countryCode, partyID, objectID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = objectNotFound(module, objectID)
			}
			return err
		}
		return nil
	})
}
