package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The OCPI Sessions module, CPO role (fleetcharge.OCPISessionStore): the
// sessions charged with a partner's token at our roaming stations, pushed
// to that partner as they start, meter and stop.

// sessionKeyPrefix starts the outbox key of a session's push.
const sessionKeyPrefix = "session:"

// cdrKeyPrefix starts the outbox key of a session's CDR.
const cdrKeyPrefix = "cdr:"

// sessionAuthorization selects the ID of the eMSP's authorization that is
// the session s's: of its idTag at its station, at most
// fc.OCPIAuthorizationWindow before the session was stored, the latest,
// and no other session of the idTag stored there after it and before s
// (that one took it). NULL when the token was admitted by its whitelist.
var sessionAuthorization = `(SELECT au.id FROM ocpi_authorizations au
	WHERE au.station_id = s.station_id AND au.uid = s.id_tag AND au.created_at <= s.created_at
	AND au.created_at >= s.created_at - ` + strconv.FormatInt(fc.OCPIAuthorizationWindow.Milliseconds(), 10) + `
	AND NOT EXISTS (SELECT 1 FROM sessions e WHERE e.station_id = s.station_id AND e.id_tag = s.id_tag
		AND e.id < s.id AND e.created_at >= au.created_at)
	ORDER BY au.created_at DESC, au.id DESC LIMIT 1)`

// sessionOwner selects, for the session s, the partner of s's provider
// whose token charged it: the partner that authorized it (the session's
// authorization), else the one with a valid token of the idTag first, then
// the latest token. queueCDR sends the CDR to the same partner.
var sessionOwner = `COALESCE((SELECT ap.id FROM ocpi_authorizations aa JOIN ocpi_partners ap ON ap.id = aa.partner_id
	WHERE aa.id = ` + sessionAuthorization + ` AND ap.status IN ('connected', 'suspended')),
	(SELECT t.partner_id FROM ocpi_tokens t JOIN ocpi_partners p ON p.id = t.partner_id
	WHERE t.uid = s.id_tag AND p.provider_id = s.provider_id AND p.status IN ('connected', 'suspended')
	ORDER BY CASE WHEN t.valid THEN 0 ELSE 1 END, t.last_updated DESC, t.partner_id LIMIT 1))`

