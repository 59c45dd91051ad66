package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

const orgColumns = `o.id, o.provider_id, COALESCE(o.parent_id, 0), o.name, o.country, o.depth, o.created_at, o.updated_at`

func scanOrg(row rowScanner, o *fc.Organization) error {
	var created, updated int64
	if err := row.Scan(&o.ID, &o.ProviderID, &o.ParentID, &o.Name, &o.Country, &o.Depth, &created, &updated); err != nil {
		return err
	}
	o.CreatedAt, o.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

func validateOrg(o *fc.Organization) error {
	o.Name = strings.TrimSpace(o.Name)
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	fields := map[string]string{}
	checkName(fields, "name", o.Name)
	if o.Country != "" && !isCountryCode(o.Country) {
		fields["country"] = "must be an ISO 3166-1 alpha-2 code"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// CreateOrganization creates an organization under o.ParentID (0 for top
// level) in o.ProviderID, and its closure rows.
func (s *Store) CreateOrganization(ctx context.Context, o *fc.Organization) error {
	if err := validateOrg(o); err != nil {
		return err
	}
	now := s.now()
	o.CreatedAt, o.UpdatedAt = now, now
	return s.write(ctx, func(tx *sql.Tx) error {
		o.Depth = 0
		if o.ParentID != 0 {
			parent, err := s.findOrg(ctx, tx, fc.ProviderScope(o.ProviderID), o.ParentID)
			if err != nil {
				return fc.Invalid(map[string]string{"parent_id": "no such organization"})
			}
			o.Depth = parent.Depth + 1
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO organizations (provider_id, parent_id, name, country, depth, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			int64(o.ProviderID), nullID(o.ParentID), o.Name, o.Country, o.Depth, ms(now), ms(now)).Scan(&o.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_closure (ancestor_id, descendant_id, distance)
			SELECT ancestor_id, CAST($1 AS BIGINT), distance + 1 FROM org_closure WHERE descendant_id = $2
			UNION ALL SELECT CAST($3 AS BIGINT), CAST($4 AS BIGINT), 0`, int64(o.ID), int64(o.ParentID), int64(o.ID), int64(o.ID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: o.ProviderID, action: "organization.create", kind: fc.KindOrganization, id: o.ID, orgID: o.ID, after: o})
	})
}

// findOrg reads one organization within the scope.
func (s *Store) findOrg(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.Organization, error) {
	q := &query{}
	q.add(`SELECT `+orgColumns+` FROM organizations o WHERE o.id = `).arg(int64(id)).
		add(" AND o.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ").orgReach("o.id", sc.Reach)
	var o fc.Organization
	if err := scanOrg(tx.QueryRowContext(ctx, q.String(), q.args...), &o); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindOrganization, id)
		}
		return nil, err
	}
	return &o, nil
}

// Organization returns one organization with its path of names.
func (s *Store) Organization(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.Organization, error) {
	var o *fc.Organization
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		if o, err = s.findOrg(ctx, tx, sc, id); err != nil {
			return err
		}
		o.Path, err = orgPathNames(ctx, tx, id)
		return err
	})
	return o, err
}

// orgPathNames returns the names of id's ancestors from the top, id last.
func orgPathNames(ctx context.Context, tx *sql.Tx, id fc.ID) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT o.name FROM org_closure c JOIN organizations o ON o.id = c.ancestor_id
		WHERE c.descendant_id = $1 ORDER BY c.distance DESC`, int64(id))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// Organizations lists the organizations within the scope.
func (s *Store) Organizations(ctx context.Context, sc fc.Scope, f fc.OrganizationFilter) ([]fc.Organization, error) {
	search, err := searchPattern(f.Search)
	if err != nil {
		return nil, err
	}
	q := &query{}
	q.add(`SELECT `+orgColumns+` FROM organizations o WHERE o.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").orgReach("o.id", sc.Reach).scoped()
	if f.ParentID != nil {
		if *f.ParentID == 0 {
			q.add(" AND o.parent_id IS NULL")
		} else {
			q.add(" AND o.parent_id = ").arg(int64(*f.ParentID))
		}
	}
	if search != "" {
		q.add(" AND ").like("LOWER(o.name)", "%"+search+"%")
	}
	q.sortable(s.dialect, organizationSorts).page("o.id", f.Page)
	return list(ctx, s, q, scanOrg)
}

// UpdateOrganization applies fn to the organization and stores the result. A
// changed ParentID moves the organization with its whole subtree; a move
// under itself or one of its descendants is refused.
func (s *Store) UpdateOrganization(ctx context.Context, sc fc.Scope, id fc.ID, fn func(*fc.Organization) error) (*fc.Organization, error) {
	var after *fc.Organization
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := s.findOrg(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		o := *before
		if err := fn(&o); err != nil {
			return err
		}
		o.ID, o.ProviderID = before.ID, before.ProviderID
		if err := validateOrg(&o); err != nil {
			return err
		}
		if o.ParentID != before.ParentID {
			if err := s.moveOrg(ctx, tx, sc, &o); err != nil {
				return err
			}
		}
		o.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE organizations SET name = $1, country = $2, updated_at = $3 WHERE id = $4`,
			o.Name, o.Country, ms(o.UpdatedAt), int64(o.ID)); err != nil {
			return err
		}
		after = &o
		return s.audit(ctx, tx, change{providerID: o.ProviderID, action: "organization.update", kind: fc.KindOrganization, id: o.ID, orgID: o.ID, before: before, after: after})
	})
	return after, err
}

// moveOrg re-parents o (its new ParentID set) with its subtree, keeping the
// closure table and depths exact.
func (s *Store) moveOrg(ctx context.Context, tx *sql.Tx, sc fc.Scope, o *fc.Organization) error {
	newDepth := 0
	if o.ParentID != 0 {
		parent, err := s.findOrg(ctx, tx, sc, o.ParentID)
		if err != nil {
			return fc.Invalid(map[string]string{"parent_id": "no such organization"})
		}
		var inside int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_closure WHERE ancestor_id = $1 AND descendant_id = $2`,
			int64(o.ID), int64(parent.ID)).Scan(&inside); err != nil {
			return err
		}
		if inside > 0 {
			return fc.Errorf(fc.EUnprocessable, "organization %s cannot move under itself or its own descendant", o.ID)
		}
		newDepth = parent.Depth + 1
	}
	// Cut the links from the old ancestors to the subtree, then link every
	// new ancestor to every node of the subtree.
	if _, err := tx.ExecContext(ctx, `DELETE FROM org_closure
		WHERE descendant_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)
		AND ancestor_id NOT IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $2)`, int64(o.ID), int64(o.ID)); err != nil {
		return fmt.Errorf("move organization %s: %w", o.ID, err)
	}
	if o.ParentID != 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_closure (ancestor_id, descendant_id, distance)
			SELECT up.ancestor_id, down.descendant_id, up.distance + down.distance + 1
			FROM org_closure up CROSS JOIN org_closure down
			WHERE up.descendant_id = $1 AND down.ancestor_id = $2`, int64(o.ParentID), int64(o.ID)); err != nil {
			return fmt.Errorf("move organization %s: %w", o.ID, err)
		}
	}
	var oldDepth int
	if err := tx.QueryRowContext(ctx, `SELECT depth FROM organizations WHERE id = $1`, int64(o.ID)).Scan(&oldDepth); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE organizations SET depth = depth + $1
		WHERE id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $2)`, newDepth-oldDepth, int64(o.ID)); err != nil {
		return err
	}
	o.Depth = newDepth
	_, err := tx.ExecContext(ctx, `UPDATE organizations SET parent_id = $1 WHERE id = $2`, nullID(o.ParentID), int64(o.ID))
	return err
}

// DeleteOrganization deletes an empty organization: one without child
// organizations, accounts or role assignments.
func (s *Store) DeleteOrganization(ctx context.Context, sc fc.Scope, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		o, err := s.findOrg(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		var children, accounts, roles int
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM organizations WHERE parent_id = $1),
			(SELECT COUNT(*) FROM accounts WHERE organization_id = $2),
			(SELECT COUNT(*) FROM role_assignments WHERE organization_id = $3)`,
			int64(id), int64(id), int64(id)).Scan(&children, &accounts, &roles); err != nil {
			return err
		}
		switch {
		case children > 0:
			return fc.Errorf(fc.EUnprocessable, "organization %s still has %d child organizations", id, children)
		case accounts > 0:
			return fc.Errorf(fc.EUnprocessable, "organization %s still has %d accounts", id, accounts)
		case roles > 0:
			return fc.Errorf(fc.EUnprocessable, "organization %s still has %d role assignments", id, roles)
		}
		for _, stmt := range []string{
			`DELETE FROM charge_group_access WHERE subject_kind = 'organization' AND subject_id = $1`,
			`DELETE FROM org_closure WHERE descendant_id = $1`,
			`DELETE FROM organizations WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, int64(id)); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: o.ProviderID, action: "organization.delete", kind: fc.KindOrganization, id: id, orgID: o.ParentID, before: o})
	})
}

// Ancestors returns the organization chain from the top down to id, id last.
func (s *Store) Ancestors(ctx context.Context, providerID, id fc.ID) ([]fc.ID, error) {
	var out []fc.ID
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		out, err = ancestors(ctx, tx, providerID, id)
		return err
	})
	return out, err
}

func ancestors(ctx context.Context, tx *sql.Tx, providerID, id fc.ID) ([]fc.ID, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.ancestor_id FROM org_closure c JOIN organizations o ON o.id = c.descendant_id
		WHERE c.descendant_id = $1 AND o.provider_id = $2 ORDER BY c.distance DESC`, int64(id), int64(providerID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fc.ID
	for rows.Next() {
		var a fc.ID
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound(fc.KindOrganization, id)
	}
	return out, nil
}
