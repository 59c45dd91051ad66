package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// query builds one SQL statement with its arguments, numbering placeholders
// $1, $2, … as both engines read them.
type query struct {
	sb   strings.Builder
	args []any
	// backward: page asked for the rows before a cursor, which the query
	// reads in descending order; inOrder turns them around.
	backward bool
	// d and keys are the engine and the sortable columns of a list
	// (sortable); scopeAt is where its scope predicate ends (scoped).
	d       dialect
	keys    sorts
	scopeAt int
	// count receives the list's count, read by countSQL (page).
	count    *int
	countSQL string
	// err is a page that cannot be read (an unknown sort), returned by
	// whatever runs the query.
	err error
}

// sortKey is a column a list can be sorted by: an SQL expression of its
// row that is never NULL (a NULL would stop the row comparison of the
// cursor), and whether it is text, compared without case and by code
// point, the same on both engines.
type sortKey struct {
	expr string
	text bool
}

// sorts are the columns a list can be sorted by, by the name the URL gives
// them (?sort=); the lists' own are in sorts.go.
type sorts map[string]sortKey

// sortable gives the query the columns its list can be sorted by, for page.
func (q *query) sortable(d dialect, keys sorts) *query {
	q.d, q.keys = d, keys
	return q
}

// scoped marks the end of the scope predicate: a sorted page's cursor row
// is looked up within the scope alone, so that a row the filter no longer
// selects (a card just blocked) still leads to the next page.
func (q *query) scoped() *query {
	q.scopeAt = q.sb.Len()
	return q
}

// add appends SQL text.
func (q *query) add(sql string) *query {
	q.sb.WriteString(sql)
	return q
}

// arg appends v as a new placeholder.
func (q *query) arg(v any) *query {
	q.args = append(q.args, v)
	q.sb.WriteString("$")
	q.sb.WriteString(strconv.Itoa(len(q.args)))
	return q
}

// ids appends a parenthesised list of ids (never empty: callers check
// first). They are written as integer literals, not placeholders: an ID is
// an integer, so nothing can be injected, and PostgreSQL then plans each
// scoped query for its real reach instead of switching to a generic plan
// that cannot know how large a subtree is (a holding's card page went from
// 241 ms to 8 ms at p99; docs/BENCHMARKS.md).
func (q *query) ids(ids []fc.ID) *query {
	q.sb.WriteString("(")
	for i, id := range ids {
		if i > 0 {
			q.sb.WriteString(", ")
		}
		q.int(int64(id))
	}
	q.sb.WriteString(")")
	return q
}

// int appends an integer literal.
func (q *query) int(v int64) *query {
	q.sb.WriteString(strconv.FormatInt(v, 10))
	return q
}

// like appends a LIKE of column col against pattern, escaped as
// searchPattern escapes it.
func (q *query) like(col, pattern string) *query {
	return q.add(col + " LIKE ").arg(pattern).add(` ESCAPE '\'`)
}

// String returns the SQL text.
func (q *query) String() string { return q.sb.String() }

// reach appends a predicate that holds when the account ID in column col
// lies within r: the one place where a reach becomes SQL. An empty reach
// holds for nothing, and so does a reach of employees alone (a driver's):
// rows without an employee are never reached by one, and the queries of
// rows that have one say so with reachOf.
func (q *query) reach(col string, r fc.Reach) *query { return q.reachOf(col, "", r) }

// reachOf is reach for rows that belong to an employee, whose ID is the
// SQL expression employee (NULL for rows of no employee): they are also
// reached by r's employees.
func (q *query) reachOf(col, employee string, r fc.Reach) *query {
	if r.All {
		return q.add("1=1")
	}
	if employee == "" && len(r.AccountIDs) == 0 && len(r.OrgIDs) == 0 || r.Empty() {
		return q.add("1=0")
	}
	q.add("(")
	or := ""
	if len(r.AccountIDs) > 0 {
		q.add(col + " IN ").ids(r.AccountIDs)
		or = " OR "
	}
	if len(r.OrgIDs) > 0 {
		q.add(or + col + " IN (SELECT ra.id FROM accounts ra JOIN org_closure rc ON rc.descendant_id = ra.organization_id WHERE rc.ancestor_id IN ").ids(r.OrgIDs).add(")")
		or = " OR "
	}
	if employee != "" && len(r.EmployeeIDs) > 0 {
		q.add(or + employee + " IN ").ids(r.EmployeeIDs)
	}
	return q.add(")")
}

// homeEmployee is the employee of a location l: its employee when it is a
// home, none otherwise. A driver reads the homes of its employee, not the
// office it might be linked to.
const homeEmployee = "CASE WHEN l.kind = 'home' THEN l.employee_id END"

// stationEmployee is the employee at whose home station st stands, or NULL.
const stationEmployee = "(SELECT dl.employee_id FROM locations dl WHERE dl.id = st.location_id AND dl.kind = 'home')"

// orgReach appends a predicate that holds when the organization ID in column
// col lies within the subtrees r reaches. Single-account reaches reach no
// organization.
func (q *query) orgReach(col string, r fc.Reach) *query {
	if r.All {
		return q.add("1=1")
	}
	if len(r.OrgIDs) == 0 {
		return q.add("1=0")
	}
	return q.add(col + " IN (SELECT rc.descendant_id FROM org_closure rc WHERE rc.ancestor_id IN ").ids(r.OrgIDs).add(")")
}

