package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// searchRunes are the characters of the random names and IDs: letters in
// both cases, with accents, and the characters LIKE and FTS5 read as
// syntax.
var (
	searchRunes = []rune(`aAbBeEéÉöÖçÇxXo0 7.-_%"\*`)
	idRunes     = []rune(`aAbBxX0179-_%*.`)
)

func randomText(rng *rand.Rand, runes []rune, min, max int) string {
	n := min + rng.IntN(max-min+1)
	var b strings.Builder
	for range n {
		b.WriteRune(runes[rng.IntN(len(runes))])
	}
	return b.String()
}

// searchFinds is the rule of the search in plain Go: the text, trimmed and
// without case, is found anywhere in one of the values from 3 characters
// on, at the start of one below.
func searchFinds(text string, values ...string) bool {
	text = strings.ToLower(strings.TrimSpace(text))
	for _, v := range values {
		v = strings.ToLower(v)
		if utf8.RuneCountInString(text) >= 3 && strings.Contains(v, text) || strings.HasPrefix(v, text) {
			return true
		}
	}
	return false
}

// randomSearch returns a search text: most often part of a value in random
// case, else random characters.
func randomSearch(rng *rand.Rand, values []string) string {
	if rng.IntN(4) == 0 {
		return randomText(rng, searchRunes, 1, 5)
	}
	rs := []rune(values[rng.IntN(len(values))])
	if len(rs) == 0 {
		return "x"
	}
	from := rng.IntN(len(rs))
	if rng.IntN(3) == 0 {
		from = 0 // the start, where short searches look
	}
	to := min(len(rs), from+1+rng.IntN(6))
	part := rs[from:to]
	for i, r := range part {
		if rng.IntN(2) == 0 {
			part[i] = []rune(strings.ToUpper(string(r)))[0]
		}
	}
	return string(part)
}

