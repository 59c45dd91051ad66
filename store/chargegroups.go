package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

const groupColumns = `g.id, g.provider_id, g.account_id, g.name, g.kind, g.access, g.currency,
	g.per_kwh_micros, g.per_minute_micros, g.start_fee_micros, g.load_priority, g.roaming, g.created_at, g.updated_at`

func scanGroup(row rowScanner, g *fc.ChargeGroup) error {
	var created, updated int64
	if err := row.Scan(&g.ID, &g.ProviderID, &g.AccountID, &g.Name, &g.Kind, &g.Access, &g.Tariff.Currency,
		&g.Tariff.PerKWhMicros, &g.Tariff.PerMinuteMicros, &g.Tariff.StartFeeMicros, &g.LoadPriority, &g.Roaming, &created, &updated); err != nil {
		return err
	}
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

// maxPriceMicros bounds each tariff price (one million currency units) so
// that pricing a session cannot overflow.
const maxPriceMicros = 1_000_000 * 1_000_000

// maxAllowedIDs bounds each list of subjects a restricted charge group
// admits; more is a job for an organization than for a list.
const maxAllowedIDs = 10_000

// The subject kinds of charge_group_access rows.
const (
	subjectAccount      = "account"
	subjectOrganization = "organization"
	subjectCard         = "card"
)

func validateGroup(g *fc.ChargeGroup) error {
	g.Name = strings.TrimSpace(g.Name)
	g.Kind = strings.TrimSpace(g.Kind)
	g.Access = strings.TrimSpace(g.Access)
	g.Tariff.Currency = strings.ToUpper(strings.TrimSpace(g.Tariff.Currency))
	g.AllowedAccountIDs = normIDs(g.AllowedAccountIDs)
	g.AllowedOrganizationIDs = normIDs(g.AllowedOrganizationIDs)
	g.AllowedCardIDs = normIDs(g.AllowedCardIDs)
	fields := map[string]string{}
	if g.AccountID <= 0 {
		fields["account_id"] = "is required"
	}
	checkName(fields, "name", g.Name)
	switch g.Kind {
	case fc.GroupHome, fc.GroupOther:
	case "":
		fields["kind"] = "is required"
	default:
		fields["kind"] = "must be home or other"
	}
	switch g.Access {
	case fc.AccessPublic, fc.AccessRestricted:
	case "":
		fields["access"] = "is required"
	default:
		fields["access"] = "must be public or restricted"
	}
	if !isCurrencyCode(g.Tariff.Currency) {
		fields["tariff.currency"] = "must be an ISO 4217 code of 3 letters"
	}
	for field, v := range map[string]int64{
		"tariff.per_kwh":    g.Tariff.PerKWhMicros,
		"tariff.per_minute": g.Tariff.PerMinuteMicros,
		"tariff.start_fee":  g.Tariff.StartFeeMicros,
	} {
		switch {
		case v < 0:
			fields[field] = "must not be negative"
		case v > maxPriceMicros:
			fields[field] = "must be at most 1000000"
		}
	}
	validateTariff(&g.Tariff, fields)
	if g.LoadPriority < fc.MinLoadPriority || g.LoadPriority > fc.MaxLoadPriority {
		fields["load_priority"] = "must be from " + strconv.Itoa(fc.MinLoadPriority) + " to " + strconv.Itoa(fc.MaxLoadPriority)
	}
	for field, ids := range map[string][]fc.ID{
		"allowed_account_ids":      g.AllowedAccountIDs,
		"allowed_organization_ids": g.AllowedOrganizationIDs,
		"allowed_card_ids":         g.AllowedCardIDs,
	} {
		switch {
		case len(ids) > 0 && ids[0] <= 0:
			fields[field] = "holds an invalid ID"
		case len(ids) > maxAllowedIDs:
			fields[field] = "holds more than " + strconv.Itoa(maxAllowedIDs) + " IDs"
		}
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// normIDs returns ids sorted without repeats, never nil.
func normIDs(ids []fc.ID) []fc.ID {
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []fc.ID{}
	}
	return out
}

// checkGroupRefs checks what a charge group names: its account and every
// account, organization and card it admits, all in the group's provider. It
// returns the group's account.
func (s *Store) checkGroupRefs(ctx context.Context, tx *sql.Tx, g *fc.ChargeGroup) (*fc.Account, error) {
	a, err := s.refAccount(ctx, tx, g.ProviderID, g.AccountID)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	for _, ref := range []struct {
		field, table, noun string
		ids                []fc.ID
	}{
		{"allowed_account_ids", "accounts", "account", g.AllowedAccountIDs},
		{"allowed_organization_ids", "organizations", "organization", g.AllowedOrganizationIDs},
		{"allowed_card_ids", "cards", "card", g.AllowedCardIDs},
	} {
		missing, err := missingIDs(ctx, tx, ref.table, g.ProviderID, ref.ids)
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			fields[ref.field] = "no such " + ref.noun + ": " + joinIDs(missing)
		}
	}
	if len(fields) > 0 {
		return nil, fc.Invalid(fields)
	}
	return a, nil
}

// missingIDs returns the ids (sorted) that name no row of table in the
// provider. table is one of ours, never input.
func missingIDs(ctx context.Context, tx *sql.Tx, table string, providerID fc.ID, ids []fc.ID) ([]fc.ID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q := &query{}
	q.add("SELECT id FROM " + table + " WHERE provider_id = ").arg(int64(providerID)).add(" AND id IN ").ids(ids)
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := map[fc.ID]bool{}
	for rows.Next() {
		var id fc.ID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var missing []fc.ID
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

func joinIDs(ids []fc.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, ", ")
}

// writeGroupAccess replaces the subjects the group admits.
func writeGroupAccess(ctx context.Context, tx *sql.Tx, g *fc.ChargeGroup) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM charge_group_access WHERE charge_group_id = $1`, int64(g.ID)); err != nil {
		return err
	}
	for kind, ids := range map[string][]fc.ID{
		subjectAccount:      g.AllowedAccountIDs,
		subjectOrganization: g.AllowedOrganizationIDs,
		subjectCard:         g.AllowedCardIDs,
	} {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO charge_group_access (charge_group_id, subject_kind, subject_id) VALUES ($1, $2, $3)`,
				int64(g.ID), kind, int64(id)); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadGroupAccess fills the allowed lists of every group in gs with one
// query.
func loadGroupAccess(ctx context.Context, tx *sql.Tx, gs []fc.ChargeGroup) error {
	if len(gs) == 0 {
		return nil
	}
	at := make(map[fc.ID]*fc.ChargeGroup, len(gs))
	ids := make([]fc.ID, len(gs))
	for i := range gs {
		g := &gs[i]
		g.AllowedAccountIDs, g.AllowedOrganizationIDs, g.AllowedCardIDs = []fc.ID{}, []fc.ID{}, []fc.ID{}
		at[g.ID], ids[i] = g, g.ID
	}
	q := &query{}
	q.add(`SELECT charge_group_id, subject_kind, subject_id FROM charge_group_access WHERE charge_group_id IN `).ids(ids).
		add(" ORDER BY charge_group_id, subject_kind, subject_id")
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var groupID, subjectID fc.ID
		var kind string
		if err := rows.Scan(&groupID, &kind, &subjectID); err != nil {
			return err
		}
		g := at[groupID]
		switch kind {
		case subjectAccount:
			g.AllowedAccountIDs = append(g.AllowedAccountIDs, subjectID)
		case subjectOrganization:
			g.AllowedOrganizationIDs = append(g.AllowedOrganizationIDs, subjectID)
		case subjectCard:
			g.AllowedCardIDs = append(g.AllowedCardIDs, subjectID)
		}
	}
	return rows.Err()
}

