package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// SCIM provisioning (RFC 7643/7644) by an identity provider's directory:
// every query here is scoped to that identity provider, through its links
// (sso_identities) and its groups.

// kindSCIMGroup names SCIM groups in the audit log.
const kindSCIMGroup = "scim_group"

const scimUserColumns = userColumns + `, i.user_name, i.external_id`

func scanSCIMUser(row rowScanner, su *fc.SCIMUser) error {
	var signIn sql.NullInt64
	var created, updated int64
	u := &su.User
	if err := row.Scan(&u.ID, &u.ProviderID, &u.Email, &u.Name, &u.PasswordHash, &u.MustChangePassword,
		&u.TOTPSecret, &u.TOTPEnabled, &u.TOTPLastStep, &u.Disabled, &signIn, &u.Language, &created, &updated, &su.UserName, &su.ExternalID); err != nil {
		return err
	}
	u.LastSignInAt = fromNullMS(signIn)
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

// scimGroupsOf reads the groups of the identity provider the user is a
// member of.
func scimGroupsOf(ctx context.Context, tx *sql.Tx, idpID, userID fc.ID) ([]fc.SCIMGroupRef, error) {
	rows, err := tx.QueryContext(ctx, `SELECT g.id, g.display_name FROM scim_groups g JOIN scim_group_members m ON m.group_id = g.id
		WHERE g.identity_provider_id = $1 AND m.user_id = $2 ORDER BY g.id`, int64(idpID), int64(userID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []fc.SCIMGroupRef{}
	for rows.Next() {
		var g fc.SCIMGroupRef
		if err := rows.Scan(&g.ID, &g.DisplayName); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func (s *Store) findSCIMUser(ctx context.Context, tx *sql.Tx, idpID, userID fc.ID) (*fc.SCIMUser, error) {
	var su fc.SCIMUser
	err := scanSCIMUser(tx.QueryRowContext(ctx, `SELECT `+scimUserColumns+` FROM users u JOIN sso_identities i ON i.user_id = u.id
		WHERE i.identity_provider_id = $1 AND u.id = $2`, int64(idpID), int64(userID)), &su)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fc.KindUser, userID)
	}
	if err != nil {
		return nil, err
	}
	su.Groups, err = scimGroupsOf(ctx, tx, idpID, userID)
	return &su, err
}

// SCIMUser returns a user linked to the identity provider.
func (s *Store) SCIMUser(ctx context.Context, idpID, userID fc.ID) (*fc.SCIMUser, error) {
	var su *fc.SCIMUser
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		su, err = s.findSCIMUser(ctx, tx, idpID, userID)
		return err
	})
	return su, err
}

// scimWhere appends the filter's predicate on the columns of its
// attributes.
func scimWhere(q *query, f fc.SCIMFilter, cols map[string]string, lower map[string]bool) error {
	if f.Attr == "" {
		return nil
	}
	col, ok := cols[f.Attr]
	if !ok {
		return fc.Errorf(fc.EInvalid, "filtering on %s is not supported", f.Attr)
	}
	if lower[f.Attr] {
		q.add(" AND LOWER(" + col + ") = ").arg(strings.ToLower(f.Value))
	} else {
		q.add(" AND " + col + " = ").arg(f.Value)
	}
	return nil
}

// SCIMUsers lists the users linked to the identity provider that match the
// filter, one page of them, and how many match in all.
func (s *Store) SCIMUsers(ctx context.Context, idpID fc.ID, f fc.SCIMFilter) ([]fc.SCIMUser, int, error) {
	cols := map[string]string{"userName": "i.user_name", "externalId": "i.external_id", "displayName": "u.name"}
	where := &query{}
	where.add(` FROM users u JOIN sso_identities i ON i.user_id = u.id WHERE i.identity_provider_id = `).arg(int64(idpID))
	if err := scimWhere(where, f, cols, map[string]bool{"userName": true}); err != nil {
		return nil, 0, err
	}
	var out []fc.SCIMUser
	total := 0
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*)`+where.String(), where.args...).Scan(&total); err != nil {
			return err
		}
		q := &query{args: where.args}
		q.add(`SELECT ` + scimUserColumns + where.String() + ` ORDER BY u.id LIMIT `).int(int64(max(f.Count, 0))).add(" OFFSET ").int(int64(max(f.Start, 0)))
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var su fc.SCIMUser
			if err := scanSCIMUser(rows, &su); err != nil {
				rows.Close()
				return err
			}
			out = append(out, su)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if out[i].Groups, err = scimGroupsOf(ctx, tx, idpID, out[i].User.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, total, err
}

// checkSCIMUser checks what a directory sets of a user: a userName, and an
// e-mail address of one of the identity provider's domains.
func checkSCIMUser(p *fc.IdentityProvider, su *fc.SCIMUser) error {
	fields := map[string]string{}
	su.UserName = strings.TrimSpace(su.UserName)
	checkText(fields, "userName", su.UserName, 300)
	checkText(fields, "externalId", su.ExternalID, 300)
	if su.UserName == "" {
		fields["userName"] = "is required"
	}
	if err := validateUser(&su.User); err != nil {
		for k, v := range fc.ErrorFields(err) {
			fields[k] = v
		}
	}
	_, domain, _ := strings.Cut(su.User.Email, "@")
	if _, bad := fields["email"]; !bad && !slices.Contains(p.Domains, domain) {
		fields["email"] = "is not an address of the identity provider's domains"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// userNameTaken reports whether another user of the identity provider has
// the userName, compared without case.
func userNameTaken(ctx context.Context, tx *sql.Tx, idpID fc.ID, userName string, exceptID fc.ID) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sso_identities WHERE identity_provider_id = $1 AND LOWER(user_name) = $2 AND user_id <> $3`,
		int64(idpID), strings.ToLower(userName), int64(exceptID)).Scan(&n)
	return n > 0, err
}

