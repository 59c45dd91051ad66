package store

import (
	"context"
	"database/sql"

	fc "github.com/fleetcharge/fleetcharge"
)

// assetTables maps the kinds of objects that belong to one account to their
// table.
var assetTables = map[string]string{
	fc.KindEmployee:    "employees",
	fc.KindCard:        "cards",
	fc.KindLocation:    "locations",
	fc.KindChargeGroup: "charge_groups",
}

// ownerEmployee is, per kind of account asset x, the employee it belongs
// to: the employee itself, a card's employee, a home location's employee.
var ownerEmployee = map[string]string{
	fc.KindEmployee:    "x.id",
	fc.KindCard:        "COALESCE(x.employee_id, 0)",
	fc.KindLocation:    "CASE WHEN x.kind = 'home' THEN COALESCE(x.employee_id, 0) ELSE 0 END",
	fc.KindChargeGroup: "0",
}

// Owner tells where an object of the given kind sits in providerID: its
// account and that account's organization chain from the top, and the
// employee it belongs to (Owner.EmployeeID). A station at an employee's
// home also names that employee and its account. A session
// belongs to its station side, or to its card side when it has no station.
// Organizations have no account; a role assignment sits on its organization
// or account; users and providers sit at provider level.
func (s *Store) Owner(ctx context.Context, providerID fc.ID, kind string, id fc.ID) (fc.Owner, error) {
	o, err := ownerOf(ctx, s.reader, providerID, kind, id)
	if err != nil {
		return fc.Owner{}, s.mapErr(err)
	}
	return o, nil
}

// queryer is what ownerOf reads through: the reader pool, or a transaction
// (an event's snapshot is taken in the change's).
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ownerOf is Owner read through q.
func ownerOf(ctx context.Context, q queryer, providerID fc.ID, kind string, id fc.ID) (fc.Owner, error) {
	o := fc.Owner{ProviderID: providerID}
	// Each kind selects (account, organization, home account) of the
	// object; one statement then adds the organization's chain, so that a
	// decision costs one round trip and no transaction.
	var owned string
	switch kind {
	case fc.KindOrganization:
		owned = `SELECT 0 AS account_id, id AS org_id, 0 AS home_id, 0 AS emp_id FROM organizations WHERE id = $1 AND provider_id = $2`
	case fc.KindAccount:
		owned = `SELECT id AS account_id, organization_id AS org_id, 0 AS home_id, 0 AS emp_id FROM accounts WHERE id = $1 AND provider_id = $2`
	case fc.KindEmployee, fc.KindCard, fc.KindLocation, fc.KindChargeGroup:
		owned = `SELECT a.id AS account_id, a.organization_id AS org_id, 0 AS home_id, ` + ownerEmployee[kind] + ` AS emp_id FROM ` + assetTables[kind] + ` x
			JOIN accounts a ON a.id = x.account_id WHERE x.id = $1 AND x.provider_id = $2`
	case fc.KindStation:
		owned = `SELECT a.id AS account_id, a.organization_id AS org_id, COALESCE(he.account_id, 0) AS home_id, COALESCE(he.id, 0) AS emp_id FROM stations st
			JOIN accounts a ON a.id = st.account_id
			JOIN locations l ON l.id = st.location_id
			LEFT JOIN employees he ON he.id = l.employee_id AND l.kind = 'home'
			WHERE st.id = $1 AND st.provider_id = $2`
	case fc.KindSession:
		owned = `SELECT COALESCE(a.id, 0) AS account_id, COALESCE(a.organization_id, 0) AS org_id, 0 AS home_id, 0 AS emp_id FROM sessions x
			LEFT JOIN accounts a ON a.id = COALESCE(x.station_account_id, x.card_account_id)
			WHERE x.id = $1 AND x.provider_id = $2`
	case fc.KindAssignment:
		owned = `SELECT COALESCE(r.account_id, re.account_id, 0) AS account_id, COALESCE(r.organization_id, a.organization_id, 0) AS org_id,
			0 AS home_id, 0 AS emp_id
			FROM role_assignments r LEFT JOIN employees re ON re.id = r.employee_id LEFT JOIN accounts a ON a.id = COALESCE(r.account_id, re.account_id)
			WHERE r.id = $1 AND r.provider_id = $2`
	case fc.KindUser:
		owned = `SELECT 0 AS account_id, 0 AS org_id, 0 AS home_id, 0 AS emp_id FROM users WHERE id = $1 AND provider_id = $2`
	case fc.KindProvider:
		if id != providerID {
			return fc.Owner{}, notFound(kind, id)
		}
		return o, nil
	default:
		return fc.Owner{}, fc.Errorf(fc.EInvalid, "objects of kind %q have no owner", kind)
	}
	rows, err := q.QueryContext(ctx, `SELECT o.account_id, o.home_id, o.emp_id, c.ancestor_id FROM (`+owned+`) o
		LEFT JOIN org_closure c ON c.descendant_id = o.org_id ORDER BY c.distance DESC`, int64(id), int64(providerID))
	if err != nil {
		return fc.Owner{}, err
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		var ancestor sql.NullInt64
		if err := rows.Scan(&o.AccountID, &o.HomeOfAccountID, &o.EmployeeID, &ancestor); err != nil {
			return fc.Owner{}, err
		}
		found = true
		if ancestor.Valid {
			o.OrgPath = append(o.OrgPath, fc.ID(ancestor.Int64))
		}
	}
	if err := rows.Err(); err != nil {
		return fc.Owner{}, err
	}
	if !found {
		return fc.Owner{}, notFound(kind, id)
	}
	return o, nil
}
