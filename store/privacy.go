package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The data subject requests (GDPR art. 15 and 17): a person's record, read
// within a scope, and the erasure of a person's identity. docs/PRIVACY.md
// says what each engine guarantees after an erasure.

// auditObjects names the objects of a kind whose audit events are about a
// person: those the subquery selects (object_id IN (subquery)).
type auditObjects struct {
	kind string
	sub  string // SELECT of IDs; $1 is the provider, $2 the person
}

// employeeObjects are the objects whose audit events are about an
// employee: itself, its cards, its homes and its sessions.
var employeeObjects = []auditObjects{
	{fc.KindEmployee, `SELECT id FROM employees WHERE provider_id = $1 AND id = $2`},
	{fc.KindCard, `SELECT id FROM cards WHERE provider_id = $1 AND employee_id = $2`},
	{fc.KindLocation, `SELECT id FROM locations WHERE provider_id = $1 AND employee_id = $2`},
	{fc.KindSession, `SELECT id FROM sessions WHERE provider_id = $1 AND employee_id = $2`},
}

// erasedEmployeeObjects adds, for an erasure, the sessions at the
// employee's homes made with others' cards: they carry the home's name.
var erasedEmployeeObjects = append(employeeObjects[:len(employeeObjects):len(employeeObjects)], auditObjects{fc.KindSession,
	`SELECT id FROM sessions WHERE provider_id = $1 AND location_id IN (SELECT id FROM locations WHERE provider_id = $1 AND employee_id = $2)`})

// userObjects are the objects whose audit events are about a user: itself,
// its role assignments and its API tokens.
var userObjects = []auditObjects{
	{fc.KindUser, `SELECT id FROM users WHERE provider_id = $1 AND id = $2`},
	{fc.KindAssignment, `SELECT id FROM role_assignments WHERE provider_id = $1 AND user_id = $2`},
	{fc.KindAPIToken, `SELECT t.id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.provider_id = $1 AND t.user_id = $2`},
}

// auditWhere returns the predicate of the events about objs (the person's
// ID is $2, the provider $1).
func auditWhere(objs []auditObjects) string {
	var b strings.Builder
	b.WriteString("ae.provider_id = $1 AND (")
	for i, o := range objs {
		if i > 0 {
			b.WriteString(" OR ")
		}
		fmt.Fprintf(&b, "(ae.object_type = '%s' AND ae.object_id IN (%s))", o.kind, o.sub)
	}
	b.WriteString(")")
	return b.String()
}

const auditColumns = `ae.id, ae.at, COALESCE(ae.actor_user_id, 0), ae.actor, ae.action, ae.object_type, COALESCE(ae.object_id, 0),
	COALESCE(ae.organization_id, 0), COALESCE(ae.account_id, 0), ae.before_json, ae.after_json, ae.remote_addr`

func scanAudit(row rowScanner, e *fc.AuditEvent) error {
	var at int64
	if err := row.Scan(&e.ID, &at, &e.ActorUserID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID,
		&e.OrganizationID, &e.AccountID, &e.Before, &e.After, &e.RemoteAddr); err != nil {
		return err
	}
	e.At = fromMS(at)
	return nil
}

