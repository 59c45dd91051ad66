package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// BenchmarkOrganizationTree measures the organization tree at the size the
// foundation is stated for: 100,000 organizations, 20 levels deep. It runs
// only with FLEETCHARGE_BENCH=1, since building the tree takes a while:
//
//	FLEETCHARGE_BENCH=1 go test ./store -run '^$' -bench OrganizationTree -benchtime 200x
func BenchmarkOrganizationTree(b *testing.B) {
	if os.Getenv("FLEETCHARGE_BENCH") == "" {
		b.Skip("set FLEETCHARGE_BENCH=1 to build the 100,000-organization tree and measure")
	}
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			start := time.Now()
			sz := demo.Sizes{Orgs: 100_000, Depth: 20, Accounts: 20_000, Seed: 1, Now: time.Now()}
			if err := demo.Generate(ctx, s, sz, nil); err != nil {
				b.Fatal(err)
			}
			t := findTree(b, s)
			b.Logf("%s: %d organizations, deepest at level %d, built in %s", engine, sz.Orgs, t.depth, time.Since(start).Round(time.Millisecond))
			sc := fc.Scope{ProviderID: t.provider, Reach: fc.Everything}

			b.Run("subtree-page", func(b *testing.B) {
				// A page of 100 organizations of the largest top-level subtree.
				r := fc.Scope{ProviderID: t.provider, Reach: fc.Reach{OrgIDs: []fc.ID{t.top}}}
				for b.Loop() {
					if got, err := s.Organizations(ctx, r, fc.OrganizationFilter{Page: fc.Page{Limit: 100}}); err != nil || len(got) != 100 {
						b.Fatalf("page: %d, %v", len(got), err)
					}
				}
			})
			b.Run("ancestors-of-deepest", func(b *testing.B) {
				for b.Loop() {
					if got, err := s.Ancestors(ctx, t.provider, t.deepest); err != nil || len(got) != t.depth+1 {
						b.Fatalf("ancestors: %d, %v", len(got), err)
					}
				}
			})
			b.Run("owner-of-deep-account", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Owner(ctx, t.provider, fc.KindAccount, t.deepAccount); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("create-at-deepest", func(b *testing.B) {
				i := 0
				for b.Loop() {
					i++
					o := &fc.Organization{ProviderID: t.provider, ParentID: t.deepest, Name: fmt.Sprintf("bench leaf %d", i)}
					if err := s.CreateOrganization(ctx, o); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("move-subtree-of-%d", t.moveSize), func(b *testing.B) {
				// Move a mid-tree subtree under another top-level organization
				// and back, alternately: the closure rows of the whole subtree
				// are rewritten each time.
				parents := []fc.ID{t.otherTop, t.moveParent}
				i := 0
				for b.Loop() {
					to := parents[i%2]
					i++
					if _, err := s.UpdateOrganization(ctx, sc, t.moveRoot, func(o *fc.Organization) error { o.ParentID = to; return nil }); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// benchTree names the organizations BenchmarkOrganizationTree works on.
type benchTree struct {
	provider, top, otherTop, deepest, deepAccount fc.ID
	depth                                         int
	moveRoot, moveParent                          fc.ID
	moveSize                                      int
}

func findTree(b *testing.B, s *store.Store) benchTree {
	b.Helper()
	ctx := context.Background()
	db := s.DB()
	var t benchTree
	must := func(err error) {
		if err != nil {
			b.Helper()
			b.Fatal(err)
		}
	}
	must(db.QueryRowContext(ctx, `SELECT MAX(id) FROM providers`).Scan(&t.provider))
	// The two largest top-level subtrees.
	rows, err := db.QueryContext(ctx, `SELECT c.ancestor_id FROM org_closure c JOIN organizations o ON o.id = c.ancestor_id
		WHERE o.parent_id IS NULL AND o.provider_id = $1 GROUP BY c.ancestor_id ORDER BY COUNT(*) DESC, c.ancestor_id LIMIT 2`, int64(t.provider))
	must(err)
	var tops []fc.ID
	for rows.Next() {
		var id fc.ID
		must(rows.Scan(&id))
		tops = append(tops, id)
	}
	rows.Close()
	if len(tops) < 2 {
		b.Fatalf("the tree has %d top-level organizations, want 2 or more", len(tops))
	}
	t.top, t.otherTop = tops[0], tops[1]
	must(db.QueryRowContext(ctx, `SELECT descendant_id, distance FROM org_closure c JOIN organizations o ON o.id = c.descendant_id
		WHERE o.provider_id = $1 ORDER BY distance DESC, descendant_id LIMIT 1`, int64(t.provider)).Scan(&t.deepest, &t.depth))
	must(db.QueryRowContext(ctx, `SELECT a.id FROM accounts a JOIN org_closure c ON c.descendant_id = a.organization_id
		WHERE a.provider_id = $1 ORDER BY c.distance DESC, a.id LIMIT 1`, int64(t.provider)).Scan(&t.deepAccount))
	// The largest subtree of between 100 and 2,000 organizations below the
	// top level, inside the largest top-level subtree.
	must(db.QueryRowContext(ctx, `SELECT c.ancestor_id, o.parent_id, COUNT(*) FROM org_closure c JOIN organizations o ON o.id = c.ancestor_id
		JOIN org_closure t ON t.descendant_id = o.id AND t.ancestor_id = $1
		WHERE o.parent_id IS NOT NULL GROUP BY c.ancestor_id, o.parent_id HAVING COUNT(*) BETWEEN 100 AND 2000
		ORDER BY COUNT(*) DESC, c.ancestor_id LIMIT 1`, int64(t.top)).Scan(&t.moveRoot, &t.moveParent, &t.moveSize))
	return t
}