// CreateChargeGroup creates a charge group of an account of g.ProviderID with
// its access lists and tariff.
func (s *Store) CreateChargeGroup(ctx context.Context, g *fc.ChargeGroup) error {
	if err := validateGroup(g); err != nil {
		return err
	}
	now := s.now()
	g.CreatedAt, g.UpdatedAt = now, now
	return s.write(ctx, func(tx *sql.Tx) error {
		a, err := s.checkGroupRefs(ctx, tx, g)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO charge_groups (provider_id, account_id, name, kind, access, currency,
			per_kwh_micros, per_minute_micros, start_fee_micros, load_priority, roaming, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			int64(g.ProviderID), int64(g.AccountID), g.Name, g.Kind, g.Access, g.Tariff.Currency,
			g.Tariff.PerKWhMicros, g.Tariff.PerMinuteMicros, g.Tariff.StartFeeMicros, g.LoadPriority, g.Roaming, ms(now), ms(now)).Scan(&g.ID)
		if err != nil {
			return err
		}
		if err := writeGroupAccess(ctx, tx, g); err != nil {
			return err
		}
		// The first version is valid from always.
		if err := insertTariffVersion(ctx, tx, g, fromMS(0), now); err != nil {
			return err
		}
		if err := groupPublication(ctx, tx, nil, g, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: g.ProviderID, action: "charge_group.create", kind: fc.KindChargeGroup, id: g.ID,
			orgID: a.OrganizationID, accountID: a.ID, after: g})
	})
}

