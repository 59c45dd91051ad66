package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

const locationColumns = `l.id, l.provider_id, l.account_id, l.name, l.kind, l.address, l.city, l.postal_code, l.country,
	COALESCE(l.employee_id, 0), COALESCE(l.max_power_w, 0), l.phases, l.voltage, l.load_sharing, l.latitude, l.longitude, l.created_at, l.updated_at`

func scanLocation(row rowScanner, l *fc.Location) error {
	var created, updated int64
	if err := row.Scan(&l.ID, &l.ProviderID, &l.AccountID, &l.Name, &l.Kind, &l.Address, &l.City, &l.PostalCode, &l.Country,
		&l.EmployeeID, &l.MaxPowerW, &l.Phases, &l.Voltage, &l.LoadSharing, &l.Latitude, &l.Longitude, &created, &updated); err != nil {
		return err
	}
	l.CreatedAt, l.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

func validateLocation(l *fc.Location) error {
	l.Name = strings.TrimSpace(l.Name)
	l.Kind = strings.TrimSpace(l.Kind)
	l.Address = strings.TrimSpace(l.Address)
	l.City = strings.TrimSpace(l.City)
	l.PostalCode = strings.TrimSpace(l.PostalCode)
	l.Country = strings.ToUpper(strings.TrimSpace(l.Country))
	fields := map[string]string{}
	if l.AccountID <= 0 {
		fields["account_id"] = "is required"
	}
	checkName(fields, "name", l.Name)
	switch l.Kind {
	case fc.LocationOffice, fc.LocationPublic:
		if l.EmployeeID != 0 {
			fields["employee_id"] = "is only for a home location"
		}
	case fc.LocationHome:
		if l.EmployeeID <= 0 {
			fields["employee_id"] = "is required for a home location"
		}
	case "":
		fields["kind"] = "is required"
	default:
		fields["kind"] = "must be office, home or public"
	}
	if p := textProblem(l.Address, maxAddressLen, true); p != "" {
		fields["address"] = p
	}
	checkText(fields, "city", l.City, maxNameLen)
	checkText(fields, "postal_code", l.PostalCode, 20)
	if l.Country != "" && !isCountryCode(l.Country) {
		fields["country"] = "must be an ISO 3166-1 alpha-2 code"
	}
	checkGridConnection(fields, l)
	checkCoordinates(fields, l)
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// Bounds of a location's grid connection (load management).
const (
	maxLocationPowerW = 1_000_000_000 // 1 GW
	minVoltage        = 100
	maxVoltage        = 480
)

// checkGridConnection checks a location's load management fields, giving
// phases, voltage and load sharing their defaults when absent.
func checkGridConnection(fields map[string]string, l *fc.Location) {
	if l.Phases == 0 {
		l.Phases = fc.DefaultPhases
	}
	if l.Voltage == 0 {
		l.Voltage = fc.DefaultVoltage
	}
	l.LoadSharing = strings.TrimSpace(l.LoadSharing)
	if l.LoadSharing == "" {
		l.LoadSharing = fc.LoadShareEqual
	}
	if l.MaxPowerW < 0 || l.MaxPowerW > maxLocationPowerW {
		fields["max_power_kw"] = "must be more than 0 and at most 1000000 kW"
	}
	if l.Phases != 1 && l.Phases != 3 {
		fields["phases"] = "must be 1 or 3"
	}
	if l.Voltage < minVoltage || l.Voltage > maxVoltage {
		fields["voltage"] = "must be from 100 to 480 V"
	}
	if l.LoadSharing != fc.LoadShareEqual && l.LoadSharing != fc.LoadSharePriority {
		fields["load_sharing"] = "must be equal or priority"
	}
}

// The formats of OCPI 2.2.1's GeoLocation: decimal degrees with 5 to 7
// decimals.
var (
	latitudeFormat  = regexp.MustCompile(`^-?[0-9]{1,2}\.[0-9]{5,7}$`)
	longitudeFormat = regexp.MustCompile(`^-?[0-9]{1,3}\.[0-9]{5,7}$`)
)

// checkCoordinates checks a location's coordinates: both or neither, each
// in OCPI's format (kept as written, never rounded or padded, since OCPI
// sends them as strings) and within its range.
func checkCoordinates(fields map[string]string, l *fc.Location) {
	l.Latitude, l.Longitude = strings.TrimSpace(l.Latitude), strings.TrimSpace(l.Longitude)
	for _, c := range []struct {
		name, value string
		format      *regexp.Regexp
		max         float64
		example     string
	}{
		{"latitude", l.Latitude, latitudeFormat, 90, "52.0907374"},
		{"longitude", l.Longitude, longitudeFormat, 180, "5.1214201"},
	} {
		if c.value == "" {
			continue
		}
		problem := "must be WGS84 decimal degrees from -" + strconv.Itoa(int(c.max)) + " to " + strconv.Itoa(int(c.max)) +
			" with 5 to 7 decimals, as in " + c.example
		if !c.format.MatchString(c.value) {
			fields[c.name] = problem
			continue
		}
		if v, err := strconv.ParseFloat(c.value, 64); err != nil || v < -c.max || v > c.max {
			fields[c.name] = problem
		}
	}
	switch {
	case l.Latitude != "" && l.Longitude == "" && fields["latitude"] == "":
		fields["longitude"] = "is required with a latitude; leave both empty when unknown"
	case l.Longitude != "" && l.Latitude == "" && fields["longitude"] == "":
		fields["latitude"] = "is required with a longitude; leave both empty when unknown"
	}
}

// checkLocationRefs checks what a location names: its account and, for a
// home, the employee of that account who lives there. It returns the account.
func (s *Store) checkLocationRefs(ctx context.Context, tx *sql.Tx, l *fc.Location) (*fc.Account, error) {
	a, err := s.refAccount(ctx, tx, l.ProviderID, l.AccountID)
	if err != nil {
		return nil, err
	}
	if l.EmployeeID != 0 {
		if err := s.refEmployee(ctx, tx, l.ProviderID, l.AccountID, l.EmployeeID); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// nullPower stores a power in watts where 0 means none or unknown (a
// location's limit, a station's connector maximum): NULL for 0.
func nullPower(w int64) any {
	if w == 0 {
		return nil
	}
	return w
}

// CreateLocation creates a location of an account of l.ProviderID.
func (s *Store) CreateLocation(ctx context.Context, l *fc.Location) error {
	if err := validateLocation(l); err != nil {
		return err
	}
	now := s.now()
	l.CreatedAt, l.UpdatedAt = now, now
	return s.write(ctx, func(tx *sql.Tx) error {
		a, err := s.checkLocationRefs(ctx, tx, l)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO locations (provider_id, account_id, name, kind, address, city, postal_code, country, employee_id,
			max_power_w, phases, voltage, load_sharing, latitude, longitude, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
			int64(l.ProviderID), int64(l.AccountID), l.Name, l.Kind, l.Address, l.City, l.PostalCode, l.Country,
			nullID(l.EmployeeID), nullPower(l.MaxPowerW), l.Phases, l.Voltage, l.LoadSharing, l.Latitude, l.Longitude, ms(now), ms(now)).Scan(&l.ID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: l.ProviderID, action: "location.create", kind: fc.KindLocation, id: l.ID,
			orgID: a.OrganizationID, accountID: a.ID, after: l})
	})
}

// findLocation reads one location within the scope.
func (s *Store) findLocation(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.Location, error) {
	q := &query{}
	q.add(`SELECT `+locationColumns+` FROM locations l WHERE l.id = `).arg(int64(id)).
		add(" AND l.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ").reachOf("l.account_id", homeEmployee, sc.Reach)
	var l fc.Location
	if err := scanLocation(tx.QueryRowContext(ctx, q.String(), q.args...), &l); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindLocation, id)
		}
		return nil, err
	}
	return &l, nil
}

