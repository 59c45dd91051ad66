package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// rowScanner is what *sql.Row and *sql.Rows share.
type rowScanner interface{ Scan(...any) error }

const accountColumns = `a.id, a.provider_id, a.organization_id, a.name, a.kind, a.vat_id, a.address, a.postal_code, a.city, a.country,
	a.billing_email, a.iban, a.created_at, a.updated_at`

func scanAccount(row rowScanner, a *fc.Account) error {
	var created, updated int64
	if err := row.Scan(&a.ID, &a.ProviderID, &a.OrganizationID, &a.Name, &a.Kind, &a.VATID, &a.Address, &a.PostalCode, &a.City, &a.Country,
		&a.BillingEmail, &a.IBAN, &created, &updated); err != nil {
		return err
	}
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

func validateAccount(a *fc.Account) error {
	a.Name = strings.TrimSpace(a.Name)
	a.Kind = strings.TrimSpace(a.Kind)
	fields := map[string]string{}
	checkName(fields, "name", a.Name)
	if a.OrganizationID <= 0 {
		fields["organization_id"] = "is required"
	}
	switch a.Kind {
	case fc.AccountCompany, fc.AccountPrivate:
	case "":
		fields["kind"] = "is required"
	default:
		fields["kind"] = "must be company or private"
	}
	checkAccountBilling(fields, a)
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// CreateAccount creates an account in an organization of a.ProviderID.
func (s *Store) CreateAccount(ctx context.Context, a *fc.Account) error {
	if err := validateAccount(a); err != nil {
		return err
	}
	now := s.now()
	a.CreatedAt, a.UpdatedAt = now, now
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.findOrg(ctx, tx, fc.ProviderScope(a.ProviderID), a.OrganizationID); err != nil {
			return refErr(err, "organization_id", "no such organization")
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO accounts (provider_id, organization_id, name, kind, vat_id, address, postal_code, city,
			country, billing_email, iban, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			int64(a.ProviderID), int64(a.OrganizationID), a.Name, a.Kind, a.VATID, a.Address, a.PostalCode, a.City, a.Country,
			a.BillingEmail, a.IBAN, ms(now), ms(now)).Scan(&a.ID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: a.ProviderID, action: "account.create", kind: fc.KindAccount, id: a.ID,
			orgID: a.OrganizationID, accountID: a.ID, after: a})
	})
}

// refErr turns the not-found error of a referenced object into a field
// error of the object that refers to it; other errors pass unchanged.
func refErr(err error, field, msg string) error {
	if fc.IsCode(err, fc.ENotFound) {
		return fc.Invalid(map[string]string{field: msg})
	}
	return err
}

// findAccount reads one account within the scope.
func (s *Store) findAccount(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.Account, error) {
	q := &query{}
	q.add(`SELECT `+accountColumns+` FROM accounts a WHERE a.id = `).arg(int64(id)).
		add(" AND a.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ").reach("a.id", sc.Reach)
	var a fc.Account
	if err := scanAccount(tx.QueryRowContext(ctx, q.String(), q.args...), &a); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindAccount, id)
		}
		return nil, err
	}
	return &a, nil
}

// refAccount loads the account an asset names, anywhere in the provider; a
// missing one is an error of the asset's account_id field.
func (s *Store) refAccount(ctx context.Context, tx *sql.Tx, providerID, id fc.ID) (*fc.Account, error) {
	a, err := s.findAccount(ctx, tx, fc.ProviderScope(providerID), id)
	if err != nil {
		return nil, refErr(err, "account_id", "no such account")
	}
	return a, nil
}

// Account returns one account.
func (s *Store) Account(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.Account, error) {
	var a *fc.Account
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		a, err = s.findAccount(ctx, tx, sc, id)
		return err
	})
	return a, err
}

