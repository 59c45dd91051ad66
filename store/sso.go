package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Audit actions of single sign-on.
const (
	ActionIdentityProviderCreate = "identity_provider.create"
	ActionIdentityProviderUpdate = "identity_provider.update"
	ActionIdentityProviderDelete = "identity_provider.delete"
	ActionSSOCreateUser          = "user.sso_create"
)

const idpColumns = `p.id, p.provider_id, p.organization_id, p.issuer, p.client_id, p.client_secret, p.password_sign_in,
	p.scim_token_hash IS NOT NULL, p.created_at, p.updated_at`

func scanIdentityProvider(row rowScanner, p *fc.IdentityProvider) error {
	var created, updated int64
	if err := row.Scan(&p.ID, &p.ProviderID, &p.OrganizationID, &p.Issuer, &p.ClientID, &p.ClientSecret, &p.PasswordSignIn,
		&p.SCIMToken, &created, &updated); err != nil {
		return err
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

// loadIdentityProviderDetails reads the domains and group roles of p.
func loadIdentityProviderDetails(ctx context.Context, tx *sql.Tx, p *fc.IdentityProvider) error {
	p.Domains, p.GroupRoles = []string{}, []fc.GroupRole{}
	rows, err := tx.QueryContext(ctx, `SELECT domain FROM identity_provider_domains WHERE identity_provider_id = $1 ORDER BY domain`, int64(p.ID))
	if err != nil {
		return err
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return err
		}
		p.Domains = append(p.Domains, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT group_name, role, organization_id FROM identity_provider_group_roles
		WHERE identity_provider_id = $1 ORDER BY id`, int64(p.ID))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g fc.GroupRole
		if err := rows.Scan(&g.Group, &g.Role, &g.OrganizationID); err != nil {
			return err
		}
		p.GroupRoles = append(p.GroupRoles, g)
	}
	return rows.Err()
}

// validIssuer reports whether an issuer is an https URL without query or
// fragment, or an http one on a loopback host (a provider on the same
// machine, as in tests).
func validIssuer(issuer string) bool {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		return host == "localhost" || ip != nil && ip.IsLoopback()
	}
	return false
}

// validDomain reports whether d reads as a lower-case DNS name with a dot.
func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// validateIdentityProvider checks and normalizes p's own fields.
func validateIdentityProvider(p *fc.IdentityProvider) error {
	fields := map[string]string{}
	p.Issuer, p.ClientID = strings.TrimSpace(p.Issuer), strings.TrimSpace(p.ClientID)
	checkText(fields, "issuer", p.Issuer, 300)
	checkText(fields, "client_id", p.ClientID, 200)
	if _, bad := fields["issuer"]; !bad && !validIssuer(p.Issuer) {
		fields["issuer"] = "must be an https URL (http only on a loopback address), without query or fragment"
	}
	if p.ClientID == "" {
		fields["client_id"] = "is required"
	}
	if p.OrganizationID <= 0 {
		fields["organization_id"] = "is required"
	}
	if len(p.ClientSecret) > 4000 {
		fields["client_secret"] = "is too long"
	}
	domains := make([]string, 0, len(p.Domains))
	for i, d := range p.Domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if !validDomain(d) {
			fields[fmt.Sprintf("domains[%d]", i)] = "is not a domain name such as example.com"
			continue
		}
		if slices.Contains(domains, d) {
			fields[fmt.Sprintf("domains[%d]", i)] = "is given twice"
			continue
		}
		domains = append(domains, d)
	}
	slices.Sort(domains)
	p.Domains = domains
	if len(p.GroupRoles) > 500 {
		fields["group_roles"] = "has more than 500 entries"
	}
	for i, g := range p.GroupRoles {
		at := fmt.Sprintf("group_roles[%d]", i)
		g.Group = strings.TrimSpace(g.Group)
		checkText(fields, at+".group", g.Group, 300)
		switch {
		case g.Group == "":
			fields[at+".group"] = "is required"
		case g.Role != fc.RoleFleetManager && g.Role != fc.RoleFacilityManager:
			// Provider admins are the operator's staff, account admins and
			// drivers are granted on an account or an employee: a group maps
			// to an organization.
			fields[at+".role"] = "must be fleet_manager or facility_manager"
		case g.OrganizationID <= 0:
			fields[at+".organization_id"] = "is required"
		}
		p.GroupRoles[i] = g
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// writeIdentityProviderDetails replaces the domains and group roles of p,
// checking that each domain routes nowhere else and each group role's
// organization lies inside p's organization's subtree.
func writeIdentityProviderDetails(ctx context.Context, tx *sql.Tx, p *fc.IdentityProvider) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM identity_provider_domains WHERE identity_provider_id = $1`, int64(p.ID)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM identity_provider_group_roles WHERE identity_provider_id = $1`, int64(p.ID)); err != nil {
		return err
	}
	fields := map[string]string{}
	for _, d := range p.Domains {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM identity_provider_domains WHERE domain = $1`, d).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fc.Errorf(fc.EConflict, "the domain %s routes to another identity provider already", d)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_provider_domains (domain, identity_provider_id) VALUES ($1, $2)`, d, int64(p.ID)); err != nil {
			return err
		}
	}
	for i, g := range p.GroupRoles {
		var inside int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_closure c JOIN organizations o ON o.id = c.descendant_id
			WHERE c.ancestor_id = $1 AND c.descendant_id = $2 AND o.provider_id = $3`,
			int64(p.OrganizationID), int64(g.OrganizationID), int64(p.ProviderID)).Scan(&inside)
		if err != nil {
			return err
		}
		if inside == 0 {
			fields[fmt.Sprintf("group_roles[%d].organization_id", i)] = "is not inside the identity provider's organization"
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_provider_group_roles (identity_provider_id, group_name, role, organization_id)
			VALUES ($1, $2, $3, $4)`, int64(p.ID), g.Group, string(g.Role), int64(g.OrganizationID)); err != nil {
			return err
		}
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// CreateIdentityProvider stores a new identity provider of p.ProviderID on
// p.OrganizationID; p.ClientSecret is the sealed secret.
func (s *Store) CreateIdentityProvider(ctx context.Context, p *fc.IdentityProvider) error {
	if err := validateIdentityProvider(p); err != nil {
		return err
	}
	now := s.now()
	p.CreatedAt, p.UpdatedAt, p.SCIMToken = now, now, false
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.findOrg(ctx, tx, fc.ProviderScope(p.ProviderID), p.OrganizationID); err != nil {
			return refErr(err, "organization_id", "no such organization")
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO identity_providers (provider_id, organization_id, issuer, client_id, client_secret,
			password_sign_in, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			int64(p.ProviderID), int64(p.OrganizationID), p.Issuer, p.ClientID, p.ClientSecret, p.PasswordSignIn, ms(now), ms(now)).Scan(&p.ID)
		if err != nil {
			return err
		}
		if err := writeIdentityProviderDetails(ctx, tx, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: p.ProviderID, action: ActionIdentityProviderCreate, kind: fc.KindIdentityProvider,
			id: p.ID, orgID: p.OrganizationID, after: p})
	})
}

// findIdentityProvider reads one identity provider whose organization lies
// within the scope.
func (s *Store) findIdentityProvider(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.IdentityProvider, error) {
	q := &query{}
	q.add(`SELECT `+idpColumns+` FROM identity_providers p WHERE p.id = `).arg(int64(id)).
		add(" AND p.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ").orgReach("p.organization_id", sc.Reach)
	var p fc.IdentityProvider
	if err := scanIdentityProvider(tx.QueryRowContext(ctx, q.String(), q.args...), &p); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindIdentityProvider, id)
		}
		return nil, err
	}
	return &p, loadIdentityProviderDetails(ctx, tx, &p)
}

// IdentityProvider returns one identity provider within the scope.
func (s *Store) IdentityProvider(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.IdentityProvider, error) {
	var p *fc.IdentityProvider
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		p, err = s.findIdentityProvider(ctx, tx, sc, id)
		return err
	})
	return p, err
}

// IdentityProviders lists the identity providers within the scope.
func (s *Store) IdentityProviders(ctx context.Context, sc fc.Scope, pg fc.Page) ([]fc.IdentityProvider, error) {
	q := &query{}
	q.add(`SELECT `+idpColumns+` FROM identity_providers p WHERE p.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").orgReach("p.organization_id", sc.Reach).scoped()
	q.sortable(s.dialect, idpSorts).page("p.id", pg)
	ps, err := list(ctx, s, q, scanIdentityProvider)
	if err != nil {
		return nil, err
	}
	err = s.read(ctx, func(tx *sql.Tx) error {
		for i := range ps {
			if err := loadIdentityProviderDetails(ctx, tx, &ps[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return ps, err
}

// UpdateIdentityProvider applies fn to an identity provider within the
// scope and stores it, domains and group roles included. Its organization
// does not change.
func (s *Store) UpdateIdentityProvider(ctx context.Context, sc fc.Scope, id fc.ID, fn func(*fc.IdentityProvider) error) (*fc.IdentityProvider, error) {
	var after *fc.IdentityProvider
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := s.findIdentityProvider(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		p := *before
		p.Domains, p.GroupRoles = slices.Clone(before.Domains), slices.Clone(before.GroupRoles)
		if err := fn(&p); err != nil {
			return err
		}
		p.ID, p.ProviderID, p.OrganizationID, p.CreatedAt, p.SCIMToken = before.ID, before.ProviderID, before.OrganizationID, before.CreatedAt, before.SCIMToken
		if err := validateIdentityProvider(&p); err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE identity_providers SET issuer = $1, client_id = $2, client_secret = $3,
			password_sign_in = $4, updated_at = $5 WHERE id = $6`,
			p.Issuer, p.ClientID, p.ClientSecret, p.PasswordSignIn, ms(p.UpdatedAt), int64(p.ID)); err != nil {
			return err
		}
		if err := writeIdentityProviderDetails(ctx, tx, &p); err != nil {
			return err
		}
		after = &p
		return s.audit(ctx, tx, change{providerID: p.ProviderID, action: ActionIdentityProviderUpdate, kind: fc.KindIdentityProvider,
			id: p.ID, orgID: p.OrganizationID, before: before, after: after})
	})
	return after, err
}

// DeleteIdentityProvider removes an identity provider within the scope,
// with the role assignments its mapping made (each audited as revoked) and
// the links of its users, who stay, without those roles.
func (s *Store) DeleteIdentityProvider(ctx context.Context, sc fc.Scope, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		p, err := s.findIdentityProvider(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		mapped, err := mappedAssignments(ctx, tx, p.ID, 0)
		if err != nil {
			return err
		}
		for _, a := range mapped {
			if err := s.revokeMapped(ctx, tx, a, nil); err != nil {
				return err
			}
		}
		for _, stmt := range []string{
			`DELETE FROM sso_sessions WHERE identity_provider_id = $1`,
			`DELETE FROM sso_states WHERE identity_provider_id = $1`,
			`DELETE FROM sso_identities WHERE identity_provider_id = $1`,
			`DELETE FROM scim_group_members WHERE group_id IN (SELECT id FROM scim_groups WHERE identity_provider_id = $1)`,
			`DELETE FROM scim_groups WHERE identity_provider_id = $1`,
			`DELETE FROM identity_provider_group_roles WHERE identity_provider_id = $1`,
			`DELETE FROM identity_provider_domains WHERE identity_provider_id = $1`,
			`DELETE FROM identity_providers WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, int64(p.ID)); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: p.ProviderID, action: ActionIdentityProviderDelete, kind: fc.KindIdentityProvider,
			id: p.ID, orgID: p.OrganizationID, before: p})
	})
}

// IdentityProviderForDomain returns the identity provider the domain routes
// to, in any provider.
func (s *Store) IdentityProviderForDomain(ctx context.Context, domain string) (*fc.IdentityProvider, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	var p fc.IdentityProvider
	err := s.read(ctx, func(tx *sql.Tx) error {
		if !validDomain(domain) {
			return fc.Errorf(fc.ENotFound, "no identity provider for this domain")
		}
		err := scanIdentityProvider(tx.QueryRowContext(ctx, `SELECT `+idpColumns+` FROM identity_providers p
			JOIN identity_provider_domains d ON d.identity_provider_id = p.id WHERE d.domain = $1`, domain), &p)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "no identity provider for this domain")
		}
		if err != nil {
			return err
		}
		return loadIdentityProviderDetails(ctx, tx, &p)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// IdentityProviderByID returns an identity provider in any provider.
func (s *Store) IdentityProviderByID(ctx context.Context, id fc.ID) (*fc.IdentityProvider, error) {
	var p fc.IdentityProvider
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanIdentityProvider(tx.QueryRowContext(ctx, `SELECT `+idpColumns+` FROM identity_providers p WHERE p.id = $1`, int64(id)), &p)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindIdentityProvider, id)
		}
		if err != nil {
			return err
		}
		return loadIdentityProviderDetails(ctx, tx, &p)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// SetSCIMToken keeps the hash of the identity provider's new SCIM token.
func (s *Store) SetSCIMToken(ctx context.Context, sc fc.Scope, id fc.ID, hash string) error {
	if hash == "" {
		return fc.Errorf(fc.EInvalid, "a SCIM token hash is required")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		p, err := s.findIdentityProvider(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE identity_providers SET scim_token_hash = $1, updated_at = $2 WHERE id = $3`,
			hash, ms(now), int64(id)); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: p.ProviderID, action: "identity_provider.scim_token", kind: fc.KindIdentityProvider,
			id: p.ID, orgID: p.OrganizationID, after: struct {
				SCIMToken bool `json:"scim_token"`
			}{true}})
	})
}

// IdentityProviderBySCIMToken returns the identity provider whose SCIM
// token has the hash, in any provider.
func (s *Store) IdentityProviderBySCIMToken(ctx context.Context, hash string) (*fc.IdentityProvider, error) {
	var p fc.IdentityProvider
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanIdentityProvider(tx.QueryRowContext(ctx, `SELECT `+idpColumns+` FROM identity_providers p WHERE p.scim_token_hash = $1`, hash), &p)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.EUnauthorized, "the SCIM token is unknown or replaced")
		}
		if err != nil {
			return err
		}
		return loadIdentityProviderDetails(ctx, tx, &p)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateSSOState stores a sign-in on its way through an identity provider.
func (s *Store) CreateSSOState(ctx context.Context, st *fc.SSOState) error {
	if st.StateHash == "" || st.IdentityProviderID == 0 || st.Nonce == "" || st.Verifier == "" || st.BrowserHash == "" || st.ExpiresAt.IsZero() {
		return fc.Errorf(fc.EInvalid, "a sign-in state needs its hash, identity provider, nonce, verifier, browser and expiry")
	}
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		// Old states go with each new one: they are never read again.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sso_states WHERE expires_at < $1`, ms(now.Add(-time.Hour))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sso_states (state_hash, identity_provider_id, nonce, verifier, browser_hash, next_path,
			created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			st.StateHash, int64(st.IdentityProviderID), st.Nonce, st.Verifier, st.BrowserHash, clientText(st.Next, 2000), ms(now), ms(st.ExpiresAt))
		return err
	})
}

// UseSSOState marks the unused, unexpired state with the hash used and
// returns it; of two uses, one fails (fc.EUnauthorized).
func (s *Store) UseSSOState(ctx context.Context, stateHash string) (*fc.SSOState, error) {
	var st fc.SSOState
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		var expires int64
		err := tx.QueryRowContext(ctx, `UPDATE sso_states SET used_at = $1 WHERE state_hash = $2 AND used_at IS NULL AND expires_at > $3
			RETURNING state_hash, identity_provider_id, nonce, verifier, browser_hash, next_path, expires_at`, now, stateHash, now).
			Scan(&st.StateHash, &st.IdentityProviderID, &st.Nonce, &st.Verifier, &st.BrowserHash, &st.Next, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.EUnauthorized, "this sign-in is unknown, used already or expired: sign in again")
		}
		st.ExpiresAt = fromMS(expires)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// mappedAssignments returns the role assignments the identity provider's
// mapping made, of one user (or of all with userID 0).
func mappedAssignments(ctx context.Context, tx *sql.Tx, idpID, userID fc.ID) ([]fc.Assignment, error) {
	q := `SELECT ` + assignmentColumns + ` FROM role_assignments a WHERE a.identity_provider_id = $1`
	args := []any{int64(idpID)}
	if userID != 0 {
		q += ` AND a.user_id = $2`
		args = append(args, int64(userID))
	}
	rows, err := tx.QueryContext(ctx, q+` ORDER BY a.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fc.Assignment
	for rows.Next() {
		var a fc.Assignment
		if err := scanAssignment(rows, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ssoClaims is what the audit log records of the claims behind a role
// change made by a sign-in.
type ssoClaims struct {
	IdentityProviderID fc.ID    `json:"identity_provider_id"`
	Source             string   `json:"source"` // "id_token" at a sign-in, "scim" for a directory's change
	Subject            string   `json:"subject,omitempty"`
	UserName           string   `json:"user_name,omitempty"`
	Groups             []string `json:"groups"`
}

// mappedAssignmentEvent is a role assignment made or removed by a group
// mapping, with the claims that caused it.
type mappedAssignmentEvent struct {
	*fc.Assignment
	Claims *ssoClaims `json:"claims,omitempty"`
}

func (s *Store) revokeMapped(ctx context.Context, tx *sql.Tx, a fc.Assignment, claims *ssoClaims) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM role_assignments WHERE id = $1`, int64(a.ID)); err != nil {
		return err
	}
	return s.audit(ctx, tx, change{providerID: a.ProviderID, action: "role.revoke", kind: fc.KindAssignment, id: a.ID,
		orgID: a.OrganizationID, accountID: a.AccountID, before: mappedAssignmentEvent{&a, claims}})
}

// SSOSignIn finds the user of a verified login: by its subject at the
// identity provider, else by its e-mail address within the provider
// (linking the two), else it creates the user when its groups give it a
// role. It then makes the user's mapped roles those its groups give now,
// audited with the claims, in one transaction. A disabled user, a user of
// another provider with that address, and an address outside the identity
// provider's domains are refused.
func (s *Store) SSOSignIn(ctx context.Context, l fc.SSOLogin) (*fc.SSOOutcome, error) {
	out := &fc.SSOOutcome{}
	err := s.write(ctx, func(tx *sql.Tx) error {
		out.Created, out.Granted, out.Revoked, out.Roles = false, nil, nil, 0
		p, err := s.identityProviderTx(ctx, tx, l.IdentityProviderID)
		if err != nil {
			return err
		}
		email := normalizeEmail(l.Email)
		_, domain, _ := strings.Cut(email, "@")
		if !slices.Contains(p.Domains, domain) {
			return fc.Errorf(fc.EForbidden, "the identity provider signed in %s, whose domain it does not serve here", email)
		}
		claims := &ssoClaims{IdentityProviderID: p.ID, Source: "id_token", Subject: l.Subject, Groups: l.Groups}
		want := wantedRoles(p, l.Groups)
		u, err := s.ssoUser(ctx, tx, p, l, email)
		if err != nil {
			return err
		}
		if u == nil {
			if len(want) == 0 {
				return nil // nobody to create: the caller says why
			}
			u = &fc.User{ProviderID: p.ProviderID, Email: email, Name: l.Name}
			if err := validateUser(u); err != nil {
				return err
			}
			now := s.now()
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (provider_id, email, name, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5) RETURNING id`, int64(u.ProviderID), u.Email, u.Name, ms(now), ms(now)).Scan(&u.ID); err != nil {
				return err
			}
			u.CreatedAt, u.UpdatedAt = now, now
			if _, err := tx.ExecContext(ctx, `INSERT INTO sso_identities (identity_provider_id, user_id, subject, created_at)
				VALUES ($1, $2, $3, $4)`, int64(p.ID), int64(u.ID), l.Subject, ms(now)); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, change{providerID: u.ProviderID, action: ActionSSOCreateUser, kind: fc.KindUser, id: u.ID,
				after: struct {
					*fc.User
					Claims *ssoClaims `json:"claims"`
				}{u, claims}}); err != nil {
				return err
			}
			out.Created = true
		}
		out.User = u
		if u.Disabled {
			return nil
		}
		if err := s.applyMapping(ctx, tx, p, u, want, claims, out); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM role_assignments WHERE user_id = $1`, int64(u.ID)).Scan(&out.Roles)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// applyMapping makes the user's role assignments made by the identity
// provider's mapping exactly want: it revokes the others and grants the
// missing ones (except those the user holds by hand already), each audited
// with the claims that caused it, and records them in out.
func (s *Store) applyMapping(ctx context.Context, tx *sql.Tx, p *fc.IdentityProvider, u *fc.User, want []fc.GroupRole, claims *ssoClaims, out *fc.SSOOutcome) error {
	have, err := mappedAssignments(ctx, tx, p.ID, u.ID)
	if err != nil {
		return err
	}
	for _, a := range have {
		if !slices.Contains(want, fc.GroupRole{Role: a.Role, OrganizationID: a.OrganizationID}) {
			if err := s.revokeMapped(ctx, tx, a, claims); err != nil {
				return err
			}
			out.Revoked = append(out.Revoked, a)
		}
	}
	for _, w := range want {
		if slices.ContainsFunc(have, func(a fc.Assignment) bool { return a.Role == w.Role && a.OrganizationID == w.OrganizationID }) {
			continue
		}
		var held int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM role_assignments WHERE user_id = $1 AND role = $2 AND organization_id = $3`,
			int64(u.ID), string(w.Role), int64(w.OrganizationID)).Scan(&held); err != nil {
			return err
		}
		if held > 0 {
			continue // granted by hand already
		}
		a := fc.Assignment{ProviderID: u.ProviderID, UserID: u.ID, Role: w.Role, OrganizationID: w.OrganizationID, CreatedAt: s.now()}
		if err := tx.QueryRowContext(ctx, `INSERT INTO role_assignments (provider_id, user_id, role, organization_id, created_at, identity_provider_id)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, int64(a.ProviderID), int64(a.UserID), string(a.Role), int64(a.OrganizationID),
			ms(a.CreatedAt), int64(p.ID)).Scan(&a.ID); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, change{providerID: a.ProviderID, action: "role.grant", kind: fc.KindAssignment, id: a.ID,
			orgID: a.OrganizationID, after: mappedAssignmentEvent{&a, claims}}); err != nil {
			return err
		}
		out.Granted = append(out.Granted, a)
	}
	return nil
}

// wantedRoles returns the distinct (role, organization) pairs the groups
// map to, the group names left empty.
func wantedRoles(p *fc.IdentityProvider, groups []string) []fc.GroupRole {
	var want []fc.GroupRole
	for _, g := range p.GroupRoles {
		if !slices.Contains(groups, g.Group) {
			continue
		}
		w := fc.GroupRole{Role: g.Role, OrganizationID: g.OrganizationID}
		if !slices.Contains(want, w) {
			want = append(want, w)
		}
	}
	return want
}

func (s *Store) identityProviderTx(ctx context.Context, tx *sql.Tx, id fc.ID) (*fc.IdentityProvider, error) {
	var p fc.IdentityProvider
	err := scanIdentityProvider(tx.QueryRowContext(ctx, `SELECT `+idpColumns+` FROM identity_providers p WHERE p.id = $1`, int64(id)), &p)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fc.KindIdentityProvider, id)
	}
	if err != nil {
		return nil, err
	}
	return &p, loadIdentityProviderDetails(ctx, tx, &p)
}

// ssoUser returns the user of a login, or nil when there is none yet: the
// user linked to its subject, else the user with its address in the
// identity provider's provider, which it links.
func (s *Store) ssoUser(ctx context.Context, tx *sql.Tx, p *fc.IdentityProvider, l fc.SSOLogin, email string) (*fc.User, error) {
	var u fc.User
	err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u JOIN sso_identities i ON i.user_id = u.id
		WHERE i.identity_provider_id = $1 AND i.subject = $2`, int64(p.ID), l.Subject), &u)
	if err == nil {
		return &u, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.email = $1`, email), &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if u.ProviderID != p.ProviderID {
		return nil, fc.Errorf(fc.EForbidden, "the address %s belongs to a user of another operator", email)
	}
	if err := linkable(ctx, tx, p, u.ID); err != nil {
		return nil, err
	}
	// The user may be known by a SCIM link without subject, or by none.
	res, err := tx.ExecContext(ctx, `UPDATE sso_identities SET subject = $1 WHERE identity_provider_id = $2 AND user_id = $3 AND subject IS NULL`,
		l.Subject, int64(p.ID), int64(u.ID))
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 {
		var linked int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sso_identities WHERE identity_provider_id = $1 AND user_id = $2`,
			int64(p.ID), int64(u.ID)).Scan(&linked); err != nil {
			return nil, err
		}
		if linked > 0 {
			return nil, fc.Errorf(fc.EForbidden, "the identity provider names %s with another subject than before", email)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sso_identities (identity_provider_id, user_id, subject, created_at) VALUES ($1, $2, $3, $4)`,
			int64(p.ID), int64(u.ID), l.Subject, ms(s.now())); err != nil {
			return nil, err
		}
	}
	return &u, nil
}

