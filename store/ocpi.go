package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
)

// Bounds of what the OCPI tables hold.
const (
	// maxOCPIExchanges is how many exchanges are kept per partner and
	// module: the newest.
	maxOCPIExchanges = 1000
	// maxOCPIBody is how many bytes of an exchange's request and response
	// are kept.
	maxOCPIBody = 4 << 10
	// maxOCPIURL bounds the URLs and paths stored.
	maxOCPIURL = 2000
	// maxOCPIError bounds an error text stored with a message or exchange.
	maxOCPIError = 1000
	// maxOCPIToken bounds the token we send to a partner and the hash of
	// the one it sends.
	maxOCPIToken = 255
)

const partnerColumns = `p.id, p.provider_id, p.name, p.status, p.outgoing_token, p.versions_url, p.version,
	p.roles, p.endpoints, p.created_at, p.updated_at`

func scanPartner(row rowScanner, p *fc.OCPIPartner, extra ...any) error {
	var roles, endpoints string
	var created, updated int64
	dest := append([]any{&p.ID, &p.ProviderID, &p.Name, &p.Status, &p.OutgoingToken, &p.VersionsURL, &p.Version,
		&roles, &endpoints, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	p.Roles, p.Endpoints = []fc.OCPIRole{}, []fc.OCPIEndpoint{}
	if err := json.Unmarshal([]byte(roles), &p.Roles); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(endpoints), &p.Endpoints); err != nil {
		return err
	}
	if p.Roles == nil {
		p.Roles = []fc.OCPIRole{}
	}
	if p.Endpoints == nil {
		p.Endpoints = []fc.OCPIEndpoint{}
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

// validatePartner trims and checks a partner's fields.
func validatePartner(p *fc.OCPIPartner) error {
	if fields := partnerFields(p); len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// partnerFields trims a partner's fields and returns the problems with
// them.
func partnerFields(p *fc.OCPIPartner) map[string]string {
	p.Name = strings.TrimSpace(p.Name)
	p.VersionsURL = strings.TrimSpace(p.VersionsURL)
	p.Version = strings.TrimSpace(p.Version)
	fields := map[string]string{}
	checkName(fields, "name", p.Name)
	switch p.Status {
	case fc.PartnerPending, fc.PartnerConnected, fc.PartnerSuspended:
	case "":
		fields["status"] = "is required"
	default:
		fields["status"] = "must be pending, connected or suspended"
	}
	checkText(fields, "versions_url", p.VersionsURL, maxOCPIURL)
	checkText(fields, "version", p.Version, maxCodeLen)
	checkText(fields, "outgoing_token", p.OutgoingToken, maxOCPIToken)
	if p.Roles == nil {
		p.Roles = []fc.OCPIRole{}
	}
	if p.Endpoints == nil {
		p.Endpoints = []fc.OCPIEndpoint{}
	}
	for _, r := range p.Roles {
		switch r.Role {
		case fc.OCPIRoleCPO, fc.OCPIRoleEMSP, fc.OCPIRoleHub, fc.OCPIRoleNAP, fc.OCPIRoleNSP, fc.OCPIRoleSCSP, fc.OCPIRoleOther:
		default:
			fields["roles"] = "holds a role that is not CPO, EMSP, HUB, NAP, NSP, SCSP or OTHER"
		}
		if !isOCPICountryCode(r.CountryCode) || !isOCPIPartyID(r.PartyID) {
			fields["roles"] = "holds a role without a country code of 2 upper-case letters and a party ID of 3 upper-case letters or digits"
		}
		if textProblem(r.Name, maxNameLen, false) != "" || textProblem(r.Website, maxOCPIURL, false) != "" {
			fields["roles"] = "holds a role whose name or website is not text on one line"
		}
	}
	for _, e := range p.Endpoints {
		switch {
		case e.Identifier == "" || textProblem(e.Identifier, maxCodeLen, false) != "":
			fields["endpoints"] = "holds an endpoint without a module identifier"
		case e.Role != "SENDER" && e.Role != "RECEIVER":
			fields["endpoints"] = "holds an endpoint whose role is not SENDER or RECEIVER"
		case e.URL == "" || textProblem(e.URL, maxOCPIURL, false) != "":
			fields["endpoints"] = "holds an endpoint without a URL"
		}
	}
	return fields
}

// checkIncoming checks the hash and kind of a partner's incoming token.
func checkIncoming(fields map[string]string, hash, kind string) {
	if hash == "" || textProblem(hash, maxOCPIToken, false) != "" {
		fields["incoming_hash"] = "is required"
	}
	if kind != fc.OCPITokenA && kind != fc.OCPITokenC {
		fields["incoming_kind"] = "must be A or C"
	}
}

func marshalPartnerJSON(p *fc.OCPIPartner) (roles, endpoints string, err error) {
	r, err := json.Marshal(p.Roles)
	if err != nil {
		return "", "", err
	}
	e, err := json.Marshal(p.Endpoints)
	if err != nil {
		return "", "", err
	}
	return string(r), string(e), nil
}

// CreateOCPIPartner stores a new partner of p.ProviderID whose requests
// authenticate with the token hashing to incomingHash, of kind A or C
// (fleetcharge.OCPIStore).
func (s *Store) CreateOCPIPartner(ctx context.Context, p *fc.OCPIPartner, incomingHash, kind string) error {
	fields := partnerFields(p)
	checkIncoming(fields, incomingHash, kind)
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	roles, endpoints, err := marshalPartnerJSON(p)
	if err != nil {
		return err
	}
	now := s.now()
	p.CreatedAt, p.UpdatedAt = now, now
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := findProvider(ctx, tx, p.ProviderID); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO ocpi_partners (provider_id, name, status, incoming_hash, incoming_kind,
			outgoing_token, versions_url, version, roles, endpoints, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			int64(p.ProviderID), p.Name, p.Status, incomingHash, kind, p.OutgoingToken, p.VersionsURL, p.Version,
			roles, endpoints, ms(now), ms(now)).Scan(&p.ID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: p.ProviderID, action: "ocpi_partner.create", kind: fc.KindOCPIPartner, id: p.ID, after: p})
	})
}

// findPartner reads one partner of the provider.
func findPartner(ctx context.Context, tx *sql.Tx, providerID, id fc.ID) (*fc.OCPIPartner, error) {
	var p fc.OCPIPartner
	err := scanPartner(tx.QueryRowContext(ctx, `SELECT `+partnerColumns+` FROM ocpi_partners p WHERE p.id = $1 AND p.provider_id = $2`,
		int64(id), int64(providerID)), &p)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fc.KindOCPIPartner, id)
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// OCPIPartners lists the provider's partners by ID (fleetcharge.OCPIStore).
func (s *Store) OCPIPartners(ctx context.Context, providerID fc.ID) ([]fc.OCPIPartner, error) {
	q := &query{}
	q.add(`SELECT ` + partnerColumns + ` FROM ocpi_partners p WHERE p.provider_id = `).arg(int64(providerID)).add(" ORDER BY p.id")
	out, err := list(ctx, s, q, func(row rowScanner, p *fc.OCPIPartner) error { return scanPartner(row, p) })
	if out == nil && err == nil {
		out = []fc.OCPIPartner{}
	}
	return out, err
}

// OCPIPartner reads one partner of the provider (fleetcharge.OCPIStore).
func (s *Store) OCPIPartner(ctx context.Context, providerID, id fc.ID) (*fc.OCPIPartner, error) {
	var p *fc.OCPIPartner
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		p, err = findPartner(ctx, tx, providerID, id)
		return err
	})
	return p, err
}