// Accounts lists the accounts within the scope. f.OrganizationID selects the
// accounts of that organization and its whole subtree.
func (s *Store) Accounts(ctx context.Context, sc fc.Scope, f fc.AccountFilter) ([]fc.Account, error) {
	search, err := searchPattern(f.Search)
	if err != nil {
		return nil, err
	}
	if err := checkFilterValue("kind", f.Kind, fc.AccountCompany, fc.AccountPrivate); err != nil {
		return nil, err
	}
	q := &query{}
	q.add(`SELECT `+accountColumns+` FROM accounts a WHERE a.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").reach("a.id", sc.Reach).scoped()
	if f.OrganizationID != 0 {
		q.add(" AND a.organization_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ").arg(int64(f.OrganizationID)).add(")")
	}
	if f.Kind != "" {
		q.add(" AND a.kind = ").arg(f.Kind)
	}
	if search != "" {
		q.add(" AND ").like("LOWER(a.name)", "%"+search+"%")
	}
	q.sortable(s.dialect, accountSorts).page("a.id", f.Page)
	return list(ctx, s, q, scanAccount)
}

// UpdateAccount applies fn to the account and stores the result. Moving the
// account to another organization is a migration, not an update.
func (s *Store) UpdateAccount(ctx context.Context, sc fc.Scope, id fc.ID, fn func(*fc.Account) error) (*fc.Account, error) {
	var after *fc.Account
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := s.findAccount(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		a := *before
		if err := fn(&a); err != nil {
			return err
		}
		a.ID, a.ProviderID, a.CreatedAt = before.ID, before.ProviderID, before.CreatedAt
		if err := validateAccount(&a); err != nil {
			return err
		}
		if a.OrganizationID != before.OrganizationID {
			return fc.Errorf(fc.EUnprocessable, "account %s cannot change organization in an update: use a migration", id)
		}
		a.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET name = $1, kind = $2, vat_id = $3, address = $4, postal_code = $5, city = $6,
			country = $7, billing_email = $8, iban = $9, updated_at = $10 WHERE id = $11`,
			a.Name, a.Kind, a.VATID, a.Address, a.PostalCode, a.City, a.Country, a.BillingEmail, a.IBAN, ms(a.UpdatedAt), int64(a.ID)); err != nil {
			return err
		}
		after = &a
		return s.audit(ctx, tx, change{providerID: a.ProviderID, action: "account.update", kind: fc.KindAccount, id: a.ID,
			orgID: a.OrganizationID, accountID: a.ID, before: before, after: after})
	})
	return after, err
}

// DeleteAccount deletes an account that owns nothing and has no history: no
// employees, cards, locations, charge groups, stations, role assignments or
// sessions.
func (s *Store) DeleteAccount(ctx context.Context, sc fc.Scope, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		a, err := s.findAccount(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		var n [7]int
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM employees WHERE account_id = $1),
			(SELECT COUNT(*) FROM cards WHERE account_id = $1),
			(SELECT COUNT(*) FROM locations WHERE account_id = $1),
			(SELECT COUNT(*) FROM charge_groups WHERE account_id = $1),
			(SELECT COUNT(*) FROM stations WHERE account_id = $1),
			(SELECT COUNT(*) FROM role_assignments WHERE account_id = $1),
			(SELECT COUNT(*) FROM sessions WHERE card_account_id = $1 OR station_account_id = $1)`,
			int64(id)).Scan(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6]); err != nil {
			return err
		}
		for i, what := range []string{"employees", "cards", "locations", "charge groups", "stations", "role assignments", "sessions"} {
			if n[i] > 0 {
				return fc.Errorf(fc.EUnprocessable, "account %s still has %d %s", id, n[i], what)
			}
		}
		for _, stmt := range []string{
			`DELETE FROM charge_group_access WHERE subject_kind = 'account' AND subject_id = $1`,
			`DELETE FROM accounts WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, int64(id)); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: a.ProviderID, action: "account.delete", kind: fc.KindAccount, id: id,
			orgID: a.OrganizationID, accountID: id, before: a})
	})
}
