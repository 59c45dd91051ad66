package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/i18n"
)

// kindAPIToken names API tokens in the audit log.
const kindAPIToken = fc.KindAPIToken

// tokenUseGranularity is how stale an API token's last_used_at may get
// before a use writes it again, so that a busy API client does not turn
// every request into a write.
const tokenUseGranularity = time.Minute

const userColumns = `u.id, u.provider_id, u.email, u.name, u.password_hash, u.must_change_password,
	u.totp_secret, u.totp_enabled, u.totp_last_step, u.disabled, u.last_sign_in_at, u.language, u.created_at, u.updated_at`

func scanUser(row rowScanner, u *fc.User) error {
	var signIn sql.NullInt64
	var created, updated int64
	if err := row.Scan(&u.ID, &u.ProviderID, &u.Email, &u.Name, &u.PasswordHash, &u.MustChangePassword,
		&u.TOTPSecret, &u.TOTPEnabled, &u.TOTPLastStep, &u.Disabled, &signIn, &u.Language, &created, &updated); err != nil {
		return err
	}
	u.LastSignInAt = fromNullMS(signIn)
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

// normalizeEmail is the stored form of an e-mail address.
func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// validEmail checks the shape of a normalized address: one @, something
// before it, a dot inside the domain, no spaces, at most 254 characters.
func validEmail(email string) bool {
	if email == "" || len(email) > 254 || strings.Count(email, "@") != 1 {
		return false
	}
	if strings.IndexFunc(email, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return false
	}
	local, domain, _ := strings.Cut(email, "@")
	dot := strings.Index(domain, ".")
	return local != "" && dot > 0 && !strings.HasSuffix(domain, ".")
}

func validateUser(u *fc.User) error {
	fields := map[string]string{}
	// Checked before normalizing, which would turn invalid UTF-8 into U+FFFD.
	checkText(fields, "email", u.Email, maxEmailLen)
	checkText(fields, "name", u.Name, maxNameLen)
	u.Email = normalizeEmail(u.Email)
	u.Name = strings.TrimSpace(u.Name)
	if _, bad := fields["email"]; !bad && !validEmail(u.Email) {
		fields["email"] = "is not a valid e-mail address"
	}
	if !validLanguage(u.Language) {
		fields["language"] = "must be en, nl, de or fr"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// validLanguage reports whether lang is empty (none chosen) or the code of
// one of the application's languages as i18n writes it: en, nl, de, fr.
func validLanguage(lang string) bool {
	if lang == "" {
		return true
	}
	tag, ok := i18n.Parse(lang)
	return ok && tag.String() == lang
}

// SetUserLanguage stores the language a user chose on the pages (?lang=
// or the switcher), "" for none. It is a preference of the user's own, as
// the language cookie is: no audit event, and updated_at stays.
func (s *Store) SetUserLanguage(ctx context.Context, id fc.ID, lang string) error {
	if !validLanguage(lang) {
		return fc.Invalid(map[string]string{"language": "must be en, nl, de or fr"})
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET language = $1 WHERE id = $2`, lang, int64(id))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return notFound(fc.KindUser, id)
		}
		return nil
	})
}

// emailTaken reports whether another user than exceptID has the address.
func emailTaken(ctx context.Context, tx *sql.Tx, email string, exceptID fc.ID) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = $1 AND id <> $2`, email, int64(exceptID)).Scan(&n)
	return n > 0, err
}

// CreateUser creates a user in u.ProviderID. E-mail addresses are unique on
// the whole platform, compared without case.
func (s *Store) CreateUser(ctx context.Context, u *fc.User) error {
	if err := validateUser(u); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error { return s.insertUser(ctx, tx, u) })
}

// insertUser writes a new user, validated, in the transaction.
func (s *Store) insertUser(ctx context.Context, tx *sql.Tx, u *fc.User) error {
	now := s.now()
	u.CreatedAt, u.UpdatedAt = now, now
	var providers int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM providers WHERE id = $1`, int64(u.ProviderID)).Scan(&providers); err != nil {
		return err
	}
	if providers == 0 {
		return fc.Invalid(map[string]string{"provider_id": "no such provider"})
	}
	taken, err := emailTaken(ctx, tx, u.Email, 0)
	if err != nil {
		return err
	}
	if taken {
		return fc.Errorf(fc.EConflict, "a user with the e-mail address %s exists already", u.Email)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO users (provider_id, email, name, password_hash, must_change_password,
		totp_secret, totp_enabled, totp_last_step, disabled, last_sign_in_at, language, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		int64(u.ProviderID), u.Email, u.Name, u.PasswordHash, u.MustChangePassword,
		u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep, u.Disabled, msPtr(u.LastSignInAt), u.Language, ms(now), ms(now)).Scan(&u.ID)
	if err != nil {
		return err
	}
	return s.audit(ctx, tx, change{providerID: u.ProviderID, action: "user.create", kind: fc.KindUser, id: u.ID, after: u})
}

// userVisible appends a predicate on users u that holds when the reach sees
// the user: every user for a provider-wide reach, otherwise the users
// holding at least one assignment within the reach.
func userVisible(q *query, r fc.Reach) *query {
	if r.All {
		return q.add("1=1")
	}
	q.add("EXISTS (SELECT 1 FROM role_assignments ura WHERE ura.user_id = u.id AND (")
	q.orgReach("ura.organization_id", r).add(" OR ").reach("ura.account_id", r).add(" OR ").
		reach("(SELECT ue.account_id FROM employees ue WHERE ue.id = ura.employee_id)", r)
	return q.add("))")
}

// findUser reads one user within the scope.
func (s *Store) findUser(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.User, error) {
	q := &query{}
	q.add(`SELECT ` + userColumns + ` FROM users u WHERE u.id = `).arg(int64(id)).
		add(" AND u.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ")
	userVisible(q, sc.Reach)
	var u fc.User
	if err := scanUser(tx.QueryRowContext(ctx, q.String(), q.args...), &u); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindUser, id)
		}
		return nil, err
	}
	return &u, nil
}

// User returns one user within the scope.
func (s *Store) User(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.User, error) {
	var u *fc.User
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		u, err = s.findUser(ctx, tx, sc, id)
		return err
	})
	return u, err
}

// UserByEmail returns the user with the address, in any provider and
// without regard to case: it serves sign-in.
func (s *Store) UserByEmail(ctx context.Context, email string) (*fc.User, error) {
	if textProblem(email, maxEmailLen, false) != "" {
		// No stored address is like that; PostgreSQL would not even take it.
		return nil, fc.Errorf(fc.ENotFound, "no user with that e-mail address")
	}
	var u fc.User
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.email = $1`, normalizeEmail(email)), &u)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "no user with that e-mail address")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// Users lists the users within the scope, searching e-mail and name.
func (s *Store) Users(ctx context.Context, sc fc.Scope, f fc.UserFilter) ([]fc.User, error) {
	search, err := searchPattern(f.Search)
	if err != nil {
		return nil, err
	}
	q := &query{}
	q.add(`SELECT ` + userColumns + ` FROM users u WHERE u.provider_id = `).arg(int64(sc.ProviderID)).add(" AND ")
	userVisible(q, sc.Reach).scoped()
	if search != "" {
		like := "%" + search + "%"
		q.add(" AND (").like("u.email", like).add(" OR ").like("LOWER(u.name)", like).add(")")
	}
	q.sortable(s.dialect, userSorts).page("u.id", f.Page)
	return list(ctx, s, q, scanUser)
}

