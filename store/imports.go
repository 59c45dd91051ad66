package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Bounds of an imported session: what a real charger and its meter can
// reach. Past them a session is refused rather than stored to inflate every
// report it falls into.
const (
	// maxMeterWh is the largest meter register reading, start or stop:
	// 10^12 Wh (1 TWh), more than any charger's meter shows in its life.
	maxMeterWh = 1_000_000_000_000
	// maxPowerW is the most power a charger delivers: 1 MW, the megawatt
	// chargers of trucks. A session's energy is at most this over its
	// duration.
	maxPowerW = 1_000_000
	// maxSessionWh caps one session's energy whatever its duration.
	maxSessionWh = 10_000_000
	// maxSessionDuration is the longest session: a week.
	maxSessionDuration = 7 * 24 * time.Hour
	// maxClockSkew is how far in the future of the store's clock a session
	// may end, for clocks of other systems that run ahead.
	maxClockSkew = 24 * time.Hour
	// maxCostMinor caps a session's cost: ten million currency units.
	maxCostMinor = 1_000_000_000
)

// minSessionStart is the earliest start of an imported session.
var minSessionStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// validateImport normalizes and checks what an imported session states
// about itself at the time now; field names are those of the API.
func validateImport(x *fc.Session, now time.Time) error {
	x.ExternalRef = strings.TrimSpace(x.ExternalRef)
	x.ExternalParty = strings.TrimSpace(x.ExternalParty)
	x.IDTag = strings.TrimSpace(x.IDTag)
	x.Currency = strings.ToUpper(strings.TrimSpace(x.Currency))
	x.LocationKind = strings.TrimSpace(x.LocationKind)
	x.LocationName = strings.TrimSpace(x.LocationName)
	x.StartedAt = x.StartedAt.UTC().Truncate(time.Millisecond)
	if x.StoppedAt != nil {
		t := x.StoppedAt.UTC().Truncate(time.Millisecond)
		x.StoppedAt = &t
	}
	fields := map[string]string{}
	if x.ExternalRef == "" {
		fields["external_ref"] = "is required"
	} else {
		checkText(fields, "external_ref", x.ExternalRef, maxNameLen)
	}
	checkText(fields, "external_party", x.ExternalParty, maxCodeLen)
	switch {
	case x.CardID == 0 && x.IDTag == "":
		fields["card_id"] = "card_id or id_tag is required"
	case x.IDTag != "" && (len(x.IDTag) > 20 || !printableASCII(x.IDTag)):
		fields["id_tag"] = "must be 1 to 20 printable ASCII characters, as a card's internal ID"
	}
	latest := now.Add(maxClockSkew)
	switch {
	case x.StartedAt.IsZero() || x.StartedAt.Unix() <= 0:
		fields["started_at"] = "is required"
	case x.StartedAt.Before(minSessionStart):
		fields["started_at"] = "must not be before 2000-01-01"
	case x.StartedAt.After(latest):
		fields["started_at"] = "must not be in the future"
	case x.StoppedAt == nil:
		fields["stopped_at"] = "is required"
	case !x.StartedAt.Before(*x.StoppedAt):
		fields["stopped_at"] = "must be after started_at"
	case x.StoppedAt.After(latest):
		fields["stopped_at"] = "must not be in the future"
	case x.StoppedAt.Sub(x.StartedAt) > maxSessionDuration:
		fields["stopped_at"] = "must be at most 7 days after started_at"
	}
	switch {
	case x.EnergyWh < 0:
		fields["energy_kwh"] = "must not be negative"
	case x.EnergyWh > maxSessionWh:
		fields["energy_kwh"] = "must be at most 10000 kWh for one session"
	case fields["stopped_at"] == "" && fields["started_at"] == "" &&
		x.EnergyWh > maxPowerW*x.StoppedAt.Sub(x.StartedAt).Milliseconds()/3_600_000:
		fields["energy_kwh"] = "is more than a 1 MW charger delivers between started_at and stopped_at"
	}
	switch {
	case x.CostMinor < 0:
		fields["cost"] = "must not be negative"
	case x.CostMinor > maxCostMinor:
		fields["cost"] = "must be at most 10000000"
	}
	// Both terms are bounded first, so meter_start_wh + energy cannot
	// overflow.
	switch {
	case x.MeterStartWh < 0:
		fields["meter_start_wh"] = "must not be negative"
	case x.MeterStartWh > maxMeterWh:
		fields["meter_start_wh"] = "must be at most 10^12 Wh, a meter's range"
	case fields["energy_kwh"] == "" && x.MeterStartWh+x.EnergyWh > maxMeterWh:
		fields["meter_start_wh"] = "plus the energy passes 10^12 Wh, a meter's range"
	}
	if !isCurrencyCode(x.Currency) {
		fields["currency"] = "must be an ISO 4217 code of three letters"
	}
	if x.StationID != 0 {
		if x.ConnectorID < 1 {
			fields["connector_id"] = "is required with station_id"
		}
	} else {
		switch x.LocationKind {
		case fc.LocationPublic, fc.LocationHome, fc.LocationOffice:
		case "":
			fields["location_kind"] = "is required without station_id"
		default:
			fields["location_kind"] = "must be public, home or office"
		}
		if x.LocationName == "" {
			fields["location_name"] = "is required without station_id"
		} else {
			checkText(fields, "location_name", x.LocationName, maxNameLen)
		}
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// ImportSession stores a finished session from elsewhere in sess.ProviderID:
// a card of the provider (by CardID or by IDTag) and either an own station
// with its connector or a foreign location (kind and name). The card side is
// the card's account and employee now; the station side the station's
// account and location now. The import is idempotent on ExternalRef
// within ExternalParty (empty but for sessions received over OCPI): a
// repeat with the same data fills sess with the stored session and returns
// created=false; a repeat with other data is a conflict.
//
// A session whose StopReason is CreditOf(ref) credits the imported session
// ref (an OCPI credit CDR): its cost is negative, at most the credited
// one's, and a session is credited once.
func (s *Store) ImportSession(ctx context.Context, sess *fc.Session) (bool, error) {
	credit := isCredit(sess.StopReason)
	cost := sess.CostMinor
	if credit {
		// Validated as the amount it gives back.
		sess.CostMinor = -cost
	}
	err := validateImport(sess, s.now())
	sess.CostMinor = cost
	if err != nil {
		return false, err
	}
	if credit && cost > 0 {
		return false, fc.Invalid(map[string]string{"cost": "must not be positive in a credit"})
	}
	reason := ""
	if credit {
		reason = strings.TrimSpace(sess.StopReason)
	}
	// An import at a foreign location (a roaming CDR) is kept right by its
	// unique reference alone (the insert below): it runs at READ
	// COMMITTED on PostgreSQL, where at SERIALIZABLE concurrent imports of
	// neighbouring references conflicted on the index's predicate locks
	// until their retries ran out. An import on an own station (the
	// overlap check) and a credit (credited once) need SERIALIZABLE.
	write := s.write
	if sess.StationID == 0 && !credit {
		write = s.writeState
	}
	var out *fc.Session
	created := false
	err = write(ctx, func(tx *sql.Tx) error {
		x := *sess
		if err := s.resolveImportCard(ctx, tx, &x); err != nil {
			return err
		}
		if err := resolveImportStation(ctx, tx, &x); err != nil {
			return err
		}
		x.Source = fc.SourceImport
		x.DurationSeconds = int64(x.StoppedAt.Sub(x.StartedAt) / time.Second)
		stop := x.MeterStartWh + x.EnergyWh
		x.MeterStopWh = &stop

		var existing int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM sessions WHERE provider_id = $1 AND external_party = $2 AND external_ref = $3`,
			int64(x.ProviderID), x.ExternalParty, x.ExternalRef).Scan(&existing)
		switch {
		case err == nil:
			stored, err := importedSession(ctx, tx, fc.ID(existing))
			if err != nil {
				return err
			}
			if !sameImport(stored, &x) {
				return fc.Errorf(fc.EConflict, "a session with external_ref %q was imported already with other data", x.ExternalRef)
			}
			out, created = stored, false
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}

		now := s.now()
		if err := refuseOverlap(ctx, tx, &x, now); err != nil {
			return err
		}
		if credit {
			if err := checkCredit(ctx, tx, &x, reason); err != nil {
				return err
			}
		}
		// A concurrent import of the same reference that committed first
		// leaves the insert nothing to do (PostgreSQL at SERIALIZABLE fails
		// it instead, and the write is retried): the import is then a
		// repeat, answered as one.
		err = tx.QueryRowContext(ctx, `INSERT INTO sessions (provider_id, source, external_party, external_ref, card_id, id_tag, employee_id,
			card_account_id, station_id, connector_id, station_account_id, location_id, location_kind, location_name,
			started_at, stopped_at, meter_start_wh, meter_stop_wh, energy_wh, duration_s, cost_minor, currency, stop_reason,
			created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)
			ON CONFLICT (provider_id, external_party, external_ref) DO NOTHING RETURNING id`,
			int64(x.ProviderID), x.Source, x.ExternalParty, x.ExternalRef, int64(x.CardID), x.IDTag, nullID(x.EmployeeID),
			int64(x.CardAccountID), nullID(x.StationID), x.ConnectorID, nullID(x.StationAccountID), nullID(x.LocationID),
			x.LocationKind, x.LocationName, ms(x.StartedAt), ms(*x.StoppedAt), x.MeterStartWh, stop, x.EnergyWh,
			x.DurationSeconds, x.CostMinor, x.Currency, reason, ms(now), ms(now)).Scan(&x.ID)
		if errors.Is(err, sql.ErrNoRows) {
			if err := tx.QueryRowContext(ctx, `SELECT id FROM sessions WHERE provider_id = $1 AND external_party = $2 AND external_ref = $3`,
				int64(x.ProviderID), x.ExternalParty, x.ExternalRef).Scan(&existing); err != nil {
				return err
			}
			stored, err := importedSession(ctx, tx, fc.ID(existing))
			if err != nil {
				return err
			}
			if !sameImport(stored, &x) {
				return fc.Errorf(fc.EConflict, "a session with external_ref %q was imported already with other data", x.ExternalRef)
			}
			out, created = stored, false
			return nil
		}
		if err != nil {
			return err
		}
		if err := markCardUsed(ctx, tx, x.CardID, x.StartedAt); err != nil {
			return err
		}
		stored, err := importedSession(ctx, tx, x.ID)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, change{providerID: x.ProviderID, action: "session.import", kind: fc.KindSession, id: x.ID,
			accountID: x.CardAccountID, after: stored}); err != nil {
			return err
		}
		out, created = stored, true
		return nil
	})
	if err != nil {
		return false, err
	}
	*sess = *out
	return created, nil
}

// importedSession reads a session the import found or stored, whose ID
// came from a query of its provider, by its ID alone. sessionByID also
// names the provider, and PostgreSQL's generic plan of that statement,
// made while the table had no statistics yet (a new database taking a
// stream of CDRs), scanned the provider's sessions by the unique
// reference's index for it: the imports slowed as the sessions grew.
func importedSession(ctx context.Context, tx *sql.Tx, id fc.ID) (*fc.Session, error) {
	q := &query{}
	selectSessions(q, fc.Everything).add(" WHERE s.id = ").arg(int64(id))
	var x fc.Session
	if err := scanSession(tx.QueryRowContext(ctx, q.String(), q.args...), &x); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindSession, id)
		}
		return nil, err
	}
	return &x, nil
}

// refuseOverlap refuses an import on an own station's connector whose
// [started_at, stopped_at) overlaps another session there: one connector
// charges one car at a time. A session still running counts as running until
// now. Checked in the import's transaction, so that two overlapping imports
// cannot both pass.
func refuseOverlap(ctx context.Context, tx *sql.Tx, x *fc.Session, now time.Time) error {
	if x.StationID == 0 {
		return nil
	}
	var other fc.ID
	var started int64
	err := tx.QueryRowContext(ctx, `SELECT id, started_at FROM sessions
		WHERE station_id = $1 AND connector_id = $2 AND started_at < $3 AND COALESCE(stopped_at, $4) > $5
		ORDER BY started_at LIMIT 1`,
		int64(x.StationID), x.ConnectorID, ms(*x.StoppedAt), ms(now), ms(x.StartedAt)).Scan(&other, &started)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return fc.Errorf(fc.EUnprocessable, "the session overlaps session %s on the same station and connector (started %s): a connector charges one car at a time",
		other, fromMS(started).Format(time.RFC3339))
}

// resolveImportCard finds the imported session's card in its provider and
// takes the card side from it.
func (s *Store) resolveImportCard(ctx context.Context, tx *sql.Tx, x *fc.Session) error {
	var c *fc.Card
	var err error
	if x.CardID != 0 {
		if c, err = s.findCard(ctx, tx, fc.ProviderScope(x.ProviderID), x.CardID); err != nil {
			return refErr(err, "card_id", "no such card")
		}
		if x.IDTag != "" && !strings.EqualFold(x.IDTag, c.InternalID) {
			return fc.Invalid(map[string]string{"id_tag": "is not the internal ID of card_id"})
		}
	} else {
		if c, err = cardByTag(ctx, tx, x.ProviderID, x.IDTag); err != nil {
			return err
		}
		if c == nil {
			return fc.Invalid(map[string]string{"id_tag": "no card has this internal ID"})
		}
	}
	x.CardID, x.IDTag, x.EmployeeID, x.CardAccountID = c.ID, c.InternalID, c.EmployeeID, c.AccountID
	return nil
}

// resolveImportStation takes the station side from an own station and its
// location, or clears it for a foreign location.
func resolveImportStation(ctx context.Context, tx *sql.Tx, x *fc.Session) error {
	x.StationAccountID, x.LocationID = 0, 0
	if x.StationID == 0 {
		x.ConnectorID = 0
		return nil
	}
	var connectors int
	err := tx.QueryRowContext(ctx, `SELECT st.account_id, st.location_id, l.kind, l.name,
		(SELECT COUNT(*) FROM charge_points cp WHERE cp.station_id = st.id AND cp.connector_id = $1)
		FROM stations st JOIN locations l ON l.id = st.location_id WHERE st.id = $2 AND st.provider_id = $3`,
		x.ConnectorID, int64(x.StationID), int64(x.ProviderID)).
		Scan(&x.StationAccountID, &x.LocationID, &x.LocationKind, &x.LocationName, &connectors)
	if errors.Is(err, sql.ErrNoRows) {
		return fc.Invalid(map[string]string{"station_id": "no such station"})
	}
	if err != nil {
		return err
	}
	if connectors == 0 {
		return fc.Invalid(map[string]string{"connector_id": "the station has no such connector"})
	}
	return nil
}

// sameImport reports whether an import repeats the stored one: the same
// card, place, times, energy and price. What is read from the card and the
// station now (the sides, an own station's location) is left out: they may
// have moved since.
func sameImport(stored, x *fc.Session) bool {
	return stored.Source == fc.SourceImport &&
		stored.CardID == x.CardID &&
		stored.StationID == x.StationID &&
		stored.ConnectorID == x.ConnectorID &&
		(x.StationID != 0 || stored.LocationKind == x.LocationKind && stored.LocationName == x.LocationName) &&
		stored.StartedAt.Equal(x.StartedAt) &&
		stored.StoppedAt != nil && stored.StoppedAt.Equal(*x.StoppedAt) &&
		stored.MeterStartWh == x.MeterStartWh &&
		stored.EnergyWh == x.EnergyWh &&
		stored.CostMinor == x.CostMinor &&
		stored.Currency == x.Currency
}

// cardByTag returns the card whose internal ID is tag in the provider, or
// nil. OCPP idTags compare without case (IdToken is a CiString); the exact
// match is tried first because it is the indexed one.
func cardByTag(ctx context.Context, tx *sql.Tx, providerID fc.ID, tag string) (*fc.Card, error) {
	if tag == "" {
		return nil, nil
	}
	for _, cond := range []string{`c.internal_id = $2`, `UPPER(c.internal_id) = UPPER($2)`} {
		var c fc.Card
		err := scanCard(tx.QueryRowContext(ctx, `SELECT `+cardColumns+` FROM cards c WHERE c.provider_id = $1 AND `+cond+` ORDER BY c.id LIMIT 1`,
			int64(providerID), tag), &c)
		if err == nil {
			return &c, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return nil, nil
}

// markCardUsed moves the card's last use forward to at.
func markCardUsed(ctx context.Context, tx *sql.Tx, cardID fc.ID, at time.Time) error {
	if cardID == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE cards SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)`,
		ms(at), int64(cardID), ms(at))
	return err
}
