package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// MaxConnectors bounds the charge points of one station.
const MaxConnectors = 32

// maxConnectorPowerW bounds a station's connector maximum (1 MW).
const maxConnectorPowerW = 1_000_000

const stationColumns = `st.id, st.provider_id, st.account_id, st.location_id, st.charge_group_id, st.identity, st.password_hash,
	st.vendor, st.model, st.serial_number, st.firmware, st.online, st.ocpp_version, st.last_heartbeat_at, st.last_boot_at,
	COALESCE(st.connector_max_power_w, 0), st.created_at, st.updated_at`

func scanStation(row rowScanner, st *fc.Station) error {
	var online bool
	var heartbeat, boot sql.NullInt64
	var created, updated int64
	if err := row.Scan(&st.ID, &st.ProviderID, &st.AccountID, &st.LocationID, &st.ChargeGroupID, &st.Identity, &st.PasswordHash,
		&st.Vendor, &st.Model, &st.SerialNumber, &st.Firmware, &online, &st.OCPPVersion, &heartbeat, &boot,
		&st.ConnectorMaxW, &created, &updated); err != nil {
		return err
	}
	st.Connection = fc.StationOffline
	if online {
		st.Connection = fc.StationOnline
	}
	st.LastHeartbeatAt, st.LastBootAt = fromNullMS(heartbeat), fromNullMS(boot)
	st.CreatedAt, st.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

func validateStation(st *fc.Station) error {
	st.Identity = strings.TrimSpace(st.Identity)
	st.Vendor = strings.TrimSpace(st.Vendor)
	st.Model = strings.TrimSpace(st.Model)
	st.SerialNumber = strings.TrimSpace(st.SerialNumber)
	st.Firmware = strings.TrimSpace(st.Firmware)
	fields := map[string]string{}
	if st.AccountID <= 0 {
		fields["account_id"] = "is required"
	}
	if st.LocationID <= 0 {
		fields["location_id"] = "is required"
	}
	if st.ChargeGroupID <= 0 {
		fields["charge_group_id"] = "is required"
	}
	switch {
	case st.Identity == "":
		fields["identity"] = "is required"
	case !isStationIdentity(st.Identity):
		fields["identity"] = "must be 1 to 48 characters of A-Z, a-z, 0-9, '.', '_' and '-'"
	}
	// The lengths of the matching BootNotification fields in OCPP 1.6.
	checkText(fields, "vendor", st.Vendor, 20)
	checkText(fields, "model", st.Model, 20)
	checkText(fields, "serial_number", st.SerialNumber, 25)
	checkText(fields, "firmware_version", st.Firmware, 50)
	if st.ConnectorMaxW < 0 || st.ConnectorMaxW > maxConnectorPowerW {
		fields["connector_max_power_kw"] = "must be more than 0 and at most 1000 kW"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// isStationIdentity reports whether s can be a station identity: it is the
// last segment of the station's OCPP URL, so it keeps to characters that need
// no escaping there.
func isStationIdentity(s string) bool {
	if s == "" || len(s) > 48 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkStationRefs checks what a station names: its account, and a location
// and a charge group of that same account, all in the station's provider. It
// returns the account.
func (s *Store) checkStationRefs(ctx context.Context, tx *sql.Tx, st *fc.Station) (*fc.Account, error) {
	a, err := s.refAccount(ctx, tx, st.ProviderID, st.AccountID)
	if err != nil {
		return nil, err
	}
	in := fc.ProviderScope(st.ProviderID)
	fields := map[string]string{}
	if l, err := s.findLocation(ctx, tx, in, st.LocationID); err != nil {
		if !fc.IsCode(err, fc.ENotFound) {
			return nil, err
		}
		fields["location_id"] = "no such location"
	} else if l.AccountID != st.AccountID {
		fields["location_id"] = "is not a location of the station's account"
	}
	if g, err := s.findGroup(ctx, tx, in, st.ChargeGroupID); err != nil {
		if !fc.IsCode(err, fc.ENotFound) {
			return nil, err
		}
		fields["charge_group_id"] = "no such charge group"
	} else if g.AccountID != st.AccountID {
		fields["charge_group_id"] = "is not a charge group of the station's account"
	}
	if len(fields) > 0 {
		return nil, fc.Invalid(fields)
	}
	return a, nil
}

// checkStationUnique refuses an identity another station holds, on the
// whole platform; the unique index stays the last guard.
func checkStationUnique(ctx context.Context, tx *sql.Tx, st *fc.Station) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM stations WHERE identity = $1 AND id <> $2`,
		st.Identity, int64(st.ID)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fc.Errorf(fc.EConflict, "a station with identity %q exists already", st.Identity)
	}
	return nil
}

// CreateStation creates a station of an account of st.ProviderID, at a
// location and in a charge group of that account, with charge points
// 1..connectors. st.PasswordHash is stored as given.
func (s *Store) CreateStation(ctx context.Context, st *fc.Station, connectors int) error {
	err := validateStation(st)
	if connectors < 1 || connectors > MaxConnectors {
		fields := fc.ErrorFields(err)
		if fields == nil {
			fields = map[string]string{}
		}
		fields["connectors"] = "must be between 1 and 32"
		err = fc.Invalid(fields)
	}
	if err != nil {
		return err
	}
	now := s.now()
	st.CreatedAt, st.UpdatedAt = now, now
	st.Connection, st.LastHeartbeatAt, st.LastBootAt = fc.StationOffline, nil, nil
	return s.write(ctx, func(tx *sql.Tx) error {
		a, err := s.checkStationRefs(ctx, tx, st)
		if err != nil {
			return err
		}
		st.ID = 0
		if err := checkStationUnique(ctx, tx, st); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO stations (provider_id, account_id, location_id, charge_group_id, identity, password_hash,
			vendor, model, serial_number, firmware, online, connector_max_power_w, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			int64(st.ProviderID), int64(st.AccountID), int64(st.LocationID), int64(st.ChargeGroupID), st.Identity, st.PasswordHash,
			st.Vendor, st.Model, st.SerialNumber, st.Firmware, false, nullPower(st.ConnectorMaxW), ms(now), ms(now)).Scan(&st.ID)
		if err != nil {
			return err
		}
		st.ChargePoints = make([]fc.ChargePoint, connectors)
		for i := range st.ChargePoints {
			cp := &st.ChargePoints[i]
			cp.StationID, cp.ConnectorID, cp.Status = st.ID, i+1, "Unknown"
			if err := tx.QueryRowContext(ctx, `INSERT INTO charge_points (station_id, connector_id, status) VALUES ($1, $2, $3) RETURNING id`,
				int64(st.ID), cp.ConnectorID, cp.Status).Scan(&cp.ID); err != nil {
				return err
			}
		}
		if err := stationPublication(ctx, tx, nil, st, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: st.ProviderID, action: "station.create", kind: fc.KindStation, id: st.ID,
			orgID: a.OrganizationID, accountID: a.ID, after: st})
	})
}

// stationQuery starts a SELECT of stations visible in sc: those of accounts
// in sc.Reach, and those at the home of an employee of an account in
// sc.HomesOf.
func stationQuery(sc fc.StationScope) *query {
	q := &query{}
	q.add(`SELECT ` + stationColumns + ` FROM stations st WHERE st.provider_id = `).arg(int64(sc.ProviderID)).add(" AND (")
	q.reachOf("st.account_id", stationEmployee, sc.Reach)
	if !sc.HomesOf.Empty() {
		q.add(` OR st.location_id IN (SELECT hl.id FROM locations hl JOIN employees he ON he.id = hl.employee_id
			WHERE hl.kind = 'home' AND `).reach("he.account_id", sc.HomesOf).add(")")
	}
	return q.add(")")
}

// findStation reads one station visible in sc, with its charge points.
func (s *Store) findStation(ctx context.Context, tx *sql.Tx, sc fc.StationScope, id fc.ID) (*fc.Station, error) {
	q := stationQuery(sc)
	q.add(" AND st.id = ").arg(int64(id))
	sts := make([]fc.Station, 1)
	if err := scanStation(tx.QueryRowContext(ctx, q.String(), q.args...), &sts[0]); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindStation, id)
		}
		return nil, err
	}
	if err := loadChargePoints(ctx, tx, sts); err != nil {
		return nil, err
	}
	return &sts[0], nil
}

// loadChargePoints fills the charge points of every station in sts with one
// query.
func loadChargePoints(ctx context.Context, tx *sql.Tx, sts []fc.Station) error {
	if len(sts) == 0 {
		return nil
	}
	at := make(map[fc.ID]*fc.Station, len(sts))
	ids := make([]fc.ID, len(sts))
	for i := range sts {
		st := &sts[i]
		st.ChargePoints = []fc.ChargePoint{}
		at[st.ID], ids[i] = st, st.ID
	}
	q := &query{}
	q.add(`SELECT id, station_id, connector_id, status, error_code, status_at FROM charge_points WHERE station_id IN `).ids(ids).
		add(" ORDER BY station_id, connector_id")
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var cp fc.ChargePoint
		var statusAt sql.NullInt64
		if err := rows.Scan(&cp.ID, &cp.StationID, &cp.ConnectorID, &cp.Status, &cp.ErrorCode, &statusAt); err != nil {
			return err
		}
		cp.StatusAt = fromNullMS(statusAt)
		st := at[cp.StationID]
		st.ChargePoints = append(st.ChargePoints, cp)
	}
	return rows.Err()
}

// Station returns one station with its charge points.
func (s *Store) Station(ctx context.Context, sc fc.StationScope, id fc.ID) (*fc.Station, error) {
	var st *fc.Station
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		st, err = s.findStation(ctx, tx, sc, id)
		return err
	})
	return st, err
}

// Stations lists the stations visible in sc, with their charge points.
// f.Search matches the identity or the serial number.
func (s *Store) Stations(ctx context.Context, sc fc.StationScope, f fc.StationFilter) ([]fc.Station, error) {
	search, err := searchPattern(f.Search)
	if err != nil {
		return nil, err
	}
	q := stationQuery(sc).scoped()
	if f.AccountID != 0 {
		q.add(" AND st.account_id = ").arg(int64(f.AccountID))
	}
	if f.LocationID != 0 {
		q.add(" AND st.location_id = ").arg(int64(f.LocationID))
	}
	if f.ChargeGroupID != 0 {
		q.add(" AND st.charge_group_id = ").arg(int64(f.ChargeGroupID))
	}
	if err := checkFilterValue("connection", f.Connection, fc.StationOnline, fc.StationOffline); err != nil {
		return nil, err
	}
	if f.Connection != "" {
		q.add(" AND st.online = ").arg(f.Connection == fc.StationOnline)
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 || len(f.IDs) > fc.MaxPageSize {
			return nil, fc.Invalid(map[string]string{"ids": fmt.Sprintf("must name 1 to %d stations", fc.MaxPageSize)})
		}
		q.add(" AND st.id IN ").ids(f.IDs)
	}
	if f.Faulted {
		q.add(" AND EXISTS (SELECT 1 FROM charge_points fcp WHERE fcp.station_id = st.id AND fcp.status = ").arg("Faulted").add(")")
	}
	if search != "" {
		like := "%" + search + "%"
		q.add(" AND (").like("LOWER(st.identity)", like).add(" OR ").like("LOWER(st.serial_number)", like).add(")")
	}
	q.sortable(s.dialect, stationSorts).page("st.id", f.Page)
	var out []fc.Station
	err = s.read(ctx, func(tx *sql.Tx) error {
		out, err = readStations(ctx, tx, q)
		return err
	})
	return inOrder(q, out), err
}

// readStations reads the stations q selects (stationColumns of st), with
// their charge points.
func readStations(ctx context.Context, tx *sql.Tx, q *query) ([]fc.Station, error) {
	if err := counted(ctx, tx, q); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fc.Station
	for rows.Next() {
		var st fc.Station
		if err := scanStation(rows, &st); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, loadChargePoints(ctx, tx, out)
}

// UpdateStation applies fn to the station and stores the result. The
// station may move to another location or charge group of its account;
// moving it to another account is a migration, not an update. What the
// station reports itself (connection, heartbeat, boot, charge points) is
// not changed here.
func (s *Store) UpdateStation(ctx context.Context, sc fc.Scope, id fc.ID, fn func(*fc.Station) error) (*fc.Station, error) {
	var after *fc.Station
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := s.findStation(ctx, tx, fc.StationScope{ProviderID: sc.ProviderID, Reach: sc.Reach}, id)
		if err != nil {
			return err
		}
		st := *before
		if err := fn(&st); err != nil {
			return err
		}
		st.ID, st.ProviderID, st.CreatedAt = before.ID, before.ProviderID, before.CreatedAt
		st.Connection, st.LastHeartbeatAt, st.LastBootAt = before.Connection, before.LastHeartbeatAt, before.LastBootAt
		st.ChargePoints = before.ChargePoints
		if err := validateStation(&st); err != nil {
			return err
		}
		if st.AccountID != before.AccountID {
			return fc.Errorf(fc.EUnprocessable, "station %s cannot change account in an update: use a migration", id)
		}
		a, err := s.checkStationRefs(ctx, tx, &st)
		if err != nil {
			return err
		}
		if err := checkStationUnique(ctx, tx, &st); err != nil {
			return err
		}
		st.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE stations SET location_id = $1, charge_group_id = $2, identity = $3, password_hash = $4,
			vendor = $5, model = $6, serial_number = $7, firmware = $8, connector_max_power_w = $9, updated_at = $10 WHERE id = $11`,
			int64(st.LocationID), int64(st.ChargeGroupID), st.Identity, st.PasswordHash,
			st.Vendor, st.Model, st.SerialNumber, st.Firmware, nullPower(st.ConnectorMaxW), ms(st.UpdatedAt), int64(st.ID)); err != nil {
			return err
		}
		after = &st
		if err := stationPublication(ctx, tx, before, after, st.UpdatedAt); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: st.ProviderID, action: "station.update", kind: fc.KindStation, id: st.ID,
			orgID: a.OrganizationID, accountID: a.ID, before: before, after: after})
	})
	return after, err
}

// DeleteStation deletes a station, with its charge points, that never
// recorded a session: the history of one that did keeps it.
func (s *Store) DeleteStation(ctx context.Context, sc fc.Scope, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		st, err := s.findStation(ctx, tx, fc.StationScope{ProviderID: sc.ProviderID, Reach: sc.Reach}, id)
		if err != nil {
			return err
		}
		var sessions int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE station_id = $1`, int64(id)).Scan(&sessions); err != nil {
			return err
		}
		if sessions > 0 {
			return fc.Errorf(fc.EUnprocessable, "station %s has %d sessions and cannot be deleted: keep it out of service instead", id, sessions)
		}
		a, err := s.refAccount(ctx, tx, st.ProviderID, st.AccountID)
		if err != nil {
			return err
		}
		if err := stationPublication(ctx, tx, st, nil, s.now()); err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM charge_points WHERE station_id = $1`,
			`DELETE FROM device_variables WHERE station_id = $1`,
			`DELETE FROM security_events WHERE station_id = $1`,
			`DELETE FROM stations WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, int64(id)); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: st.ProviderID, action: "station.delete", kind: fc.KindStation, id: id,
			orgID: a.OrganizationID, accountID: a.ID, before: st})
	})
}
