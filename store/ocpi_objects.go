package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Objects partners push to us as an eMSP (fleetcharge.OCPIObjectStore),
// and the pushes we queue as a CPO for objects built when sent.

// maxOCPIObject bounds a stored object (OCPI bodies are at most 1 MiB at
// the edge; a location with many EVSEs is the largest).
const maxOCPIObject = 1 << 20

func validateObject(o *fc.OCPIObject) error {
	fields := map[string]string{}
	switch o.Module {
	case fc.OCPIModuleLocations, fc.OCPIModuleTariffs, fc.OCPIModuleSessions:
	default:
		fields["module"] = "must be locations, tariffs or sessions"
	}
	if o.CountryCode == "" || len(o.CountryCode) > 2 {
		fields["country_code"] = "must be 1 or 2 characters"
	}
	if o.PartyID == "" || len(o.PartyID) > 3 {
		fields["party_id"] = "must be 1 to 3 characters"
	}
	if o.ObjectID == "" || len(o.ObjectID) > 36 {
		fields["id"] = "must be 1 to 36 characters"
	}
	if len(o.Object) == 0 || !json.Valid(o.Object) {
		fields["object"] = "must be JSON"
	} else if len(o.Object) > maxOCPIObject {
		fields["object"] = "is too large"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// PutOCPIObject stores an object a partner pushed (fleetcharge.OCPIObjectStore).
func (s *Store) PutOCPIObject(ctx context.Context, o fc.OCPIObject) error {
	if err := validateObject(&o); err != nil {
		return err
	}
	if o.LastUpdated.IsZero() {
		o.LastUpdated = s.now()
	}
	return s.write(ctx, func(tx *sql.Tx) error { return putObject(ctx, tx, o) })
}

func putObject(ctx context.Context, tx *sql.Tx, o fc.OCPIObject) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ocpi_objects (partner_id, module, country_code, party_id, object_id, last_updated, object)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (partner_id, module, country_code, party_id, object_id) DO UPDATE SET
		last_updated = excluded.last_updated, object = excluded.object`,
		int64(o.PartnerID), o.Module, o.CountryCode, o.PartyID, o.ObjectID, ms(o.LastUpdated), string(o.Object))
	return err
}

const ocpiObjectColumns = `o.partner_id, o.module, o.country_code, o.party_id, o.object_id, o.last_updated, o.object`

func scanOCPIObject(row rowScanner, o *fc.OCPIObject) error {
	var updated int64
	var object string
	if err := row.Scan(&o.PartnerID, &o.Module, &o.CountryCode, &o.PartyID, &o.ObjectID, &updated, &object); err != nil {
		return err
	}
	o.LastUpdated, o.Object = fromMS(updated), json.RawMessage(object)
	return nil
}

func objectNotFound(module, objectID string) error {
	return fc.Errorf(fc.ENotFound, "no %s object %q", module, objectID)
}

func readObject(ctx context.Context, tx *sql.Tx, partnerID fc.ID, module, countryCode, partyID, objectID string) (*fc.OCPIObject, error) {
	var o fc.OCPIObject
	err := scanOCPIObject(tx.QueryRowContext(ctx, `SELECT `+ocpiObjectColumns+` FROM ocpi_objects o
		WHERE o.partner_id = $1 AND o.module = $2 AND o.country_code = $3 AND o.party_id = $4 AND o.object_id = $5`,
		int64(partnerID), module, countryCode, partyID, objectID), &o)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, objectNotFound(module, objectID)
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// UpdateOCPIObject applies fn to a stored object in one write
// (fleetcharge.OCPIObjectStore).
func (s *Store) UpdateOCPIObject(ctx context.Context, partnerID fc.ID, module, countryCode, partyID, objectID string, fn func(*fc.OCPIObject) error) (*fc.OCPIObject, error) {
	var out *fc.OCPIObject
	err := s.write(ctx, func(tx *sql.Tx) error {
		o, err := readObject(ctx, tx, partnerID, module, countryCode, partyID, objectID)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
		o.PartnerID, o.Module, o.CountryCode, o.PartyID, o.ObjectID = partnerID, module, countryCode, partyID, objectID
		if err := validateObject(o); err != nil {
			return err
		}
		out = o
		return putObject(ctx, tx, *o)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OCPIObject reads one object a partner pushed (fleetcharge.OCPIObjectStore).
func (s *Store) OCPIObject(ctx context.Context, partnerID fc.ID, module, countryCode, partyID, objectID string) (*fc.OCPIObject, error) {
	var out *fc.OCPIObject
	err := s.read(ctx, func(tx *sql.Tx) error {
		o, err := readObject(ctx, tx, partnerID, module, countryCode, partyID, objectID)
		out = o
		return err
	})
	return out, err
}

// OCPIObjects lists a page of the objects of a module that the provider's
// partners pushed, newest first (fleetcharge.OCPIObjectStore).
func (s *Store) OCPIObjects(ctx context.Context, providerID, partnerID fc.ID, module string, offset, limit int) ([]fc.OCPIObject, int, error) {
	where := &query{}
	where.add(` FROM ocpi_objects o JOIN ocpi_partners p ON p.id = o.partner_id WHERE p.provider_id = `).arg(int64(providerID)).
		add(` AND o.module = `).arg(module)
	if partnerID != 0 {
		where.add(` AND o.partner_id = `).arg(int64(partnerID))
	}
	if limit <= 0 {
		limit = fc.DefaultPageSize
	}
	var out []fc.OCPIObject
	var total int
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = out[:0]
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

// queueBuilt queues, within tx, a push of an object built when sent (the
// message has no body; the outbox worker builds it from the object's
// current state) to every connected or suspended partner of the provider
// that has a receiver of the module. Since the push is built when sent,
// two waiting messages of an object are enough: the first may be on its
// way already, the second, not yet sent, will carry every later change.
func queueBuilt(ctx context.Context, tx *sql.Tx, providerID fc.ID, module, key string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ocpi_outbox (partner_id, module, object_key, method, path, body, attempts, next_at, last_error, created_at)
		SELECT p.id, $1, $2, 'PUT', '', '', 0, $3, '', $4 FROM ocpi_partners p
		WHERE p.provider_id = $5 AND p.status IN ('connected', 'suspended') AND p.endpoints LIKE $6
		AND (SELECT COUNT(*) FROM ocpi_outbox o WHERE o.partner_id = p.id AND o.object_key = $7 AND o.module = $8 AND o.body = '') < 2`,
		module, key, ms(now), ms(now), int64(providerID), `%{"identifier":"`+module+`","role":"RECEIVER"%`, key, module)
	return err
}

// OCPIRetryNow makes every message waiting for the provider's partner due
// at now (fleetcharge.OCPIStore).
func (s *Store) OCPIRetryNow(ctx context.Context, providerID, partnerID fc.ID, now time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		var found int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ocpi_partners WHERE id = $1 AND provider_id = $2`,
			int64(partnerID), int64(providerID)).Scan(&found); err != nil {
			return err
		}
		if found == 0 {
			return notFound(fc.KindOCPIPartner, partnerID)
		}
		res, err := tx.ExecContext(ctx, `UPDATE ocpi_outbox SET next_at = $1 WHERE partner_id = $2 AND next_at > $3`,
			ms(now), int64(partnerID), ms(now))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ocpi_outbox WHERE partner_id = $1`, int64(partnerID)).Scan(&n)
	})
	return n, err
}