// linkable refuses to link an existing user to an identity provider when
// the user holds a role outside the identity provider's organization's
// subtree (a provider admin, another customer's manager): that user's
// rights must not follow a customer's directory.
func linkable(ctx context.Context, tx *sql.Tx, p *fc.IdentityProvider, userID fc.ID) error {
	var outside int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM role_assignments a WHERE a.user_id = $1
		AND NOT (a.organization_id IS NOT NULL AND a.organization_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $2))
		AND NOT (a.account_id IS NOT NULL AND a.account_id IN (SELECT ac.id FROM accounts ac JOIN org_closure c ON c.descendant_id = ac.organization_id
			WHERE c.ancestor_id = $3))`, int64(userID), int64(p.OrganizationID), int64(p.OrganizationID)).Scan(&outside)
	if err != nil {
		return err
	}
	if outside > 0 {
		return fc.Errorf(fc.EForbidden, "this address belongs to a user with roles outside the identity provider's organization: it signs in with its password")
	}
	return nil
}

// CreateSSOSession ties a web session to its identity provider session.
func (s *Store) CreateSSOSession(ctx context.Context, ss *fc.SSOSession) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sso_sessions (web_session_id, identity_provider_id, subject, sid, id_token)
			VALUES ($1, $2, $3, $4, $5)`, ss.WebSessionID, int64(ss.IdentityProviderID), ss.Subject, clientText(ss.SID, 300), ss.IDToken)
		return err
	})
}

