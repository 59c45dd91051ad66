package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// maxBulkRows bounds the sessions of one bulk import.
const maxBulkRows = 10000

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.SessionFilter, fc.Page) {
		f := fc.SessionFilter{From: q.time("from"), To: q.time("to"), AccountID: q.id("account_id"), CardID: q.id("card_id"),
			EmployeeID: q.id("employee_id"), StationID: q.id("station_id"), LocationKind: q.str("location_kind"), Page: q.page()}
		if active := q.boolPtr("active"); active != nil {
			f.ActiveOnly = *active
		}
		return f, f.Page
	}, s.app.Sessions, viewSession, func(x *sessionView) fc.ID { return x.ID })(w, r)
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.Session, viewSession)(w, r)
}

// session converts an import to a session: energy to Wh and cost to the
// currency's minor unit, both exactly.
func (in *sessionInput) session() (fc.Session, error) {
	stopped := in.StoppedAt
	x := fc.Session{ExternalRef: in.ExternalRef, CardID: in.CardID, IDTag: in.IDTag, StationID: in.StationID,
		ConnectorID: in.ConnectorID, LocationKind: in.LocationKind, LocationName: in.LocationName,
		StartedAt: in.StartedAt, StoppedAt: &stopped, MeterStartWh: in.MeterStartWh, Currency: strings.ToUpper(strings.TrimSpace(in.Currency))}
	fields := map[string]string{}
	var err error
	if x.EnergyWh, err = in.EnergyKWh.Scaled("energy_kwh", 3); err != nil {
		fields["energy_kwh"] = fc.ErrorFields(err)["energy_kwh"]
	}
	if x.CostMinor, err = in.Cost.Scaled("cost", fc.MinorDigits(x.Currency)); err != nil {
		fields["cost"] = fc.ErrorFields(err)["cost"]
	}
	if len(fields) > 0 {
		return fc.Session{}, fc.Invalid(fields)
	}
	return x, nil
}

func (s *Server) importSession(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *sessionInput, _ fieldSet) error {
		x, err := in.session()
		if err != nil {
			return err
		}
		created, err := s.app.ImportSession(r.Context(), subj, &x)
		if err != nil {
			return err
		}
		if created {
			writeCreated(w, r, x.ID, viewSession(&x))
		} else {
			w.Header().Set("Location", r.URL.Path+"/"+x.ID.String())
			writeJSON(w, http.StatusOK, viewSession(&x))
		}
		return nil
	})(w, r)
}

// bulkRow is one row of a bulk import as read: the session, or why it
// could not be read.
type bulkRow struct {
	x        fc.Session
	existing bool
	err      error
}

