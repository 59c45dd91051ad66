package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
)

// The search of cards and employees (docs/ARCHITECTURE.md, Storage):
//
//   - a search of 3 characters or more is found anywhere, without case, in
//     a card's internal or external ID or in its employee's name, e-mail or
//     employee number (an employee's own search: the last three);
//   - a search of 1 or 2 characters is found at the start of those values,
//     without case.
//
// Both are served by indexes (migration 0028): on SQLite the FTS5 tables
// card_search and employee_search with the trigram tokenizer, kept by
// triggers, for the first and expression indexes on lower(...) for the
// second; on PostgreSQL GIN indexes of pg_trgm on lower(...) for the first
// (a plain scan where the extension cannot be created) and B-tree indexes
// on lower(...) COLLATE "C" for the second. Accents count: "e" does not
// find "é", "é" finds "É".

// minContains is the length, in characters, from which a search is found
// anywhere in a value rather than at its start: FTS5's trigram tokenizer
// and pg_trgm index sequences of three characters, so a shorter text has
// nothing to look up.
const minContains = 3

// searchIndexMarker is the migration statement replaced by the search
// indexes of the engine (searchIndexes).
const searchIndexMarker = "{{SEARCH_INDEXES}}"

// search is a list filter's search text, checked, trimmed and lower-cased;
// "" means no search.
type search string

// parseSearch checks a list filter's search text as searchPattern does.
func parseSearch(text string) (search, error) {
	text = strings.TrimSpace(text)
	if p := textProblem(text, maxSearchLen, false); p != "" {
		return "", fc.Invalid(map[string]string{"search": p})
	}
	return search(strings.ToLower(text)), nil
}

// contains reports whether s is found anywhere in a value rather than at
// its start.
func (s search) contains() bool { return utf8.RuneCountInString(string(s)) >= minContains }

// like is s as a LIKE pattern found anywhere, with LIKE's wildcards
// escaped for ESCAPE '\'.
func (s search) like() string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(string(s)) + "%"
}

// phrase is s as an FTS5 query of one phrase, which the trigram tokenizer
// finds as a substring without case.
func (s search) phrase() string {
	return `"` + strings.ReplaceAll(string(s), `"`, `""`) + `"`
}

// prefixes returns the half-open ranges [from, to) of lower(value) that
// start with s, in either case of its letters: SQLite's lower() folds A-Z
// only, so "É" stays "É" there and a short search for "é" needs the range
// of "É" as well (at most four ranges for two letters). PostgreSQL's lower()
// folds every letter; the ranges it cannot hold cost an index probe each.
func (s search) prefixes() [][2]string {
	variants := []string{""}
	for _, r := range string(s) {
		cases := []rune{unicode.ToLower(r)}
		if u := unicode.ToUpper(r); u != cases[0] && u >= utf8.RuneSelf {
			cases = append(cases, u)
		}
		var next []string
		for _, v := range variants {
			for _, c := range cases {
				next = append(next, v+string(c))
			}
		}
		variants = next
	}
	out := make([][2]string, 0, len(variants))
	for _, v := range variants {
		if to, ok := successor(v); ok {
			out = append(out, [2]string{v, to})
		} else {
			out = append(out, [2]string{v, ""})
		}
	}
	return out
}

// successor returns the least string greater than every string that starts
// with p, in code-point (UTF-8 byte) order, or false when there is none.
func successor(p string) (string, bool) {
	rs := []rune(p)
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i] + 1
		if r == 0xD800 {
			r = 0xE000 // past the surrogates, which UTF-8 cannot hold
		}
		if r <= unicode.MaxRune {
			return string(rs[:i]) + string(r), true
		}
	}
	return "", false
}

// prefixOf appends the predicate that lower(col) starts with one of s's
// prefixes, compared by code point so that B-tree indexes on the same
// expression serve it on both engines.
func (q *query) prefixOf(d dialect, col string, s search) *query {
	expr := d.byCodePoint("lower(" + col + ")")
	q.add("(")
	for i, p := range s.prefixes() {
		if i > 0 {
			q.add(" OR ")
		}
		q.add("(" + expr + " >= ").arg(p[0])
		if p[1] != "" {
			q.add(" AND " + expr + " < ").arg(p[1])
		}
		q.add(")")
	}
	return q.add(")")
}

// anyOf appends the predicate that s is found in one of the columns of the
// row of alias, whose FTS5 table on SQLite is fts (rowid = the row's id).
func (q *query) anyOf(d dialect, alias, fts string, cols []string, s search) *query {
	switch {
	case !s.contains():
		q.add("(")
		for i, col := range cols {
			if i > 0 {
				q.add(" OR ")
			}
			q.prefixOf(d, alias+"."+col, s)
		}
		return q.add(")")
	case d.name() == "sqlite":
		return q.add(alias + ".id IN (SELECT rowid FROM " + fts + " WHERE " + fts + " MATCH ").arg(s.phrase()).add(")")
	}
	q.add("(")
	for i, col := range cols {
		if i > 0 {
			q.add(" OR ")
		}
		q.like("lower("+alias+"."+col+")", s.like())
	}
	return q.add(")")
}

var (
	cardSearchColumns     = []string{"internal_id", "external_id"}
	employeeSearchColumns = []string{"name", "email", "employee_number"}
	// searchedTables are the tables with their searched columns.
	searchedTables = []struct {
		name string
		cols []string
	}{{"cards", cardSearchColumns}, {"employees", employeeSearchColumns}}
)

// employeeMatch appends the predicate that the employee e is found by s.
func (q *query) employeeMatch(d dialect, s search) *query {
	return q.anyOf(d, "e", "employee_search", employeeSearchColumns, s)
}