// rowsOf runs a query in tx and scans every row.
func rowsOf[T any](ctx context.Context, tx *sql.Tx, scan func(rowScanner, *T) error, query string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// EmployeeRecord returns everything held about the employee within the
// scope: the employee, its cards (of its account, as the employee), its
// home locations in sc.Locations, its sessions (with place and time) whose card side lies
// in sc.Sessions, and the audit events about these that sit in sc.Audit
// (an event of a session by its card side). A session made while the
// employee's account was another one the caller does not read is left
// out, as in every list of sessions.
func (s *Store) EmployeeRecord(ctx context.Context, sc fc.RecordScope, id fc.ID) (*fc.EmployeeRecord, error) {
	var r fc.EmployeeRecord
	err := s.read(ctx, func(tx *sql.Tx) error {
		e, err := s.findEmployee(ctx, tx, sc.Scope, id)
		if err != nil {
			return err
		}
		r = fc.EmployeeRecord{Employee: *e}
		p, eid := int64(e.ProviderID), int64(e.ID)
		if r.Cards, err = rowsOf(ctx, tx, scanCard, `SELECT `+cardColumns+` FROM cards c
			WHERE c.provider_id = $1 AND c.employee_id = $2 ORDER BY c.id`, p, eid); err != nil {
			return err
		}
		q := &query{}
		q.args = []any{p, eid}
		q.add(`SELECT `+locationColumns+` FROM locations l WHERE l.provider_id = $1 AND l.employee_id = $2 AND `).
			reach("l.account_id", sc.Locations).add(" ORDER BY l.id")
		if r.Homes, err = rowsOf(ctx, tx, scanLocation, q.String(), q.args...); err != nil {
			return err
		}
		q = &query{}
		selectSessions(q, sc.Sessions).add(" WHERE s.provider_id = ").arg(p).add(" AND s.employee_id = ").arg(eid).
			add(" AND ").reach("s.card_account_id", sc.Sessions).add(" ORDER BY s.started_at, s.id")
		if r.Sessions, err = rowsOf(ctx, tx, scanSession, q.String(), q.args...); err != nil {
			return err
		}
		q = &query{}
		q.args = []any{p, eid}
		q.add(`SELECT `+auditColumns+` FROM audit_events ae WHERE `+auditWhere(employeeObjects)+` AND (`).
			add(`ae.object_type NOT IN ('`+fc.KindSession+`', '`+fc.KindLocation+`') AND `).reach("ae.account_id", sc.Audit).
			add(` OR ae.object_type = '`+fc.KindLocation+`' AND `).reach("ae.account_id", sc.Audit).add(" AND ").reach("ae.account_id", sc.Locations).
			add(` OR ae.object_type = '`+fc.KindSession+`' AND EXISTS (SELECT 1 FROM sessions ss WHERE ss.id = ae.object_id AND `).
			reach("ss.card_account_id", sc.Sessions).add(" AND ").reach("ss.card_account_id", sc.Audit).add(")) ORDER BY ae.id")
		r.Audit, err = rowsOf(ctx, tx, scanAudit, q.String(), q.args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range r.Audit {
		r.Audit[i].ProviderID = r.Employee.ProviderID
	}
	return &r, nil
}

// UserRecord returns everything held about the user within the scope: the
// user (without its sign-in secrets), role assignments, API tokens and web
// sessions (without their secrets), the audit events about these and the
// events the user acted in.
func (s *Store) UserRecord(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.UserRecord, error) {
	var r fc.UserRecord
	err := s.read(ctx, func(tx *sql.Tx) error {
		u, err := s.findUser(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		r = fc.UserRecord{User: *u}
		p, uid := int64(u.ProviderID), int64(u.ID)
		if r.Assignments, err = rowsOf(ctx, tx, scanAssignment, `SELECT `+assignmentColumns+` FROM role_assignments a
			WHERE a.provider_id = $1 AND a.user_id = $2 ORDER BY a.id`, p, uid); err != nil {
			return err
		}
		if r.APITokens, err = rowsOf(ctx, tx, scanToken, `SELECT `+tokenColumns+` FROM api_tokens t
			WHERE t.user_id = $1 ORDER BY t.id`, uid); err != nil {
			return err
		}
		if r.WebSessions, err = rowsOf(ctx, tx, scanWebSession, `SELECT `+webSessionColumns+` FROM web_sessions
			WHERE user_id = $1 ORDER BY created_at, id`, uid); err != nil {
			return err
		}
		if r.Audit, err = rowsOf(ctx, tx, scanAudit, `SELECT `+auditColumns+` FROM audit_events ae WHERE `+
			auditWhere(userObjects)+` ORDER BY ae.id`, p, uid); err != nil {
			return err
		}
		r.Acted, err = rowsOf(ctx, tx, scanAudit, `SELECT `+auditColumns+` FROM audit_events ae
			WHERE ae.provider_id = $1 AND ae.actor_user_id = $2 ORDER BY ae.id`, p, uid)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range r.APITokens {
		r.APITokens[i].Hash = ""
	}
	for i := range r.WebSessions {
		r.WebSessions[i].ID, r.WebSessions[i].CSRFToken = "", ""
	}
	return &r, nil
}

// EraseEmployee removes the employee's identity everywhere and keeps its
// sessions and their figures for the employer's reports: the employee is
// renamed ErasedEmployeeName and loses its e-mail and number; its home
// locations lose their address and name; its cards are detached and made
// inactive; every audit body about it, its cards, homes and sessions loses
// the erased values. One audit event without personal values records the
// erasure. Then the freed space is overwritten (SQLite) or vacuumed
// (PostgreSQL), see afterErasure.
func (s *Store) EraseEmployee(ctx context.Context, sc fc.Scope, id fc.ID) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		e, err := s.findEmployee(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		a, err := s.refAccount(ctx, tx, e.ProviderID, e.AccountID)
		if err != nil {
			return err
		}
		p, eid := int64(e.ProviderID), int64(e.ID)
		homes, err := rowsOf(ctx, tx, scanLocation, `SELECT `+locationColumns+` FROM locations l
			WHERE l.provider_id = $1 AND l.employee_id = $2`, p, eid)
		if err != nil {
			return err
		}
		erased := erasedValues{e.Name, e.Email, e.EmployeeNumber}
		for _, h := range homes {
			erased = append(erased, h.Name, h.Address)
		}
		// Earlier names, e-mails and numbers survive in the audit bodies
		// of the employee only: they are erased too.
		audit, err := rowsOf(ctx, tx, scanAudit, `SELECT `+auditColumns+` FROM audit_events ae WHERE `+
			auditWhere(erasedEmployeeObjects)+` ORDER BY ae.id`, p, eid)
		if err != nil {
			return err
		}
		for _, ev := range audit {
			if ev.ObjectType == fc.KindEmployee || ev.ObjectType == fc.KindLocation {
				erased = append(erased, bodyValues(ev.Before, personalKeys)...)
				erased = append(erased, bodyValues(ev.After, personalKeys)...)
			}
		}
		now := ms(s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE employees SET name = $1, email = '', employee_number = '', active = FALSE, updated_at = $2
			WHERE provider_id = $3 AND id = $4`, fc.ErasedEmployeeName, now, p, eid); err != nil {
			return err
		}
		// Approved statements keep the names they had at approval: those
		// of the employee are erased there too.
		if _, err := tx.ExecContext(ctx, `UPDATE reimbursement_statements SET employee_name = $1, employee_number = ''
			WHERE provider_id = $2 AND employee_id = $3 AND employee_name IS NOT NULL`, fc.ErasedEmployeeName, p, eid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET location_name = $1
			WHERE provider_id = $2 AND location_id IN (SELECT id FROM locations WHERE provider_id = $2 AND employee_id = $3)`,
			erasedHomeName, p, eid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE locations SET name = $1, address = '', city = '', postal_code = '', latitude = '', longitude = '', updated_at = $2
			WHERE provider_id = $3 AND employee_id = $4`, erasedHomeName, now, p, eid); err != nil {
			return err
		}
		var uids []string
		rows, err := tx.QueryContext(ctx, `SELECT internal_id FROM cards WHERE provider_id = $1 AND employee_id = $2 ORDER BY id`, p, eid)
		if err != nil {
			return err
		}
		for rows.Next() {
			var uid string
			if err := rows.Scan(&uid); err != nil {
				rows.Close()
				return err
			}
			uids = append(uids, uid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cards SET employee_id = NULL, status = $1, updated_at = $2
			WHERE provider_id = $3 AND employee_id = $4`, fc.CardInactive, now, p, eid); err != nil {
			return err
		}
		// The erased employee's cards are blocked at partners too.
		if err := queueTokens(ctx, tx, fromMS(now), e.ProviderID, uids...); err != nil {
			return err
		}
		for _, ev := range audit {
			if err := scrubAudit(ctx, tx, ev, erased, ""); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: e.ProviderID, action: "employee.erase", kind: fc.KindEmployee, id: e.ID,
			orgID: a.OrganizationID, accountID: a.ID})
	})
	if err != nil {
		return err
	}
	return s.afterErasure(ctx, "employees", "locations", "cards", "sessions", "reimbursement_statements", "audit_events")
}

// EraseUser removes the user's identity and sign-in data: its e-mail
// becomes a placeholder unique to it, its name ErasedUserName; its
// password, TOTP, API tokens, web sessions, password resets and role
// assignments are deleted and it is disabled; the audit bodies about it
// lose the erased values, and the events it acted in name ErasedUserName
// as their actor, without an address. The provider's last active provider
// admin cannot be erased.
func (s *Store) EraseUser(ctx context.Context, sc fc.Scope, id fc.ID) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		u, err := s.findUser(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := keepAnAdmin(ctx, tx, u.ProviderID, u.ID); err != nil {
			return err
		}
		p, uid := int64(u.ProviderID), int64(u.ID)
		erased := erasedValues{u.Email, u.Name}
		audit, err := rowsOf(ctx, tx, scanAudit, `SELECT `+auditColumns+` FROM audit_events ae WHERE `+
			auditWhere(userObjects)+` ORDER BY ae.id`, p, uid)
		if err != nil {
			return err
		}
		for _, ev := range audit {
			if ev.ObjectType == fc.KindUser {
				erased = append(erased, bodyValues(ev.Before, personalKeys)...)
				erased = append(erased, bodyValues(ev.After, personalKeys)...)
			}
		}
		tokens, err := rowsOf(ctx, tx, scanToken, `SELECT `+tokenColumns+` FROM api_tokens t WHERE t.user_id = $1`, uid)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			erased = append(erased, t.Name)
		}
		for _, stmt := range []string{
			`DELETE FROM sso_sessions WHERE web_session_id IN (SELECT id FROM web_sessions WHERE user_id = $1)`,
			`DELETE FROM web_sessions WHERE user_id = $1`,
			`DELETE FROM password_resets WHERE user_id = $1`,
			`DELETE FROM api_tokens WHERE user_id = $1`,
			`DELETE FROM role_assignments WHERE user_id = $1`,
			`DELETE FROM sso_identities WHERE user_id = $1`,
			`DELETE FROM scim_group_members WHERE user_id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, uid); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email = $1, name = $2, password_hash = '', must_change_password = FALSE,
			totp_secret = '', totp_enabled = FALSE, totp_last_step = 0, disabled = TRUE, last_sign_in_at = NULL,
			password_changed_at = NULL, updated_at = $3 WHERE provider_id = $4 AND id = $5`,
			fmt.Sprintf("erased-%d@erased.invalid", uid), fc.ErasedUserName, ms(s.now()), p, uid); err != nil {
			return err
		}
		for _, ev := range audit {
			if err := scrubAudit(ctx, tx, ev, erased, ""); err != nil {
				return err
			}
		}
		acted, err := rowsOf(ctx, tx, scanAudit, `SELECT `+auditColumns+` FROM audit_events ae
			WHERE ae.provider_id = $1 AND ae.actor_user_id = $2`, p, uid)
		if err != nil {
			return err
		}
		for _, ev := range acted {
			if err := scrubAudit(ctx, tx, ev, erased, fc.ErasedUserName); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: u.ProviderID, action: "user.erase", kind: fc.KindUser, id: u.ID})
	})
	if err != nil {
		return err
	}
	return s.afterErasure(ctx, "users", "role_assignments", "api_tokens", "web_sessions", "password_resets", "audit_events")
}

