package store_test

import (
	"context"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func TestImportCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "I")
		all := fc.ProviderScope(w.Provider.ID)
		card := func(ext, tag string) fc.Card {
			return fc.Card{ProviderID: w.Provider.ID, AccountID: w.Account.ID, ExternalID: ext, InternalID: tag, Status: fc.CardActive}
		}
		count := func() int {
			cs, err := s.Cards(ctx, all, fc.CardFilter{Search: "imp-"})
			if err != nil {
				t.Fatal(err)
			}
			return len(cs)
		}
		// A duplicate within the file and a card that exists: both rows
		// are refused, and nothing is created.
		rows := []fc.Card{card("IMP-1", "IMP1"), card("IMP-2", "IMP2"), card("IMP-3", "imp2"), card(w.Card.ExternalID, "IMP4")}
		refused, err := s.ImportCards(ctx, rows, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(refused) != 2 || refused[2] == nil || refused[3] == nil {
			t.Fatalf("refused = %v, want rows 2 and 3", refused)
		}
		if n := count(); n != 0 {
			t.Fatalf("%d cards created by a refused import", n)
		}
		// A dry run of good rows creates nothing; the import creates all.
		rows = []fc.Card{card("IMP-1", "IMP1"), card("IMP-2", "IMP2")}
		if refused, err := s.ImportCards(ctx, rows, true); err != nil || len(refused) != 0 {
			t.Fatalf("dry run: %v, %v", refused, err)
		}
		if n := count(); n != 0 {
			t.Fatalf("%d cards created by a dry run", n)
		}
		if refused, err := s.ImportCards(ctx, rows, false); err != nil || len(refused) != 0 {
			t.Fatalf("import: %v, %v", refused, err)
		}
		if n := count(); n != 2 {
			t.Fatalf("%d cards imported, want 2", n)
		}
		// Employees: a bad e-mail refuses the file.
		es := []fc.Employee{{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Imp One", Active: true},
			{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Imp Two", Email: "not an address", Active: true}}
		refused, err = s.ImportEmployees(ctx, es, false)
		if err != nil || len(refused) != 1 || fc.ErrorFields(refused[1])["email"] == "" {
			t.Fatalf("employees: %v, %v", refused, err)
		}
		if list, _ := s.Employees(ctx, all, fc.EmployeeFilter{Search: "imp "}); len(list) != 0 {
			t.Fatalf("%d employees created by a refused import", len(list))
		}
	})
}
