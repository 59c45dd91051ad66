package store_test

import (
	"context"
	"slices"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestCardsByIDs: CardFilter.IDs reads only the cards named, and only those
// of them the scope reaches: never another provider's, never an account's
// outside the reach.
func TestCardsByIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := mustWorld(t, s, "CidA"), mustWorld(t, s, "CidB")
		a2 := mustCard(t, s, a.Account, 0, "CidA-TAG2")
		a3 := mustCard(t, s, a.Account, 0, "CidA-TAG3")
		other := mustAccount(t, s, a.Provider.ID, a.Org.ID, "CidA Other")
		o1 := mustCard(t, s, other, 0, "CidA-OTHER1")
		ids := func(cs []fc.Card) []fc.ID {
			var out []fc.ID
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		all := fc.ProviderScope(a.Provider.ID)
		got, err := s.Cards(ctx, all, fc.CardFilter{IDs: []fc.ID{a3.ID, o1.ID, b.Card.ID}})
		if err != nil {
			t.Fatal(err)
		}
		// b's card is of another provider: never read in a's scope; a2 and
		// a's first card are not named.
		if want := []fc.ID{a3.ID, o1.ID}; !slices.Equal(ids(got), want) {
			t.Errorf("cards by IDs = %v, want %v", ids(got), want)
		}
		reach := fc.Scope{ProviderID: a.Provider.ID, Reach: fc.Reach{AccountIDs: []fc.ID{a.Account.ID}}}
		got, err = s.Cards(ctx, reach, fc.CardFilter{IDs: []fc.ID{a2.ID, o1.ID, a.Card.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []fc.ID{a.Card.ID, a2.ID}; !slices.Equal(ids(got), want) {
			t.Errorf("cards by IDs within a's account = %v, want %v", ids(got), want)
		}
		if _, err := s.Cards(ctx, all, fc.CardFilter{IDs: []fc.ID{}}); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("an empty list of IDs: err = %v, want invalid", err)
		}
	})
}