// TestSearchProperty compares the search of cards and employees with the
// rule in plain Go (searchFinds) on random names, e-mails, numbers and
// card IDs, some changed after they were indexed, for random texts in
// three scopes.
func TestSearchProperty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(22, 28))
		var employees []fc.Employee
		var cards []fc.Card
		var values []string
		var scopes []fc.Scope
		for pi := range 2 {
			p := mustProvider(t, s, fmt.Sprintf("Search %d", pi))
			o := mustOrg(t, s, p.ID, 0, "Search holding")
			var accounts []*fc.Account
			for ai := range 3 {
				accounts = append(accounts, mustAccount(t, s, p.ID, o.ID, fmt.Sprintf("Search account %d", ai)))
			}
			scopes = append(scopes, fc.ProviderScope(p.ID), accountScope(p.ID, accounts[0].ID, accounts[2].ID))
			for i := range 40 {
				a := accounts[rng.IntN(len(accounts))]
				e := fc.Employee{ProviderID: p.ID, AccountID: a.ID, Active: true,
					Name:           strings.TrimSpace(randomText(rng, searchRunes, 3, 14)) + fmt.Sprint(i),
					Email:          "m" + strings.ReplaceAll(randomText(rng, searchRunes, 1, 8), " ", "") + "@" + randomText(rng, idRunes, 1, 5) + ".example",
					EmployeeNumber: randomText(rng, idRunes, 0, 6)}
				if err := s.CreateEmployee(ctx, &e); err != nil {
					t.Fatalf("create employee %+v: %v", e, err)
				}
				employees = append(employees, e)
			}
			for i := range 80 {
				a := accounts[rng.IntN(len(accounts))]
				c := fc.Card{ProviderID: p.ID, AccountID: a.ID, Status: fc.CardActive,
					InternalID: randomText(rng, idRunes, 1, 8) + fmt.Sprintf("%d-%d", pi, i),
					ExternalID: randomText(rng, searchRunes, 1, 10) + fmt.Sprintf("%d-%d", pi, i)}
				if mine := employeesOf(employees, a.ID); len(mine) > 0 && rng.IntN(5) > 0 {
					c.EmployeeID = mine[rng.IntN(len(mine))].ID
				}
				if err := s.CreateCard(ctx, &c); err != nil {
					t.Fatalf("create card %+v: %v", c, err)
				}
				cards = append(cards, c)
			}
		}
		// Changed after they were indexed: the index follows.
		for i := range employees {
			if rng.IntN(4) > 0 {
				continue
			}
			e := &employees[i]
			e.Name = "Renamed " + randomText(rng, searchRunes, 2, 8)
			e.EmployeeNumber = randomText(rng, idRunes, 0, 6)
			if _, err := s.UpdateEmployee(ctx, fc.ProviderScope(e.ProviderID), e.ID, func(x *fc.Employee) error {
				x.Name, x.EmployeeNumber = e.Name, e.EmployeeNumber
				return nil
			}); err != nil {
				t.Fatalf("rename employee: %v", err)
			}
		}
		for i := range cards {
			if rng.IntN(4) > 0 {
				continue
			}
			c := &cards[i]
			c.ExternalID = "Reissued " + c.ExternalID
			if _, err := s.UpdateCard(ctx, fc.ProviderScope(c.ProviderID), c.ID, func(x *fc.Card) error {
				x.ExternalID = c.ExternalID
				return nil
			}); err != nil {
				t.Fatalf("reissue card: %v", err)
			}
		}
		byID := map[fc.ID]fc.Employee{}
		for _, e := range employees {
			byID[e.ID] = e
			values = append(values, e.Name, e.Email, e.EmployeeNumber)
		}
		for _, c := range cards {
			values = append(values, c.InternalID, c.ExternalID)
		}

		reaches := func(sc fc.Scope, providerID, accountID fc.ID) bool {
			return providerID == sc.ProviderID && (sc.Reach.All || slices.Contains(sc.Reach.AccountIDs, accountID))
		}
		for range 150 {
			text := randomSearch(rng, values)
			if strings.TrimSpace(text) == "" {
				continue
			}
			for _, sc := range scopes {
				var want []fc.ID
				for _, c := range cards {
					e := byID[c.EmployeeID]
					if reaches(sc, c.ProviderID, c.AccountID) && (searchFinds(text, c.InternalID, c.ExternalID) ||
						c.EmployeeID != 0 && searchFinds(text, e.Name, e.Email, e.EmployeeNumber)) {
						want = append(want, c.ID)
					}
				}
				got := allPages(t, func(p fc.Page) ([]fc.ID, error) {
					cs, err := s.Cards(ctx, sc, fc.CardFilter{Search: text, Page: p})
					return idsOf(cs, func(c fc.Card) fc.ID { return c.ID }), err
				})
				if !slices.Equal(got, want) {
					t.Errorf("cards found by %q in %+v = %v, want %v", text, sc.Reach, got, want)
				}

				want = nil
				for _, e := range employees {
					if reaches(sc, e.ProviderID, e.AccountID) && searchFinds(text, e.Name, e.Email, e.EmployeeNumber) {
						want = append(want, e.ID)
					}
				}
				got = allPages(t, func(p fc.Page) ([]fc.ID, error) {
					es, err := s.Employees(ctx, sc, fc.EmployeeFilter{Search: text, Page: p})
					return idsOf(es, func(e fc.Employee) fc.ID { return e.ID }), err
				})
				if !slices.Equal(got, want) {
					t.Errorf("employees found by %q in %+v = %v, want %v", text, sc.Reach, got, want)
				}
			}
		}
	})
}

func employeesOf(es []fc.Employee, accountID fc.ID) []fc.Employee {
	var out []fc.Employee
	for _, e := range es {
		if e.AccountID == accountID {
			out = append(out, e)
		}
	}
	return out
}

// allPages reads every page of a list, seven rows at a time, so that the
// search is also read with a cursor.
func allPages(t *testing.T, list func(fc.Page) ([]fc.ID, error)) []fc.ID {
	t.Helper()
	var out []fc.ID
	p := fc.Page{Limit: 7}
	for {
		ids, err := list(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ids...)
		if len(ids) < p.Limit {
			return out
		}
		p.After = ids[len(ids)-1]
	}
}