// findGroup reads one charge group within the scope, with its access lists.
func (s *Store) findGroup(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.ChargeGroup, error) {
	q := &query{}
	q.add(`SELECT `+groupColumns+` FROM charge_groups g WHERE g.id = `).arg(int64(id)).
		add(" AND g.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ").reach("g.account_id", sc.Reach)
	gs := make([]fc.ChargeGroup, 1)
	if err := scanGroup(tx.QueryRowContext(ctx, q.String(), q.args...), &gs[0]); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindChargeGroup, id)
		}
		return nil, err
	}
	if err := loadGroupAccess(ctx, tx, gs); err != nil {
		return nil, err
	}
	if err := loadGroupTariffs(ctx, tx, gs, s.now()); err != nil {
		return nil, err
	}
	return &gs[0], nil
}

// ChargeGroup returns one charge group with its access lists and tariff.
func (s *Store) ChargeGroup(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.ChargeGroup, error) {
	var g *fc.ChargeGroup
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		g, err = s.findGroup(ctx, tx, sc, id)
		return err
	})
	return g, err
}

// ChargeGroups lists the charge groups within the scope, with their access
// lists and tariffs.
func (s *Store) ChargeGroups(ctx context.Context, sc fc.Scope, f fc.ChargeGroupFilter) ([]fc.ChargeGroup, error) {
	search, err := searchPattern(f.Search)
	if err != nil {
		return nil, err
	}
	q := &query{}
	q.add(`SELECT `+groupColumns+` FROM charge_groups g WHERE g.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").reach("g.account_id", sc.Reach).scoped()
	if f.AccountID != 0 {
		q.add(" AND g.account_id = ").arg(int64(f.AccountID))
	}
	if search != "" {
		q.add(" AND ").like("LOWER(g.name)", "%"+search+"%")
	}
	q.sortable(s.dialect, chargeGroupSorts).page("g.id", f.Page)
	var out []fc.ChargeGroup
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
			var g fc.ChargeGroup
			if err := scanGroup(rows, &g); err != nil {
				return err
			}
			out = append(out, g)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if err := loadGroupTariffs(ctx, tx, out, s.now()); err != nil {
			return err
		}
		return loadGroupAccess(ctx, tx, out)
	})
	return inOrder(q, out), err
}

// UpdateChargeGroup applies fn to the charge group and stores the result,
// access lists and tariff included. Moving the group to another account is a
// migration, not an update.
func (s *Store) UpdateChargeGroup(ctx context.Context, sc fc.Scope, id fc.ID, fn func(*fc.ChargeGroup) error) (*fc.ChargeGroup, error) {
	var after *fc.ChargeGroup
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := s.findGroup(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		g := *before
		g.AllowedAccountIDs = slices.Clone(before.AllowedAccountIDs)
		g.AllowedOrganizationIDs = slices.Clone(before.AllowedOrganizationIDs)
		g.AllowedCardIDs = slices.Clone(before.AllowedCardIDs)
		if err := fn(&g); err != nil {
			return err
		}
		g.ID, g.ProviderID, g.CreatedAt = before.ID, before.ProviderID, before.CreatedAt
		if err := validateGroup(&g); err != nil {
			return err
		}
		if g.AccountID != before.AccountID {
			return fc.Errorf(fc.EUnprocessable, "charge group %s cannot change account in an update: use a migration", id)
		}
		a, err := s.checkGroupRefs(ctx, tx, &g)
		if err != nil {
			return err
		}
		g.UpdatedAt = s.now()
		live := before.Tariff // the columns keep the version in effect now
		if !before.Tariff.SamePrices(g.Tariff) {
			// A new version, from the valid_from the caller set, else now;
			// the sessions that started before keep theirs.
			from := g.Tariff.ValidFrom
			if from.IsZero() || from.Equal(before.Tariff.ValidFrom) {
				from = g.UpdatedAt
			}
			if err := insertTariffVersion(ctx, tx, &g, from.UTC().Truncate(time.Millisecond), g.UpdatedAt); err != nil {
				return err
			}
			if g.Roaming && from.After(g.UpdatedAt) {
				// Partners get the new version when it takes effect.
				if err := queueTariffAt(ctx, tx, g.ProviderID, g.ID, from.UTC().Truncate(time.Millisecond)); err != nil {
					return err
				}
			}
			gs := []fc.ChargeGroup{g}
			if err := loadGroupTariffs(ctx, tx, gs, g.UpdatedAt); err != nil {
				return err
			}
			live = gs[0].Tariff
		}
		if _, err := tx.ExecContext(ctx, `UPDATE charge_groups SET name = $1, kind = $2, access = $3, currency = $4,
			per_kwh_micros = $5, per_minute_micros = $6, start_fee_micros = $7, load_priority = $8, roaming = $9, updated_at = $10 WHERE id = $11`,
			g.Name, g.Kind, g.Access, live.Currency, live.PerKWhMicros, live.PerMinuteMicros, live.StartFeeMicros,
			g.LoadPriority, g.Roaming, ms(g.UpdatedAt), int64(g.ID)); err != nil {
			return err
		}
		g.Tariff = live
		if err := writeGroupAccess(ctx, tx, &g); err != nil {
			return err
		}
		after = &g
		if err := groupPublication(ctx, tx, before, after, g.UpdatedAt); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: g.ProviderID, action: "charge_group.update", kind: fc.KindChargeGroup, id: g.ID,
			orgID: a.OrganizationID, accountID: a.ID, before: before, after: after})
	})
	return after, err
}

// DeleteChargeGroup deletes a charge group that no station belongs to.
func (s *Store) DeleteChargeGroup(ctx context.Context, sc fc.Scope, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		g, err := s.findGroup(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		var stations int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM stations WHERE charge_group_id = $1`, int64(id)).Scan(&stations); err != nil {
			return err
		}
		if stations > 0 {
			return fc.Errorf(fc.EUnprocessable, "charge group %s still has %d stations", id, stations)
		}
		a, err := s.refAccount(ctx, tx, g.ProviderID, g.AccountID)
		if err != nil {
			return err
		}
		if err := groupPublication(ctx, tx, g, nil, s.now()); err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM charge_group_access WHERE charge_group_id = $1`,
			`DELETE FROM charge_groups WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, int64(id)); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: g.ProviderID, action: "charge_group.delete", kind: fc.KindChargeGroup, id: id,
			orgID: a.OrganizationID, accountID: a.ID, before: g})
	})
}
