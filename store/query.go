package store

import (
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// query builds one SQL statement with its arguments, numbering placeholders
// $1, $2, … as both engines read them.
type query struct {
	sb   strings.Builder
	args []any
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

// ids appends a parenthesised list of placeholders for ids (never empty:
// callers check first).
func (q *query) ids(ids []fc.ID) *query {
	q.sb.WriteString("(")
	for i, id := range ids {
		if i > 0 {
			q.sb.WriteString(", ")
		}
		q.arg(int64(id))
	}
	q.sb.WriteString(")")
	return q
}

// String returns the SQL text.
func (q *query) String() string { return q.sb.String() }

// reach appends a predicate that holds when the account ID in column col
// lies within r: the one place where a reach becomes SQL. An empty reach
// holds for nothing.
func (q *query) reach(col string, r fc.Reach) *query {
	if r.All {
		return q.add("1=1")
	}
	if r.Empty() {
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
	}
	return q.add(")")
}

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

// page appends the cursor condition and the ordering for a page by ID.
func (q *query) page(col string, p fc.Page) *query {
	if p.After > 0 {
		q.add(" AND " + col + " > ").arg(int64(p.After))
	}
	return q.add(" ORDER BY " + col + " LIMIT ").arg(limit(p))
}
