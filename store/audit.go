package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	fc "github.com/fleetcharge/fleetcharge"
)

// change describes one audited change: what happened to which object, where
// it sits, and its state before and after (nil for none).
type change struct {
	providerID fc.ID
	action     string // "<kind>.create", "<kind>.update", "<kind>.delete", …
	kind       string
	id         fc.ID
	orgID      fc.ID
	accountID  fc.ID
	before     any
	after      any
}

// audit appends the change to the audit log inside the transaction that
// makes it, with the actor carried by ctx.
func (s *Store) audit(ctx context.Context, tx *sql.Tx, c change) error {
	enc := func(v any) (string, error) {
		if v == nil {
			return "", nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	before, err := enc(c.before)
	if err != nil {
		return fmt.Errorf("audit %s: %w", c.action, err)
	}
	after, err := enc(c.after)
	if err != nil {
		return fmt.Errorf("audit %s: %w", c.action, err)
	}
	a := fc.ActorFrom(ctx)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_events
		(provider_id, at, actor_user_id, actor, action, object_type, object_id, organization_id, account_id, before_json, after_json, remote_addr)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		int64(c.providerID), ms(s.now()), nullID(a.UserID), a.Label, c.action, c.kind, nullID(c.id),
		nullID(c.orgID), nullID(c.accountID), before, after, a.RemoteAddr)
	if err != nil {
		return fmt.Errorf("audit %s: %w", c.action, err)
	}
	return nil
}

// AuditEvents lists audit events within the scope: provider-wide reaches see
// all; narrower ones see the events of objects in their organizations and
// accounts.
func (s *Store) AuditEvents(ctx context.Context, sc fc.Scope, f fc.AuditFilter) ([]fc.AuditEvent, error) {
	q := &query{}
	q.add(`SELECT id, at, COALESCE(actor_user_id, 0), actor, action, object_type, COALESCE(object_id, 0),
		COALESCE(organization_id, 0), COALESCE(account_id, 0), before_json, after_json, remote_addr
		FROM audit_events WHERE provider_id = `).arg(int64(sc.ProviderID)).add(" AND (")
	q.reach("account_id", sc.Reach).add(" OR ").orgReach("organization_id", sc.Reach).add(")")
	if f.ObjectType != "" {
		q.add(" AND object_type = ").arg(f.ObjectType)
	}
	if f.ObjectID != 0 {
		q.add(" AND object_id = ").arg(int64(f.ObjectID))
	}
	q.page("id", f.Page)
	var out []fc.AuditEvent
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e fc.AuditEvent
			var at int64
			if err := rows.Scan(&e.ID, &at, &e.ActorUserID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID,
				&e.OrganizationID, &e.AccountID, &e.Before, &e.After, &e.RemoteAddr); err != nil {
				return err
			}
			e.ProviderID, e.At = sc.ProviderID, fromMS(at)
			out = append(out, e)
		}
		return rows.Err()
	})
	return inOrder(q, out), err
}