// OCPIPartnerByToken finds the partner, of any provider, whose incoming
// token hashes to hash, and the token's kind (fleetcharge.OCPIStore).
func (s *Store) OCPIPartnerByToken(ctx context.Context, hash string) (*fc.OCPIPartner, string, error) {
	var p fc.OCPIPartner
	var kind string
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanPartner(tx.QueryRowContext(ctx, `SELECT `+partnerColumns+`, p.incoming_kind FROM ocpi_partners p WHERE p.incoming_hash = $1`,
			hash), &p, &kind)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "no OCPI partner has this token")
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return &p, kind, nil
}

// UpdateOCPIPartner applies fn to a partner of the provider and stores the
// result; a non-empty incomingHash replaces the partner's incoming token
// and its kind (fleetcharge.OCPIStore).
func (s *Store) UpdateOCPIPartner(ctx context.Context, providerID, id fc.ID, incomingHash, kind string,
	fn func(*fc.OCPIPartner) error) (*fc.OCPIPartner, error) {
	defer s.ocpiPartners.Add(1)
	if incomingHash != "" {
		fields := map[string]string{}
		checkIncoming(fields, incomingHash, kind)
		if len(fields) > 0 {
			return nil, fc.Invalid(fields)
		}
	}
	var after *fc.OCPIPartner
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := findPartner(ctx, tx, providerID, id)
		if err != nil {
			return err
		}
		p := *before
		p.Roles = append([]fc.OCPIRole{}, before.Roles...)
		p.Endpoints = append([]fc.OCPIEndpoint{}, before.Endpoints...)
		if err := fn(&p); err != nil {
			return err
		}
		p.ID, p.ProviderID, p.CreatedAt = before.ID, before.ProviderID, before.CreatedAt
		if err := validatePartner(&p); err != nil {
			return err
		}
		roles, endpoints, err := marshalPartnerJSON(&p)
		if err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		q := &query{}
		q.add(`UPDATE ocpi_partners SET name = `).arg(p.Name).add(", status = ").arg(p.Status).
			add(", outgoing_token = ").arg(p.OutgoingToken).add(", versions_url = ").arg(p.VersionsURL).
			add(", version = ").arg(p.Version).add(", roles = ").arg(roles).add(", endpoints = ").arg(endpoints).
			add(", updated_at = ").arg(ms(p.UpdatedAt))
		if incomingHash != "" {
			q.add(", incoming_hash = ").arg(incomingHash).add(", incoming_kind = ").arg(kind)
		}
		q.add(" WHERE id = ").arg(int64(p.ID))
		if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
			return err
		}
		after = &p
		return s.audit(ctx, tx, change{providerID: p.ProviderID, action: "ocpi_partner.update", kind: fc.KindOCPIPartner, id: p.ID,
			before: before, after: after})
	})
	return after, err
}