// SSOSession returns the identity provider session of a web session.
func (s *Store) SSOSession(ctx context.Context, webSessionID string) (*fc.SSOSession, error) {
	var ss fc.SSOSession
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT web_session_id, identity_provider_id, subject, sid, id_token FROM sso_sessions
			WHERE web_session_id = $1`, webSessionID).Scan(&ss.WebSessionID, &ss.IdentityProviderID, &ss.Subject, &ss.SID, &ss.IDToken)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "no identity provider session")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ss, nil
}

// EndSSOSessions revokes the live web sessions of an identity provider's
// session sid, or of all the subject's sessions through it when sid is
// empty.
func (s *Store) EndSSOSessions(ctx context.Context, idpID fc.ID, subject, sid string) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		q := `UPDATE web_sessions SET revoked_at = $1 WHERE revoked_at IS NULL AND id IN
			(SELECT web_session_id FROM sso_sessions WHERE identity_provider_id = $2 AND `
		args := []any{ms(s.now()), int64(idpID)}
		if sid != "" {
			q += `sid = $3`
			args = append(args, sid)
			if subject != "" {
				q += ` AND subject = $4`
				args = append(args, subject)
			}
		} else {
			q += `subject = $3`
			args = append(args, subject)
		}
		res, err := tx.ExecContext(ctx, q+`)`, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
