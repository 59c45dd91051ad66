package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// admitsCard is the SQL of fleetcharge.ChargeGroup.Admits for a restricted
// group: the group's access list names the card c, its account, or an
// organization above the account (a of the card). The group is g.
const admitsCard = `EXISTS (SELECT 1 FROM charge_group_access ga WHERE ga.charge_group_id = g.id AND (
	(ga.subject_kind = 'card' AND ga.subject_id = c.id) OR
	(ga.subject_kind = 'account' AND ga.subject_id = c.account_id) OR
	(ga.subject_kind = 'organization' AND ga.subject_id IN (SELECT oc.ancestor_id FROM org_closure oc WHERE oc.descendant_id = a.organization_id))))`

// DesiredLocalList returns the entries a station of the charge group
// should hold in its local list (fleetcharge.LocalListStore).
func (s *Store) DesiredLocalList(ctx context.Context, providerID, groupID fc.ID) ([]fc.LocalListEntry, error) {
	var out []fc.LocalListEntry
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		var kind string
		var public bool
		err := tx.QueryRowContext(ctx, `SELECT g.access, p.local_list_public FROM charge_groups g JOIN providers p ON p.id = g.provider_id
			WHERE g.id = $1 AND g.provider_id = $2`, int64(groupID), int64(providerID)).Scan(&kind, &public)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindChargeGroup, groupID)
		}
		if err != nil {
			return err
		}
		cond := admitsCard
		if kind == fc.AccessPublic {
			if !public {
				return nil
			}
			cond = "1=1"
		}
		// A card with a validity end carries it as the entry's expiry
		// date, so that the station refuses it from then on by itself; a
		// card past it is listed Expired.
		rows, err := tx.QueryContext(ctx, `SELECT c.internal_id, c.account_id, COALESCE(c.valid_until, ''), p.time_zone FROM cards c
			JOIN accounts a ON a.id = c.account_id JOIN providers p ON p.id = c.provider_id
			JOIN charge_groups g ON g.id = $1
			WHERE c.provider_id = $2 AND c.status = 'active' AND `+cond+` ORDER BY c.internal_id`, int64(groupID), int64(providerID))
		if err != nil {
			return err
		}
		defer rows.Close()
		now := s.now()
		for rows.Next() {
			var e fc.LocalListEntry
			var account fc.ID
			var validUntil, zone string
			if err := rows.Scan(&e.IDTag, &account, &validUntil, &zone); err != nil {
				return err
			}
			e.Status, e.ParentIDTag = fc.AuthAccepted, fc.AccountIDTag(account)
			if validUntil != "" {
				end, err := fc.DayEnd(validUntil, zoneLocation(zone))
				if err != nil {
					return err
				}
				e.ExpiryDate = &end
				if !now.Before(end) {
					e.Status = fc.AuthExpired
				}
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// maxLengthVariables is the SQL of the station's SendLocalListMaxLength as
// its device model holds it (OCPP 1.6 configuration key, OCPP 2.0.1
// LocalAuthListCtrlr.ItemsPerMessage).
const maxLengthVariables = `(SELECT MIN(dv.value) FROM device_variables dv WHERE dv.station_id = st.id AND dv.attribute_type = 'Actual' AND (
	(dv.component = 'Configuration' AND dv.variable = 'SendLocalListMaxLength') OR
	(dv.component = 'LocalAuthListCtrlr' AND dv.variable = 'ItemsPerMessage')))`

// LocalListStates returns stations' local list states
// (fleetcharge.LocalListStore).
func (s *Store) LocalListStates(ctx context.Context, providerID, stationID fc.ID, online bool) ([]fc.LocalListState, error) {
	q := &query{}
	q.add(`SELECT st.id, st.provider_id, st.charge_group_id, st.identity, st.ocpp_version, st.online,
		COALESCE(l.version, 0), COALESCE(l.state, 'pending'), COALESCE(l.error, ''), COALESCE(sn.hash, ''), COALESCE(sn.entries, 0),
		l.synced_at, l.attempted_at, COALESCE(l.clear_cache, FALSE), ` + maxLengthVariables + `
		FROM stations st LEFT JOIN local_lists l ON l.station_id = st.id LEFT JOIN local_list_snapshots sn ON sn.id = l.snapshot_id
		WHERE 1=1`)
	if providerID != 0 {
		q.add(" AND st.provider_id = ").arg(int64(providerID))
	}
	if stationID != 0 {
		q.add(" AND st.id = ").arg(int64(stationID))
	}
	if online {
		q.add(" AND st.online")
	}
	q.add(" ORDER BY st.id")
	return list(ctx, s, q, func(row rowScanner, v *fc.LocalListState) error {
		var synced, attempted sql.NullInt64
		var maxLength sql.NullString
		if err := row.Scan(&v.StationID, &v.ProviderID, &v.ChargeGroupID, &v.Identity, &v.OCPPVersion, &v.Online,
			&v.Version, &v.State, &v.Error, &v.Hash, &v.Entries, &synced, &attempted, &v.ClearCache, &maxLength); err != nil {
			return err
		}
		v.SyncedAt, v.AttemptedAt = fromNullMS(synced), fromNullMS(attempted)
		if n, err := strconv.Atoi(strings.TrimSpace(maxLength.String)); err == nil && n > 0 {
			v.MaxLength = n
		}
		return nil
	})
}

// LocalListEntries returns the acknowledged entries of the station's list
// (fleetcharge.LocalListStore).
func (s *Store) LocalListEntries(ctx context.Context, stationID fc.ID, cards *fc.Scope) ([]fc.LocalListEntry, int, error) {
	var out []fc.LocalListEntry
	var hidden int
	err := s.read(ctx, func(tx *sql.Tx) error {
		out, hidden = nil, 0
		q := &query{}
		q.add(`SELECT e.id_tag, e.status, e.expiry_at, e.parent_id_tag FROM local_lists l
			JOIN local_list_snapshot_entries e ON e.snapshot_id = l.snapshot_id WHERE l.station_id = `).arg(int64(stationID))
		if cards != nil {
			q.add(` AND EXISTS (SELECT 1 FROM cards c WHERE c.provider_id = `).arg(int64(cards.ProviderID)).
				add(` AND c.internal_id = e.id_tag AND `).reach("c.account_id", cards.Reach).add(")")
		}
		q.add(" ORDER BY e.id_tag")
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e fc.LocalListEntry
			var expiry sql.NullInt64
			if err := rows.Scan(&e.IDTag, &e.Status, &expiry, &e.ParentIDTag); err != nil {
				return err
			}
			e.ExpiryDate = fromNullMS(expiry)
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var total int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM local_lists l JOIN local_list_snapshot_entries e ON e.snapshot_id = l.snapshot_id
			WHERE l.station_id = $1`, int64(stationID)).Scan(&total); err != nil {
			return err
		}
		hidden = total - len(out)
		return nil
	})
	return out, hidden, err
}

// snapshotBatch is how many entries one INSERT of a snapshot's entries
// carries (five parameters each, within PostgreSQL's 65,535).
const snapshotBatch = 500

// RecordLocalList stores the outcome of a sync (fleetcharge.LocalListStore).
// The content is kept as a snapshot shared by every station of the
// provider holding the same entries; a snapshot no station holds any more
// is dropped.
func (s *Store) RecordLocalList(ctx context.Context, stationID fc.ID, r fc.LocalListRecord) error {
	switch r.State {
	case fc.LocalListPending, fc.LocalListSynced, fc.LocalListFailed, fc.LocalListNotSupported:
	default:
		return fc.Errorf(fc.EInvalid, "local list state %q", r.State)
	}
	hash := ""
	if r.Known && !r.KeepContent {
		hash = fc.LocalListHash(r.Entries)
	}
	return s.writeState(ctx, func(tx *sql.Tx) error {
		st, err := chargingStation(ctx, tx, stationID)
		if err != nil {
			return err
		}
		var snapshot sql.NullInt64
		if r.KeepContent {
			err := tx.QueryRowContext(ctx, `SELECT snapshot_id FROM local_lists WHERE station_id = $1`, int64(stationID)).Scan(&snapshot)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		} else if r.Known {
			id, err := s.localListSnapshot(ctx, tx, st.ProviderID, hash, r)
			if err != nil {
				return err
			}
			snapshot = sql.NullInt64{Int64: id, Valid: true}
		}
		var synced any
		if r.Synced {
			synced = ms(r.At)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO local_lists (station_id, version, snapshot_id, state, error, synced_at, attempted_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (station_id) DO UPDATE SET version = excluded.version, snapshot_id = excluded.snapshot_id, state = excluded.state,
			error = excluded.error, synced_at = COALESCE(excluded.synced_at, local_lists.synced_at), attempted_at = excluded.attempted_at,
			updated_at = excluded.updated_at`,
			int64(stationID), r.Version, snapshot, r.State, clip(r.Error, 500), synced, ms(r.At), ms(s.now())); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM local_list_snapshots WHERE provider_id = $1 AND id <> $2
			AND NOT EXISTS (SELECT 1 FROM local_lists l WHERE l.snapshot_id = local_list_snapshots.id)`, int64(st.ProviderID), snapshot.Int64)
		return err
	})
}

// localListSnapshot returns the provider's snapshot with this hash,
// storing it with r's entries if it is new.
func (s *Store) localListSnapshot(ctx context.Context, tx *sql.Tx, providerID fc.ID, hash string, r fc.LocalListRecord) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO local_list_snapshots (provider_id, hash, entries, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (provider_id, hash) DO NOTHING RETURNING id`, int64(providerID), hash, len(r.Entries), ms(s.now())).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `SELECT id FROM local_list_snapshots WHERE provider_id = $1 AND hash = $2`, int64(providerID), hash).Scan(&id)
		return id, err
	}
	if err != nil {
		return 0, err
	}
	for start := 0; start < len(r.Entries); start += snapshotBatch {
		batch := r.Entries[start:min(start+snapshotBatch, len(r.Entries))]
		q := &query{}
		q.add(`INSERT INTO local_list_snapshot_entries (snapshot_id, id_tag, status, expiry_at, parent_id_tag) VALUES `)
		for i, e := range batch {
			if i > 0 {
				q.add(", ")
			}
			q.add("(").int(id).add(", ").arg(e.IDTag).add(", ").arg(e.Status).add(", ").arg(msPtr(e.ExpiryDate)).add(", ").arg(e.ParentIDTag).add(")")
		}
		if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// MarkClearCache flags for ClearCache the stations that may have the card
// cached (fleetcharge.LocalListStore).
func (s *Store) MarkClearCache(ctx context.Context, providerID, cardID fc.ID) (int, error) {
	var n int64
	err := s.writeState(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO local_lists (station_id, clear_cache, updated_at)
			SELECT st.id, TRUE, $1 FROM stations st WHERE st.provider_id = $2 AND (
				st.id IN (SELECT se.station_id FROM sessions se WHERE se.card_id = $3) OR
				st.charge_group_id IN (SELECT g.id FROM charge_groups g, cards c JOIN accounts a ON a.id = c.account_id
					WHERE g.provider_id = $4 AND c.id = $5 AND (g.access = 'public' OR `+admitsCard+`)))
				AND EXISTS (SELECT 1 FROM cards c WHERE c.id = $6 AND c.provider_id = $7 AND c.status <> 'active')
			ON CONFLICT (station_id) DO UPDATE SET clear_cache = TRUE, updated_at = excluded.updated_at`,
			ms(s.now()), int64(providerID), int64(cardID), int64(providerID), int64(cardID), int64(cardID), int64(providerID))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// CacheCleared takes the ClearCache flag off the station
// (fleetcharge.LocalListStore).
func (s *Store) CacheCleared(ctx context.Context, stationID fc.ID) error {
	return s.writeState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE local_lists SET clear_cache = FALSE, updated_at = $1 WHERE station_id = $2`, ms(s.now()), int64(stationID))
		return err
	})
}

// LocalListPublic reads the provider's setting (fleetcharge.LocalListStore).
func (s *Store) LocalListPublic(ctx context.Context, providerID fc.ID) (bool, error) {
	var on bool
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT local_list_public FROM providers WHERE id = $1`, int64(providerID)).Scan(&on)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindProvider, providerID)
		}
		return err
	})
	return on, err
}

// SetLocalListPublic sets the provider's setting, with its audit event
// (fleetcharge.LocalListStore).
func (s *Store) SetLocalListPublic(ctx context.Context, providerID fc.ID, on bool) error {
	type setting struct {
		LocalListPublic bool `json:"local_list_public"`
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var before bool
		err := tx.QueryRowContext(ctx, `SELECT local_list_public FROM providers WHERE id = $1`, int64(providerID)).Scan(&before)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindProvider, providerID)
		}
		if err != nil || before == on {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE providers SET local_list_public = $1 WHERE id = $2`, on, int64(providerID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: providerID, action: "provider.update", kind: fc.KindProvider, id: providerID,
			before: setting{before}, after: setting{on}})
	})
}