// page appends the cursor conditions and the ordering for a page: by ID, or
// by p.Sort and then ID (sortable). Cursors and limits are literals for the
// same reason as ids. A page before a cursor is read backward from it; the
// rows read go through inOrder. With p.Count the count of the whole list is
// prepared (countSQL) from the statement as it stands: its FROM and WHERE,
// scope and filters, before any cursor.
func (q *query) page(col string, p fc.Page) *query {
	base := q.sb.String()
	if p.Count != nil {
		q.count, q.countSQL = p.Count, countSQL(base)
	}
	if p.Sort == "" {
		return q.pageByID(col, p)
	}
	key, ok := q.keys[p.Sort]
	if !ok {
		q.err = unknownSort(p.Sort, q.keys)
		return q
	}
	expr := key.expr
	if key.text {
		expr = q.d.byCodePoint("LOWER(" + expr + ")")
	}
	// The cursor's sort value is read from its row within the scope; a
	// cursor that is no row of the scope reads as NULL and ends the list.
	from := topLevelFrom(base)
	end := len(base)
	if q.scopeAt > from {
		end = q.scopeAt
	}
	cursor := func(id fc.ID) string {
		return "(SELECT " + expr + ", " + col + " " + base[from:end] + " AND " + col + " = " + strconv.FormatInt(int64(id), 10) + ")"
	}
	row := "(" + expr + ", " + col + ")"
	after, before, order := " > ", " < ", ""
	if p.Desc {
		after, before, order = " < ", " > ", " DESC"
	}
	if p.After > 0 {
		q.add(" AND " + row + after + cursor(p.After))
	}
	if p.Before > 0 {
		q.add(" AND " + row + before + cursor(p.Before))
		q.backward = true
		order = map[string]string{"": " DESC", " DESC": ""}[order]
	}
	return q.add(" ORDER BY " + expr + order + ", " + col + order + " LIMIT ").int(int64(limit(p)))
}

// pageByID is page by ID alone.
func (q *query) pageByID(col string, p fc.Page) *query {
	if p.Desc {
		if p.After > 0 {
			q.add(" AND " + col + " < ").int(int64(p.After))
		}
		order := " DESC"
		if p.Before > 0 {
			q.add(" AND " + col + " > ").int(int64(p.Before))
			order, q.backward = "", true
		}
		return q.add(" ORDER BY " + col + order + " LIMIT ").int(int64(limit(p)))
	}
	if p.After > 0 {
		q.add(" AND " + col + " > ").int(int64(p.After))
	}
	order := ""
	if p.Before > 0 {
		q.add(" AND " + col + " < ").int(int64(p.Before))
		order, q.backward = " DESC", true
	}
	return q.add(" ORDER BY " + col + order + " LIMIT ").int(int64(limit(p)))
}

// unknownSort is the error of a sort the list does not have.
func unknownSort(name string, keys sorts) error {
	if len(keys) == 0 {
		return fc.Errorf(fc.EInvalid, "this list cannot be sorted (asked to sort by %q)", name)
	}
	names := slices.Sorted(maps.Keys(keys))
	return fc.Errorf(fc.EInvalid, "this list cannot be sorted by %q: sort by one of %s", name, strings.Join(names, ", "))
}

// topLevelFrom returns where the FROM clause of the statement sql begins:
// the first FROM outside parentheses (a column's subquery has its own).
func topLevelFrom(sql string) int {
	depth := 0
	for i := 0; i < len(sql); i++ {
		switch sql[i] {
		case '(':
			depth++
		case ')':
			depth--
		case 'F', 'f':
			if depth == 0 && i > 0 && isSpace(sql[i-1]) && i+5 <= len(sql) && strings.EqualFold(sql[i:i+4], "FROM") && (i+4 == len(sql) || isSpace(sql[i+4])) {
				return i
			}
		}
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// countSQL counts the rows of the list statement base (without its paging),
// at most fc.CountCap+1 of them. It reads base's FROM and WHERE with the
// same arguments; a statement with arguments in its columns is counted
// whole.
func countSQL(base string) string {
	inner := base
	if from := topLevelFrom(base); from >= 0 && !strings.Contains(base[:from], "$") {
		inner = "SELECT 1 AS one " + base[from:]
	}
	return "SELECT COUNT(*) FROM (" + inner + " LIMIT " + strconv.Itoa(fc.CountCap+1) + ") counted"
}

// counted runs the count a page asked for (Page.Count), on db, a pool or a
// transaction; and returns the error of a page that cannot be read.
func counted(ctx context.Context, db interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, q *query) error {
	if q.err != nil || q.count == nil {
		return q.err
	}
	return db.QueryRowContext(ctx, q.countSQL, q.args...).Scan(q.count)
}

// inOrder returns the rows a paged query read in the order of its list:
// ascending by ID, or descending with Page.Desc.
func inOrder[T any](q *query, rows []T) []T {
	if q.backward {
		slices.Reverse(rows)
	}
	return rows
}