// CreateSCIMUser creates the user a directory provisions, or links the
// user of the provider with its address that no identity provider's
// directory holds yet.
func (s *Store) CreateSCIMUser(ctx context.Context, idpID fc.ID, su *fc.SCIMUser) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		p, err := s.identityProviderTx(ctx, tx, idpID)
		if err != nil {
			return err
		}
		if err := checkSCIMUser(p, su); err != nil {
			return err
		}
		if taken, err := userNameTaken(ctx, tx, p.ID, su.UserName, 0); err != nil || taken {
			if err == nil {
				err = fc.Errorf(fc.EConflict, "a user with the userName %s exists already", su.UserName)
			}
			return err
		}
		now := s.now()
		var existing fc.User
		err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.email = $1`, su.User.Email), &existing)
		switch {
		case err == nil && existing.ProviderID != p.ProviderID:
			return fc.Errorf(fc.EConflict, "a user with the e-mail address %s exists already", su.User.Email)
		case err == nil:
			var linked int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sso_identities WHERE user_id = $1`, int64(existing.ID)).Scan(&linked); err != nil {
				return err
			}
			if linked > 0 {
				return fc.Errorf(fc.EConflict, "a user with the e-mail address %s exists already", su.User.Email)
			}
			if err := linkable(ctx, tx, p, existing.ID); err != nil {
				return err
			}
			u := existing
			u.Name, u.Disabled = su.User.Name, su.User.Disabled
			if err := s.writeSCIMUser(ctx, tx, &existing, &u); err != nil {
				return err
			}
			su.User = u
		case errors.Is(err, sql.ErrNoRows):
			u := &su.User
			u.ProviderID, u.CreatedAt, u.UpdatedAt = p.ProviderID, now, now
			u.PasswordHash, u.TOTPSecret, u.TOTPEnabled, u.MustChangePassword = "", "", false, false
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (provider_id, email, name, disabled, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, int64(u.ProviderID), u.Email, u.Name, u.Disabled, ms(now), ms(now)).Scan(&u.ID); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, change{providerID: u.ProviderID, action: "user.create", kind: fc.KindUser, id: u.ID, after: u}); err != nil {
				return err
			}
		default:
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sso_identities (identity_provider_id, user_id, user_name, external_id, created_at)
			VALUES ($1, $2, $3, $4, $5)`, int64(p.ID), int64(su.User.ID), su.UserName, su.ExternalID, ms(now)); err != nil {
			return err
		}
		su.Groups = []fc.SCIMGroupRef{}
		return nil
	})
}

// writeSCIMUser stores the user's e-mail, name and disabled flag, audited;
// a deactivation ends its web sessions and revokes its API tokens at once.
func (s *Store) writeSCIMUser(ctx context.Context, tx *sql.Tx, before, u *fc.User) error {
	if u.Email != before.Email {
		taken, err := emailTaken(ctx, tx, u.Email, u.ID)
		if err != nil {
			return err
		}
		if taken {
			return fc.Errorf(fc.EConflict, "a user with the e-mail address %s exists already", u.Email)
		}
	}
	if u.Email == before.Email && u.Name == before.Name && u.Disabled == before.Disabled {
		return nil
	}
	now := s.now()
	if u.Disabled && !before.Disabled {
		if signsIn(before) {
			if err := keepAnAdmin(ctx, tx, u.ProviderID, u.ID); err != nil {
				return err
			}
		}
		if _, err := revokeUserSessions(ctx, tx, u.ID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, ms(now), int64(u.ID)); err != nil {
			return err
		}
	}
	u.UpdatedAt = now
	if _, err := tx.ExecContext(ctx, `UPDATE users SET email = $1, name = $2, disabled = $3, updated_at = $4 WHERE id = $5`,
		u.Email, u.Name, u.Disabled, ms(now), int64(u.ID)); err != nil {
		return err
	}
	return s.audit(ctx, tx, change{providerID: u.ProviderID, action: "user.update", kind: fc.KindUser, id: u.ID, before: before, after: u})
}

// UpdateSCIMUser applies fn to a user linked to the identity provider.
func (s *Store) UpdateSCIMUser(ctx context.Context, idpID, userID fc.ID, fn func(*fc.SCIMUser) error) (*fc.SCIMUser, error) {
	var out *fc.SCIMUser
	err := s.write(ctx, func(tx *sql.Tx) error {
		p, err := s.identityProviderTx(ctx, tx, idpID)
		if err != nil {
			return err
		}
		before, err := s.findSCIMUser(ctx, tx, idpID, userID)
		if err != nil {
			return err
		}
		su := *before
		if err := fn(&su); err != nil {
			return err
		}
		su.User.ID, su.User.ProviderID = before.User.ID, before.User.ProviderID
		if err := checkSCIMUser(p, &su); err != nil {
			return err
		}
		if taken, err := userNameTaken(ctx, tx, p.ID, su.UserName, su.User.ID); err != nil || taken {
			if err == nil {
				err = fc.Errorf(fc.EConflict, "a user with the userName %s exists already", su.UserName)
			}
			return err
		}
		if err := s.writeSCIMUser(ctx, tx, &before.User, &su.User); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sso_identities SET user_name = $1, external_id = $2 WHERE identity_provider_id = $3 AND user_id = $4`,
			su.UserName, su.ExternalID, int64(idpID), int64(userID)); err != nil {
			return err
		}
		out, err = s.findSCIMUser(ctx, tx, idpID, userID)
		return err
	})
	return out, err
}

