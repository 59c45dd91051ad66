package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// form is an HTML form as the partial "form" renders it: every field with
// its label, its hint and its error next to it, the CSRF token of the
// session for a post.
type form struct {
	ID      string // unique on the page; prefixes the fields' IDs
	Title   string
	Action  string
	Method  string // "get" or "post" (the default)
	Submit  string
	Class   string // of the submit button: "secondary", "danger"
	Inline  bool   // a one-button form inside a row or a toolbar
	Confirm string // asked before sending, when scripts run
	CSRF    string
	Hidden  []hidden
	Fields  []field
	Error   string
	Intro   string
	// Disabled, when set, is why the form cannot be sent now (a station
	// offline): its button is disabled and the reason shown.
	Disabled string
}

type hidden struct{ Name, Value string }

// field is one input of a form. A picker is a text input with suggestions
// (pick.go).
type field struct {
	Name     string
	Label    string
	Type     string // text (default), email, number, password, select, multiselect, checkbox, textarea, picker
	Value    string
	Values   []string // the chosen options of a multiselect
	Hint     string
	Error    string
	Required bool
	Options  []option
	Checked  bool
	// Source, for a picker, is where its suggestions come from (see
	// pick.go); With names a field of the same form whose value narrows
	// them (the account); Append is the element ID of a textarea that a
	// chosen suggestion is added to, a line each.
	Source, With, Append string
}

type option struct {
	Value, Label string
}

// Size is the number of rows a multiselect shows.
func (f field) Size() int {
	return min(max(len(f.Options), 2), 8)
}

// Chosen tells whether the option with value is chosen in the field.
func (f field) Chosen(value string) bool {
	if f.Type == "multiselect" {
		return slices.Contains(f.Values, value)
	}
	return f.Value == value
}

// postForm returns a post form for the view.
func (v *view) postForm(id, action, submit string, fields ...field) *form {
	return &form{ID: id, Action: action, Method: "post", Submit: submit, CSRF: v.Chrome.CSRF, Fields: fields}
}

// button returns a one-button post form.
func (v *view) button(id, action, submit, class string, hidden ...hidden) *form {
	return &form{ID: id, Action: action, Method: "post", Submit: submit, Class: class, Inline: true, CSRF: v.Chrome.CSRF, Hidden: hidden}
}

// fill sets the fields' values from a posted form, so that a form shown
// again with its errors keeps what the user typed.
func (f *form) fill(vals url.Values) {
	for i := range f.Fields {
		fl := &f.Fields[i]
		if fl.Type == "password" {
			continue
		}
		if fl.Type == "checkbox" {
			fl.Checked = vals.Get(fl.Name) != ""
			continue
		}
		if fl.Type == "multiselect" {
			fl.Values = vals[fl.Name]
			continue
		}
		if vals.Has(fl.Name) {
			fl.Value = vals.Get(fl.Name)
		}
	}
}

// fail puts err on the form: each field's message next to the field, the
// rest as the form's message. It returns the page's HTTP status.
func (f *form) fail(err error) int {
	fields := fc.ErrorFields(err)
	rest := []string{}
	for name, msg := range fields {
		found := false
		for i := range f.Fields {
			if f.Fields[i].Name == name {
				f.Fields[i].Error = fieldMessage(f.Fields[i].Label, msg)
				found = true
			}
		}
		if !found {
			rest = append(rest, fieldMessage(titleCase(name), msg))
		}
	}
	switch {
	case len(fields) == 0:
		f.Error = sentence(fc.ErrorMessage(err))
	case len(rest) > 0:
		f.Error = "Please correct the marked fields. " + strings.Join(rest, " ")
	default:
		f.Error = "Please correct the marked fields."
	}
	if fc.ErrorCode(err) == fc.EInternal {
		f.Error = "Something went wrong on our side. Please try again."
	}
	if fc.IsCode(err, fc.ENotFound) {
		return http.StatusNotFound
	}
	return authStatus(err)
}

// fieldMessage reads a field's error as a sentence: "Name is required.",
// "No such account.".
func fieldMessage(label, msg string) string {
	for _, verb := range []string{"is ", "must ", "has ", "does ", "give "} {
		if strings.HasPrefix(msg, verb) {
			return sentence(label + " " + msg)
		}
	}
	return sentence(msg)
}

// formID reads a posted ID field: empty is 0, anything else not an ID is
// the field's error.
func formID(vals url.Values, name string, fields map[string]string) fc.ID {
	raw := strings.TrimSpace(vals.Get(name))
	if raw == "" || raw == "0" {
		return 0
	}
	id, err := fc.ParseID(raw)
	if err != nil {
		fields[name] = "must be an ID, a positive whole number"
	}
	return id
}

