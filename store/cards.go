package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// cardColumns are a card's columns, the provider's time zone last (in
// which its valid_until ends).
const cardColumns = `c.id, c.provider_id, c.account_id, COALESCE(c.employee_id, 0), c.internal_id, c.external_id, c.status,
	c.last_used_at, c.created_at, c.updated_at, COALESCE(c.valid_until, ''), (SELECT pz.time_zone FROM providers pz WHERE pz.id = c.provider_id)`

func scanCard(row rowScanner, c *fc.Card) error {
	var lastUsed sql.NullInt64
	var created, updated int64
	var zone sql.NullString
	if err := row.Scan(&c.ID, &c.ProviderID, &c.AccountID, &c.EmployeeID, &c.InternalID, &c.ExternalID, &c.Status,
		&lastUsed, &created, &updated, &c.ValidUntil, &zone); err != nil {
		return err
	}
	c.LastUsedAt, c.CreatedAt, c.UpdatedAt = fromNullMS(lastUsed), fromMS(created), fromMS(updated)
	c.ExpiresAt = nil
	if c.ValidUntil != "" {
		end, err := fc.DayEnd(c.ValidUntil, zoneLocation(zone.String))
		if err != nil {
			return fmt.Errorf("card %s: valid_until %q: %w", c.ID, c.ValidUntil, err)
		}
		c.ExpiresAt = &end
	}
	return nil
}

// zones keeps the time zones read by name (time.LoadLocation reads the
// zone database at every call).
var zones sync.Map

// zoneLocation returns the IANA time zone name's location; UTC for an
// empty or unknown name.
func zoneLocation(name string) *time.Location {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil || name == "" {
		l = time.UTC
	}
	zones.Store(name, l)
	return l
}