// DeleteSCIMUser deactivates the user, takes the roles the identity
// provider's mapping gave it and its memberships, and unlinks it.
func (s *Store) DeleteSCIMUser(ctx context.Context, idpID, userID fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		p, err := s.identityProviderTx(ctx, tx, idpID)
		if err != nil {
			return err
		}
		su, err := s.findSCIMUser(ctx, tx, idpID, userID)
		if err != nil {
			return err
		}
		u := su.User
		u.Disabled = true
		if err := s.writeSCIMUser(ctx, tx, &su.User, &u); err != nil {
			return err
		}
		claims := &ssoClaims{IdentityProviderID: p.ID, Source: "scim", UserName: su.UserName, Groups: []string{}}
		if err := s.applyMapping(ctx, tx, p, &u, nil, claims, &fc.SSOOutcome{}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scim_group_members WHERE user_id = $1 AND group_id IN
			(SELECT id FROM scim_groups WHERE identity_provider_id = $2)`, int64(userID), int64(idpID)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sso_identities WHERE identity_provider_id = $1 AND user_id = $2`, int64(idpID), int64(userID))
		return err
	})
}

// reapply makes the mapped roles of a user of the identity provider those
// its SCIM groups give.
func (s *Store) reapply(ctx context.Context, tx *sql.Tx, p *fc.IdentityProvider, userID fc.ID) error {
	su, err := s.findSCIMUser(ctx, tx, p.ID, userID)
	if err != nil {
		return err
	}
	groups := []string{}
	for _, g := range su.Groups {
		groups = append(groups, g.DisplayName)
	}
	claims := &ssoClaims{IdentityProviderID: p.ID, Source: "scim", UserName: su.UserName, Groups: groups}
	return s.applyMapping(ctx, tx, p, &su.User, wantedRoles(p, groups), claims, &fc.SSOOutcome{})
}

