package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

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

// How an audit event of a kind sits: on its object's account, on an
// organization, or on whichever of the two it names (a role assignment's
// scope; neither for a user or a migration, which only provider-wide
// reaches reach).
const (
	sitsOnEither = iota
	sitsOnAccount
	sitsOnOrganization
)

// auditSits tells where the audit events of each kind sit; stations and
// sessions are read by their own scopes (auditVisible).
var auditSits = map[string]int{
	fc.KindOrganization: sitsOnOrganization,
	fc.KindAccount:      sitsOnAccount,
	fc.KindEmployee:     sitsOnAccount,
	fc.KindCard:         sitsOnAccount,
	fc.KindLocation:     sitsOnAccount,
	fc.KindChargeGroup:  sitsOnAccount,
	fc.KindUser:         sitsOnEither,
	fc.KindAssignment:   sitsOnEither,
	"migration":         sitsOnEither,

	fc.KindReimbursementRate:      sitsOnAccount,
	fc.KindReimbursementStatement: sitsOnAccount,
	fc.KindInvoice:                sitsOnAccount,
}

// sits appends a predicate that holds when an event of kind ae sits within r.
func sits(q *query, kind string, r fc.Reach) *query {
	switch auditSits[kind] {
	case sitsOnAccount:
		return q.reach("ae.account_id", r)
	case sitsOnOrganization:
		return q.orgReach("ae.organization_id", r)
	}
	return q.add("(").reach("ae.account_id", r).add(" OR ").orgReach("ae.organization_id", r).add(")")
}

// auditVisible appends the predicate of an audit scope on the events ae:
// an event is visible where the reader holds audit.read and reads its
// object. A station is read on its account, or at the home of an employee
// of an account in HomesOf, with audit.read where it is read; a session
// through a side the reader reads, with audit.read on that side. An event
// of any other kind needs a provider-wide audit.read.
func auditVisible(q *query, sc fc.AuditScope) *query {
	// Every kind the store or the scope names is judged by its reach in
	// sc.Kinds, none when missing there; only the others are left to a
	// provider-wide audit.read.
	kinds := map[string]bool{}
	for kind := range auditSits {
		kinds[kind] = true
	}
	for kind := range sc.Kinds {
		kinds[kind] = true
	}
	known := []string{fc.KindStation, fc.KindSession}
	q.add("(")
	for _, kind := range slices.Sorted(maps.Keys(kinds)) {
		known = append(known, kind)
		q.add("(ae.object_type = ").arg(kind).add(" AND ")
		sits(q, kind, sc.Audit).add(" AND ")
		sits(q, kind, sc.Kinds[kind]).add(") OR ")
	}
	q.add("(ae.object_type = ").arg(fc.KindStation).add(" AND (")
	q.reach("ae.account_id", sc.Audit).add(" AND ").reach("ae.account_id", sc.Stations.Reach)
	if !sc.Stations.HomesOf.Empty() && !sc.Audit.Empty() {
		q.add(` OR EXISTS (SELECT 1 FROM stations hs JOIN locations hl ON hl.id = hs.location_id
			JOIN employees he ON he.id = hl.employee_id WHERE hs.id = ae.object_id AND hl.kind = 'home' AND hs.provider_id = `).arg(int64(sc.ProviderID)).
			add(" AND ").reach("he.account_id", sc.Stations.HomesOf).add(" AND ").reach("he.account_id", sc.Audit).add(")")
	}
	// Correlated lookups by the session's key: an IN over the provider's
	// sessions would read all of them.
	q.add(")) OR (ae.object_type = ").arg(fc.KindSession).add(` AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = ae.object_id AND s.provider_id = `).
		arg(int64(sc.ProviderID)).add(" AND (")
	q.reach("s.card_account_id", sc.Sessions.CardSide).add(" AND ").reach("s.card_account_id", sc.Audit).add(" OR ")
	q.reach("s.station_account_id", sc.Sessions.StationSide).add(" AND ").reach("s.station_account_id", sc.Audit).add(")))")
	if sc.Audit.All {
		q.add(" OR ae.object_type NOT IN (")
		for i, kind := range known {
			if i > 0 {
				q.add(", ")
			}
			q.arg(kind)
		}
		q.add(")")
	}
	return q.add(")")
}