// erasedHomeName is the name of a home location after its employee's
// erasure.
const erasedHomeName = "home"

// personalKeys are the fields of the audit bodies of employees, users and
// locations that hold a person's identity.
var personalKeys = map[string]bool{"name": true, "email": true, "employee_number": true, "address": true,
	"city": true, "postal_code": true, "latitude": true, "longitude": true}

// erasedValues are the values an erasure removes from every audit body.
type erasedValues []string

// scrub returns v with every string that contains an erased value (case
// apart) and every personal key's value replaced.
func (ev erasedValues) scrub(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, y := range x {
			x[k] = ev.scrub(y, k)
		}
		return x
	case []any:
		for i, y := range x {
			x[i] = ev.scrub(y, key)
		}
		return x
	case string:
		if personalKeys[key] {
			if key == "name" {
				return "erased"
			}
			return ""
		}
		if ev.in(x) {
			return "erased"
		}
	}
	return v
}

// minErasedLen is the length from which an erased value is looked for
// inside other texts; a shorter one (an employee number "7") only where a
// text is that value, lest every text with a "7" in it be erased.
const minErasedLen = 4

// in reports whether s contains one of the erased values (case apart),
// or is one of the short ones.
func (ev erasedValues) in(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	for _, v := range ev {
		v = strings.ToLower(strings.TrimSpace(v))
		switch {
		case v == "":
		case len(v) < minErasedLen && l == v, len(v) >= minErasedLen && strings.Contains(l, v):
			return true
		}
	}
	return false
}

