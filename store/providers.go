package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// CreateProvider creates a provider.
func (s *Store) CreateProvider(ctx context.Context, p *fc.Provider) error {
	p.Name = strings.TrimSpace(p.Name)
	fields := map[string]string{}
	checkName(fields, "name", p.Name)
	if p.TimeZone == "" {
		p.TimeZone = "UTC"
	}
	if textProblem(p.TimeZone, maxCodeLen, false) != "" {
		fields["time_zone"] = "is not a known IANA time zone"
	} else if _, err := time.LoadLocation(p.TimeZone); err != nil {
		fields["time_zone"] = "is not a known IANA time zone"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	p.CreatedAt = s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO providers (name, time_zone, require_totp, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, p.Name, p.TimeZone, p.RequireTOTP, ms(p.CreatedAt)).Scan(&p.ID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: p.ID, action: "provider.create", kind: fc.KindProvider, id: p.ID, after: p})
	})
}

// Provider returns one provider.
func (s *Store) Provider(ctx context.Context, id fc.ID) (*fc.Provider, error) {
	var p fc.Provider
	err := s.read(ctx, func(tx *sql.Tx) error {
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT id, name, time_zone, require_totp, created_at FROM providers WHERE id = $1`, int64(id)).
			Scan(&p.ID, &p.Name, &p.TimeZone, &p.RequireTOTP, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindProvider, id)
		}
		p.CreatedAt = fromMS(created)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Providers lists every provider, for the command line.
func (s *Store) Providers(ctx context.Context) ([]fc.Provider, error) {
	var out []fc.Provider
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, name, time_zone, require_totp, created_at FROM providers ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p fc.Provider
			var created int64
			if err := rows.Scan(&p.ID, &p.Name, &p.TimeZone, &p.RequireTOTP, &created); err != nil {
				return err
			}
			p.CreatedAt = fromMS(created)
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}
