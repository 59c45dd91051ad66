package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/i18n"
)

// What every list page shares: columns that sort it (server-side, in SQL,
// paged by the same cursors), its count, its pages, and its export as CSV
// with the same filter, sort and scope, streamed page by page.
//
// A handler describes its columns (listColumn), opens the request's list
// (newList: the sort asked for, checked against the columns), reads its
// rows with list.page() and draws them with one function of a batch of
// rows; the same handler answers Path+"/export" (list.export), where
// exportList sends every row of the list through that function.

// byID is the sort key of a column that shows the row's ID: the list's own
// order, by ID.
const byID = "id"

// listColumn is a column of a list page.
type listColumn struct {
	Title string
	// Sort is the sort key (the store's, fc.Page.Sort) of the column; byID
	// for the ID; "" when the column does not sort the list.
	Sort string
	// NoCSV leaves the column out of the export: a checkbox, a button, a
	// link to a document.
	NoCSV bool
}

// head is a column title as the table template draws it.
type head struct {
	Title string
	// Href sorts the list by the column (the other way round when it is
	// sorted by it already); empty for a column that does not sort.
	Href string
	// AriaSort is "ascending" or "descending" on the column the list is
	// sorted by.
	AriaSort string
}

// listNoun is how a list counts its rows: "1 card", "%d cards", and "More
// than %d cards" beyond fc.CountCap.
type listNoun struct{ One, Many, More string }

// list is one request for a list page or its export.
type list struct {
	r       *http.Request
	path    string // the page's path; the export's is path+"/export"
	noun    listNoun
	columns []listColumn
	sort    string // a column's sort key, byID by default
	desc    bool
	defDesc bool
	export  bool
	count   int
}

// newList reads the sort of a list request (?sort=KEY&dir=asc|desc) and
// whether it asks for the export. A sort the columns do not offer, or a
// direction other than asc and desc, is a 400 that says so: a link never
// makes one, so it is a typed or stale URL, and showing another order than
// the one asked for would mislead.
func newList(r *http.Request, path string, noun listNoun, desc bool, columns []listColumn) (*list, error) {
	l := &list{r: r, path: path, noun: noun, columns: columns, sort: byID, desc: desc, defDesc: desc,
		export: r.URL.Path == path+"/export"}
	q := r.URL.Query()
	if key := q.Get("sort"); key != "" {
		if key != byID && !slices.ContainsFunc(columns, func(c listColumn) bool { return c.Sort == key }) {
			var keys []string
			for _, c := range columns {
				if c.Sort != "" {
					keys = append(keys, c.Sort)
				}
			}
			return nil, fc.Errorf(fc.EInvalid, "this list cannot be sorted by “%s”: sort it by one of %s", key, strings.Join(keys, ", "))
		}
		l.sort, l.desc = key, false
	}
	switch dir := q.Get("dir"); dir {
	case "":
	case "asc", "desc":
		l.desc = dir == "desc"
	default:
		return nil, fc.Errorf(fc.EInvalid, "the direction of a sort is asc or desc, not “%s”", dir)
	}
	return l, nil
}

// storeSort is the sort of fc.Page: "" by ID.
func (l *list) storeSort() string {
	if l.sort == byID {
		return ""
	}
	return l.sort
}

// page is the page of the list the request shows: its cursor, its sort,
// and the count of the whole list.
func (l *list) page() fc.Page {
	p := pageOf(l.r)
	p.Sort, p.Desc, p.Count = l.storeSort(), l.desc, &l.count
	return p
}

// query is the request's query without what a link to another page or
// order of the same list leaves out.
func (l *list) query(drop ...string) url.Values {
	q := l.r.URL.Query()
	for _, k := range append([]string{"done", "scope", "after", "before"}, drop...) {
		q.Del(k)
	}
	return q
}

