package store_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// sortCase is one list sorted one way: how to read a page of it, the rows
// the scope holds, and each row's ID and sort value (a lower-cased string
// for text, or an int64).
type sortCase[T any] struct {
	name string
	sort string
	read func(p fc.Page) ([]T, error)
	id   func(T) fc.ID
	key  func(T) any
	want []T
}

// compareKeys orders two sort values as both engines do: text by byte
// (code point) after lower-casing, numbers by value.
func compareKeys(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case int64:
		return cmp.Compare(x, b.(int64))
	}
	panic(fmt.Sprintf("sort value %T", a))
}

// checkSorted walks the list c forward with a small page, in both
// directions, and backward from its last row: every walk must hold exactly
// the scope's rows in the order of (sort value, ID), none lost or repeated,
// and the count of every page must be their number.
func checkSorted[T any](t *testing.T, c sortCase[T]) {
	t.Helper()
	const size = 4
	for _, desc := range []bool{false, true} {
		want := slices.Clone(c.want)
		slices.SortFunc(want, func(a, b T) int {
			return cmp.Or(compareKeys(c.key(a), c.key(b)), cmp.Compare(c.id(a), c.id(b)))
		})
		if desc {
			slices.Reverse(want)
		}
		wantIDs := make([]fc.ID, len(want))
		for i, x := range want {
			wantIDs[i] = c.id(x)
		}
		what := fmt.Sprintf("%s by %s desc=%v", c.name, c.sort, desc)
		var got []fc.ID
		p := fc.Page{Limit: size, Sort: c.sort, Desc: desc}
		for pages := 0; ; pages++ {
			if pages > len(want) {
				t.Fatalf("%s: more pages than rows", what)
			}
			var n int
			p.Count = &n
			rows, err := c.read(p)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if n != len(want) {
				t.Errorf("%s: count %d, want %d", what, n, len(want))
			}
			for _, x := range rows {
				got = append(got, c.id(x))
			}
			if len(rows) < size {
				break
			}
			p.After = c.id(rows[len(rows)-1])
		}
		if !slices.Equal(got, wantIDs) {
			t.Errorf("%s: walked %v, want %v", what, got, wantIDs)
		}
		// Backward from the last row, as the previous-page links read.
		var back []fc.ID
		p = fc.Page{Limit: size, Sort: c.sort, Desc: desc, Before: wantIDs[len(wantIDs)-1]}
		for {
			rows, err := c.read(p)
			if err != nil {
				t.Fatalf("%s backward: %v", what, err)
			}
			ids := make([]fc.ID, len(rows))
			for i, x := range rows {
				ids[i] = c.id(x)
			}
			back = append(ids, back...)
			if len(rows) < size {
				break
			}
			p.Before = ids[0]
		}
		if !slices.Equal(back, wantIDs[:len(wantIDs)-1]) {
			t.Errorf("%s backward: walked %v, want %v", what, back, wantIDs[:len(wantIDs)-1])
		}
	}
}