// AuditLog lists the audit events within the scope (auditVisible). The
// event of a session read only from its station side is masked as the
// session itself is: its bodies name no card, card account or driver, and
// the event no account.
func (s *Store) AuditLog(ctx context.Context, sc fc.AuditScope, f fc.AuditFilter) ([]fc.AuditEvent, error) {
	q := &query{}
	q.add(`SELECT ae.id, ae.at, COALESCE(ae.actor_user_id, 0), ae.actor, ae.action, ae.object_type, COALESCE(ae.object_id, 0),
		COALESCE(ae.organization_id, 0), COALESCE(ae.account_id, 0), ae.before_json, ae.after_json, ae.remote_addr,
		CASE WHEN ae.object_type = `).arg(fc.KindSession).add(` AND NOT EXISTS (SELECT 1 FROM sessions cs WHERE cs.id = ae.object_id AND `).
		reach("cs.card_account_id", sc.Sessions.CardSide).add(`) THEN TRUE ELSE FALSE END
		FROM audit_events ae WHERE ae.provider_id = `).arg(int64(sc.ProviderID)).add(" AND ")
	auditVisible(q, sc).scoped()
	if f.ObjectType != "" {
		q.add(" AND ae.object_type = ").arg(f.ObjectType)
	}
	if f.ObjectID != 0 {
		q.add(" AND ae.object_id = ").arg(int64(f.ObjectID))
	}
	actor, err := searchPattern(f.Actor)
	if err != nil {
		return nil, fc.Invalid(map[string]string{"actor": fc.ErrorFields(err)["search"]})
	}
	if actor != "" {
		q.add(" AND ").like("LOWER(ae.actor)", "%"+actor+"%")
	}
	if !f.From.IsZero() {
		q.add(" AND ae.at >= ").arg(ms(f.From))
	}
	if !f.To.IsZero() {
		q.add(" AND ae.at < ").arg(ms(f.To))
	}
	q.sortable(s.dialect, auditSorts).page("ae.id", f.Page)
	var out []fc.AuditEvent
	err = s.read(ctx, func(tx *sql.Tx) error {
		if err := counted(ctx, tx, q); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e fc.AuditEvent
			var at int64
			var masked bool
			if err := rows.Scan(&e.ID, &at, &e.ActorUserID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID,
				&e.OrganizationID, &e.AccountID, &e.Before, &e.After, &e.RemoteAddr, &masked); err != nil {
				return err
			}
			e.ProviderID, e.At = sc.ProviderID, fromMS(at)
			if masked {
				e.OrganizationID, e.AccountID = 0, 0
				e.Before, e.After = maskSessionBody(e.Before), maskSessionBody(e.After)
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return inOrder(q, out), err
}

// maskSessionBody masks the card side of a session as an audit event holds
// it (JSON), as maskCard masks a session read; a body that is no session
// is dropped rather than shown.
func maskSessionBody(body string) string {
	if body == "" {
		return ""
	}
	var x fc.Session
	if err := json.Unmarshal([]byte(body), &x); err != nil {
		return ""
	}
	maskCard(&x)
	b, err := json.Marshal(&x)
	if err != nil {
		return ""
	}
	return string(b)
}

// AuditEvents lists the audit events within one reach taken for every
// kind: audit.read and the read of every object kind alike, both sides of
// sessions. It is for trusted callers and tests; a user's reads go through
// AuditLog with access.AuditScopeFor.
func (s *Store) AuditEvents(ctx context.Context, sc fc.Scope, f fc.AuditFilter) ([]fc.AuditEvent, error) {
	as := fc.AuditScope{ProviderID: sc.ProviderID, Audit: sc.Reach, Kinds: map[string]fc.Reach{},
		Stations: fc.StationScope{ProviderID: sc.ProviderID, Reach: sc.Reach},
		Sessions: fc.SessionScope{ProviderID: sc.ProviderID, CardSide: sc.Reach, StationSide: sc.Reach}}
	for kind := range auditSits {
		as.Kinds[kind] = sc.Reach
	}
	return s.AuditLog(ctx, as, f)
}