// withQuery is the path with the query q.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// heads are the column titles, each that sorts a link to its first page
// sorted by it: ascending, or the other way when it is the sort now.
func (l *list) heads() []head {
	out := make([]head, len(l.columns))
	for i, c := range l.columns {
		h := head{Title: c.Title}
		if c.Sort != "" {
			desc := false
			if c.Sort == l.sort {
				h.AriaSort = map[bool]string{false: "ascending", true: "descending"}[l.desc]
				desc = !l.desc
			}
			q := l.query("sort", "dir")
			if c.Sort != byID || desc != l.defDesc {
				q.Set("sort", c.Sort)
				q.Set("dir", map[bool]string{false: "asc", true: "desc"}[desc])
			}
			h.Href = withQuery(l.path, q)
		}
		out[i] = h
	}
	return out
}

// total is the count in words.
func (l *list) total() string {
	switch {
	case l.count > fc.CountCap:
		return fmt.Sprintf(l.noun.More, fc.CountCap)
	case l.count == 1:
		return l.noun.One
	}
	return fmt.Sprintf(l.noun.Many, l.count)
}

// finish gives the list page b its column titles, count, page links, the
// link to its export and, in the filter, the sort (so that filtering keeps
// it). rows is how many rows the page shows, first and last their IDs,
// more what onePage told.
func (l *list) finish(b *listBody, rows int, first, last fc.ID, more bool) {
	b.Table.Head = l.heads()
	b.Total = l.total()
	if rows > 0 {
		b.paginate(l.r, first, last, more)
	} else if p := pageOf(l.r); p.After > 0 || p.Before > 0 {
		b.First = withQuery(l.path, l.query())
	}
	b.Export = withQuery(l.path+"/export", l.query())
	if b.Filter != nil {
		q := l.r.URL.Query()
		for _, k := range []string{"sort", "dir"} {
			if v := q.Get(k); v != "" {
				b.Filter.Hidden = append(b.Filter.Hidden, hidden{k, v})
			}
		}
	}
}

// exportPage is how many rows an export reads at a time.
const exportPage = fc.MaxPageSize

// exportList answers the export of the list l: every row the page would
// show over all its pages, in its order, as CSV, with the column titles in
// the request's language. read reads one page of the list (the filter and
// scope of the page), id gives a row's ID for the next page's cursor, rows
// draws a batch of rows as the page draws them. It is streamed: one batch
// in memory at a time, written as it is read. A failure after the first
// batch cannot change the answer's status any more: it is logged and the
// file ends there.
func exportList[T any](s *Server, w http.ResponseWriter, l *list, name string, read func(fc.Page) ([]T, error),
	id func(*T) fc.ID, rows func([]T) [][]cell) error {
	p := fc.Page{Limit: exportPage, Sort: l.storeSort(), Desc: l.desc}
	xs, err := read(p)
	if err != nil {
		return err
	}
	out := l.csv(w, name)
	for {
		if !out.write(rows(xs)) || len(xs) < p.Limit {
			return nil
		}
		p.After = id(&xs[len(xs)-1])
		if xs, err = read(p); err != nil {
			s.cfg.Logger.Error("list export cut short", "path", l.r.URL.Path, "err", err)
			return nil
		}
	}
}

// csvOut is a list's export being written.
type csvOut struct {
	l   *list
	w   http.ResponseWriter
	cw  *csv.Writer
	tag language.Tag
}

// csv starts the export of the list l as the file name.csv: its headers
// and the row of column titles, in the request's language.
func (l *list) csv(w http.ResponseWriter, name string) *csvOut {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	out := &csvOut{l: l, w: w, cw: csv.NewWriter(w), tag: i18n.FromContext(l.r.Context())}
	var titles []string
	for _, c := range l.columns {
		if !c.NoCSV {
			titles = append(titles, csvSafe(translate(out.tag, c.Title)))
		}
	}
	_ = out.cw.Write(titles)
	return out
}

