package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// BenchmarkCardSearch measures the search of cards on 200,000 cards with
// about as many employees, by a driver's name, an e-mail, part of a card's
// UID and two letters, as the fleet manager of a mid-size organization
// and as the provider admin; "indexed" is Cards as it is, "like" the
// statement Cards ran before the search indexes (a LIKE '%…%' of each
// value), run on the same database. It runs only with FLEETCHARGE_BENCH=1,
// since building the cards takes minutes:
//
//	FLEETCHARGE_BENCH=1 go test ./store -run '^$' -bench CardSearch -benchtime 20x
func BenchmarkCardSearch(b *testing.B) {
	if os.Getenv("FLEETCHARGE_BENCH") == "" {
		b.Skip("set FLEETCHARGE_BENCH=1 to build the 200,000 cards and measure")
	}
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			start := time.Now()
			sz := demo.Sizes{Orgs: 400, Accounts: 4000, Cards: 200_000, Stations: 10, Sessions: 0, Seed: 1, Now: time.Now()}
			if err := demo.Generate(ctx, s, sz, nil); err != nil {
				b.Fatal(err)
			}
			if engine == "postgres" {
				if _, err := s.DB().ExecContext(ctx, `ANALYZE`); err != nil {
					b.Fatal(err)
				}
			}
			w := findSearchWorld(b, s)
			b.Logf("%s: %d cards, built in %s; the mid-size organization %s holds %d cards", engine, sz.Cards,
				time.Since(start).Round(time.Second), w.org, w.orgCards)
			scopes := []struct {
				name string
				sc   fc.Scope
			}{
				{"fleet-manager", fc.Scope{ProviderID: w.provider, Reach: fc.Reach{OrgIDs: []fc.ID{w.org}}}},
				{"provider-admin", fc.ProviderScope(w.provider)},
			}
			for _, term := range w.terms {
				for _, sc := range scopes {
					b.Run(term.name+"/"+sc.name+"/indexed", func(b *testing.B) {
						n := 0
						for b.Loop() {
							cs, err := s.Cards(ctx, sc.sc, fc.CardFilter{Search: term.text, Page: fc.Page{Limit: 50}})
							if err != nil {
								b.Fatal(err)
							}
							n = len(cs)
						}
						b.ReportMetric(float64(n), "cards")
					})
					b.Run(term.name+"/"+sc.name+"/like", func(b *testing.B) {
						n := 0
						for b.Loop() {
							n = likeCards(b, s, sc.sc, term.text)
						}
						b.ReportMetric(float64(n), "cards")
					})
				}
			}
		})
	}
}

type searchWorld struct {
	provider, org fc.ID
	orgCards      int
	terms         []struct{ name, text string }
}

// findSearchWorld picks the mid-size organization (the one whose subtree
// holds nearest to 10,000 cards) and the texts searched: part of the family
// name, the e-mail and part of a card's UID of one of its drivers, and two
// letters.
func findSearchWorld(b *testing.B, s *store.Store) searchWorld {
	b.Helper()
	ctx := context.Background()
	db := s.DB()
	var w searchWorld
	must := func(err error) {
		if err != nil {
			b.Helper()
			b.Fatal(err)
		}
	}
	must(db.QueryRowContext(ctx, `SELECT MAX(id) FROM providers`).Scan(&w.provider))
	must(db.QueryRowContext(ctx, `SELECT rc.ancestor_id, COUNT(*) FROM cards c JOIN accounts a ON a.id = c.account_id
		JOIN org_closure rc ON rc.descendant_id = a.organization_id
		WHERE c.provider_id = $1 GROUP BY rc.ancestor_id ORDER BY ABS(COUNT(*) - 10000), rc.ancestor_id LIMIT 1`, int64(w.provider)).Scan(&w.org, &w.orgCards))
	var name, email, uid string
	must(db.QueryRowContext(ctx, `SELECT e.name, e.email, c.internal_id FROM cards c JOIN employees e ON e.id = c.employee_id
		JOIN accounts a ON a.id = c.account_id JOIN org_closure rc ON rc.descendant_id = a.organization_id
		WHERE rc.ancestor_id = $1 ORDER BY c.id DESC LIMIT 1`, int64(w.org)).Scan(&name, &email, &uid))
	family := []rune(name[strings.LastIndex(name, " ")+1:])
	part := string(family[1:min(len(family), 6)])
	if len([]rune(part)) < 3 {
		part = name
	}
	w.terms = []struct{ name, text string }{
		{"name", strings.ToUpper(part)},
		{"email", email},
		{"uid", uid[4:10]},
		{"two-letters", "zq"},
	}
	return w
}

// likeCards runs the statement Cards ran before the search indexes and
// returns how many cards it found.
func likeCards(b *testing.B, s *store.Store, sc fc.Scope, text string) int {
	b.Helper()
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(text)) + "%"
	reach := "1=1"
	if !sc.Reach.All {
		var ids []string
		for _, id := range sc.Reach.OrgIDs {
			ids = append(ids, fmt.Sprint(int64(id)))
		}
		reach = `(c.account_id IN (SELECT ra.id FROM accounts ra JOIN org_closure rc ON rc.descendant_id = ra.organization_id WHERE rc.ancestor_id IN (` +
			strings.Join(ids, ", ") + `)))`
	}
	q := `SELECT c.id, c.provider_id, c.account_id, c.employee_id, c.internal_id, c.external_id, c.status, c.last_used_at, c.created_at, c.updated_at
		FROM cards c WHERE c.provider_id = $1 AND ` + reach + `
		AND (LOWER(c.internal_id) LIKE $2 ESCAPE '\' OR LOWER(c.external_id) LIKE $3 ESCAPE '\'
		OR c.employee_id IN (SELECT e.id FROM employees e WHERE e.provider_id = $4
		AND (LOWER(e.name) LIKE $5 ESCAPE '\' OR LOWER(e.email) LIKE $6 ESCAPE '\' OR LOWER(e.employee_number) LIKE $7 ESCAPE '\')))
		ORDER BY c.id LIMIT 50`
	p := int64(sc.ProviderID)
	rows, err := s.DB().QueryContext(context.Background(), q, p, pattern, pattern, p, pattern, pattern, pattern)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, provider, account int64
		var employee, lastUsed sql.NullInt64
		var internal, external, status string
		var created, updated int64
		if err := rows.Scan(&id, &provider, &account, &employee, &internal, &external, &status, &lastUsed, &created, &updated); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}