func validateCard(c *fc.Card) error {
	c.InternalID = strings.TrimSpace(c.InternalID)
	c.ExternalID = strings.TrimSpace(c.ExternalID)
	c.Status = strings.TrimSpace(c.Status)
	c.ValidUntil = strings.TrimSpace(c.ValidUntil)
	fields := map[string]string{}
	if c.ValidUntil != "" && !fc.ValidDate(c.ValidUntil) {
		fields["valid_until"] = "must be a date: YYYY-MM-DD"
	}
	if c.AccountID <= 0 {
		fields["account_id"] = "is required"
	}
	if c.EmployeeID < 0 {
		fields["employee_id"] = "is not a valid ID"
	}
	switch {
	case c.InternalID == "":
		fields["internal_id"] = "is required"
	case len(c.InternalID) > 20 || !printableASCII(c.InternalID):
		// The internal ID is the OCPP 1.6 idTag, an IdToken of type CiString20.
		fields["internal_id"] = "must be 1 to 20 printable ASCII characters"
	}
	if c.ExternalID == "" {
		fields["external_id"] = "is required"
	} else {
		checkText(fields, "external_id", c.ExternalID, maxCodeLen)
	}
	switch c.Status {
	case fc.CardActive, fc.CardInactive, fc.CardDeactivated:
	case "":
		fields["status"] = "is required"
	default:
		fields["status"] = "must be active, inactive or deactivated"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// checkCardRefs checks what a card names: its account and, if any, its
// employee in that account, both in the card's provider. It returns the
// account.
func (s *Store) checkCardRefs(ctx context.Context, tx *sql.Tx, c *fc.Card) (*fc.Account, error) {
	a, err := s.refAccount(ctx, tx, c.ProviderID, c.AccountID)
	if err != nil {
		return nil, err
	}
	if c.EmployeeID != 0 {
		if err := s.refEmployee(ctx, tx, c.ProviderID, c.AccountID, c.EmployeeID); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// checkCardUnique refuses a card whose internal or external ID another card
// of the provider holds. Internal IDs compare without case, as OCPP compares
// idTags; the unique indexes stay the last guard.
func checkCardUnique(ctx context.Context, tx *sql.Tx, c *fc.Card) error {
	var internal, external int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM cards WHERE provider_id = $1 AND UPPER(internal_id) = UPPER($2) AND id <> $3),
		(SELECT COUNT(*) FROM cards WHERE provider_id = $1 AND external_id = $4 AND id <> $3)`,
		int64(c.ProviderID), c.InternalID, int64(c.ID), c.ExternalID).Scan(&internal, &external); err != nil {
		return err
	}
	switch {
	case internal > 0:
		return fc.Errorf(fc.EConflict, "a card with internal ID %q exists already", c.InternalID)
	case external > 0:
		return fc.Errorf(fc.EConflict, "a card with external ID %q exists already", c.ExternalID)
	}
	return nil
}

// CreateCard issues a card to an account of c.ProviderID, optionally
// assigned to an employee of that account.
func (s *Store) CreateCard(ctx context.Context, c *fc.Card) error {
	if err := validateCard(c); err != nil {
		return err
	}
	now := s.now()
	c.CreatedAt, c.UpdatedAt, c.LastUsedAt = now, now, nil
	return s.write(ctx, func(tx *sql.Tx) error { return s.insertCard(ctx, tx, c, now) })
}

// insertCard creates a valid card in tx, after checking what it names and
// that its IDs are free.
func (s *Store) insertCard(ctx context.Context, tx *sql.Tx, c *fc.Card, now time.Time) error {
	a, err := s.checkCardRefs(ctx, tx, c)
	if err != nil {
		return err
	}
	c.ID = 0
	if err := checkCardUnique(ctx, tx, c); err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO cards (provider_id, account_id, employee_id, internal_id, external_id, status, valid_until, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		int64(c.ProviderID), int64(c.AccountID), nullID(c.EmployeeID), c.InternalID, c.ExternalID, c.Status, nullText(c.ValidUntil),
		ms(now), ms(now)).Scan(&c.ID)
	if err != nil {
		return err
	}
	if err := queueTokens(ctx, tx, now, c.ProviderID, c.InternalID); err != nil {
		return err
	}
	return s.audit(ctx, tx, change{providerID: c.ProviderID, action: "card.create", kind: fc.KindCard, id: c.ID,
		orgID: a.OrganizationID, accountID: a.ID, after: c})
}

// findCard reads one card within the scope.
func (s *Store) findCard(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.Card, error) {
	q := &query{}
	q.add(`SELECT `+cardColumns+` FROM cards c WHERE c.id = `).arg(int64(id)).
		add(" AND c.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ").reachOf("c.account_id", "c.employee_id", sc.Reach)
	var c fc.Card
	if err := scanCard(tx.QueryRowContext(ctx, q.String(), q.args...), &c); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindCard, id)
		}
		return nil, err
	}
	return &c, nil
}

// Card returns one card.
func (s *Store) Card(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.Card, error) {
	var c *fc.Card
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		c, err = s.findCard(ctx, tx, sc, id)
		return err
	})
	return c, err
}

// Cards lists the cards within the scope. f.Search is found, without case,
// in the internal or the external ID or in the name, e-mail or employee
// number of the card's employee: anywhere from 3 characters on, at the start
// below (search.go).
func (s *Store) Cards(ctx context.Context, sc fc.Scope, f fc.CardFilter) ([]fc.Card, error) {
	search, err := parseSearch(f.Search)
	if err != nil {
		return nil, err
	}
	if err := checkFilterValue("status", f.Status, fc.CardActive, fc.CardInactive, fc.CardDeactivated); err != nil {
		return nil, err
	}
	q := &query{}
	q.add(`SELECT `+cardColumns+` FROM cards c WHERE c.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").reachOf("c.account_id", "c.employee_id", sc.Reach).scoped()
	if f.AccountID != 0 {
		q.add(" AND c.account_id = ").arg(int64(f.AccountID))
	}
	if f.EmployeeID != 0 {
		q.add(" AND c.employee_id = ").arg(int64(f.EmployeeID))
	}
	if f.Status != "" {
		q.add(" AND c.status = ").arg(f.Status)
	}
	if f.ExpiringDays < 0 || f.ExpiringDays > maxExpiringDays {
		return nil, fc.Invalid(map[string]string{"expiring": "must be a number of days from 1 to 3660"})
	}
	if f.ExpiringDays > 0 {
		from, to, err := s.expiringWindow(ctx, sc.ProviderID, f.ExpiringDays)
		if err != nil {
			return nil, err
		}
		q.add(" AND c.status <> 'deactivated' AND c.valid_until >= ").arg(from).add(" AND c.valid_until <= ").arg(to)
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 || len(f.IDs) > fc.MaxPageSize {
			return nil, fc.Invalid(map[string]string{"ids": fmt.Sprintf("must name 1 to %d cards", fc.MaxPageSize)})
		}
		q.add(" AND c.id IN ").ids(f.IDs)
	}
	if search != "" {
		q.add(" AND ").cardMatch(s.dialect, sc.ProviderID, search)
	}
	q.sortable(s.dialect, cardSorts).page("c.id", f.Page)
	var out []fc.Card
	err = s.each(ctx, q, func(rows *sql.Rows) error {
		var c fc.Card
		if err := scanCard(rows, &c); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return inOrder(q, out), err
}

// maxExpiringDays bounds CardFilter.ExpiringDays: about ten years.
const maxExpiringDays = 3660

// expiringWindow returns today and today plus days, in the provider's time
// zone (DateLayout), at the store's clock.
func (s *Store) expiringWindow(ctx context.Context, providerID fc.ID, days int) (string, string, error) {
	var zone string
	err := s.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT time_zone FROM providers WHERE id = $1`, int64(providerID)).Scan(&zone)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", notFound(fc.KindProvider, providerID)
	}
	if err != nil {
		return "", "", err
	}
	today := s.now().In(zoneLocation(zone))
	return today.Format(fc.DateLayout), today.AddDate(0, 0, days).Format(fc.DateLayout), nil
}

// UpdateCard applies fn to the card and stores the result. The card may be
// assigned to another employee of its account; moving it to another account
// is a migration, not an update. A deactivated card stays deactivated.
func (s *Store) UpdateCard(ctx context.Context, sc fc.Scope, id fc.ID, fn func(*fc.Card) error) (*fc.Card, error) {
	var after *fc.Card
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := s.findCard(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		c := *before
		if err := fn(&c); err != nil {
			return err
		}
		c.ID, c.ProviderID, c.CreatedAt, c.LastUsedAt = before.ID, before.ProviderID, before.CreatedAt, before.LastUsedAt
		if err := validateCard(&c); err != nil {
			return err
		}
		if c.AccountID != before.AccountID {
			return fc.Errorf(fc.EUnprocessable, "card %s cannot change account in an update: use a migration", id)
		}
		if before.Status == fc.CardDeactivated && c.Status != fc.CardDeactivated {
			return fc.Errorf(fc.EUnprocessable, "card %s is deactivated for good: issue a new card instead", id)
		}
		a, err := s.checkCardRefs(ctx, tx, &c)
		if err != nil {
			return err
		}
		if err := checkCardUnique(ctx, tx, &c); err != nil {
			return err
		}
		c.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE cards SET employee_id = $1, internal_id = $2, external_id = $3, status = $4, valid_until = $5, updated_at = $6 WHERE id = $7`,
			nullID(c.EmployeeID), c.InternalID, c.ExternalID, c.Status, nullText(c.ValidUntil), ms(c.UpdatedAt), int64(c.ID)); err != nil {
			return err
		}
		if before.Status == fc.CardActive && c.Status != fc.CardActive {
			if err := s.emitEvent(ctx, tx, c.ProviderID, fc.TypeCardBlocked, fc.KindCard, c.ID, nil, c.UpdatedAt, c.UpdatedAt); err != nil {
				return err
			}
		}
		after = &c
		uids := []string{c.InternalID}
		if before.InternalID != c.InternalID {
			uids = append(uids, before.InternalID) // the old token is no longer valid
		}
		if err := queueTokens(ctx, tx, c.UpdatedAt, c.ProviderID, uids...); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: c.ProviderID, action: "card.update", kind: fc.KindCard, id: c.ID,
			orgID: a.OrganizationID, accountID: a.ID, before: before, after: after})
	})
	return after, err
}

// DeleteCard deletes a card that was never used for a session; one with
// history is deactivated instead.
func (s *Store) DeleteCard(ctx context.Context, sc fc.Scope, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.findCard(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		var sessions int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE card_id = $1`, int64(id)).Scan(&sessions); err != nil {
			return err
		}
		if sessions > 0 {
			return fc.Errorf(fc.EUnprocessable, "card %s has %d sessions: deactivate it instead", id, sessions)
		}
		a, err := s.refAccount(ctx, tx, c.ProviderID, c.AccountID)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM charge_group_access WHERE subject_kind = 'card' AND subject_id = $1`,
			`DELETE FROM cards WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, int64(id)); err != nil {
				return err
			}
		}
		if err := queueTokens(ctx, tx, s.now(), c.ProviderID, c.InternalID); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: c.ProviderID, action: "card.delete", kind: fc.KindCard, id: id,
			orgID: a.OrganizationID, accountID: a.ID, before: c})
	})
}
