package store

import (
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

// page appends the cursor conditions and the ordering for a page by ID, as
// literals for the same reason as ids. A page before a cursor is read
// backward from it; the rows read go through inOrder.
func (q *query) page(col string, p fc.Page) *query {
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

// inOrder returns the rows a paged query read in the order of its list:
// ascending by ID, or descending with Page.Desc.
func inOrder[T any](q *query, rows []T) []T {
	if q.backward {
		slices.Reverse(rows)
	}
	return rows
}
