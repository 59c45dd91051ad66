package web

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// Import of cards and employees from CSV: a check (a dry run) shows every
// line's outcome and the errors by line; the import creates all rows or,
// with any wrong, none (app.ImportCSV, CONTRACT.md: Bulk import).

// maxImportBody bounds an uploaded or pasted file.
const maxImportBody = 16 << 20

func (s *Server) importRoutes() {
	s.handle("GET /imports/{kind}", s.importPage)
	s.handle("POST /imports/{kind}", s.importFile)
}

// importBody is the import page.
type importBody struct {
	Heading, Action, CSRF string
	Back                  link
	Columns, Required     string
	Example, CSV          string
	Error, Summary        string
	Failed                bool
	Rows                  *table
}

var importExamples = map[string]string{
	app.ImportCards:     "external_id,internal_id,account_id,employee_id,status,valid_until\nNL-FLC-000101,04A2B3C4D5,12,345,active,2027-12-31",
	app.ImportEmployees: "name,email,employee_number,account_id,active\nSanne Bakker,sanne@example.com,E-1001,12,true",
}

// importKind reads the page's kind and checks that the user may import it.
func importKind(r *http.Request, v *view) (string, error) {
	kind := r.PathValue("kind")
	need := map[string]access.Permission{app.ImportCards: access.CardsManage, app.ImportEmployees: access.EmployeesManage}
	p, ok := need[kind]
	if !ok || !v.can(p) {
		return "", fc.Errorf(fc.ENotFound, "nothing to import here")
	}
	return kind, nil
}

func (s *Server) newImportBody(v *view, kind string) *importBody {
	cols := map[string][2]string{
		app.ImportCards:     {"external_id, internal_id, account_id, employee_id, status, valid_until", "external_id, internal_id, account_id"},
		app.ImportEmployees: {"name, email, employee_number, account_id, active", "name, account_id"},
	}[kind]
	return &importBody{Heading: "Import " + kind, Action: "/imports/" + kind, CSRF: v.Chrome.CSRF,
		Back: link{"/" + kind, titleCase(kind)}, Columns: cols[0], Required: cols[1], Example: importExamples[kind]}
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request, v *view) error {
	kind, err := importKind(r, v)
	if err != nil {
		return err
	}
	b := s.newImportBody(v, kind)
	s.show(w, r, v, http.StatusOK, "imports", b.Heading, b)
	return nil
}

// importFile checks or imports the posted file.
func (s *Server) importFile(w http.ResponseWriter, r *http.Request, v *view) error {
	kind, err := importKind(r, v)
	if err != nil {
		return err
	}
	b := s.newImportBody(v, kind)
	data := []byte(r.PostFormValue("csv"))
	if f, _, ferr := r.FormFile("file"); ferr == nil {
		defer f.Close()
		upload, rerr := io.ReadAll(io.LimitReader(f, maxImportBody+1))
		if rerr != nil {
			return rerr
		}
		if len(bytes.TrimSpace(upload)) > 0 {
			data = upload
		}
	}
	status := http.StatusOK
	switch {
	case len(data) > maxImportBody:
		b.Error, status = "The file is larger than 16 MiB: split it.", http.StatusRequestEntityTooLarge
	case len(bytes.TrimSpace(data)) == 0:
		b.Error, status = "Choose a CSV file or paste its lines.", http.StatusBadRequest
	default:
		b.CSV = strings.ReplaceAll(string(data), "\r\n", "\n")
		dry := r.PostFormValue("dry_run") != "no"
		out, err := s.app.ImportCSV(r.Context(), v.Subj, kind, bytes.NewReader(data), dry)
		if err != nil {
			if fc.IsCode(err, fc.EInternal) || fc.IsCode(err, fc.EUnavailable) {
				return err
			}
			f := &form{}
			status = f.fail(err)
			b.Error = f.Error
			break
		}
		b.Rows = importTable(out)
		n := strconv.Itoa(len(out.Rows))
		switch {
		case len(out.Errors) > 0:
			b.Failed, status = true, http.StatusUnprocessableEntity
			b.Summary = strconv.Itoa(len(out.Errors)) + " errors in " + n + " rows: nothing is imported. Correct the lines below and check again."
		case dry:
			b.Summary = "All " + n + " rows are fine: nothing is imported yet. Import them with the button below."
		default:
			b.Summary = strconv.Itoa(out.Created) + " " + kind + " imported."
			b.CSV = ""
		}
	}
	s.show(w, r, v, status, "imports", b.Heading, b)
	return nil
}

// importTable is every row's outcome, with its errors.
func importTable(out *app.ImportOutcome) *table {
	errs := map[int][]string{}
	for _, e := range out.Errors {
		msg := e.Message
		if e.Field != "" {
			msg = fieldMessage(titleCase(e.Field), e.Message)
		}
		errs[e.Line] = append(errs[e.Line], sentence(msg))
	}
	t := &table{Caption: "Rows", Columns: []string{"Line", "Row", "Outcome"}}
	for _, row := range out.Rows {
		outcome, class := "fine", "answer-yes"
		if out.Created > 0 {
			outcome = "created"
		}
		if !row.OK {
			outcome, class = strings.Join(errs[row.Line], " "), "answer-no"
		}
		t.Rows = append(t.Rows, []cell{{Text: strconv.Itoa(row.Line), Class: "num"}, {Text: row.Label}, {Text: outcome, Class: class}})
	}
	// A line-1 problem (the header) has no row.
	if msgs, ok := errs[1]; ok {
		t.Rows = append([][]cell{{{Text: "1", Class: "num"}, {Text: "header"}, {Text: strings.Join(msgs, " "), Class: "answer-no"}}}, t.Rows...)
	}
	return t
}