// RecordOCPIAuthorization keeps an eMSP's authorization of its token at a
// station of the partner's provider (fleetcharge.OCPISessionStore).
func (s *Store) RecordOCPIAuthorization(ctx context.Context, a fc.OCPIAuthorization) error {
	fields := map[string]string{}
	if a.Method != fc.OCPIAuthRequest && a.Method != fc.OCPIAuthCommand {
		fields["method"] = "must be AUTH_REQUEST or COMMAND"
	}
	for name, v := range map[string]string{"country_code": a.CountryCode, "party_id": a.PartyID, "uid": a.UID, "type": a.Type} {
		if v == "" {
			fields[name] = "is required"
		}
		checkText(fields, name, v, maxCodeLen)
	}
	checkText(fields, "reference", a.Reference, maxCodeLen)
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO ocpi_authorizations (partner_id, station_id, country_code, party_id, uid, type,
			method, reference, created_at)
			SELECT p.id, st.id, $1, $2, $3, $4, $5, $6, $7 FROM ocpi_partners p JOIN stations st ON st.provider_id = p.provider_id
			WHERE p.id = $8 AND st.id = $9`,
			a.CountryCode, a.PartyID, a.UID, a.Type, a.Method, a.Reference, ms(now), int64(a.PartnerID), int64(a.StationID))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fc.Errorf(fc.ENotFound, "no station %s of partner %s's provider", a.StationID, a.PartnerID)
		}
		return nil
	})
}

// sessionLastUpdated is the latest change of the session s: its start or
// stop (updated_at), or its latest meter reading.
const sessionLastUpdated = `CASE WHEN s.last_meter_at IS NOT NULL AND s.last_meter_at > s.updated_at THEN s.last_meter_at ELSE s.updated_at END`

// queueSession queues, within tx, a push of the session to the partner
// whose token charged it at a roaming station, when that partner has a
// sessions receiver; nothing for any other session. Called by the writes
// that start a session, keep a meter reading of it, or stop it. The push
// names the session only (it is built when sent), so two waiting messages
// are enough: the first may be on its way, the second, not yet sent, will
// carry every later change.
func queueSession(ctx context.Context, tx *sql.Tx, sessionID fc.ID, now time.Time) error {
	key := sessionKeyPrefix + sessionID.String()
	_, err := tx.ExecContext(ctx, `INSERT INTO ocpi_outbox (partner_id, module, object_key, method, path, body, attempts, next_at, last_error, created_at)
		SELECT x.partner_id, 'sessions', $1, 'PUT', '', '', 0, $2, '', $3 FROM (
			SELECT `+sessionOwner+` AS partner_id FROM sessions s
			JOIN stations st ON st.id = s.station_id
			JOIN charge_groups g ON g.id = st.charge_group_id AND g.roaming
			WHERE s.id = $4 AND s.card_id IS NULL AND s.id_tag <> '') x
		JOIN ocpi_partners p ON p.id = x.partner_id AND p.endpoints LIKE $5
		WHERE (SELECT COUNT(*) FROM ocpi_outbox o WHERE o.partner_id = x.partner_id AND o.module = 'sessions'
			AND o.object_key = $6 AND o.body = '') < 2`,
		key, ms(now), ms(now), int64(sessionID), `%{"identifier":"sessions","role":"RECEIVER"%`, key)
	return err
}

// RoamingSession reads a session charged with one of the partner's tokens
// (fleetcharge.OCPISessionStore): the partner is the session's owner
// (sessionOwner), the one that authorized it or else the one whose token
// of the idTag counts first, so that of two partners with the same UID
// only one reads it.
func (s *Store) RoamingSession(ctx context.Context, partnerID, sessionID fc.ID) (*fc.RoamingSession, error) {
	var out *fc.RoamingSession
	err := s.read(ctx, func(tx *sql.Tx) error {
		var providerID int64
		if err := tx.QueryRowContext(ctx, `SELECT provider_id FROM ocpi_partners WHERE id = $1`, int64(partnerID)).Scan(&providerID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound(fc.KindOCPIPartner, partnerID)
			}
			return err
		}
		var owner sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT `+sessionOwner+` FROM sessions s WHERE s.id = $1 AND s.provider_id = $2`,
			int64(sessionID), providerID).Scan(&owner)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if !owner.Valid || fc.ID(owner.Int64) != partnerID {
			return fc.Errorf(fc.ENotFound, "no session %s charged with a token of partner %s", sessionID, partnerID)
		}
		all, err := roamingSessions(ctx, tx, fc.ID(providerID), partnerID, []fc.ID{sessionID})
		if err != nil {
			return err
		}
		if len(all) == 0 {
			return fc.Errorf(fc.ENotFound, "no session %s charged with a token of partner %s", sessionID, partnerID)
		}
		out = &all[0]
		return nil
	})
	return out, err
}