// UpdateUser applies fn to the user and stores the result: e-mail, name,
// password hash, the TOTP fields, the flags and the last sign-in. The audit
// event carries only what the user's JSON shows, never hashes or secrets.
func (s *Store) UpdateUser(ctx context.Context, sc fc.Scope, id fc.ID, fn func(*fc.User) error) (*fc.User, error) {
	var after *fc.User
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := s.findUser(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		u := *before
		if err := fn(&u); err != nil {
			return err
		}
		u.ID, u.ProviderID, u.CreatedAt = before.ID, before.ProviderID, before.CreatedAt
		if err := validateUser(&u); err != nil {
			return err
		}
		if u.Email != before.Email {
			taken, err := emailTaken(ctx, tx, u.Email, u.ID)
			if err != nil {
				return err
			}
			if taken {
				return fc.Errorf(fc.EConflict, "a user with the e-mail address %s exists already", u.Email)
			}
		}
		if signsIn(before) && !signsIn(&u) {
			if err := keepAnAdmin(ctx, tx, u.ProviderID, u.ID); err != nil {
				return err
			}
		}
		u.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email = $1, name = $2, password_hash = $3, must_change_password = $4,
			totp_secret = $5, totp_enabled = $6, totp_last_step = $7, disabled = $8, last_sign_in_at = $9, language = $10, updated_at = $11
			WHERE id = $12`,
			u.Email, u.Name, u.PasswordHash, u.MustChangePassword, u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep,
			u.Disabled, msPtr(u.LastSignInAt), u.Language, ms(u.UpdatedAt), int64(u.ID)); err != nil {
			return err
		}
		after = &u
		return s.audit(ctx, tx, change{providerID: u.ProviderID, action: "user.update", kind: fc.KindUser, id: u.ID, before: before, after: after})
	})
	return after, err
}

// signsIn reports whether the user can sign in: not disabled, and with a
// password. It is what makes a provider admin an active one.
func signsIn(u *fc.User) bool { return !u.Disabled && u.PasswordHash != "" }

// keepAnAdmin refuses a change that takes the user out of the provider's
// active provider admins (a revoked provider_admin assignment, a disabled
// user) when it is the last of them: a provider needs somebody who can
// administer it. It is a no-op when the user is no active provider admin.
// Called inside the change's transaction, whose isolation (SERIALIZABLE on
// PostgreSQL, the one writer on SQLite) lets only one of two concurrent
// removals of the last two admins pass.
func keepAnAdmin(ctx context.Context, tx *sql.Tx, providerID, userID fc.ID) error {
	var admins, isOne int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT u.id), COALESCE(MAX(CASE WHEN u.id = $1 THEN 1 ELSE 0 END), 0)
		FROM users u JOIN role_assignments a ON a.user_id = u.id
		WHERE u.provider_id = $2 AND a.role = $3 AND u.disabled = FALSE AND u.password_hash <> ''`,
		int64(userID), int64(providerID), string(fc.RoleProviderAdmin)).Scan(&admins, &isOne)
	if err != nil {
		return err
	}
	if isOne == 1 && admins == 1 {
		return fc.Errorf(fc.EUnprocessable, "this is the provider's last active provider admin: grant provider_admin to another user first "+
			"(or, from the command line, fleetcharge user grant --email E --role provider_admin)")
	}
	return nil
}

