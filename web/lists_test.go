package web

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var (
	tbodyRE = regexp.MustCompile(`(?s)<tbody>(.*?)</tbody>`)
	rowRE   = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	nextRE  = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	prevRE  = regexp.MustCompile(`<a href="([^"]+)" rel="prev">`)
	totalRE = regexp.MustCompile(`<span>([0-9]+) [a-z ]+</span>`)
)

// listCase is a list page walked under one sort: the path of its rows'
// pages (whose IDs the rows link to), the SQL of the sort value of a row
// by ID, and the column of the export that holds value.
type listCase struct {
	path, sort string
	filter     string // the filter of the page, in its URL
	desc       bool
	rowPath    string // rows link to rowPath+ID
	value      string // SQL of one row's sort value, with $1 the ID; "" for the ID
	exportCol  int    // the export's column equal to exportSQL of the row
	exportSQL  string // SQL of the text the export shows in exportCol, with $1 the ID
	inScope    string // SQL of the IDs the persona may read
}

// walk follows the list's next links from its first page and returns the
// row IDs in order, the count the first page stated and the pages' URLs.
func walkList(t *testing.T, b *browser, first, rowPath string) (ids []fc.ID, total int, pages []string) {
	t.Helper()
	idRE := regexp.MustCompile(`href="` + regexp.QuoteMeta(rowPath) + `([0-9]+)"`)
	url := first
	for len(pages) < 200 {
		pages = append(pages, url)
		page := get(t, b, url, http.StatusOK)
		if len(pages) == 1 {
			m := totalRE.FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("%s: no count on the page", url)
			}
			total, _ = strconv.Atoi(m[1])
		}
		ids = append(ids, rowIDs(t, page, idRE)...)
		m := nextRE.FindStringSubmatch(page)
		if m == nil {
			return ids, total, pages
		}
		url = html.UnescapeString(m[1])
	}
	t.Fatalf("%s: more than 200 pages", first)
	return
}

// rowIDs are the IDs the rows of the page's table link to first.
func rowIDs(t *testing.T, page string, idRE *regexp.Regexp) []fc.ID {
	tb := tbodyRE.FindStringSubmatch(page)
	if tb == nil {
		t.Fatal("no table on the page")
	}
	var out []fc.ID
	for _, row := range rowRE.FindAllStringSubmatch(tb[1], -1) {
		if m := idRE.FindStringSubmatch(row[1]); m != nil {
			id, _ := fc.ParseID(m[1])
			out = append(out, id)
		}
	}
	return out
}