func (s *Store) findSCIMGroup(ctx context.Context, tx *sql.Tx, idpID, id fc.ID) (*fc.SCIMGroup, error) {
	var g fc.SCIMGroup
	var created, updated int64
	err := tx.QueryRowContext(ctx, `SELECT id, identity_provider_id, display_name, external_id, created_at, updated_at FROM scim_groups
		WHERE identity_provider_id = $1 AND id = $2`, int64(idpID), int64(id)).
		Scan(&g.ID, &g.IdentityProviderID, &g.DisplayName, &g.ExternalID, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(kindSCIMGroup, id)
	}
	if err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	g.Members, err = groupMembers(ctx, tx, g.ID)
	return &g, err
}

func groupMembers(ctx context.Context, tx *sql.Tx, groupID fc.ID) ([]fc.ID, error) {
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM scim_group_members WHERE group_id = $1 ORDER BY user_id`, int64(groupID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []fc.ID{}
	for rows.Next() {
		var id fc.ID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SCIMGroup returns a group of the identity provider.
func (s *Store) SCIMGroup(ctx context.Context, idpID, id fc.ID) (*fc.SCIMGroup, error) {
	var g *fc.SCIMGroup
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		g, err = s.findSCIMGroup(ctx, tx, idpID, id)
		return err
	})
	return g, err
}

// SCIMGroups lists the groups of the identity provider that match the
// filter, one page of them, and how many match in all.
func (s *Store) SCIMGroups(ctx context.Context, idpID fc.ID, f fc.SCIMFilter) ([]fc.SCIMGroup, int, error) {
	where := &query{}
	where.add(` FROM scim_groups g WHERE g.identity_provider_id = `).arg(int64(idpID))
	if err := scimWhere(where, f, map[string]string{"displayName": "g.display_name", "externalId": "g.external_id"}, nil); err != nil {
		return nil, 0, err
	}
	var out []fc.SCIMGroup
	total := 0
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*)`+where.String(), where.args...).Scan(&total); err != nil {
			return err
		}
		q := &query{args: where.args}
		q.add(`SELECT g.id` + where.String() + ` ORDER BY g.id LIMIT `).int(int64(max(f.Count, 0))).add(" OFFSET ").int(int64(max(f.Start, 0)))
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		var ids []fc.ID
		for rows.Next() {
			var id fc.ID
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			g, err := s.findSCIMGroup(ctx, tx, idpID, id)
			if err != nil {
				return err
			}
			out = append(out, *g)
		}
		return nil
	})
	return out, total, err
}