// cardMatch appends the predicate that the card c of the provider is found
// by s: by its IDs or by its employee's. Both sides are subqueries the
// engines answer from the indexes, in the shape each engine does best on
// 200,000 cards (docs/BENCHMARKS.md): SQLite collects the IDs of the cards
// found (a union of index look-ups) and reads the page from them;
// PostgreSQL hashes both sides and reads the cards in the list's order
// until the page is full (a union made it join thousands of cards when a
// common name was searched).
func (q *query) cardMatch(d dialect, providerID fc.ID, s search) *query {
	own := func() *query {
		return q.add("SELECT c2.id FROM cards c2 WHERE c2.provider_id = ").arg(int64(providerID)).add(" AND ").
			anyOf(d, "c2", "card_search", cardSearchColumns, s)
	}
	employees := func() *query {
		return q.add("SELECT e.id FROM employees e WHERE e.provider_id = ").arg(int64(providerID)).add(" AND ").employeeMatch(d, s)
	}
	if d.name() == "sqlite" {
		q.add("c.id IN (")
		own().add(" UNION SELECT c2.id FROM cards c2 WHERE c2.employee_id IN (")
		return employees().add("))")
	}
	q.add("(c.id IN (")
	own().add(") OR c.employee_id IN (")
	return employees().add("))")
}

// searchIndexes returns the statements of migration 0028 for the engine.
func searchIndexes(dialect string) []string {
	if dialect == "postgres" {
		return pgSearchIndexes()
	}
	var out []string
	fts := func(table, name string, cols []string) {
		list := strings.Join(cols, ", ")
		news := "new." + strings.Join(cols, ", new.")
		olds := "old." + strings.Join(cols, ", old.")
		del := "INSERT INTO " + name + " (" + name + ", rowid, " + list + ") VALUES ('delete', old.id, " + olds + ")"
		ins := "INSERT INTO " + name + " (rowid, " + list + ") VALUES (new.id, " + news + ")"
		out = append(out,
			"CREATE VIRTUAL TABLE "+name+" USING fts5("+list+", content='"+table+"', content_rowid='id', tokenize='trigram')",
			// An erased name leaves no trace in the index (docs/PRIVACY.md).
			"INSERT INTO "+name+" ("+name+", rank) VALUES ('secure-delete', 1)",
			"INSERT INTO "+name+" ("+name+") VALUES ('rebuild')",
			"CREATE TRIGGER "+name+"_ins AFTER INSERT ON "+table+" BEGIN "+ins+"; END",
			"CREATE TRIGGER "+name+"_upd AFTER UPDATE OF "+list+" ON "+table+" BEGIN "+del+"; "+ins+"; END",
			"CREATE TRIGGER "+name+"_del AFTER DELETE ON "+table+" BEGIN "+del+"; END",
		)
	}
	fts("cards", "card_search", cardSearchColumns)
	fts("employees", "employee_search", employeeSearchColumns)
	return append(out, prefixIndexes("sqlite")...)
}

// prefixIndexes returns the B-tree indexes of the short searches.
func prefixIndexes(dialect string) []string {
	collate := ""
	if dialect == "postgres" {
		collate = ` COLLATE "C"`
	}
	var out []string
	for _, t := range searchedTables {
		for _, col := range t.cols {
			out = append(out, "CREATE INDEX "+t.name+"_"+col+"_lower ON "+t.name+" (provider_id, (lower("+col+")"+collate+"))")
		}
	}
	return out
}

// pgSearchIndexes are the statements of migration 0028 on PostgreSQL.
func pgSearchIndexes() []string {
	return append([]string{pgTrigramIndexes()}, prefixIndexes("postgres")...)
}

// searchIndexVersion is the migration that adds the search indexes.
const searchIndexVersion = 28

// trigramIndexes returns the names of the PostgreSQL trigram indexes with
// their definitions, the operator class's schema left as %I.
func trigramIndexes() (names, defs []string) {
	for _, t := range searchedTables {
		for _, col := range t.cols {
			name := t.name + "_" + col + "_trgm"
			names = append(names, name)
			defs = append(defs, "CREATE INDEX IF NOT EXISTS "+name+" ON "+t.name+" USING gin (lower("+col+") %I.gin_trgm_ops)")
		}
	}
	return names, defs
}

// pgTrigramIndexes returns the statement that creates the trigram indexes.
// They need the extension pg_trgm, which a role that may create objects in
// the database can create (it is trusted). It is created in the schema
// public if it is not installed yet, else in the schema the tables are in;
// where neither is allowed, the statement still succeeds, without the
// trigram indexes: a search answers the same, by a scan (docs/OPERATIONS.md
// says how to add them later). An advisory lock makes concurrent
// migrations of several schemas of one database wait for the one that
// creates the extension. A backup leaves these indexes out and its restore
// runs this statement again (backup.go), so that an archive does not
// depend on the extension.
func pgTrigramIndexes() string {
	_, defs := trigramIndexes()
	var exec []string
	for _, d := range defs {
		exec = append(exec, "EXECUTE format('"+d+"', sch)")
	}
	return `DO $do$ DECLARE sch text; BEGIN
PERFORM pg_advisory_xact_lock(hashtext('fleetcharge pg_trgm'));
IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
  BEGIN CREATE EXTENSION pg_trgm SCHEMA public;
  EXCEPTION WHEN OTHERS THEN
    BEGIN CREATE EXTENSION pg_trgm;
    EXCEPTION WHEN OTHERS THEN RAISE WARNING 'fleetcharge: the extension pg_trgm cannot be created (%): searches of cards and employees scan', SQLERRM;
    END;
  END;
END IF;
SELECT n.nspname INTO sch FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm';
IF sch IS NOT NULL THEN
` + strings.Join(exec, ";\n") + `;
END IF;
END $do$`
}