// RoamingSessions lists a page of the sessions charged with the partner's
// tokens at the provider's roaming stations (fleetcharge.OCPISessionStore).
func (s *Store) RoamingSessions(ctx context.Context, providerID, partnerID fc.ID, from, to time.Time, offset, limit int) ([]fc.RoamingSession, int, error) {
	where := &query{}
	where.add(` FROM sessions s JOIN stations st ON st.id = s.station_id
		JOIN charge_groups g ON g.id = st.charge_group_id AND g.roaming
		WHERE s.provider_id = `).arg(int64(providerID)).
		add(` AND s.card_id IS NULL AND s.id_tag IN (SELECT uid FROM ocpi_tokens WHERE partner_id = `).arg(int64(partnerID)).
		add(`) AND ` + sessionOwner + ` = `).arg(int64(partnerID))
	if !from.IsZero() {
		where.add(` AND ` + sessionLastUpdated + ` >= `).arg(ms(from))
	}
	if !to.IsZero() {
		where.add(` AND ` + sessionLastUpdated + ` < `).arg(ms(to))
	}
	if limit <= 0 {
		limit = fc.DefaultPageSize
	}
	var out []fc.RoamingSession
	var total int
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*)`+where.String(), where.args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT s.id`+where.String()+` ORDER BY `+sessionLastUpdated+`, s.id LIMIT `+
			strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(max(offset, 0)), where.args...)
		if err != nil {
			return err
		}
		var ids []fc.ID
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, fc.ID(id))
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		out, err = roamingSessions(ctx, tx, providerID, partnerID, ids)
		return err
	})
	return out, total, err
}