// DeleteOCPIPartner removes a partner of the provider with its outbox,
// exchanges and tokens (fleetcharge.OCPIStore).
func (s *Store) DeleteOCPIPartner(ctx context.Context, providerID, id fc.ID) error {
	defer s.ocpiPartners.Add(1)
	return s.write(ctx, func(tx *sql.Tx) error {
		p, err := findPartner(ctx, tx, providerID, id)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM ocpi_tokens WHERE partner_id = $1`,
			`DELETE FROM ocpi_outbox WHERE partner_id = $1`,
			`DELETE FROM ocpi_exchanges WHERE partner_id = $1`,
			`DELETE FROM ocpi_partners WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, int64(id)); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: p.ProviderID, action: "ocpi_partner.delete", kind: fc.KindOCPIPartner, id: id, before: p})
	})
}

const messageColumns = `o.id, o.partner_id, o.module, o.object_key, o.method, o.path, o.body, o.attempts, o.next_at, o.last_error, o.created_at`

func scanMessage(row rowScanner, m *fc.OCPIMessage) error {
	var body string
	var next, created int64
	if err := row.Scan(&m.ID, &m.PartnerID, &m.Module, &m.Key, &m.Method, &m.Path, &body, &m.Attempts, &next,
		&m.LastError, &created); err != nil {
		return err
	}
	if body != "" {
		m.Body = json.RawMessage(body)
	}
	m.NextAt, m.CreatedAt = fromMS(next), fromMS(created)
	return nil
}

