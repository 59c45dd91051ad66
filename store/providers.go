package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

const providerColumns = `id, name, time_zone, require_totp, ocpi_country_code, ocpi_party_id, legal_name, vat_id, address, postal_code,
	city, country, iban, vat_rate_bp, invoice_prefix, roaming_margin_bp, self_billing_fee_bp, payment_days, contact_name, phone, email, created_at`

func scanProvider(row rowScanner, p *fc.Provider) error {
	var created int64
	b := &p.Billing
	if err := row.Scan(&p.ID, &p.Name, &p.TimeZone, &p.RequireTOTP, &p.OCPICountryCode, &p.OCPIPartyID, &b.LegalName, &b.VATID, &b.Address,
		&b.PostalCode, &b.City, &b.Country, &b.IBAN, &b.VATRateBP, &b.InvoicePrefix, &b.RoamingMarginBP, &b.SelfBillingFeeBP, &b.PaymentDays,
		&b.ContactName, &b.Phone, &b.Email, &created); err != nil {
		return err
	}
	p.CreatedAt = fromMS(created)
	return nil
}

// validateProvider trims and checks a provider's fields: a name, a known
// time zone (UTC when empty), and an OCPI identity that is either both
// parts or neither.
func validateProvider(p *fc.Provider) error {
	p.Name = strings.TrimSpace(p.Name)
	p.OCPICountryCode = strings.TrimSpace(p.OCPICountryCode)
	p.OCPIPartyID = strings.TrimSpace(p.OCPIPartyID)
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
	if p.OCPICountryCode != "" && !isOCPICountryCode(p.OCPICountryCode) {
		fields["ocpi_country_code"] = "must be an ISO 3166-1 alpha-2 code: 2 upper-case letters"
	}
	if p.OCPIPartyID != "" && !isOCPIPartyID(p.OCPIPartyID) {
		fields["ocpi_party_id"] = "must be 3 upper-case letters or digits"
	}
	switch {
	case p.OCPICountryCode == "" && p.OCPIPartyID != "":
		fields["ocpi_country_code"] = "is required with a party ID"
	case p.OCPICountryCode != "" && p.OCPIPartyID == "":
		fields["ocpi_party_id"] = "is required with a country code"
	}
	checkProviderBilling(fields, &p.Billing)
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// CreateProvider creates a provider.
func (s *Store) CreateProvider(ctx context.Context, p *fc.Provider) error {
	if err := validateProvider(p); err != nil {
		return err
	}
	p.CreatedAt = s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO providers (name, time_zone, require_totp, ocpi_country_code, ocpi_party_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			p.Name, p.TimeZone, p.RequireTOTP, p.OCPICountryCode, p.OCPIPartyID, ms(p.CreatedAt)).Scan(&p.ID)
		if err != nil {
			return err
		}
		if err := updateProviderBilling(ctx, tx, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: p.ID, action: "provider.create", kind: fc.KindProvider, id: p.ID, after: p})
	})
}

func findProvider(ctx context.Context, tx *sql.Tx, id fc.ID) (*fc.Provider, error) {
	var p fc.Provider
	err := scanProvider(tx.QueryRowContext(ctx, `SELECT `+providerColumns+` FROM providers WHERE id = $1`, int64(id)), &p)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fc.KindProvider, id)
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Provider returns one provider.
func (s *Store) Provider(ctx context.Context, id fc.ID) (*fc.Provider, error) {
	var p *fc.Provider
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		p, err = findProvider(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Providers lists every provider, for the command line.
func (s *Store) Providers(ctx context.Context) ([]fc.Provider, error) {
	var out []fc.Provider
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT `+providerColumns+` FROM providers ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p fc.Provider
			if err := scanProvider(rows, &p); err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateProvider applies fn to the provider and stores its name, time zone,
// second-factor rule and OCPI identity, with an audit event.
func (s *Store) UpdateProvider(ctx context.Context, id fc.ID, fn func(*fc.Provider) error) (*fc.Provider, error) {
	var after *fc.Provider
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := findProvider(ctx, tx, id)
		if err != nil {
			return err
		}
		p := *before
		if err := fn(&p); err != nil {
			return err
		}
		p.ID, p.CreatedAt = before.ID, before.CreatedAt
		if err := validateProvider(&p); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE providers SET name = $1, time_zone = $2, require_totp = $3,
			ocpi_country_code = $4, ocpi_party_id = $5 WHERE id = $6`,
			p.Name, p.TimeZone, p.RequireTOTP, p.OCPICountryCode, p.OCPIPartyID, int64(p.ID)); err != nil {
			return err
		}
		if err := updateProviderBilling(ctx, tx, &p); err != nil {
			return err
		}
		after = &p
		return s.audit(ctx, tx, change{providerID: p.ID, action: "provider.update", kind: fc.KindProvider, id: p.ID, before: before, after: after})
	})
	return after, err
}

// isOCPICountryCode reports whether v is an OCPI country code: 2 upper-case
// ASCII letters (ISO 3166-1 alpha-2).
func isOCPICountryCode(v string) bool {
	if len(v) != 2 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 'A' || v[i] > 'Z' {
			return false
		}
	}
	return true
}

// isOCPIPartyID reports whether v is an OCPI party ID: 3 upper-case ASCII
// letters or digits (ISO 15118).
func isOCPIPartyID(v string) bool {
	if len(v) != 3 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !(v[i] >= 'A' && v[i] <= 'Z' || v[i] >= '0' && v[i] <= '9') {
			return false
		}
	}
	return true
}
