package app

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Bulk import of cards and employees from CSV (CONTRACT.md: Bulk import):
// a header line of the API's field names, then one object a line. Every
// row is checked; with any row refused nothing is created, and a dry run
// creates nothing either, but says what each row would do.

// Import kinds.
const (
	ImportCards     = "cards"
	ImportEmployees = "employees"
)

// MaxImportRows bounds the rows of one import.
const MaxImportRows = 10000

// ImportOutcome is the answer to an import.
type ImportOutcome struct {
	Created int           `json:"created"`
	Updated int           `json:"updated"` // imports create only: always 0
	Errors  []ImportError `json:"errors"`
	// Rows is each data row's outcome, for the web page's dry run; not
	// part of the API's answer.
	Rows []ImportRow `json:"-"`
}

// ImportError is one refusal: the file's line (the header is line 1), the
// field when one is at fault, and why.
type ImportError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// ImportRow is what became, or would become, of one data row.
type ImportRow struct {
	Line  int
	Label string // the card's external ID, the employee's name
	OK    bool
}

// assetImporter is the storage of imports (store.Store).
type assetImporter interface {
	ImportCards(ctx context.Context, cards []fc.Card, dryRun bool) (map[int]error, error)
	ImportEmployees(ctx context.Context, employees []fc.Employee, dryRun bool) (map[int]error, error)
}

// importColumns are the fields each kind's file may have, and must have.
var importColumns = map[string]struct{ allowed, required []string }{
	ImportCards:     {[]string{"external_id", "internal_id", "account_id", "employee_id", "status", "valid_until"}, []string{"external_id", "internal_id", "account_id"}},
	ImportEmployees: {[]string{"name", "email", "employee_number", "account_id", "active"}, []string{"name", "account_id"}},
}