// validateMessage checks a message queued for a partner.
func validateMessage(m *fc.OCPIMessage) error {
	fields := map[string]string{}
	if m.PartnerID <= 0 {
		fields["partner_id"] = "is required"
	}
	if m.Module == "" {
		fields["module"] = "is required"
	} else {
		checkText(fields, "module", m.Module, maxCodeLen)
	}
	if m.Key == "" {
		fields["key"] = "is required"
	} else {
		checkText(fields, "key", m.Key, maxNameLen)
	}
	switch m.Method {
	case "PUT", "PATCH", "POST", "DELETE":
	default:
		fields["method"] = "must be PUT, PATCH, POST or DELETE"
	}
	checkText(fields, "path", m.Path, maxOCPIURL)
	if len(m.Body) > 0 && !json.Valid(m.Body) {
		fields["body"] = "is not JSON"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// EnqueueOCPI adds messages to the outbox in one write, in the order given
// (fleetcharge.OCPIStore). A message without NextAt is due at once. The IDs
// and creation times are set on the elements of msgs.
func (s *Store) EnqueueOCPI(ctx context.Context, msgs []fc.OCPIMessage) error {
	for i := range msgs {
		if err := validateMessage(&msgs[i]); err != nil {
			return err
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error { return enqueueOCPI(ctx, tx, now, msgs) })
}

// enqueueOCPI adds validated messages to the outbox within tx, so that a
// change and the pushes it causes are written together.
func enqueueOCPI(ctx context.Context, tx *sql.Tx, now time.Time, msgs []fc.OCPIMessage) error {
	for i := range msgs {
		m := &msgs[i]
		if m.NextAt.IsZero() {
			m.NextAt = now
		}
		m.CreatedAt, m.Attempts, m.LastError = now, 0, ""
		if err := tx.QueryRowContext(ctx, `INSERT INTO ocpi_outbox (partner_id, module, object_key, method, path, body,
			attempts, next_at, last_error, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, '', $8) RETURNING id`,
			int64(m.PartnerID), m.Module, m.Key, m.Method, m.Path, string(m.Body), ms(m.NextAt), ms(now)).Scan(&m.ID); err != nil {
			return err
		}
	}
	return nil
}

// DueOCPI returns up to limit messages due at now, of connected partners,
// each the oldest waiting message of its partner and key, by next_at
// then ID (fleetcharge.OCPIStore).
func (s *Store) DueOCPI(ctx context.Context, now time.Time, limit int) ([]fc.OCPIMessage, error) {
	if limit <= 0 {
		limit = fc.DefaultPageSize
	}
	q := &query{}
	q.add(`SELECT ` + messageColumns + ` FROM ocpi_outbox o JOIN ocpi_partners p ON p.id = o.partner_id
		WHERE p.status = 'connected' AND o.next_at <= `).arg(ms(now)).
		// A push queued for later and not yet tried (a tariff version's
		// start) does not hold up the pushes queued after it.
		add(` AND NOT EXISTS (SELECT 1 FROM ocpi_outbox b WHERE b.partner_id = o.partner_id AND b.object_key = o.object_key AND b.id < o.id
		AND (b.attempts > 0 OR b.next_at <= `).arg(ms(now)).add(`)) ORDER BY o.next_at, o.id LIMIT `).int(int64(limit))
	return list(ctx, s, q, scanMessage)
}

// OCPIDelivered removes a delivered message (fleetcharge.OCPIStore).
func (s *Store) OCPIDelivered(ctx context.Context, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		return execMessage(ctx, tx, id, `DELETE FROM ocpi_outbox WHERE id = $1`, int64(id))
	})
}

// OCPIDeliveredAll removes delivered messages at once, one write for a
// batch of the outbox worker; IDs no longer waiting are skipped.
func (s *Store) OCPIDeliveredAll(ctx context.Context, ids []fc.ID) error {
	if len(ids) == 0 {
		return nil
	}
	q := &query{}
	q.add(`DELETE FROM ocpi_outbox WHERE id IN `).ids(ids)
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q.String(), q.args...)
		return err
	})
}