const assignmentColumns = `a.id, a.provider_id, a.user_id, a.role, COALESCE(a.organization_id, 0), COALESCE(a.account_id, 0),
	COALESCE(a.employee_id, 0), COALESCE(a.created_by, 0), a.created_at`

func scanAssignment(row rowScanner, a *fc.Assignment) error {
	var created int64
	if err := row.Scan(&a.ID, &a.ProviderID, &a.UserID, &a.Role, &a.OrganizationID, &a.AccountID, &a.EmployeeID, &a.CreatedBy, &created); err != nil {
		return err
	}
	a.CreatedAt = fromMS(created)
	return nil
}

// validateAssignmentShape checks the role and that the scope fits it: the
// provider (no organization, no account) for provider admins, exactly one
// employee for drivers, exactly one organization or account for the other
// roles.
func validateAssignmentShape(a *fc.Assignment) error {
	fields := map[string]string{}
	switch {
	case !a.Role.Valid():
		fields["role"] = "is not a known role"
	case a.Role == fc.RoleDriver && (a.EmployeeID == 0 || a.OrganizationID != 0 || a.AccountID != 0):
		fields["employee_id"] = "the driver role is granted on one employee, without organization or account"
	case a.Role != fc.RoleDriver && a.EmployeeID != 0:
		fields["employee_id"] = "only the driver role is granted on an employee"
	case a.Role == fc.RoleProviderAdmin && (a.OrganizationID != 0 || a.AccountID != 0):
		fields["role"] = "provider_admin is granted on the provider only, without organization or account"
	case a.Role != fc.RoleProviderAdmin && a.OrganizationID != 0 && a.AccountID != 0:
		fields["account_id"] = "give either organization_id or account_id, not both"
	case a.Role != fc.RoleProviderAdmin && a.Role != fc.RoleDriver && a.OrganizationID == 0 && a.AccountID == 0:
		fields["organization_id"] = "an organization_id or an account_id is required for this role"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// CreateAssignment grants a role. The user, and the organization or account
// of the scope, must exist in the same provider; a.ProviderID is set to it.
func (s *Store) CreateAssignment(ctx context.Context, a *fc.Assignment) error {
	if err := validateAssignmentShape(a); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error { return s.insertAssignment(ctx, tx, a) })
}

// insertAssignment writes a new assignment, of a valid shape, in the
// transaction. A driver's assignment is audited on its employee's account.
func (s *Store) insertAssignment(ctx context.Context, tx *sql.Tx, a *fc.Assignment) error {
	if a.CreatedBy == 0 {
		a.CreatedBy = fc.ActorFrom(ctx).UserID
	}
	a.CreatedAt = s.now()
	var providerID fc.ID
	err := tx.QueryRowContext(ctx, `SELECT provider_id FROM users WHERE id = $1`, int64(a.UserID)).Scan(&providerID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && a.ProviderID != 0 && providerID != a.ProviderID {
		return fc.Invalid(map[string]string{"user_id": "no such user"})
	}
	if err != nil {
		return err
	}
	a.ProviderID = providerID
	all := fc.ProviderScope(providerID)
	orgID, accountID := a.OrganizationID, a.AccountID
	if a.OrganizationID != 0 {
		if _, err := s.findOrg(ctx, tx, all, a.OrganizationID); err != nil {
			return refErr(err, "organization_id", "no such organization")
		}
	}
	if a.AccountID != 0 {
		if _, err := s.findAccount(ctx, tx, all, a.AccountID); err != nil {
			return refErr(err, "account_id", "no such account")
		}
	}
	if a.EmployeeID != 0 {
		e, err := s.findEmployee(ctx, tx, all, a.EmployeeID)
		if err != nil {
			return refErr(err, "employee_id", "no such employee")
		}
		acc, err := s.findAccount(ctx, tx, all, e.AccountID)
		if err != nil {
			return err
		}
		orgID, accountID = acc.OrganizationID, acc.ID
	}
	var dup int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM role_assignments
		WHERE user_id = $1 AND role = $2 AND COALESCE(organization_id, 0) = $3 AND COALESCE(account_id, 0) = $4
		AND COALESCE(employee_id, 0) = $5`,
		int64(a.UserID), string(a.Role), int64(a.OrganizationID), int64(a.AccountID), int64(a.EmployeeID)).Scan(&dup); err != nil {
		return err
	}
	if dup > 0 {
		return fc.Errorf(fc.EConflict, "the user holds this role on this scope already")
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO role_assignments (provider_id, user_id, role, organization_id, account_id, employee_id, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		int64(a.ProviderID), int64(a.UserID), string(a.Role), nullID(a.OrganizationID), nullID(a.AccountID), nullID(a.EmployeeID),
		nullID(a.CreatedBy), ms(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return err
	}
	return s.audit(ctx, tx, change{providerID: a.ProviderID, action: "role.grant", kind: fc.KindAssignment, id: a.ID,
		orgID: orgID, accountID: accountID, after: a})
}

// CreateDriver creates user u, a driver, with its role assignment a (the
// driver role on one employee) in one transaction: both or neither. The
// e-mail address must be free, as for CreateUser.
func (s *Store) CreateDriver(ctx context.Context, u *fc.User, a *fc.Assignment) error {
	if err := validateUser(u); err != nil {
		return err
	}
	if a.Role != fc.RoleDriver {
		return fc.Invalid(map[string]string{"role": "must be driver"})
	}
	if err := validateAssignmentShape(a); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.insertUser(ctx, tx, u); err != nil {
			return err
		}
		a.UserID, a.ProviderID = u.ID, u.ProviderID
		return s.insertAssignment(ctx, tx, a)
	})
}

// assignmentVisible appends a predicate on assignments a that holds when the
// reach sees the assignment's scope; provider-level assignments are seen by
// provider-wide reaches only.
func assignmentVisible(q *query, r fc.Reach) *query {
	q.add("(")
	q.orgReach("a.organization_id", r).add(" OR ").reach("a.account_id", r).add(" OR ").
		reach("(SELECT ae.account_id FROM employees ae WHERE ae.id = a.employee_id)", r)
	return q.add(")")
}

// findAssignment reads one assignment within the scope.
func (s *Store) findAssignment(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.Assignment, error) {
	q := &query{}
	q.add(`SELECT ` + assignmentColumns + ` FROM role_assignments a WHERE a.id = `).arg(int64(id)).
		add(" AND a.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ")
	assignmentVisible(q, sc.Reach)
	var a fc.Assignment
	if err := scanAssignment(tx.QueryRowContext(ctx, q.String(), q.args...), &a); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindAssignment, id)
		}
		return nil, err
	}
	return &a, nil
}

// Assignments lists the assignments whose scope lies within the scope.
func (s *Store) Assignments(ctx context.Context, sc fc.Scope, f fc.AssignmentFilter) ([]fc.Assignment, error) {
	q := &query{}
	q.add(`SELECT ` + assignmentColumns + ` FROM role_assignments a WHERE a.provider_id = `).arg(int64(sc.ProviderID)).add(" AND ")
	assignmentVisible(q, sc.Reach)
	if f.UserID != 0 {
		q.add(" AND a.user_id = ").arg(int64(f.UserID))
	}
	q.page("a.id", f.Page)
	return s.listAssignments(ctx, q)
}

// UserAssignments returns every assignment of the user, unscoped: the input
// of every access decision about that user.
func (s *Store) UserAssignments(ctx context.Context, userID fc.ID) ([]fc.Assignment, error) {
	q := &query{}
	q.add(`SELECT ` + assignmentColumns + ` FROM role_assignments a WHERE a.user_id = `).arg(int64(userID)).add(" ORDER BY a.id")
	return s.listAssignments(ctx, q)
}

func (s *Store) listAssignments(ctx context.Context, q *query) ([]fc.Assignment, error) {
	var out []fc.Assignment
	err := s.each(ctx, q, func(rows *sql.Rows) error {
		var a fc.Assignment
		if err := scanAssignment(rows, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	return inOrder(q, out), err
}

// DeleteAssignment revokes a role assignment within the scope.
func (s *Store) DeleteAssignment(ctx context.Context, sc fc.Scope, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		a, err := s.findAssignment(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if a.Role == fc.RoleProviderAdmin {
			if err := keepAnAdmin(ctx, tx, a.ProviderID, a.UserID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM role_assignments WHERE id = $1`, int64(id)); err != nil {
			return err
		}
		orgID, accountID := a.OrganizationID, a.AccountID
		if a.EmployeeID != 0 {
			if err := tx.QueryRowContext(ctx, `SELECT x.organization_id, x.id FROM employees e JOIN accounts x ON x.id = e.account_id
				WHERE e.id = $1`, int64(a.EmployeeID)).Scan(&orgID, &accountID); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: a.ProviderID, action: "role.revoke", kind: fc.KindAssignment, id: a.ID,
			orgID: orgID, accountID: accountID, before: a})
	})
}

