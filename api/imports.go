package api

import (
	"bytes"
	"net/http"

	"github.com/fleetcharge/fleetcharge/app"
)

// The CSV import of cards and employees (CONTRACT.md: Bulk import): a
// header line of the API's field names, one object a line; every row is
// checked, and with any refused nothing is created.

func (s *Server) importRoutes() []route {
	var rs []route
	for _, kind := range []string{app.ImportCards, app.ImportEmployees} {
		rs = append(rs, route{method: http.MethodPost, path: "/api/v1/imports/" + kind, id: "import_" + kind, tag: kind,
			summary: "Import " + kind + " from CSV, all or none",
			doc: "The body is text/csv: a header line naming fields of POST /api/v1/" + kind + ", then one " + kind[:len(kind)-1] +
				" a line. Every row is checked as a create would check it; with any row refused nothing is created and errors lists each " +
				"refusal by the file's line (the header is line 1) and field. With dry_run=true nothing is created (created is 0) and errors " +
				"lists what an import would refuse. At most " +
				"10000 rows and 16 MiB. Imports only create: updated is always 0.",
			params: []param{{name: "dry_run", kind: paramBool, doc: "true: check every row, create nothing"}},
			csv:    true, resp: typ[app.ImportOutcome](), status: http.StatusOK, h: s.importAssets(kind)})
	}
	return rs
}

func (s *Server) importAssets(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		subj, err := s.subject(r)
		if err != nil {
			return err
		}
		q := s.query(r)
		dry := q.boolPtr("dry_run")
		if err := q.err(); err != nil {
			return err
		}
		body, _, err := readBody(w, r, maxBulkBody, "text/csv")
		if err != nil {
			return err
		}
		out, err := s.app.ImportCSV(r.Context(), subj, kind, bytes.NewReader(body), dry != nil && *dry)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}