func (s *Server) importSessions(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	body, mt, err := readBody(w, r, maxBulkBody, "application/json", "text/csv")
	if err != nil {
		return err
	}
	rows, err := parseBulk(body, mt)
	if err != nil {
		return err
	}
	var xs []fc.Session
	var at []int // the row of each session in xs
	for i := range rows {
		if rows[i].err == nil {
			xs = append(xs, rows[i].x)
			at = append(at, i)
		}
	}
	results, err := s.app.ImportSessions(r.Context(), subj, xs)
	if err != nil {
		return err
	}
	for j, res := range results {
		row := &rows[at[j]]
		row.err = res.Err
		if res.Err == nil {
			row.x = *res.Session
			row.existing = !res.Created
		}
	}
	out := bulkResponse{Results: make([]bulkResult, len(rows))}
	for i, row := range rows {
		res := bulkResult{Index: i, ExternalRef: row.x.ExternalRef}
		switch {
		case row.err != nil:
			d := detailOf(row.err)
			if d.Code == fc.EInternal {
				s.cfg.Logger.Error("bulk session import failed", "row", i, "err", row.err)
			}
			res.Status, res.Error = "failed", &d
			out.Failed++
		case row.existing:
			res.Status, res.ID = "existing", row.x.ID
			out.Existing++
		default:
			res.Status, res.ID = "created", row.x.ID
			out.Created++
		}
		out.Results[i] = res
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// parseBulk reads the rows of a bulk import: a JSON array of session
// imports, or CSV with a header line of their field names. A row that does
// not read is kept with its error; a body that does not read is an error.
func parseBulk(body []byte, mediaType string) ([]bulkRow, error) {
	var objects []json.RawMessage
	if mediaType == "text/csv" {
		var err error
		if objects, err = csvObjects(body); err != nil {
			return nil, err
		}
	} else {
		raw, err := parseJSON(body)
		if err != nil {
			return nil, err
		}
		if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '[' {
			return nil, fc.Errorf(fc.EInvalid, "the body must be a JSON array of session imports")
		}
		if err := json.Unmarshal(raw, &objects); err != nil {
			return nil, fc.Errorf(fc.EInvalid, "the body must be a JSON array of session imports")
		}
	}
	if len(objects) > maxBulkRows {
		return nil, fc.Errorf(fc.ETooLarge, "a bulk import takes at most %d sessions; this one has %d", maxBulkRows, len(objects))
	}
	rows := make([]bulkRow, len(objects))
	for i, obj := range objects {
		var in sessionInput
		if _, err := bind(obj, &in, true); err != nil {
			rows[i] = bulkRow{err: err}
			rows[i].x.ExternalRef = in.ExternalRef
			continue
		}
		x, err := in.session()
		if err != nil {
			rows[i] = bulkRow{err: err}
			rows[i].x.ExternalRef = in.ExternalRef
			continue
		}
		rows[i] = bulkRow{x: x}
	}
	return rows, nil
}

// csvObjects turns CSV with a header line of session import fields into
// one JSON object per line: an empty cell is an absent field; integer
// fields are numbers when they read as one, and every other cell a
// string, which the field's own reading accepts or refuses.
func csvObjects(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(body))
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fc.Errorf(fc.EInvalid, "the CSV body is empty: a header line naming the fields is required")
	}
	if err != nil {
		return nil, csvError(err)
	}
	kinds := map[string]reflect.Kind{}
	for _, f := range fieldsOf(reflect.TypeFor[sessionInput]()) {
		kinds[f.name] = f.typ.Kind()
		if f.typ == reflect.TypeFor[fc.ID]() {
			kinds[f.name] = reflect.String
		}
	}
	fields := map[string]string{}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch _, ok := kinds[h]; {
		case !ok:
			fields[h] = "is not a field of a session import"
		case seen[h]:
			fields[h] = "is a column twice"
		}
		seen[h] = true
	}
	if len(fields) > 0 {
		return nil, fc.Invalid(fields)
	}
	var out []json.RawMessage
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, csvError(err)
		}
		if len(out) == maxBulkRows {
			return nil, fc.Errorf(fc.ETooLarge, "a bulk import takes at most %d sessions", maxBulkRows)
		}
		var b bytes.Buffer
		b.WriteByte('{')
		n := 0
		for i, cell := range rec {
			cell = strings.TrimSpace(cell)
			if cell == "" {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			name, _ := json.Marshal(header[i])
			b.Write(name)
			b.WriteByte(':')
			if kinds[header[i]] == reflect.Int || kinds[header[i]] == reflect.Int64 {
				if _, err := strconv.ParseInt(cell, 10, 64); err == nil {
					b.WriteString(cell)
					continue
				}
			}
			v, _ := json.Marshal(cell)
			b.Write(v)
		}
		b.WriteByte('}')
		out = append(out, json.RawMessage(b.Bytes()))
	}
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fc.Errorf(fc.EInvalid, "malformed CSV at line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return fc.Errorf(fc.EInvalid, "malformed CSV: %v", err)
}

// Access.

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	a, err := s.app.Me(r.Context(), subj)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) explain(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	q := s.query(r)
	userID := q.id("user_id")
	perm := access.Permission(q.str("permission"))
	resource := q.get("resource")
	kind, id, rerr := "", fc.ID(0), error(nil)
	if resource != "" {
		kind, id, rerr = app.ParseResource(resource)
		for k, v := range fc.ErrorFields(rerr) {
			q.fields[k] = v
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	e, err := s.app.Explain(r.Context(), subj, userID, perm, kind, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

// openAPI serves the OpenAPI 3.1 description of the API.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(s.openapi)))
	_, _ = w.Write(s.openapi)
	return nil
}
