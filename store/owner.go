package store

import (
	"context"
	"database/sql"
	"errors"

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

// Owner tells where an object of the given kind sits in providerID: its
// account and that account's organization chain from the top. A station at
// an employee's home also names the account of that employee. A session
// belongs to its station side, or to its card side when it has no station.
// Organizations have no account; a role assignment sits on its organization
// or account; users and providers sit at provider level.
func (s *Store) Owner(ctx context.Context, providerID fc.ID, kind string, id fc.ID) (fc.Owner, error) {
	o := fc.Owner{ProviderID: providerID}
	err := s.read(ctx, func(tx *sql.Tx) error {
		var orgID fc.ID
		var err error
		switch kind {
		case fc.KindOrganization:
			o.OrgPath, err = ancestors(ctx, tx, providerID, id)
			return err
		case fc.KindAccount:
			err = tx.QueryRowContext(ctx, `SELECT id, organization_id FROM accounts WHERE id = $1 AND provider_id = $2`,
				int64(id), int64(providerID)).Scan(&o.AccountID, &orgID)
		case fc.KindEmployee, fc.KindCard, fc.KindLocation, fc.KindChargeGroup:
			err = tx.QueryRowContext(ctx, `SELECT a.id, a.organization_id FROM `+assetTables[kind]+` x
				JOIN accounts a ON a.id = x.account_id WHERE x.id = $1 AND x.provider_id = $2`,
				int64(id), int64(providerID)).Scan(&o.AccountID, &orgID)
		case fc.KindStation:
			err = tx.QueryRowContext(ctx, `SELECT a.id, a.organization_id, COALESCE(he.account_id, 0) FROM stations st
				JOIN accounts a ON a.id = st.account_id
				JOIN locations l ON l.id = st.location_id
				LEFT JOIN employees he ON he.id = l.employee_id AND l.kind = 'home'
				WHERE st.id = $1 AND st.provider_id = $2`,
				int64(id), int64(providerID)).Scan(&o.AccountID, &orgID, &o.HomeOfAccountID)
		case fc.KindSession:
			err = tx.QueryRowContext(ctx, `SELECT COALESCE(a.id, 0), COALESCE(a.organization_id, 0) FROM sessions x
				LEFT JOIN accounts a ON a.id = COALESCE(x.station_account_id, x.card_account_id)
				WHERE x.id = $1 AND x.provider_id = $2`,
				int64(id), int64(providerID)).Scan(&o.AccountID, &orgID)
		case fc.KindAssignment:
			err = tx.QueryRowContext(ctx, `SELECT COALESCE(r.account_id, 0), COALESCE(r.organization_id, a.organization_id, 0)
				FROM role_assignments r LEFT JOIN accounts a ON a.id = r.account_id
				WHERE r.id = $1 AND r.provider_id = $2`,
				int64(id), int64(providerID)).Scan(&o.AccountID, &orgID)
		case fc.KindUser:
			err = tx.QueryRowContext(ctx, `SELECT 0 FROM users WHERE id = $1 AND provider_id = $2`,
				int64(id), int64(providerID)).Scan(&orgID)
		case fc.KindProvider:
			if id != providerID {
				return notFound(kind, id)
			}
			return nil
		default:
			return fc.Errorf(fc.EInvalid, "objects of kind %q have no owner", kind)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(kind, id)
		}
		if err != nil || orgID == 0 {
			return err
		}
		o.OrgPath, err = ancestors(ctx, tx, providerID, orgID)
		return err
	})
	if err != nil {
		return fc.Owner{}, err
	}
	return o, nil
}
