package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The provider's cards as OCPI tokens (the eMSP role): a card change queues
// a push of its token to every registered partner in the same write, and a
// sync queues all of them.

// tokenKey is the outbox key of the token with the UID: its pushes keep
// their order.
func tokenKey(uid string) string { return "token:" + uid }

// queueTokens queues, within tx, a push of the tokens with the UIDs to
// every partner of the provider that is connected or suspended (a
// suspended one gets them when resumed). The message names the token only:
// the outbox worker builds it from the card as it is when sent.
func queueTokens(ctx context.Context, tx *sql.Tx, now time.Time, providerID fc.ID, uids ...string) error {
	for _, uid := range uids {
		if uid == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ocpi_outbox (partner_id, module, object_key, method, path, body, attempts, next_at, last_error, created_at)
			SELECT id, 'tokens', $1, 'PUT', '', '', 0, $2, '', $3 FROM ocpi_partners
			WHERE provider_id = $4 AND status IN ('connected', 'suspended') ORDER BY id`,
			tokenKey(uid), ms(now), ms(now), int64(providerID)); err != nil {
			return err
		}
	}
	return nil
}

// QueueOCPITokens queues a push of every card's token of the provider to
// the partner, and returns how many.
func (s *Store) QueueOCPITokens(ctx context.Context, providerID, partnerID fc.ID) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := findPartner(ctx, tx, providerID, partnerID); err != nil {
			return err
		}
		now := ms(s.now())
		res, err := tx.ExecContext(ctx, `INSERT INTO ocpi_outbox (partner_id, module, object_key, method, path, body, attempts, next_at, last_error, created_at)
			SELECT $1, 'tokens', 'token:' || internal_id, 'PUT', '', '', 0, $2, '', $3 FROM cards WHERE provider_id = $4 ORDER BY id`,
			int64(partnerID), now, now, int64(providerID))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// OCPICard returns the provider's card with the internal ID (an OCPI token
// UID), not found when none has it.
func (s *Store) OCPICard(ctx context.Context, providerID fc.ID, uid string) (*fc.Card, error) {
	var c fc.Card
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanCard(tx.QueryRowContext(ctx, `SELECT `+cardColumns+` FROM cards c WHERE c.provider_id = $1 AND c.internal_id = $2`,
			int64(providerID), uid), &c)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "no card with the UID %q", uid)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// OCPICards returns a page of the provider's cards last updated in
// [from, to) (zero times: unbounded), by update time and ID, with the
// number of all such cards.
func (s *Store) OCPICards(ctx context.Context, providerID fc.ID, from, to time.Time, offset, limit int) ([]fc.Card, int, error) {
	where := &query{}
	where.add(` FROM cards c WHERE c.provider_id = `).arg(int64(providerID))
	if !from.IsZero() {
		where.add(" AND c.updated_at >= ").arg(ms(from))
	}
	if !to.IsZero() {
		where.add(" AND c.updated_at < ").arg(ms(to))
	}
	var out []fc.Card
	var total int
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*)`+where.String(), where.args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+cardColumns+where.String()+` ORDER BY c.updated_at, c.id LIMIT `+
			strconv.Itoa(max(limit, 0))+` OFFSET `+strconv.Itoa(max(offset, 0)), where.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c fc.Card
			if err := scanCard(rows, &c); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, total, err
}

// OCPIPartnerByID reads a partner of any provider (the outbox worker's).
func (s *Store) OCPIPartnerByID(ctx context.Context, id fc.ID) (*fc.OCPIPartner, error) {
	var p fc.OCPIPartner
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanPartner(tx.QueryRowContext(ctx, `SELECT `+partnerColumns+` FROM ocpi_partners p WHERE p.id = $1`, int64(id)), &p)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindOCPIPartner, id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}