// formInt reads a posted whole number.
func formInt(vals url.Values, name string, fields map[string]string) int {
	raw := strings.TrimSpace(vals.Get(name))
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		fields[name] = "must be a whole number"
	}
	return n
}

// idString shows an ID in a form: empty for none.
func idString(id fc.ID) string {
	if id == 0 {
		return ""
	}
	return id.String()
}

// table is a list as the partial "table" renders it.
type table struct {
	// Live, when set, names a table that scripts refresh in place every
	// few seconds (a station's connectors).
	Live    string
	Caption string
	Columns []string
	// Head, when set, draws the column titles instead of Columns: links
	// that sort the list (lists.go).
	Head  []head
	Rows  [][]cell
	Empty string
}

// cell is one cell of a table: text, a link, or a small form.
type cell struct {
	Text  string
	Href  string
	Class string
	Form  *form
	Check *rowCheck // a row's checkbox of a bulk form (pages_bulk.go)
	// LiveOf and LiveField mark a cell that live.js keeps up to date: the
	// station ("ID", or "ID/connector") and which of its values it shows
	// (live.go).
	LiveOf, LiveField string
	// raw is the cell's value in a list's export when hasRaw (a time as
	// RFC 3339), instead of its text (lists.go).
	raw    string
	hasRaw bool
}

// fact is one label and value of a detail page.
type fact struct {
	Label, Value, Href, Class string
	LiveOf, LiveField         string // as a cell's: a value live.js keeps up to date
}

// link is an action reached by a link.
type link struct{ Href, Label string }

// listBody is the body of a list page.
type listBody struct {
	Heading  string
	Intro    string
	Actions  []link
	Filter   *form
	Table    table
	Bulk     *form  // acts on the rows ticked in the table
	Presets  []link // date ranges the filter offers in one click
	Export   string // the list as CSV
	Total    string // how many rows the list holds, in words
	Next     string // the next page, when there is one
	Previous string // the previous page, when there is one
	First    string // the first page, when this is not it
}

// detailBody is the body of a detail page.
type detailBody struct {
	Heading string
	Error   string // a failed action's message that no form of the page holds
	Back    link
	Facts   []fact
	Live    bool        // scripts refresh the facts in place (a station's state)
	Result  []fact      // the answer to the action just taken
	Curve   *curveChart // a session's charging curve
	Tables  []table
	Forms   []*form
	Links   []link
}

// pageSize is the number of rows of a list page.
const pageSize = 100

// listPageSize is pageSize, which tests of paging make smaller.
var listPageSize = pageSize

// pageOf reads the cursor of a list page.
func pageOf(r *http.Request) fc.Page {
	after, _ := fc.ParseID(r.URL.Query().Get("after"))
	before, _ := fc.ParseID(r.URL.Query().Get("before"))
	return fc.Page{After: after, Before: before, Limit: listPageSize + 1}
}

// onePage cuts the rows read with pageOf to one page, and tells whether
// there are more beyond it: after it when read forward, before it when read
// backward (with "before").
func onePage[T any](r *http.Request, rows []T) (page []T, more bool) {
	if len(rows) <= listPageSize {
		return rows, false
	}
	if pageOf(r).Before > 0 {
		return rows[len(rows)-listPageSize:], true
	}
	return rows[:listPageSize], true
}

// paginate sets the links to the first, the previous and the next page of
// a list page whose rows run from ID first to ID last; more is what
// onePage told.
func (b *listBody) paginate(r *http.Request, first, last fc.ID, more bool) {
	p := pageOf(r)
	backward, forward := p.Before > 0, p.After > 0
	q := r.URL.Query()
	for _, k := range []string{"done", "scope", "after", "before"} {
		q.Del(k)
	}
	link := func(cursor string, id fc.ID) string {
		p := maps.Clone(q)
		if cursor != "" {
			p.Set(cursor, id.String())
		}
		if len(p) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + p.Encode()
	}
	if backward || more {
		b.Next = link("after", last)
	}
	if backward && more || forward {
		b.Previous, b.First = link("before", first), link("", 0)
	}
}

// fieldInForm is a field with its element ID, for the partial "field".
type fieldInForm struct {
	ID string
	F  field
}

// fieldOf gives a field of the form with the given ID its element ID.
func fieldOf(formID string, f field) fieldInForm {
	return fieldInForm{ID: formID + "-" + strings.NewReplacer(".", "-", "_", "-").Replace(f.Name), F: f}
}

func urlQuery(s string) string { return url.QueryEscape(s) }