const tokenColumns = `t.id, t.user_id, t.name, t.hash, t.last_used_at, t.revoked_at, t.created_at`

func scanToken(row rowScanner, t *fc.APIToken) error {
	var used, revoked sql.NullInt64
	var created int64
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &used, &revoked, &created); err != nil {
		return err
	}
	t.LastUsedAt, t.RevokedAt, t.CreatedAt = fromNullMS(used), fromNullMS(revoked), fromMS(created)
	return nil
}

// CreateAPIToken stores a new token of t.UserID; t.Hash is the hash of the
// token, which itself is never stored.
func (s *Store) CreateAPIToken(ctx context.Context, t *fc.APIToken) error {
	t.Name = strings.TrimSpace(t.Name)
	fields := map[string]string{}
	if t.Name == "" {
		fields["name"] = "is required"
	} else {
		checkText(fields, "name", t.Name, 100)
	}
	if t.Hash == "" {
		fields["hash"] = "is required"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	t.CreatedAt = s.now()
	t.LastUsedAt, t.RevokedAt = nil, nil
	return s.write(ctx, func(tx *sql.Tx) error {
		var providerID fc.ID
		err := tx.QueryRowContext(ctx, `SELECT provider_id FROM users WHERE id = $1`, int64(t.UserID)).Scan(&providerID)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Invalid(map[string]string{"user_id": "no such user"})
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			int64(t.UserID), t.Name, t.Hash, ms(t.CreatedAt)).Scan(&t.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: providerID, action: "token.create", kind: kindAPIToken, id: t.ID, after: t})
	})
}