// ImportCSV imports the cards or employees of the CSV file.
func (s *Service) ImportCSV(ctx context.Context, subj access.Subject, kind string, r io.Reader, dryRun bool) (*ImportOutcome, error) {
	cols, ok := importColumns[kind]
	if !ok {
		return nil, fc.Errorf(fc.ENotFound, "nothing to import as %q: cards or employees", kind)
	}
	store, ok := s.Store.(assetImporter)
	if !ok {
		return nil, fc.Errorf(fc.EUnavailable, "this storage imports nothing")
	}
	manage := access.CardsManage
	if kind == ImportEmployees {
		manage = access.EmployeesManage
	}
	if access.Reach(subj, manage).Empty() {
		return nil, fc.Errorf(fc.EForbidden, "importing %s needs %s", kind, manage)
	}
	header, rows, lines, err := readImportCSV(r)
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !contains(cols.allowed, h) {
			return nil, fc.Invalid(map[string]string{"file": "line 1: unknown column " + strconv.Quote(h) + "; the columns are " + strings.Join(cols.allowed, ", ")})
		}
		if _, dup := index[h]; dup {
			return nil, fc.Invalid(map[string]string{"file": "line 1: column " + strconv.Quote(h) + " twice"})
		}
		index[h] = i
	}
	for _, c := range cols.required {
		if _, ok := index[c]; !ok {
			return nil, fc.Invalid(map[string]string{"file": "line 1: no column " + strconv.Quote(c)})
		}
	}
	get := func(row []string, col string) string {
		if i, ok := index[col]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	out := &ImportOutcome{Errors: []ImportError{}}
	refuse := func(line int, field, msg string) {
		out.Errors = append(out.Errors, ImportError{Line: line, Field: field, Message: msg})
	}
	// Rows that cannot even be read, or that the user may not create, are
	// refused here; the rest go to the store, which checks them as a
	// create would.
	var cards []fc.Card
	var employees []fc.Employee
	var stored []int // the index in rows of each object sent to the store
	for i, row := range rows {
		line := lines[i]
		accountID, err := fc.ParseID(get(row, "account_id"))
		if err != nil {
			refuse(line, "account_id", "is not an ID")
			continue
		}
		if err := s.mayCreate(ctx, subj, fc.KindAccount, accountID, access.AccountsRead, manage, "account_id"); err != nil {
			refuse(line, "account_id", importMessage(err))
			continue
		}
		switch kind {
		case ImportCards:
			c := fc.Card{ProviderID: subj.ProviderID, AccountID: accountID, ExternalID: get(row, "external_id"),
				InternalID: get(row, "internal_id"), Status: get(row, "status"), ValidUntil: get(row, "valid_until")}
			if c.Status == "" {
				c.Status = fc.CardActive
			}
			if raw := get(row, "employee_id"); raw != "" {
				if c.EmployeeID, err = fc.ParseID(raw); err != nil {
					refuse(line, "employee_id", "is not an ID")
					continue
				}
			}
			cards = append(cards, c)
		case ImportEmployees:
			e := fc.Employee{ProviderID: subj.ProviderID, AccountID: accountID, Name: get(row, "name"), Email: get(row, "email"),
				EmployeeNumber: get(row, "employee_number"), Active: true}
			if raw := get(row, "active"); raw != "" {
				if e.Active, err = strconv.ParseBool(raw); err != nil {
					refuse(line, "active", "is not true or false")
					continue
				}
			}
			employees = append(employees, e)
		}
		stored = append(stored, i)
	}
	var refused map[int]error
	if kind == ImportCards {
		refused, err = store.ImportCards(ctx, cards, dryRun || len(out.Errors) > 0)
	} else {
		refused, err = store.ImportEmployees(ctx, employees, dryRun || len(out.Errors) > 0)
	}
	if err != nil {
		return nil, err
	}
	for j, err := range refused {
		line := lines[stored[j]]
		fields := fc.ErrorFields(err)
		if len(fields) == 0 {
			refuse(line, "", importMessage(err))
		}
		for f, msg := range fields {
			refuse(line, f, msg)
		}
	}
	sort.SliceStable(out.Errors, func(a, b int) bool {
		if out.Errors[a].Line != out.Errors[b].Line {
			return out.Errors[a].Line < out.Errors[b].Line
		}
		return out.Errors[a].Field < out.Errors[b].Field
	})
	bad := map[int]bool{}
	for _, e := range out.Errors {
		bad[e.Line] = true
	}
	for i, row := range rows {
		label := get(row, "external_id")
		if kind == ImportEmployees {
			label = get(row, "name")
		}
		out.Rows = append(out.Rows, ImportRow{Line: lines[i], Label: label, OK: !bad[lines[i]]})
	}
	if len(out.Errors) == 0 && !dryRun {
		out.Created = len(rows)
		if kind == ImportCards {
			defer s.Operations.listsChanged(subj.ProviderID)
		}
	}
	return out, nil
}

// readImportCSV reads the header and the data rows with the line each
// starts on; blank lines are skipped.
func readImportCSV(r io.Reader) (header []string, rows [][]string, lines []int, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, nil, fc.Invalid(map[string]string{"file": "line " + strconv.Itoa(pe.StartLine) + ": " + pe.Err.Error()})
			}
			return nil, nil, nil, fc.Invalid(map[string]string{"file": "cannot be read as CSV: " + err.Error()})
		}
		line, _ := cr.FieldPos(0)
		if header == nil {
			header = rec
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rows) == MaxImportRows {
			return nil, nil, nil, fc.Invalid(map[string]string{"file": "has more than " + strconv.Itoa(MaxImportRows) + " rows: split it"})
		}
		rows, lines = append(rows, rec), append(lines, line)
	}
	if header == nil {
		return nil, nil, nil, fc.Invalid(map[string]string{"file": "is empty: it needs a header line of field names"})
	}
	return header, rows, lines, nil
}

// importMessage is an error as a row's message.
func importMessage(err error) string {
	return fc.ErrorMessage(err)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