// writeGroup checks and stores a group's name and members, and re-applies
// the mapping to every user who was or is a member.
func (s *Store) writeGroup(ctx context.Context, tx *sql.Tx, p *fc.IdentityProvider, g *fc.SCIMGroup, before []fc.ID) error {
	fields := map[string]string{}
	g.DisplayName = strings.TrimSpace(g.DisplayName)
	checkText(fields, "displayName", g.DisplayName, 300)
	checkText(fields, "externalId", g.ExternalID, 300)
	if g.DisplayName == "" {
		fields["displayName"] = "is required"
	}
	slices.Sort(g.Members)
	g.Members = slices.Compact(g.Members)
	for _, m := range g.Members {
		if _, err := s.findSCIMUser(ctx, tx, p.ID, m); err != nil {
			if fc.IsCode(err, fc.ENotFound) {
				fields["members"] = "names a user the directory did not provision: " + m.String()
				continue
			}
			return err
		}
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM scim_groups WHERE identity_provider_id = $1 AND display_name = $2 AND id <> $3`,
		int64(p.ID), g.DisplayName, int64(g.ID)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fc.Errorf(fc.EConflict, "a group named %s exists already", g.DisplayName)
	}
	g.UpdatedAt = s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE scim_groups SET display_name = $1, external_id = $2, updated_at = $3 WHERE id = $4`,
		g.DisplayName, g.ExternalID, ms(g.UpdatedAt), int64(g.ID)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM scim_group_members WHERE group_id = $1`, int64(g.ID)); err != nil {
		return err
	}
	for _, m := range g.Members {
		if _, err := tx.ExecContext(ctx, `INSERT INTO scim_group_members (group_id, user_id) VALUES ($1, $2)`, int64(g.ID), int64(m)); err != nil {
			return err
		}
	}
	for _, m := range slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(before), g.Members...)))) {
		if err := s.reapply(ctx, tx, p, m); err != nil {
			return err
		}
	}
	return s.audit(ctx, tx, change{providerID: p.ProviderID, action: kindSCIMGroup + ".update", kind: kindSCIMGroup, id: g.ID,
		orgID: p.OrganizationID, after: g})
}

// CreateSCIMGroup stores a new group of g.IdentityProviderID.
func (s *Store) CreateSCIMGroup(ctx context.Context, g *fc.SCIMGroup) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		p, err := s.identityProviderTx(ctx, tx, g.IdentityProviderID)
		if err != nil {
			return err
		}
		now := s.now()
		g.CreatedAt = now
		if err := tx.QueryRowContext(ctx, `INSERT INTO scim_groups (identity_provider_id, display_name, external_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, int64(p.ID), "", "", ms(now), ms(now)).Scan(&g.ID); err != nil {
			return err
		}
		return s.writeGroup(ctx, tx, p, g, nil)
	})
}

// UpdateSCIMGroup applies fn to a group of the identity provider.
func (s *Store) UpdateSCIMGroup(ctx context.Context, idpID, id fc.ID, fn func(*fc.SCIMGroup) error) (*fc.SCIMGroup, error) {
	var out *fc.SCIMGroup
	err := s.write(ctx, func(tx *sql.Tx) error {
		p, err := s.identityProviderTx(ctx, tx, idpID)
		if err != nil {
			return err
		}
		before, err := s.findSCIMGroup(ctx, tx, idpID, id)
		if err != nil {
			return err
		}
		g := *before
		g.Members = slices.Clone(before.Members)
		if err := fn(&g); err != nil {
			return err
		}
		g.ID, g.IdentityProviderID, g.CreatedAt = before.ID, before.IdentityProviderID, before.CreatedAt
		if err := s.writeGroup(ctx, tx, p, &g, before.Members); err != nil {
			return err
		}
		out = &g
		return nil
	})
	return out, err
}

// DeleteSCIMGroup removes a group; its former members lose what it gave.
func (s *Store) DeleteSCIMGroup(ctx context.Context, idpID, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		p, err := s.identityProviderTx(ctx, tx, idpID)
		if err != nil {
			return err
		}
		g, err := s.findSCIMGroup(ctx, tx, idpID, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scim_group_members WHERE group_id = $1`, int64(id)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scim_groups WHERE id = $1`, int64(id)); err != nil {
			return err
		}
		for _, m := range g.Members {
			if err := s.reapply(ctx, tx, p, m); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: p.ProviderID, action: kindSCIMGroup + ".delete", kind: kindSCIMGroup, id: g.ID,
			orgID: p.OrganizationID, before: g})
	})
}