// write writes a batch of rows and sends them on; false when the client
// is gone.
func (o *csvOut) write(rows [][]cell) bool {
	var record []string
	for _, row := range rows {
		record = record[:0]
		for i, c := range row {
			if i < len(o.l.columns) && !o.l.columns[i].NoCSV {
				record = append(record, csvSafe(c.csvValue(o.tag)))
			}
		}
		_ = o.cw.Write(record)
	}
	o.cw.Flush()
	if f, ok := o.w.(http.Flusher); ok {
		f.Flush()
	}
	return o.cw.Error() == nil
}

// csvValue is the cell in an export: its raw value when it has one (a time
// as RFC 3339), else its text as the page shows it, translated; nothing
// for a form or a checkbox.
func (c cell) csvValue(tag language.Tag) string {
	switch {
	case c.Form != nil || c.Check != nil:
		return ""
	case c.hasRaw:
		return c.raw
	}
	return translate(tag, c.Text)
}

// timeCell shows a time of a list in the provider's zone, and exports it as
// RFC 3339; nil and zero show as when shows them and export empty.
func (v *view) timeCell(t any) cell {
	c := cell{Text: v.when(t), hasRaw: true}
	loc := v.Loc
	if loc == nil {
		loc = time.UTC
	}
	switch x := t.(type) {
	case time.Time:
		if !x.IsZero() {
			c.raw = x.In(loc).Format(time.RFC3339)
		}
	case *time.Time:
		if x != nil && !x.IsZero() {
			c.raw = x.In(loc).Format(time.RFC3339)
		}
	}
	return c
}

// rawCell is a cell that shows text and exports raw.
func rawCell(text, raw string) cell { return cell{Text: text, raw: raw, hasRaw: true} }

// firstLast returns the first and the last ID of rows, for finish.
func firstLast[T any](xs []T, id func(*T) fc.ID) (first, last fc.ID) {
	if len(xs) == 0 {
		return 0, 0
	}
	return id(&xs[0]), id(&xs[len(xs)-1])
}

// showList is the common tail of a list handler: the page of rows xs read
// with l.page(), drawn by rows, finished and shown; or, for the export, every
// row. It returns what a handler returns.
func showList[T any](s *Server, w http.ResponseWriter, v *view, l *list, b *listBody, title string,
	read func(fc.Page) ([]T, error), id func(*T) fc.ID, rows func([]T) [][]cell) error {
	if l.export {
		return exportList(s, w, l, strings.TrimPrefix(strings.ReplaceAll(l.path, "/", "-"), "-"), read, id, rows)
	}
	xs, err := read(l.page())
	if err != nil {
		return err
	}
	xs, more := onePage(l.r, xs)
	b.Table.Columns = titles(l.columns)
	b.Table.Rows = rows(xs)
	first, last := firstLast(xs, id)
	l.finish(b, len(xs), first, last, more)
	s.show(w, l.r, v, http.StatusOK, "list", title, b)
	return nil
}

// titles are the columns' titles.
func titles(cs []listColumn) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Title
	}
	return out
}

// listExportRoutes registers the export of every list page: the list's own
// handler answers it (list.export).
func (s *Server) listExportRoutes() {
	s.handle("GET /cards/export", s.cardsPage)
	s.handle("GET /employees/export", s.employeesPage)
	s.handle("GET /sessions/export", s.sessionsPage)
	s.handle("GET /accounts/export", s.accountsPage)
	s.handle("GET /users/export", s.usersPage)
	s.handle("GET /audit/export", s.auditPage)
	s.handle("GET /locations/export", s.locationsPage)
	s.handle("GET /charge-groups/export", s.groupsPage)
	s.handle("GET /station-jobs/export", s.jobsPage)
	s.handle("GET /identity-providers/export", s.identityProvidersPage)
	s.handle("GET /invoices/export", s.invoicesPage)
	s.handle("GET /stations/export", s.stationsPage)
	s.handle("GET /partner-locations/export", s.partnerLocationsPage)
	s.handle("GET /organizations/export", s.organizationsExport)
}