// body returns the audit body scrubbed; a body that is no JSON is dropped.
func (ev erasedValues) body(s string) string {
	if s == "" {
		return ""
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return ""
	}
	b, err := json.Marshal(ev.scrub(v, ""))
	if err != nil {
		return ""
	}
	return string(b)
}

// bodyValues returns the string values of keys in a JSON object body.
func bodyValues(body string, keys map[string]bool) []string {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return nil
	}
	var out []string
	for k, v := range m {
		if s, ok := v.(string); ok && keys[k] && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// scrubAudit rewrites the bodies of one audit event without the erased
// values; a non-empty actor replaces the event's actor label and drops its
// address, as does an actor label holding an erased value.
func scrubAudit(ctx context.Context, tx *sql.Tx, e fc.AuditEvent, erased erasedValues, actor string) error {
	before, after := erased.body(e.Before), erased.body(e.After)
	label, addr := e.Actor, e.RemoteAddr
	if actor != "" {
		label, addr = actor, ""
	} else if erased.in(label) {
		// The person acted without being signed in (a sign-in): its
		// address is its own too.
		label, addr = "erased", ""
	}
	if before == e.Before && after == e.After && label == e.Actor && addr == e.RemoteAddr {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE audit_events SET before_json = $1, after_json = $2, actor = $3, remote_addr = $4 WHERE id = $5`,
		before, after, label, addr, int64(e.ID))
	return err
}

// afterErasure removes the erased values from the database's storage
// outside the erasing transaction. The planner's statistics sample column
// values (SQLite's sqlite_stat4 the keys of indexes such as users' e-mail,
// PostgreSQL's pg_statistic the common values of every column): where
// they exist, the touched tables are analysed again, so that the samples
// are drawn from what is left. On SQLite, secure_delete (set on every
// connection) has overwritten the freed space; a truncating checkpoint
// then moves the write-ahead log into the file and empties it, so the old
// versions of the pages are gone from both. On PostgreSQL, VACUUM of the
// touched tables prunes the dead row versions, so that no later backup or
// query finds them (see docs/PRIVACY.md for what stays on disk).
func (s *Store) afterErasure(ctx context.Context, tables ...string) error {
	if s.Engine() == "postgres" {
		_, err := s.writer.ExecContext(ctx, `VACUUM (ANALYZE) `+strings.Join(tables, ", "))
		return s.mapErr(err)
	}
	if err := s.reanalyze(ctx, tables); err != nil {
		return err
	}
	for i := 0; i < 50; i++ {
		var busy, logPages, done int
		if err := s.writer.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
			return s.mapErr(err)
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fc.Errorf(fc.EUnavailable, "the erasure is stored, but readers kept the write-ahead log from being emptied: try the erasure again")
}

// reanalyze analyses the tables again on SQLite when the database has
// statistics (Analyze made them), sampling as Analyze does.
func (s *Store) reanalyze(ctx context.Context, tables []string) error {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return s.mapErr(err)
	}
	defer conn.Close()
	var stats int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).Scan(&stats); err != nil || stats == 0 {
		return s.mapErr(err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
		return s.mapErr(err)
	}
	for _, t := range tables {
		if _, err := conn.ExecContext(ctx, `ANALYZE `+t); err != nil {
			return s.mapErr(err)
		}
	}
	return nil
}

// auditPruneBatch is how many audit events one write of PruneAuditEvents
// deletes, so that a first run over a long log does not hold the writer.
const auditPruneBatch = 1000

// PruneAuditEvents deletes the audit events recorded before before, a batch
// per write, and returns how many it deleted. The records of erasures
// (employee.erase, user.erase) stay: they hold no personal value, and they
// tell which erasures to repeat after restoring an older backup
// (docs/PRIVACY.md).
func (s *Store) PruneAuditEvents(ctx context.Context, before time.Time) (int64, error) {
	return deleteInBatches(ctx, s.write, `DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events
		WHERE at < $1 AND action NOT IN ('employee.erase', 'user.erase') ORDER BY id LIMIT $2)`, ms(before), auditPruneBatch)
}