// OCPIRetry notes a failed attempt at a message and when to try it again
// (fleetcharge.OCPIStore).
func (s *Store) OCPIRetry(ctx context.Context, id fc.ID, lastError string, next time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		return execMessage(ctx, tx, id, `UPDATE ocpi_outbox SET attempts = attempts + 1, last_error = $1, next_at = $2 WHERE id = $3`,
			clipText(lastError, maxOCPIError), ms(next), int64(id))
	})
}

// execMessage runs a statement on one outbox message, not found when it
// touched none.
func execMessage(ctx context.Context, tx *sql.Tx, id fc.ID, stmt string, args ...any) error {
	res, err := tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("ocpi_message", id)
	}
	return nil
}

// OCPIOutbox lists a partner's waiting messages, oldest first
// (fleetcharge.OCPIStore).
func (s *Store) OCPIOutbox(ctx context.Context, providerID, partnerID fc.ID, limit int) ([]fc.OCPIMessage, error) {
	if limit <= 0 {
		limit = fc.DefaultPageSize
	}
	var out []fc.OCPIMessage
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = []fc.OCPIMessage{}
		if _, err := findPartner(ctx, tx, providerID, partnerID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` FROM ocpi_outbox o WHERE o.partner_id = $1 ORDER BY o.id LIMIT $2`,
			int64(partnerID), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m fc.OCPIMessage
			if err := scanMessage(rows, &m); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// clipText makes v storable text of at most n bytes: valid UTF-8 without
// NUL, cut at a character boundary.
func clipText(v string, n int) string {
	v = strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "")
	if len(v) <= n {
		return v
	}
	v = v[:n]
	for len(v) > 0 && !utf8.ValidString(v) {
		v = v[:len(v)-1]
	}
	return v
}

// RecordOCPIExchange keeps an exchange with a partner (fleetcharge.OCPIStore).
// The bodies are kept for failures only, cut to 4 KiB each; of each partner
// and module, only the newest 1,000 exchanges are kept.
func (s *Store) RecordOCPIExchange(ctx context.Context, e fc.OCPIExchange) error {
	fields := map[string]string{}
	if e.PartnerID <= 0 {
		fields["partner_id"] = "is required"
	}
	if e.Direction != "in" && e.Direction != "out" {
		fields["direction"] = "must be in or out"
	}
	if e.Module == "" {
		fields["module"] = "is required"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	if e.OK {
		e.Request, e.Response = "", ""
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ocpi_exchanges (partner_id, module, direction, method, url, at,
			http_status, ocpi_status, ok, error, request, response) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			int64(e.PartnerID), clipText(e.Module, maxCodeLen), e.Direction, clipText(e.Method, maxCodeLen), clipText(e.URL, maxOCPIURL),
			ms(e.At), e.HTTPStatus, e.OCPIStatus, e.OK, clipText(e.Error, maxOCPIError),
			clipText(e.Request, maxOCPIBody), clipText(e.Response, maxOCPIBody)); err != nil {
			return err
		}
		// The insert puts at most one exchange over the bound; a batch of
		// 100 also catches up after the bound was lowered.
		_, err := tx.ExecContext(ctx, `DELETE FROM ocpi_exchanges WHERE id IN (
			SELECT id FROM ocpi_exchanges WHERE partner_id = $1 AND module = $2 ORDER BY at DESC, id DESC LIMIT 100 OFFSET $3)`,
			int64(e.PartnerID), clipText(e.Module, maxCodeLen), maxOCPIExchanges)
		return err
	})
}

