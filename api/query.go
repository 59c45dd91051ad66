package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
)

// Query parameters are declared in the route table, read here, and
// described in the OpenAPI document from the same declaration. A parameter a
// route does not declare is 400, not silently ignored: a misspelt filter
// must not list everything.

// CheckQuery is the server's one rule for query strings, the API's and the
// web application's: a query that url.ParseQuery refuses (a ";", which it
// no longer takes as a separator, and would drop with its parameter; a bad
// %-escape), or whose names or values, decoded, are not valid UTF-8 or hold
// a NUL character, is refused whole with fc.EInvalid, never read in part.
func CheckQuery(raw string) error {
	values, err := url.ParseQuery(raw)
	if err != nil {
		if strings.Contains(raw, ";") {
			return fc.Errorf(fc.EInvalid, "the query string holds a \";\": parameters are separated by & only, and a ; in a value is escaped as %%3B")
		}
		return fc.Errorf(fc.EInvalid, "the query string has a malformed %%-escape")
	}
	for name, vs := range values {
		for _, text := range append([]string{name}, vs...) {
			switch {
			case !utf8.ValidString(text):
				return fc.Errorf(fc.EInvalid, "the query parameter %q is not valid UTF-8", name)
			case strings.ContainsRune(text, 0):
				return fc.Errorf(fc.EInvalid, "the query parameter %q holds a NUL character", name)
			}
		}
	}
	return nil
}

// Kinds of query parameters.
const (
	paramID      = "id"      // a positive integer ID
	paramString  = "string"  // free text
	paramEnum    = "enum"    // one of the param's values
	paramBool    = "boolean" // true or false
	paramInteger = "integer" // a non-negative integer
	paramTime    = "time"    // a date (YYYY-MM-DD, UTC midnight) or an RFC 3339 time
)

// param is a query parameter of a route.
type param struct {
	name     string
	kind     string
	enum     []string
	doc      string
	required bool
}

// pageParams are the cursor pagination parameters of every list.
var pageParams = []param{
	{name: "limit", kind: paramInteger, doc: "the most items to return, 1 to 500; 50 when absent"},
	{name: "after", kind: paramID, doc: "the next_cursor of the previous page: the items after it are returned; absent for the first page"},
}

// queryReader reads the declared query parameters of one request and
// collects the errors of all of them.
type queryReader struct {
	v      url.Values
	params []param
	fields map[string]string
}

// query returns the reader of r's query string for r's route.
func (s *Server) query(r *http.Request) *queryReader {
	q := &queryReader{v: r.URL.Query(), fields: map[string]string{}}
	if rt := s.byKey[r.Pattern]; rt != nil {
		q.params = rt.params
	}
	for name, vs := range q.v {
		switch {
		case q.decl(name) == nil:
			q.fields[name] = "is not a query parameter of this route"
		case len(vs) > 1:
			q.fields[name] = "is given more than once"
		}
	}
	for _, p := range q.params {
		if p.required && q.v.Get(p.name) == "" {
			q.fields[p.name] = "is required"
		}
	}
	return q
}

func (q *queryReader) decl(name string) *param {
	for i := range q.params {
		if q.params[i].name == name {
			return &q.params[i]
		}
	}
	return nil
}

// get returns the raw value of a declared parameter; asking for one the
// route does not declare is a bug of the route table.
func (q *queryReader) get(name string) string {
	if q.decl(name) == nil {
		panic("api: query parameter " + name + " is not declared in the route table")
	}
	return strings.TrimSpace(q.v.Get(name))
}

// str returns a text or enum parameter.
func (q *queryReader) str(name string) string {
	v := q.get(name)
	if p := q.decl(name); v != "" && p.kind == paramEnum && !contains(p.enum, v) {
		q.fields[name] = "must be one of " + strings.Join(p.enum, ", ")
		return ""
	}
	return v
}

// id returns an ID parameter, 0 when absent.
func (q *queryReader) id(name string) fc.ID {
	v := q.get(name)
	if v == "" {
		return 0
	}
	id, err := fc.ParseID(v)
	if err != nil {
		q.fields[name] = "must be an ID: a positive integer"
	}
	return id
}

// boolPtr returns a boolean parameter, nil when absent.
func (q *queryReader) boolPtr(name string) *bool {
	v := q.get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.fields[name] = "must be true or false"
		return nil
	}
	return &b
}

// time returns a time parameter: a date is midnight UTC of that day.
func (q *queryReader) time(name string) time.Time {
	v := q.get(name)
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		q.fields[name] = "must be a date (2024-05-01) or an RFC 3339 time (2024-05-01T08:00:00Z)"
	}
	return t
}

// days returns a number of days from 1 to 3660, 0 when absent.
func (q *queryReader) days(name string) int {
	v := q.get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 3660 {
		q.fields[name] = "must be a number of days from 1 to 3660"
		return 0
	}
	return n
}

// page returns the page the limit and after parameters ask for.
func (q *queryReader) page() fc.Page {
	p := fc.Page{After: q.id("after")}
	if v := q.get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > fc.MaxPageSize {
			q.fields["limit"] = "must be an integer from 1 to " + strconv.Itoa(fc.MaxPageSize)
		}
		p.Limit = n
	}
	if p.Limit == 0 {
		p.Limit = fc.DefaultPageSize
	}
	return p
}

// err returns the errors of every parameter read so far, and of those
// the route does not declare.
func (q *queryReader) err() error {
	if len(q.fields) > 0 {
		return fc.Invalid(q.fields)
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