// roamingSessions reads the provider's sessions with the IDs, in that
// order, with their latest meter reading, their station's tariff and the
// partner's token with their idTag; a session without such a token is
// left out.
func roamingSessions(ctx context.Context, tx *sql.Tx, providerID, partnerID fc.ID, ids []fc.ID) ([]fc.RoamingSession, error) {
	byID := make(map[fc.ID]*fc.RoamingSession, len(ids))
	q := &query{}
	selectSessions(q, fc.Everything).add(" WHERE s.provider_id = ").arg(int64(providerID)).add(" AND s.id IN ").ids(ids)
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var x fc.RoamingSession
		if err := scanSession(rows, &x.Session); err != nil {
			rows.Close()
			return nil, err
		}
		byID[x.Session.ID] = &x
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil || len(byID) == 0 {
		return nil, err
	}

	q = &query{}
	q.add(`SELECT s.id, s.last_meter_wh, s.last_meter_at, COALESCE(g.currency, ''), COALESCE(g.per_kwh_micros, 0),
		COALESCE(g.per_minute_micros, 0), COALESCE(g.start_fee_micros, 0), ` + sessionLastUpdated + `
		FROM sessions s LEFT JOIN stations st ON st.id = s.station_id LEFT JOIN charge_groups g ON g.id = st.charge_group_id
		WHERE s.id IN `).ids(ids)
	rows, err = tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, updated int64
		var meter, meterAt sql.NullInt64
		var t fc.Tariff
		if err := rows.Scan(&id, &meter, &meterAt, &t.Currency, &t.PerKWhMicros, &t.PerMinuteMicros, &t.StartFeeMicros, &updated); err != nil {
			rows.Close()
			return nil, err
		}
		x := byID[fc.ID(id)]
		if x == nil {
			continue
		}
		x.Tariff, x.LastUpdated = t, fromMS(updated)
		if meter.Valid {
			x.LastMeterWh = &meter.Int64
		}
		if meterAt.Valid {
			x.LastMeterAt = fromMS(meterAt.Int64)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// The sessions' authorizations by the partner: they name the token.
	q = &query{}
	q.add(`SELECT s.id, a.partner_id, a.station_id, a.country_code, a.party_id, a.uid, a.type, a.method, a.reference, a.created_at
		FROM sessions s JOIN ocpi_authorizations a ON a.id = ` + sessionAuthorization + `
		WHERE s.id IN `).ids(ids).add(` AND a.partner_id = `).arg(int64(partnerID))
	rows, err = tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, created int64
		var a fc.OCPIAuthorization
		if err := rows.Scan(&id, &a.PartnerID, &a.StationID, &a.CountryCode, &a.PartyID, &a.UID, &a.Type, &a.Method, &a.Reference, &created); err != nil {
			rows.Close()
			return nil, err
		}
		a.CreatedAt = fromMS(created)
		if x := byID[fc.ID(id)]; x != nil {
			x.Authorization = &a
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// The partner's tokens with the sessions' idTags, the valid and latest
	// of a UID first.
	q = &query{}
	q.add(`SELECT ` + ocpiTokenColumns + ` FROM ocpi_tokens t WHERE t.partner_id = `).arg(int64(partnerID)).
		add(` AND t.uid IN (SELECT s.id_tag FROM sessions s WHERE s.id IN `).ids(ids).
		add(`) ORDER BY t.uid, CASE WHEN t.valid THEN 0 ELSE 1 END, t.last_updated DESC, t.country_code, t.party_id, t.type`)
	rows, err = tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	tokens := map[string][]fc.OCPIToken{}
	for rows.Next() {
		var t fc.OCPIToken
		if err := scanOCPIToken(rows, &t); err != nil {
			rows.Close()
			return nil, err
		}
		tokens[t.UID] = append(tokens[t.UID], t)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	out := make([]fc.RoamingSession, 0, len(ids))
	for _, id := range ids {
		x := byID[id]
		if x == nil || x.Session.CardID != 0 {
			continue
		}
		held := tokens[x.Session.IDTag]
		if len(held) == 0 {
			continue
		}
		// The authorized token (its party and type), else the first.
		x.Token = held[0]
		if a := x.Authorization; a != nil {
			for _, t := range held {
				if t.CountryCode == a.CountryCode && t.PartyID == a.PartyID && t.Type == a.Type {
					x.Token = t
					break
				}
			}
		}
		out = append(out, *x)
	}
	return out, nil
}

// PartnerSessions lists a page of the Session objects CPO partners pushed
// of the provider's cards (fleetcharge.OCPISessionStore). The OCPI edge
// keeps sessions as compact JSON, in which a running session's status
// reads "status":"ACTIVE" (or PENDING, RESERVATION): the Session object
// has no other status field.
func (s *Store) PartnerSessions(ctx context.Context, providerID fc.ID, running bool, offset, limit int) ([]fc.OCPIObject, int, error) {
	where := &query{}
	where.add(` FROM ocpi_objects o JOIN ocpi_partners p ON p.id = o.partner_id WHERE p.provider_id = `).arg(int64(providerID)).
		add(` AND o.module = 'sessions'`)
	if running {
		where.add(` AND (o.object LIKE '%"status":"ACTIVE"%' OR o.object LIKE '%"status":"PENDING"%'
			OR o.object LIKE '%"status":"RESERVATION"%')`)
	}
	if limit <= 0 {
		limit = fc.DefaultPageSize
	}
	var out []fc.OCPIObject
	var total int
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*)`+where.String(), where.args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+ocpiObjectColumns+where.String()+
			` ORDER BY o.last_updated DESC, o.partner_id, o.country_code, o.party_id, o.object_id LIMIT `+
			strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(max(offset, 0)), where.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o fc.OCPIObject
			if err := scanOCPIObject(rows, &o); err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	return out, total, err
}

// queueCDR queues, within the stop's write, the CDR of a session charged
// with a roaming partner's token at a roaming station, for that partner
// (sessionOwner: the one that authorized it, else the one whose token it
// is, a valid one first). The message names the session only: the outbox
// worker builds the CDR when it sends it.
func queueCDR(ctx context.Context, tx *sql.Tx, sessionID fc.ID, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ocpi_outbox (partner_id, module, object_key, method, path, body, attempts, next_at, last_error, created_at)
		SELECT x.partner_id, 'cdrs', $1, 'POST', '', '', 0, $2, '', $3 FROM (
			SELECT `+sessionOwner+` AS partner_id FROM sessions s
			JOIN stations st ON st.id = s.station_id
			JOIN charge_groups g ON g.id = st.charge_group_id AND g.roaming
			WHERE s.id = $4 AND s.card_id IS NULL AND s.id_tag <> '') x
		WHERE x.partner_id IS NOT NULL`,
		cdrKeyPrefix+sessionID.String(), ms(now), ms(now), int64(sessionID))
	return err
}