// TestListSortCountExport walks list pages under several sorts as a fleet
// manager of one holding: the rows run in the sort's order (ties by ID),
// paging forward and back loses and repeats nothing, the count is the
// number of rows walked, the export holds the same rows in the same order,
// and no row of another organization is ever in a page, a count or an
// export. The column titles sort, the sorted one says so (aria-sort), a
// filter keeps the sort, and a sort the list does not offer is a 400.
func TestListSortCountExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := context.Background()
		b := w.as(t, holdingFleet)
		// Small pages, so that every list has several.
		defer func(n int) { listPageSize = n }(listPageSize)
		listPageSize = 7
		orgs := `(SELECT c.descendant_id FROM org_closure c JOIN role_assignments ra ON ra.organization_id = c.ancestor_id
			JOIN users u ON u.id = ra.user_id WHERE u.email = '` + holdingFleet + `')`
		accounts := `(SELECT id FROM accounts WHERE organization_id IN ` + orgs + `)`
		// The sessions of one driver, of a few pages.
		driver := w.one(t, `SELECT employee_id FROM sessions WHERE employee_id IS NOT NULL AND card_account_id IN `+accounts+`
			GROUP BY employee_id HAVING COUNT(*) >= 20 ORDER BY COUNT(*), employee_id`).String()
		sessions := `SELECT id FROM sessions WHERE employee_id = ` + driver
		for _, c := range []listCase{
			{path: "/cards", sort: "internal_id", rowPath: "/cards/", value: `SELECT LOWER(internal_id) FROM cards WHERE id = $1`,
				exportCol: 1, exportSQL: `SELECT internal_id FROM cards WHERE id = $1`, inScope: `SELECT id FROM cards WHERE account_id IN ` + accounts},
			{path: "/cards", sort: "status", desc: true, rowPath: "/cards/", value: `SELECT status FROM cards WHERE id = $1`,
				exportCol: 0, exportSQL: `SELECT external_id FROM cards WHERE id = $1`, inScope: `SELECT id FROM cards WHERE account_id IN ` + accounts},
			{path: "/employees", sort: "name", desc: true, rowPath: "/employees/", value: `SELECT LOWER(name) FROM employees WHERE id = $1`,
				exportCol: 0, exportSQL: `SELECT name FROM employees WHERE id = $1`, inScope: `SELECT id FROM employees WHERE account_id IN ` + accounts},
			{path: "/accounts", sort: "name", rowPath: "/accounts/", value: `SELECT LOWER(name) FROM accounts WHERE id = $1`,
				exportCol: 0, exportSQL: `SELECT name FROM accounts WHERE id = $1`, inScope: `SELECT id FROM accounts WHERE id IN ` + accounts},
			{path: "/sessions", filter: "employee_id=" + driver, sort: "kwh", rowPath: "/sessions/", value: `SELECT energy_wh FROM sessions WHERE id = $1`,
				exportCol: 0, exportSQL: `SELECT CAST(id AS TEXT) FROM sessions WHERE id = $1`, inScope: sessions},
			{path: "/sessions", filter: "employee_id=" + driver, sort: "", desc: true, rowPath: "/sessions/", exportCol: 0,
				exportSQL: `SELECT CAST(id AS TEXT) FROM sessions WHERE id = $1`, inScope: sessions},
		} {
			what := fmt.Sprintf("%s by %q desc=%v", c.path, c.sort, c.desc)
			var q []string
			if c.filter != "" {
				q = append(q, c.filter)
			}
			if c.sort != "" {
				q = append(q, "sort="+c.sort, "dir="+map[bool]string{false: "asc", true: "desc"}[c.desc])
			}
			first := c.path
			if len(q) > 0 {
				first += "?" + strings.Join(q, "&")
			}
			ids, total, pages := walkList(t, b, first, c.rowPath)
			scope := w.ids(t, c.inScope)
			if len(scope) == 0 {
				t.Fatalf("%s: the persona reads nothing: the test proves nothing", what)
			}
			if len(pages) < 2 && c.path != "/accounts" { // a holding has few accounts
				t.Errorf("%s: one page only: paging is not exercised", what)
			}
			if total != len(ids) {
				t.Errorf("%s: the page counts %d, the walk read %d rows", what, total, len(ids))
			}
			if got, want := slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values(scope)); !slices.Equal(got, want) {
				t.Errorf("%s: walked %d rows (%v…), the persona's scope holds %d", what, len(got), got[:min(5, len(got))], len(want))
			}
			// The order: by the sort's value, then by ID.
			keys := make([]any, len(ids))
			for i, id := range ids {
				if c.value == "" {
					keys[i] = int64(id)
					continue
				}
				var k any
				if err := st.DB().QueryRowContext(ctx, c.value, int64(id)).Scan(&k); err != nil {
					t.Fatal(err)
				}
				if by, ok := k.([]byte); ok {
					k = string(by)
				}
				keys[i] = k
			}
			for i := 1; i < len(ids); i++ {
				o := cmp.Or(compareAny(keys[i-1], keys[i]), cmp.Compare(ids[i-1], ids[i]))
				if c.desc {
					o = -o
				}
				if o >= 0 {
					t.Errorf("%s: row %d (%v, %s) comes after (%v, %s)", what, i, keys[i], ids[i], keys[i-1], ids[i-1])
					break
				}
			}
			// Back from the last page by the previous links: the same rows.
			idRE := regexp.MustCompile(`href="` + regexp.QuoteMeta(c.rowPath) + `([0-9]+)"`)
			var back []fc.ID
			page := get(t, b, pages[len(pages)-1], http.StatusOK)
			for n := 0; ; n++ {
				back = append(rowIDs(t, page, idRE), back...)
				m := prevRE.FindStringSubmatch(page)
				if m == nil || n > len(pages) {
					break
				}
				page = get(t, b, html.UnescapeString(m[1]), http.StatusOK)
			}
			if !slices.Equal(back, ids) {
				t.Errorf("%s: walking back read %d rows, forward %d, or in another order", what, len(back), len(ids))
			}
			// The export: the same rows in the same order.
			exp := strings.Replace(first, c.path, c.path+"/export", 1)
			rec := b.do("GET", exp, nil)
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
				t.Fatalf("%s: %d %s", exp, rec.Code, rec.Header().Get("Content-Type"))
			}
			rows, err := csv.NewReader(rec.Body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows)-1 != len(ids) {
				t.Errorf("%s: %d rows exported, %d walked", exp, len(rows)-1, len(ids))
				continue
			}
			for i, id := range ids {
				var want string
				if err := st.DB().QueryRowContext(ctx, c.exportSQL, int64(id)).Scan(&want); err != nil {
					t.Fatal(err)
				}
				if got := strings.TrimPrefix(rows[i+1][c.exportCol], "'"); got != want {
					t.Errorf("%s: row %d exports %q, the page walk has %q", exp, i+1, got, want)
					break
				}
			}
		}

		// The titles sort; the sorted column says how.
		page := get(t, b, "/cards?status=active&sort=internal_id&dir=asc", http.StatusOK)
		wantIn(t, "cards by internal ID", page, `aria-sort="ascending"`, `href="/cards?dir=desc&amp;sort=internal_id&amp;status=active"`,
			`href="/cards?dir=asc&amp;sort=external_id&amp;status=active"`, `<input type="hidden" name="sort" value="internal_id">`,
			`href="/cards/export?dir=asc&amp;sort=internal_id&amp;status=active"`)
		page = get(t, b, "/sessions", http.StatusOK)
		wantIn(t, "sessions", page, `aria-sort="descending"`, `href="/sessions?dir=asc&amp;sort=id"`)
		// A sort the list does not offer, or no direction, is said.
		for _, bad := range []string{"/cards?sort=employee", "/cards?sort=internal_id&dir=up", "/cards/export?sort=nope",
			"/sessions?sort=card", "/employees?sort=e.name"} {
			if rec := b.do("GET", bad, nil); rec.Code != http.StatusBadRequest {
				t.Errorf("GET %s: %d, want 400", bad, rec.Code)
			}
		}
	})
}