// Location returns one location.
func (s *Store) Location(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.Location, error) {
	var l *fc.Location
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		l, err = s.findLocation(ctx, tx, sc, id)
		return err
	})
	return l, err
}

// Locations lists the locations within the scope.
func (s *Store) Locations(ctx context.Context, sc fc.Scope, f fc.LocationFilter) ([]fc.Location, error) {
	if err := checkFilterValue("kind", f.Kind, fc.LocationOffice, fc.LocationHome, fc.LocationPublic); err != nil {
		return nil, err
	}
	search, err := searchPattern(f.Search)
	if err != nil {
		return nil, err
	}
	q := &query{}
	q.add(`SELECT `+locationColumns+` FROM locations l WHERE l.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").reachOf("l.account_id", homeEmployee, sc.Reach).scoped()
	if f.AccountID != 0 {
		q.add(" AND l.account_id = ").arg(int64(f.AccountID))
	}
	if f.Kind != "" {
		q.add(" AND l.kind = ").arg(f.Kind)
	}
	if search != "" {
		like := "%" + search + "%"
		q.add(" AND (").like("LOWER(l.name)", like).add(" OR ").like("LOWER(l.address)", like).add(")")
	}
	q.sortable(s.dialect, locationSorts).page("l.id", f.Page)
	return list(ctx, s, q, scanLocation)
}

// UpdateLocation applies fn to the location and stores the result. A home
// may pass to another employee of the same account; moving the location to
// another account is a migration, not an update.
func (s *Store) UpdateLocation(ctx context.Context, sc fc.Scope, id fc.ID, fn func(*fc.Location) error) (*fc.Location, error) {
	var after *fc.Location
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := s.findLocation(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		l := *before
		if err := fn(&l); err != nil {
			return err
		}
		l.ID, l.ProviderID, l.CreatedAt = before.ID, before.ProviderID, before.CreatedAt
		if err := validateLocation(&l); err != nil {
			return err
		}
		if l.AccountID != before.AccountID {
			return fc.Errorf(fc.EUnprocessable, "location %s cannot change account in an update: use a migration", id)
		}
		a, err := s.checkLocationRefs(ctx, tx, &l)
		if err != nil {
			return err
		}
		l.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE locations SET name = $1, kind = $2, address = $3, city = $4, postal_code = $5,
			country = $6, employee_id = $7, max_power_w = $8, phases = $9, voltage = $10, load_sharing = $11, latitude = $12, longitude = $13,
			updated_at = $14 WHERE id = $15`,
			l.Name, l.Kind, l.Address, l.City, l.PostalCode, l.Country, nullID(l.EmployeeID), nullPower(l.MaxPowerW), l.Phases, l.Voltage,
			l.LoadSharing, l.Latitude, l.Longitude, ms(l.UpdatedAt), int64(l.ID)); err != nil {
			return err
		}
		after = &l
		if err := locationPublication(ctx, tx, before, after, l.UpdatedAt); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: l.ProviderID, action: "location.update", kind: fc.KindLocation, id: l.ID,
			orgID: a.OrganizationID, accountID: a.ID, before: before, after: after})
	})
	return after, err
}

// DeleteLocation deletes a location that no station stands at and no
// session refers to.
func (s *Store) DeleteLocation(ctx context.Context, sc fc.Scope, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		l, err := s.findLocation(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		var stations, sessions int
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM stations WHERE location_id = $1),
			(SELECT COUNT(*) FROM sessions WHERE location_id = $1)`,
			int64(id)).Scan(&stations, &sessions); err != nil {
			return err
		}
		switch {
		case stations > 0:
			return fc.Errorf(fc.EUnprocessable, "location %s still has %d stations", id, stations)
		case sessions > 0:
			return fc.Errorf(fc.EUnprocessable, "location %s has %d sessions in its history", id, sessions)
		}
		a, err := s.refAccount(ctx, tx, l.ProviderID, l.AccountID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM locations WHERE id = $1`, int64(id)); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: l.ProviderID, action: "location.delete", kind: fc.KindLocation, id: id,
			orgID: a.OrganizationID, accountID: a.ID, before: l})
	})
}