// OCPIExchanges returns a partner's exchanges, newest first
// (fleetcharge.OCPIStore).
func (s *Store) OCPIExchanges(ctx context.Context, providerID, partnerID fc.ID, limit int) ([]fc.OCPIExchange, error) {
	if limit <= 0 {
		limit = fc.DefaultPageSize
	}
	var out []fc.OCPIExchange
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = []fc.OCPIExchange{}
		if _, err := findPartner(ctx, tx, providerID, partnerID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT partner_id, module, direction, method, url, at, http_status, ocpi_status, ok,
			error, request, response FROM ocpi_exchanges WHERE partner_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
			int64(partnerID), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e fc.OCPIExchange
			var at int64
			if err := rows.Scan(&e.PartnerID, &e.Module, &e.Direction, &e.Method, &e.URL, &at, &e.HTTPStatus, &e.OCPIStatus, &e.OK,
				&e.Error, &e.Request, &e.Response); err != nil {
				return err
			}
			e.At = fromMS(at)
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// OCPI token types and whitelist values (OCPI 2.2.1, 12.4.4 and 12.4.5).
var (
	ocpiTokenTypes = []string{"AD_HOC_USER", "APP_USER", "OTHER", "RFID"}
	ocpiWhitelists = []string{"ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"}
)

// isOCPIString reports whether v is an OCPI CiString of 1 to max
// characters: printable ASCII.
func isOCPIString(v string, max int) bool {
	if v == "" || len(v) > max {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// validateToken checks a token a partner pushed against OCPI 2.2.1's Token
// object.
func validateToken(t *fc.OCPIToken) error {
	fields := map[string]string{}
	if t.PartnerID <= 0 {
		fields["partner_id"] = "is required"
	}
	if !isOCPICountryCode(t.CountryCode) {
		fields["country_code"] = "must be 2 upper-case letters"
	}
	if !isOCPIPartyID(t.PartyID) {
		fields["party_id"] = "must be 3 upper-case letters or digits"
	}
	if !isOCPIString(t.UID, 36) {
		fields["uid"] = "must be 1 to 36 printable ASCII characters"
	}
	if !slices.Contains(ocpiTokenTypes, t.Type) {
		fields["type"] = "must be one of " + strings.Join(ocpiTokenTypes, ", ")
	}
	if !isOCPIString(t.ContractID, 36) {
		fields["contract_id"] = "must be 1 to 36 printable ASCII characters"
	}
	if t.VisualNumber != "" {
		checkText(fields, "visual_number", t.VisualNumber, 64)
	}
	if t.Issuer == "" {
		fields["issuer"] = "is required"
	} else {
		checkText(fields, "issuer", t.Issuer, 64)
	}
	if t.GroupID != "" && !isOCPIString(t.GroupID, 36) {
		fields["group_id"] = "must be at most 36 printable ASCII characters"
	}
	if !slices.Contains(ocpiWhitelists, t.Whitelist) {
		fields["whitelist"] = "must be one of " + strings.Join(ocpiWhitelists, ", ")
	}
	if t.Language != "" && !isLanguageCode(t.Language) {
		fields["language"] = "must be an ISO 639-1 code of 2 lower-case letters"
	}
	if len(t.Object) > 0 && !json.Valid(t.Object) {
		fields["object"] = "is not JSON"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

func isLanguageCode(v string) bool {
	return len(v) == 2 && v[0] >= 'a' && v[0] <= 'z' && v[1] >= 'a' && v[1] <= 'z'
}

// PutOCPIToken stores a token a partner pushed, replacing the one with the
// same partner, country code, party ID, UID and type (fleetcharge.OCPIStore).
// A token without LastUpdated is stamped now; one without Object keeps its
// fields as JSON.
func (s *Store) PutOCPIToken(ctx context.Context, t fc.OCPIToken) error {
	if err := validateToken(&t); err != nil {
		return err
	}
	if t.LastUpdated.IsZero() {
		t.LastUpdated = s.now()
	}
	object := string(t.Object)
	if object == "" {
		b, err := json.Marshal(t)
		if err != nil {
			return err
		}
		object = string(b)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ocpi_tokens (partner_id, country_code, party_id, uid, type, contract_id,
			visual_number, issuer, group_id, valid, whitelist, language, last_updated, object)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (partner_id, country_code, party_id, uid, type) DO UPDATE SET contract_id = excluded.contract_id,
			visual_number = excluded.visual_number, issuer = excluded.issuer, group_id = excluded.group_id, valid = excluded.valid,
			whitelist = excluded.whitelist, language = excluded.language, last_updated = excluded.last_updated, object = excluded.object`,
			int64(t.PartnerID), t.CountryCode, t.PartyID, t.UID, t.Type, t.ContractID, t.VisualNumber, t.Issuer, t.GroupID,
			t.Valid, t.Whitelist, t.Language, ms(t.LastUpdated), object)
		return err
	})
}

const ocpiTokenColumns = `t.partner_id, t.country_code, t.party_id, t.uid, t.type, t.contract_id, t.visual_number, t.issuer,
	t.group_id, t.valid, t.whitelist, t.language, t.last_updated, t.object`

func scanOCPIToken(row rowScanner, t *fc.OCPIToken) error {
	var updated int64
	var object string
	if err := row.Scan(&t.PartnerID, &t.CountryCode, &t.PartyID, &t.UID, &t.Type, &t.ContractID, &t.VisualNumber, &t.Issuer,
		&t.GroupID, &t.Valid, &t.Whitelist, &t.Language, &updated, &object); err != nil {
		return err
	}
	t.LastUpdated, t.Object = fromMS(updated), json.RawMessage(object)
	return nil
}

// OCPIPartnersChanged counts the changes of partners this store made
// (updates and removals, committed or not, counted once they are over):
// the OCPI server's cache of authenticated partners keeps an entry only
// while the count is the one read before the partner was.
func (s *Store) OCPIPartnersChanged() uint64 { return s.ocpiPartners.Load() }

// OCPIToken reads a token a partner pushed (fleetcharge.OCPIStore).
func (s *Store) OCPIToken(ctx context.Context, partnerID fc.ID, countryCode, partyID, uid, typ string) (*fc.OCPIToken, error) {
	var t fc.OCPIToken
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanOCPIToken(tx.QueryRowContext(ctx, `SELECT `+ocpiTokenColumns+` FROM ocpi_tokens t
			WHERE t.partner_id = $1 AND t.country_code = $2 AND t.party_id = $3 AND t.uid = $4 AND t.type = $5`,
			int64(partnerID), countryCode, partyID, uid, typ), &t)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "OCPI token not found")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// OCPITokenByUID finds the token with the UID (an OCPP idTag) of a partner
// of the provider, for authorization (fleetcharge.OCPIStore): a valid one
// when there is one, else the most recently updated, so that the caller can
// tell a blocked token from an unknown one. Not found when no partner of
// the provider pushed the UID.
func (s *Store) OCPITokenByUID(ctx context.Context, providerID fc.ID, uid string) (*fc.OCPIToken, error) {
	var t fc.OCPIToken
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanOCPIToken(tx.QueryRowContext(ctx, `SELECT `+ocpiTokenColumns+` FROM ocpi_tokens t JOIN ocpi_partners p ON p.id = t.partner_id
			WHERE t.uid = $1 AND p.provider_id = $2
			ORDER BY t.valid DESC, t.last_updated DESC, t.partner_id, t.country_code, t.party_id, t.type LIMIT 1`,
			uid, int64(providerID)), &t)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "OCPI token not found")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// creditPrefix starts the stop reason of an imported session that credits
// another (an OCPI 2.2.1 credit CDR): "Credit of " and the credited
// session's external_ref, of the credit's own party. The pair nets to nothing in every sum of cost:
// the credit has the negative cost and no energy.
const creditPrefix = "Credit of "

func isCredit(reason string) bool { return strings.HasPrefix(reason, creditPrefix) }

// checkCredit checks within tx that the credit x may be stored: the
// session it credits is an import of the provider and x's party, of the same card and
// currency, not itself a credit, and credited by no other session; x
// gives back at most its cost.
func checkCredit(ctx context.Context, tx *sql.Tx, x *fc.Session, reason string) error {
	ref := strings.TrimPrefix(reason, creditPrefix)
	var id, card, cost int64
	var currency, source, originalReason string
	err := tx.QueryRowContext(ctx, `SELECT id, COALESCE(card_id, 0), cost_minor, currency, source, stop_reason FROM sessions
		WHERE provider_id = $1 AND external_party = $2 AND external_ref = $3`, int64(x.ProviderID), x.ExternalParty, ref).
		Scan(&id, &card, &cost, &currency, &source, &originalReason)
	if errors.Is(err, sql.ErrNoRows) {
		return fc.Errorf(fc.EUnprocessable, "no session was imported with external_ref %q to credit", ref)
	}
	if err != nil {
		return err
	}
	switch {
	case source != fc.SourceImport || isCredit(originalReason):
		return fc.Errorf(fc.EUnprocessable, "session %q is not an imported session that can be credited", ref)
	case fc.ID(card) != x.CardID:
		return fc.Errorf(fc.EUnprocessable, "a credit must be of the card of the session it credits (%q)", ref)
	case currency != x.Currency:
		return fc.Errorf(fc.EUnprocessable, "a credit must be in the currency of the session it credits (%s)", currency)
	case -x.CostMinor > cost:
		return fc.Errorf(fc.EUnprocessable, "a credit must not give back more than the cost of the session it credits")
	}
	var other string
	// A credit is of the credited session's card, whose sessions the
	// index finds.
	err = tx.QueryRowContext(ctx, `SELECT external_ref FROM sessions WHERE card_id = $1 AND provider_id = $2 AND stop_reason = $3
		AND external_party = $4 AND external_ref <> $5 LIMIT 1`, card, int64(x.ProviderID), reason, x.ExternalParty, x.ExternalRef).Scan(&other)
	if err == nil {
		return fc.Errorf(fc.EConflict, "session %q was credited already, by %q", ref, other)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

// SessionByExternalRef reads the provider's session imported with the
// party's reference (party "" for a bulk import), not found when there is
// none (an OCPI CDR receiver's GET).
func (s *Store) SessionByExternalRef(ctx context.Context, providerID fc.ID, party, ref string) (*fc.Session, error) {
	var out *fc.Session
	err := s.read(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM sessions WHERE provider_id = $1 AND external_party = $2 AND external_ref = $3`,
			int64(providerID), party, ref).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "no session with external_ref %q", ref)
		}
		if err != nil {
			return err
		}
		out, err = sessionByID(ctx, tx, providerID, fc.ID(id))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OCPICardsByUID reads the provider's cards with the internal IDs (OCPI
// token UIDs) at once, by internal ID; a UID no card has is absent. The
// outbox builds a batch of token pushes from them.
func (s *Store) OCPICardsByUID(ctx context.Context, providerID fc.ID, uids []string) (map[string]*fc.Card, error) {
	out := map[string]*fc.Card{}
	if len(uids) == 0 {
		return out, nil
	}
	q := &query{}
	q.add(`SELECT ` + cardColumns + ` FROM cards c WHERE c.provider_id = `).arg(int64(providerID)).add(` AND c.internal_id IN (`)
	for i, uid := range uids {
		if i > 0 {
			q.add(", ")
		}
		q.arg(uid)
	}
	q.add(")")
	cards, err := list(ctx, s, q, scanCard)
	if err != nil {
		return nil, err
	}
	for i := range cards {
		out[cards[i].InternalID] = &cards[i]
	}
	return out, nil
}