// TestListSorts walks cards, employees, stations, sessions and accounts
// under each of their sorts: the order is the column's, ties go by ID,
// paging loses and repeats nothing either way, the count is the number of
// rows walked, and rows outside the scope (another organization of the
// provider, another provider) are never in a page or a count.
func TestListSorts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Sorted")
		other := mustOrg(t, s, w.Provider.ID, 0, "Other holding")
		otherAccount := mustAccount(t, s, w.Provider.ID, other.ID, "Other account")
		foreign := mustWorld(t, s, "Foreign")
		second := mustAccount(t, s, w.Provider.ID, w.Org.ID, "beta Logistics")
		third := mustAccount(t, s, w.Provider.ID, w.Org.ID, "Alpha logistics")
		scope := orgScope(w.Provider.ID, w.Org.ID)

		// Names in mixed case and with ties, so that case and the ID as
		// second key both matter.
		names := []string{"bob", "Alice", "carol", "alice", "Bob", "dave", "Eve", "eve", "Zoe", "mallory", "Trent"}
		for i, name := range names {
			a := []*fc.Account{w.Account, second, third}[i%3]
			e := mustEmployee(t, s, a, name)
			if i%4 == 0 {
				if _, err := s.UpdateEmployee(ctx, fc.ProviderScope(w.Provider.ID), e.ID, func(e *fc.Employee) error { e.Active = false; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			c := mustCard(t, s, a, e.ID, fmt.Sprintf("%s-%02d-%d", []string{"tag", "TAG", "Tag"}[i%3], (i*7)%5, i))
			if i%3 == 1 {
				if _, err := s.DB().ExecContext(ctx, `UPDATE cards SET last_used_at = $1 WHERE id = $2`, int64(1_700_000_000_000+i%2*1000), int64(c.ID)); err != nil {
					t.Fatal(err)
				}
			}
			if i%5 == 2 {
				if _, err := s.UpdateCard(ctx, fc.ProviderScope(w.Provider.ID), c.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			st := mustStation(t, s, w.Account, w.Office, w.Group, fmt.Sprintf("sorted-%s-%d", strings.ToUpper(name[:1])+name[1:], i))
			if _, err := s.DB().ExecContext(ctx, `UPDATE stations SET online = $1, last_heartbeat_at = $2 WHERE id = $3`,
				i%2 == 0, []any{nil, int64(1_700_000_000_000 + i%3)}[i%2], int64(st.ID)); err != nil {
				t.Fatal(err)
			}
			start := time.Date(2025, 3, 1+i%3, 8, 0, 0, 0, time.UTC).UnixMilli()
			var stopped any
			if i%4 != 3 {
				stopped = start + int64(i%2+1)*3600000
			}
			if _, err := s.DB().ExecContext(ctx, `INSERT INTO sessions (provider_id, source, card_id, id_tag, employee_id,
				card_account_id, station_id, connector_id, station_account_id, location_id, location_kind, started_at, stopped_at,
				energy_wh, duration_s, cost_minor, currency, created_at, updated_at)
				VALUES ($1, 'ocpp', $2, $3, $4, $5, $6, 1, $7, $8, 'office', $9, $10, $11, $12, $13, 'EUR', $9, $9)`,
				int64(w.Provider.ID), int64(c.ID), c.InternalID, int64(e.ID), int64(a.ID), int64(st.ID), int64(w.Account.ID), int64(w.Office.ID),
				start, stopped, int64(1000*(i%4)), int64(60*(i%3)), int64(100*(i%5))); err != nil {
				t.Fatal(err)
			}
		}
		// Rows the scope must never show: another organization of the same
		// provider, and another provider.
		for i, a := range []*fc.Account{otherAccount, foreign.Account} {
			e := mustEmployee(t, s, a, "aaa outsider")
			mustCard(t, s, a, e.ID, fmt.Sprintf("aaa-outside-%d", i))
			mustStation(t, s, a, mustLocation(t, s, a, fc.LocationOffice, 0), mustChargeGroup(t, s, a, fc.AccessPublic), fmt.Sprintf("aaa-outside-%d", i))
		}

		cards, err := s.Cards(ctx, scope, fc.CardFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		if len(cards) != len(names)+1 { // and the world's own card
			t.Fatalf("%d cards in scope, want %d", len(cards), len(names)+1)
		}
		lastUsed := func(c fc.Card) any {
			if c.LastUsedAt == nil {
				return int64(0)
			}
			return c.LastUsedAt.UnixMilli()
		}
		for sort, key := range map[string]func(fc.Card) any{
			"internal_id": func(c fc.Card) any { return strings.ToLower(c.InternalID) },
			"external_id": func(c fc.Card) any { return strings.ToLower(c.ExternalID) },
			"status":      func(c fc.Card) any { return c.Status },
			"last_used":   lastUsed,
		} {
			checkSorted(t, sortCase[fc.Card]{name: "cards", sort: sort, want: cards, key: key,
				id:   func(c fc.Card) fc.ID { return c.ID },
				read: func(p fc.Page) ([]fc.Card, error) { return s.Cards(ctx, scope, fc.CardFilter{Page: p}) }})
		}

		employees, err := s.Employees(ctx, scope, fc.EmployeeFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		active := func(e fc.Employee) any {
			if e.Active {
				return int64(1)
			}
			return int64(0)
		}
		for sort, key := range map[string]func(fc.Employee) any{
			"name":   func(e fc.Employee) any { return strings.ToLower(e.Name) },
			"active": active,
		} {
			checkSorted(t, sortCase[fc.Employee]{name: "employees", sort: sort, want: employees, key: key,
				id:   func(e fc.Employee) fc.ID { return e.ID },
				read: func(p fc.Page) ([]fc.Employee, error) { return s.Employees(ctx, scope, fc.EmployeeFilter{Page: p}) }})
		}

		stScope := stationScope(scope)
		stations, err := s.Stations(ctx, stScope, fc.StationFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		for sort, key := range map[string]func(fc.Station) any{
			"identity": func(st fc.Station) any { return strings.ToLower(st.Identity) },
			"connection": func(st fc.Station) any {
				if st.Connection == fc.StationOnline {
					return int64(1)
				}
				return int64(0)
			},
			"last_heartbeat": func(st fc.Station) any {
				if st.LastHeartbeatAt == nil {
					return int64(0)
				}
				return st.LastHeartbeatAt.UnixMilli()
			},
		} {
			checkSorted(t, sortCase[fc.Station]{name: "stations", sort: sort, want: stations, key: key,
				id:   func(st fc.Station) fc.ID { return st.ID },
				read: func(p fc.Page) ([]fc.Station, error) { return s.Stations(ctx, stScope, fc.StationFilter{Page: p}) }})
		}

		xScope := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: scope.Reach, StationSide: scope.Reach}
		sessions, err := s.Sessions(ctx, xScope, fc.SessionFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		if len(sessions) != len(names) {
			t.Fatalf("%d sessions in scope, want %d", len(sessions), len(names))
		}
		for sort, key := range map[string]func(fc.Session) any{
			"started": func(x fc.Session) any { return x.StartedAt.UnixMilli() },
			"stopped": func(x fc.Session) any {
				if x.StoppedAt == nil {
					return int64(1<<63 - 1)
				}
				return x.StoppedAt.UnixMilli()
			},
			"kwh":     func(x fc.Session) any { return x.EnergyWh },
			"cost":    func(x fc.Session) any { return x.CostMinor },
			"minutes": func(x fc.Session) any { return x.DurationSeconds },
		} {
			checkSorted(t, sortCase[fc.Session]{name: "sessions", sort: sort, want: sessions, key: key,
				id:   func(x fc.Session) fc.ID { return x.ID },
				read: func(p fc.Page) ([]fc.Session, error) { return s.Sessions(ctx, xScope, fc.SessionFilter{Page: p}) }})
		}

		accounts, err := s.Accounts(ctx, scope, fc.AccountFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		checkSorted(t, sortCase[fc.Account]{name: "accounts", sort: "name", want: accounts,
			key:  func(a fc.Account) any { return strings.ToLower(a.Name) },
			id:   func(a fc.Account) fc.ID { return a.ID },
			read: func(p fc.Page) ([]fc.Account, error) { return s.Accounts(ctx, scope, fc.AccountFilter{Page: p}) }})

		// By ID, the default, the count is the same.
		var n int
		if _, err := s.Cards(ctx, scope, fc.CardFilter{Page: fc.Page{Limit: 2, Count: &n}}); err != nil || n != len(cards) {
			t.Errorf("count by ID: %d, %v; want %d", n, err, len(cards))
		}
		// A filter counts what it selects.
		if _, err := s.Cards(ctx, scope, fc.CardFilter{Status: fc.CardInactive, Page: fc.Page{Limit: 1, Count: &n}}); err != nil {
			t.Fatal(err)
		}
		inactive := 0
		for _, c := range cards {
			if c.Status == fc.CardInactive {
				inactive++
			}
		}
		if n != inactive || inactive == 0 {
			t.Errorf("count of inactive cards: %d, want %d (> 0)", n, inactive)
		}

		// An unknown sort is refused, not ignored.
		_, err = s.Cards(ctx, scope, fc.CardFilter{Page: fc.Page{Sort: "employee; DROP TABLE cards"}})
		wantCode(t, "cards by an unknown sort", err, fc.EInvalid)
		_, err = s.Stations(ctx, stScope, fc.StationFilter{Page: fc.Page{Sort: "nope"}})
		wantCode(t, "stations by an unknown sort", err, fc.EInvalid)
	})
}

// TestSortedCursorLeavesFilter: the next page of a filtered, sorted list
// runs on from the last row shown even when that row has since left the
// filter (a card just blocked from a list of active cards); a cursor that
// is no row of the scope (another organization's card) shows nothing, so
// it tells nothing of where that card would sort.
func TestSortedCursorLeavesFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Cursor")
		other := mustAccount(t, s, w.Provider.ID, mustOrg(t, s, w.Provider.ID, 0, "Elsewhere").ID, "Elsewhere account")
		outside := mustCard(t, s, other, 0, "m-outside")
		var ids []fc.ID
		for _, tag := range []string{"k", "a", "x", "d", "q", "b"} {
			ids = append(ids, mustCard(t, s, w.Account, 0, tag+"-card").ID)
		}
		scope := orgScope(w.Provider.ID, w.Org.ID)
		if _, err := s.UpdateCard(ctx, scope, w.Card.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
			t.Fatal(err)
		}
		f := fc.CardFilter{Status: fc.CardActive, Page: fc.Page{Sort: "internal_id", Limit: 3}}
		first, err := s.Cards(ctx, scope, f)
		if err != nil {
			t.Fatal(err)
		}
		got := idsOf(first, func(c fc.Card) fc.ID { return c.ID })
		if want := []fc.ID{ids[1], ids[5], ids[3]}; !slices.Equal(got, want) {
			t.Fatalf("first page %v, want a, b, d: %v", got, want)
		}
		if _, err := s.UpdateCard(ctx, scope, ids[3], func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
			t.Fatal(err)
		}
		f.Page.After = ids[3]
		next, err := s.Cards(ctx, scope, f)
		if err != nil {
			t.Fatal(err)
		}
		got = idsOf(next, func(c fc.Card) fc.ID { return c.ID })
		if want := []fc.ID{ids[0], ids[4], ids[2]}; !slices.Equal(got, want) {
			t.Errorf("page after the card that left the filter: %v, want k, q, x: %v", got, want)
		}
		f.Page.After = outside.ID
		if xs, err := s.Cards(ctx, scope, f); err != nil || len(xs) != 0 {
			t.Errorf("page after another organization's card: %d cards, %v; want none", len(xs), err)
		}
	})
}