// APITokenByHash returns the unrevoked token with that hash of a user who is
// not disabled, and marks it used. The mark is written only when the stored
// one is more than a minute old, so most uses are pure reads.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (*fc.APIToken, error) {
	var t fc.APIToken
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id
			WHERE t.hash = $1 AND t.revoked_at IS NULL AND u.disabled = FALSE`, hash), &t)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "no such API token")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	if t.LastUsedAt != nil && now.Sub(*t.LastUsedAt) <= tokenUseGranularity {
		return &t, nil
	}
	err = s.writeState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1
			WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)`,
			ms(now), int64(t.ID), ms(now.Add(-tokenUseGranularity)))
		return err
	})
	if err != nil {
		return nil, err
	}
	t.LastUsedAt = &now
	return &t, nil
}

// RevokeAPIToken revokes the user's token. Revoking a revoked token again
// changes nothing.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var before fc.APIToken
		var providerID fc.ID
		var used, revoked sql.NullInt64
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT t.id, t.user_id, t.name, t.last_used_at, t.revoked_at, t.created_at, u.provider_id
			FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1 AND t.user_id = $2`, int64(id), int64(userID)).
			Scan(&before.ID, &before.UserID, &before.Name, &used, &revoked, &created, &providerID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(kindAPIToken, id)
		}
		if err != nil || revoked.Valid {
			return err
		}
		before.LastUsedAt, before.CreatedAt = fromNullMS(used), fromMS(created)
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, ms(now), int64(id)); err != nil {
			return err
		}
		after := before
		after.RevokedAt = &now
		return s.audit(ctx, tx, change{providerID: providerID, action: "token.revoke", kind: kindAPIToken, id: id, before: &before, after: &after})
	})
}