// compareAny compares two sort values read from the database: text by byte,
// numbers by value, booleans false first.
func compareAny(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case int64:
		return cmp.Compare(x, b.(int64))
	case bool:
		return cmp.Compare(map[bool]int{false: 0, true: 1}[x], map[bool]int{false: 0, true: 1}[b.(bool)])
	}
	panic(fmt.Sprintf("sort value %T", a))
}

// TestPartnerLocationsExport: the partner locations (read by offset, from
// the partners' JSON) count their rows and export the rows of their pages,
// in order; who may not read them gets no export either.
func TestPartnerLocationsExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		defer func(n int) { listPageSize = n }(listPageSize)
		listPageSize = 2 // several pages
		fleet := w.as(t, holdingFleet)
		nameRE := regexp.MustCompile(`<td data-label="Location">([^<]*)</td>`)
		var names []string
		page := get(t, fleet, "/partner-locations", http.StatusOK)
		m := totalRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no count on the partner locations page")
		}
		for n := 0; ; n++ {
			for _, x := range nameRE.FindAllStringSubmatch(page, -1) {
				names = append(names, html.UnescapeString(x[1]))
			}
			next := nextRE.FindStringSubmatch(page)
			if next == nil || n > 100 {
				break
			}
			page = get(t, fleet, html.UnescapeString(next[1]), http.StatusOK)
		}
		if total, _ := strconv.Atoi(m[1]); total != len(names) || total <= listPageSize {
			t.Errorf("the page counts %d locations, the pages show %d", total, len(names))
		}
		rec := fleet.do("GET", "/partner-locations/export", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("export: %d", rec.Code)
		}
		rows, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var exported []string
		for _, row := range rows[1:] {
			exported = append(exported, row[0])
		}
		if !slices.Equal(exported, names) {
			t.Errorf("exported %v, the pages show %v", exported, names)
		}
		if rec := w.as(t, facilitiesDE).do("GET", "/partner-locations/export", nil); rec.Code == http.StatusOK {
			t.Errorf("a facility manager exports the partner locations: %d", rec.Code)
		}
	})
}

// TestOrganizationsExport: the organizations page links its export, which
// holds the organizations the user reads, each by its path, sorted as
// asked, and none other.
func TestOrganizationsExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		b := w.as(t, holdingFleet)
		wantIn(t, "organizations page", get(t, b, "/organizations", http.StatusOK), `href="/organizations/export" download`)
		rec := b.do("GET", "/organizations/export?sort=name&dir=desc", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("export: %d", rec.Code)
		}
		rows, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		scope := w.ids(t, `SELECT DISTINCT c.descendant_id FROM org_closure c JOIN role_assignments ra ON ra.organization_id = c.ancestor_id
			JOIN users u ON u.id = ra.user_id WHERE u.email = '`+holdingFleet+`'`)
		if len(rows)-1 != len(scope) || len(scope) == 0 {
			t.Fatalf("exported %d organizations, the persona reads %d", len(rows)-1, len(scope))
		}
		var last string
		for i, row := range rows[1:] {
			parts := strings.Split(row[0], " / ")
			name := strings.ToLower(parts[len(parts)-1])
			if i > 0 && name > last {
				t.Errorf("%q comes after %q in a sort by name, descending", name, last)
			}
			last = name
		}
		var id fc.ID
		if err := st.DB().QueryRowContext(context.Background(), `SELECT id FROM organizations WHERE parent_id IS NULL AND id NOT IN (
			SELECT c.descendant_id FROM org_closure c JOIN role_assignments ra ON ra.organization_id = c.ancestor_id
			JOIN users u ON u.id = ra.user_id WHERE u.email = $1) ORDER BY id LIMIT 1`, holdingFleet).Scan(&id); err != nil {
			t.Fatal(err)
		}
		other := w.text(t, `SELECT name FROM organizations WHERE id = `+id.String())
		for _, row := range rows[1:] {
			if strings.Contains(row[0], other) {
				t.Errorf("the export holds %q of another organization", row[0])
			}
		}
	})
}
