package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// maxCAPEM bounds the stored certificate and key of a provider's CA.
const maxCAPEM = 64 << 10

// SetProviderCA sets or replaces the provider's certificate authority. The
// caller (the command line) has checked that the certificate is a CA and
// that the key is its own; the audit log records the certificate's SHA-256
// and whether a key is kept, never the key.
func (s *Store) SetProviderCA(ctx context.Context, ca fc.ProviderCA) error {
	fields := map[string]string{}
	if !strings.Contains(ca.CertPEM, "-----BEGIN CERTIFICATE-----") || len(ca.CertPEM) > maxCAPEM {
		fields["certificate"] = "must be a PEM certificate of at most 64 KiB"
	}
	if len(ca.KeyPEM) > maxCAPEM {
		fields["key"] = "must be at most 64 KiB"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	ca.UpdatedAt = s.now()
	sum := sha256.Sum256([]byte(ca.CertPEM))
	return s.write(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM providers WHERE id = $1`, int64(ca.ProviderID)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindProvider, ca.ProviderID)
		} else if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO provider_cas (provider_id, cert_pem, key_pem, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (provider_id) DO UPDATE SET cert_pem = excluded.cert_pem, key_pem = excluded.key_pem, updated_at = excluded.updated_at`,
			int64(ca.ProviderID), ca.CertPEM, ca.KeyPEM, ms(ca.UpdatedAt))
		if err != nil {
			return err
		}
		after := struct {
			CertificateSHA256 string `json:"certificate_sha256"`
			KeyKept           bool   `json:"key_kept"`
		}{hex.EncodeToString(sum[:]), ca.KeyPEM != ""}
		return s.audit(ctx, tx, change{providerID: ca.ProviderID, action: "provider.set_ca", kind: fc.KindProvider, id: ca.ProviderID, after: after})
	})
}

// ProviderCA returns the provider's certificate authority with its key.
func (s *Store) ProviderCA(ctx context.Context, providerID fc.ID) (*fc.ProviderCA, error) {
	ca := fc.ProviderCA{ProviderID: providerID}
	err := s.read(ctx, func(tx *sql.Tx) error {
		var at int64
		err := tx.QueryRowContext(ctx, `SELECT cert_pem, key_pem, updated_at FROM provider_cas WHERE provider_id = $1`, int64(providerID)).
			Scan(&ca.CertPEM, &ca.KeyPEM, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "provider %s has no certificate authority", providerID)
		}
		ca.UpdatedAt = fromMS(at)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ca, nil
}

// ProviderCAs returns every provider's certificate authority, without the
// keys, by provider.
func (s *Store) ProviderCAs(ctx context.Context) ([]fc.ProviderCA, error) {
	var out []fc.ProviderCA
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT provider_id, cert_pem, updated_at FROM provider_cas ORDER BY provider_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ca fc.ProviderCA
			var at int64
			if err := rows.Scan(&ca.ProviderID, &ca.CertPEM, &at); err != nil {
				return err
			}
			ca.UpdatedAt = fromMS(at)
			out = append(out, ca)
		}
		return rows.Err()
	})
	return out, err
}
