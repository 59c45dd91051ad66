package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

const employeeColumns = `e.id, e.provider_id, e.account_id, e.name, e.email, e.employee_number, e.active, e.created_at, e.updated_at`

func scanEmployee(row rowScanner, e *fc.Employee) error {
	var created, updated int64
	if err := row.Scan(&e.ID, &e.ProviderID, &e.AccountID, &e.Name, &e.Email, &e.EmployeeNumber, &e.Active, &created, &updated); err != nil {
		return err
	}
	e.CreatedAt, e.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

func validateEmployee(e *fc.Employee) error {
	e.Name = strings.TrimSpace(e.Name)
	e.Email = strings.TrimSpace(e.Email)
	e.EmployeeNumber = strings.TrimSpace(e.EmployeeNumber)
	fields := map[string]string{}
	if e.AccountID <= 0 {
		fields["account_id"] = "is required"
	}
	checkName(fields, "name", e.Name)
	checkText(fields, "email", e.Email, maxEmailLen)
	if _, bad := fields["email"]; !bad && e.Email != "" && !looksLikeEmail(e.Email) {
		fields["email"] = "is not an e-mail address"
	}
	checkText(fields, "employee_number", e.EmployeeNumber, maxCodeLen)
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// looksLikeEmail accepts local@domain without spaces, at most 254 bytes: a
// plausibility check, not RFC 5322.
func looksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && len(s) <= 254 &&
		!strings.ContainsAny(s, " \t\r\n") && !strings.Contains(domain, "@")
}

// CreateEmployee creates an employee of an account of e.ProviderID.
func (s *Store) CreateEmployee(ctx context.Context, e *fc.Employee) error {
	if err := validateEmployee(e); err != nil {
		return err
	}
	now := s.now()
	e.CreatedAt, e.UpdatedAt = now, now
	return s.write(ctx, func(tx *sql.Tx) error { return s.insertEmployee(ctx, tx, e, now) })
}

// insertEmployee creates a valid employee in tx.
func (s *Store) insertEmployee(ctx context.Context, tx *sql.Tx, e *fc.Employee, now time.Time) error {
	a, err := s.refAccount(ctx, tx, e.ProviderID, e.AccountID)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO employees (provider_id, account_id, name, email, employee_number, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		int64(e.ProviderID), int64(e.AccountID), e.Name, e.Email, e.EmployeeNumber, e.Active, ms(now), ms(now)).Scan(&e.ID)
	if err != nil {
		return err
	}
	return s.audit(ctx, tx, change{providerID: e.ProviderID, action: "employee.create", kind: fc.KindEmployee, id: e.ID,
		orgID: a.OrganizationID, accountID: a.ID, after: e})
}

// findEmployee reads one employee within the scope.
func (s *Store) findEmployee(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.Employee, error) {
	q := &query{}
	q.add(`SELECT `+employeeColumns+` FROM employees e WHERE e.id = `).arg(int64(id)).
		add(" AND e.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ").reachOf("e.account_id", "e.id", sc.Reach)
	var e fc.Employee
	if err := scanEmployee(tx.QueryRowContext(ctx, q.String(), q.args...), &e); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindEmployee, id)
		}
		return nil, err
	}
	return &e, nil
}

// refEmployee checks that the employee an asset names exists in the
// provider and belongs to the asset's account; a failure is an error of the
// asset's employee_id field.
func (s *Store) refEmployee(ctx context.Context, tx *sql.Tx, providerID, accountID, id fc.ID) error {
	e, err := s.findEmployee(ctx, tx, fc.ProviderScope(providerID), id)
	if err != nil {
		return refErr(err, "employee_id", "no such employee")
	}
	if e.AccountID != accountID {
		return fc.Invalid(map[string]string{"employee_id": "is not an employee of the same account"})
	}
	return nil
}

// Employee returns one employee.
func (s *Store) Employee(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.Employee, error) {
	var e *fc.Employee
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		e, err = s.findEmployee(ctx, tx, sc, id)
		return err
	})
	return e, err
}

// Employees lists the employees within the scope. f.Search is found, without
// case, in the name, e-mail or employee number: anywhere from 3 characters
// on, at the start below (search.go).
func (s *Store) Employees(ctx context.Context, sc fc.Scope, f fc.EmployeeFilter) ([]fc.Employee, error) {
	search, err := parseSearch(f.Search)
	if err != nil {
		return nil, err
	}
	q := &query{}
	q.add(`SELECT `+employeeColumns+` FROM employees e WHERE e.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").reachOf("e.account_id", "e.id", sc.Reach).scoped()
	if f.AccountID != 0 {
		q.add(" AND e.account_id = ").arg(int64(f.AccountID))
	}
	if f.Active != nil {
		q.add(" AND e.active = ").arg(*f.Active)
	}
	if search != "" {
		q.add(" AND ").employeeMatch(s.dialect, search)
	}
	q.sortable(s.dialect, employeeSorts).page("e.id", f.Page)
	return list(ctx, s, q, scanEmployee)
}

// UpdateEmployee applies fn to the employee and stores the result. Moving the
// employee to another account is a migration, not an update.
func (s *Store) UpdateEmployee(ctx context.Context, sc fc.Scope, id fc.ID, fn func(*fc.Employee) error) (*fc.Employee, error) {
	var after *fc.Employee
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := s.findEmployee(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		e := *before
		if err := fn(&e); err != nil {
			return err
		}
		e.ID, e.ProviderID, e.CreatedAt = before.ID, before.ProviderID, before.CreatedAt
		if err := validateEmployee(&e); err != nil {
			return err
		}
		if e.AccountID != before.AccountID {
			return fc.Errorf(fc.EUnprocessable, "employee %s cannot change account in an update: use a migration", id)
		}
		a, err := s.refAccount(ctx, tx, e.ProviderID, e.AccountID)
		if err != nil {
			return err
		}
		e.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE employees SET name = $1, email = $2, employee_number = $3, active = $4, updated_at = $5 WHERE id = $6`,
			e.Name, e.Email, e.EmployeeNumber, e.Active, ms(e.UpdatedAt), int64(e.ID)); err != nil {
			return err
		}
		after = &e
		return s.audit(ctx, tx, change{providerID: e.ProviderID, action: "employee.update", kind: fc.KindEmployee, id: e.ID,
			orgID: a.OrganizationID, accountID: a.ID, before: before, after: after})
	})
	return after, err
}

// DeleteEmployee deletes an employee without cards, home location or
// sessions; one with history is deactivated instead.
func (s *Store) DeleteEmployee(ctx context.Context, sc fc.Scope, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		e, err := s.findEmployee(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		var cards, homes, sessions int
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM cards WHERE employee_id = $1),
			(SELECT COUNT(*) FROM locations WHERE employee_id = $1),
			(SELECT COUNT(*) FROM sessions WHERE employee_id = $1)`,
			int64(id)).Scan(&cards, &homes, &sessions); err != nil {
			return err
		}
		switch {
		case cards > 0:
			return fc.Errorf(fc.EUnprocessable, "employee %s still has %d cards assigned", id, cards)
		case homes > 0:
			return fc.Errorf(fc.EUnprocessable, "employee %s still has a home location", id)
		case sessions > 0:
			return fc.Errorf(fc.EUnprocessable, "employee %s has %d sessions: deactivate the employee instead", id, sessions)
		}
		a, err := s.refAccount(ctx, tx, e.ProviderID, e.AccountID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM employees WHERE id = $1`, int64(id)); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: e.ProviderID, action: "employee.delete", kind: fc.KindEmployee, id: id,
			orgID: a.OrganizationID, accountID: a.ID, before: e})
	})
}
