package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	fc "github.com/fleetcharge/fleetcharge"
)

// OCPI commands received and sent (fleetcharge.OCPICommandStore).

// maxOCPICommandRequest bounds a stored command object (a StartSession
// with its token is well under 2 KiB).
const maxOCPICommandRequest = 16 << 10

func validateCommand(c *fc.OCPICommand) error {
	fields := map[string]string{}
	if c.PartnerID <= 0 {
		fields["partner_id"] = "is required"
	}
	if c.Direction != fc.OCPICommandIn && c.Direction != fc.OCPICommandOut {
		fields["direction"] = "must be in or out"
	}
	switch c.Command {
	case fc.OCPICancelReservation, fc.OCPIReserveNow, fc.OCPIStartSession, fc.OCPIStopSession, fc.OCPIUnlockConnector:
	default:
		fields["command"] = "must be an OCPI CommandType"
	}
	checkText(fields, "response_url", c.ResponseURL, maxOCPIURL)
	if len(c.Request) == 0 || !json.Valid(c.Request) {
		fields["request"] = "must be JSON"
	} else if len(c.Request) > maxOCPICommandRequest {
		fields["request"] = "is too large"
	}
	checkText(fields, "result", c.Result, maxCodeLen)
	checkText(fields, "message", c.Message, maxOCPIError)
	if c.ConnectorID < 0 {
		fields["connector_id"] = "must not be negative"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

const ocpiCommandColumns = `c.id, c.partner_id, c.direction, c.command, c.response_url, c.card_id, c.station_id, c.connector_id,
	c.request, c.result, c.message, c.created_at, c.updated_at`

func scanOCPICommand(row rowScanner, c *fc.OCPICommand) error {
	var card, station sql.NullInt64
	var request string
	var created, updated int64
	if err := row.Scan(&c.ID, &c.PartnerID, &c.Direction, &c.Command, &c.ResponseURL, &card, &station, &c.ConnectorID,
		&request, &c.Result, &c.Message, &created, &updated); err != nil {
		return err
	}
	c.CardID, c.StationID = fc.ID(card.Int64), fc.ID(station.Int64)
	c.Request, c.CreatedAt, c.UpdatedAt = json.RawMessage(request), fromMS(created), fromMS(updated)
	return nil
}

// CreateOCPICommand stores a new command (fleetcharge.OCPICommandStore).
func (s *Store) CreateOCPICommand(ctx context.Context, c *fc.OCPICommand) error {
	if err := validateCommand(c); err != nil {
		return err
	}
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO ocpi_commands (partner_id, direction, command, response_url, card_id, station_id,
			connector_id, request, result, message, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			int64(c.PartnerID), c.Direction, c.Command, c.ResponseURL, nullID(c.CardID), nullID(c.StationID), c.ConnectorID,
			string(c.Request), c.Result, c.Message, ms(now)).Scan(&c.ID); err != nil {
			return err
		}
		c.CreatedAt, c.UpdatedAt = now, now
		return nil
	})
}

// OCPICommand reads a command of a partner of the provider
// (fleetcharge.OCPICommandStore).
func (s *Store) OCPICommand(ctx context.Context, providerID, id fc.ID) (*fc.OCPICommand, error) {
	var c fc.OCPICommand
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanOCPICommand(tx.QueryRowContext(ctx, `SELECT `+ocpiCommandColumns+` FROM ocpi_commands c
			JOIN ocpi_partners p ON p.id = c.partner_id WHERE c.id = $1 AND p.provider_id = $2`, int64(id), int64(providerID)), &c)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindOCPICommand, id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// OCPICommands lists a partner's commands of one direction and type,
// newest first (fleetcharge.OCPICommandStore).
func (s *Store) OCPICommands(ctx context.Context, partnerID fc.ID, direction, command string, limit int) ([]fc.OCPICommand, error) {
	if limit <= 0 {
		limit = fc.DefaultPageSize
	}
	var out []fc.OCPICommand
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT `+ocpiCommandColumns+` FROM ocpi_commands c
			WHERE c.partner_id = $1 AND c.direction = $2 AND c.command = $3 ORDER BY c.id DESC LIMIT $4`,
			int64(partnerID), direction, command, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c fc.OCPICommand
			if err := scanOCPICommand(rows, &c); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// OCPIPartnerCommands lists a partner's commands of both directions and
// every type, newest first (fleetcharge.OCPICommandStore).
func (s *Store) OCPIPartnerCommands(ctx context.Context, providerID, partnerID fc.ID, limit int) ([]fc.OCPICommand, error) {
	if limit <= 0 {
		limit = fc.DefaultPageSize
	}
	var out []fc.OCPICommand
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = []fc.OCPICommand{}
		if _, err := findPartner(ctx, tx, providerID, partnerID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+ocpiCommandColumns+` FROM ocpi_commands c
			WHERE c.partner_id = $1 ORDER BY c.id DESC LIMIT $2`, int64(partnerID), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c fc.OCPICommand
			if err := scanOCPICommand(rows, &c); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateOCPICommand applies fn to a command of the partner and queues msgs
// in one write (fleetcharge.OCPICommandStore). The command keeps its
// identity: ID, partner, direction and creation.
func (s *Store) UpdateOCPICommand(ctx context.Context, partnerID, id fc.ID, fn func(*fc.OCPICommand) error, msgs ...fc.OCPIMessage) (*fc.OCPICommand, error) {
	for i := range msgs {
		if err := validateMessage(&msgs[i]); err != nil {
			return nil, err
		}
	}
	var out fc.OCPICommand
	now := s.now()
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := scanOCPICommand(tx.QueryRowContext(ctx, `SELECT `+ocpiCommandColumns+` FROM ocpi_commands c
			WHERE c.id = $1 AND c.partner_id = $2`, int64(id), int64(partnerID)), &out)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindOCPICommand, id)
		}
		if err != nil {
			return err
		}
		before := out
		if err := fn(&out); err != nil {
			return err
		}
		out.ID, out.PartnerID, out.Direction, out.CreatedAt, out.UpdatedAt = before.ID, before.PartnerID, before.Direction, before.CreatedAt, now
		if err := validateCommand(&out); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ocpi_commands SET command = $1, response_url = $2, card_id = $3, station_id = $4,
			connector_id = $5, request = $6, result = $7, message = $8, updated_at = $9 WHERE id = $10`,
			out.Command, out.ResponseURL, nullID(out.CardID), nullID(out.StationID), out.ConnectorID, string(out.Request),
			out.Result, out.Message, ms(now), int64(id)); err != nil {
			return err
		}
		if len(msgs) == 0 {
			return nil
		}
		return enqueueOCPI(ctx, tx, now, msgs)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
