package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// tagsOf returns the ID tags of a list, in order.
func tagsOf(es []fc.LocalListEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.IDTag
	}
	return out
}

func mustDesired(t *testing.T, s *store.Store, g *fc.ChargeGroup) []fc.LocalListEntry {
	t.Helper()
	es, err := s.DesiredLocalList(context.Background(), g.ProviderID, g.ID)
	if err != nil {
		t.Fatalf("desired list of group %s: %v", g.ID, err)
	}
	return es
}

// TestDesiredLocalList checks a list's content against the charge group:
// a restricted group's list holds the active cards it admits by card, by
// account and by organization subtree, with the account as parent; a
// public group's none, or every active card with the provider's setting.
func TestDesiredLocalList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "LL")
		sub := mustOrg(t, s, w.Provider.ID, w.Org.ID, "LL Sub")
		subAccount := mustAccount(t, s, w.Provider.ID, sub.ID, "LL Sub Account")
		subCard := mustCard(t, s, subAccount, 0, "LL-SUB1")
		otherOrg := mustOrg(t, s, w.Provider.ID, 0, "LL Other")
		otherAccount := mustAccount(t, s, w.Provider.ID, otherOrg.ID, "LL Other Account")
		otherCard := mustCard(t, s, otherAccount, 0, "LL-OTHER1")
		single := mustCard(t, s, otherAccount, 0, "LL-OTHER2")
		blocked := mustCard(t, s, subAccount, 0, "LL-SUB2")
		if _, err := s.UpdateCard(ctx, fc.ProviderScope(w.Provider.ID), blocked.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
			t.Fatal(err)
		}
		elsewhere := mustWorld(t, s, "LX") // another provider's cards never appear

		restricted := mustChargeGroup(t, s, w.Account, fc.AccessRestricted)
		if got := mustDesired(t, s, restricted); len(got) != 0 {
			t.Errorf("a restricted group admitting nobody: got %v, want none", tagsOf(got))
		}
		if _, err := s.UpdateChargeGroup(ctx, fc.ProviderScope(w.Provider.ID), restricted.ID, func(g *fc.ChargeGroup) error {
			g.AllowedOrganizationIDs = []fc.ID{w.Org.ID}
			g.AllowedCardIDs = []fc.ID{single.ID}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got := mustDesired(t, s, restricted)
		if want := []string{"LL-OTHER2", "LL-SUB1", "LL-TAG1"}; !slices.Equal(tagsOf(got), want) {
			t.Fatalf("restricted group's list: got %v, want %v", tagsOf(got), want)
		}
		for _, e := range got {
			want := fc.AccountIDTag(w.Account.ID)
			switch e.IDTag {
			case subCard.InternalID:
				want = fc.AccountIDTag(subAccount.ID)
			case single.InternalID:
				want = fc.AccountIDTag(otherAccount.ID)
			}
			if e.Status != fc.AuthAccepted || e.ParentIDTag != want || e.ExpiryDate != nil {
				t.Errorf("entry %+v: want Accepted, parent %s, no expiry", e, want)
			}
		}
		if _, err := s.UpdateChargeGroup(ctx, fc.ProviderScope(w.Provider.ID), restricted.ID, func(g *fc.ChargeGroup) error {
			g.AllowedOrganizationIDs, g.AllowedCardIDs, g.AllowedAccountIDs = nil, nil, []fc.ID{otherAccount.ID}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, want := tagsOf(mustDesired(t, s, restricted)), []string{otherCard.InternalID, single.InternalID}; !slices.Equal(got, want) {
			t.Errorf("group admitting an account: got %v, want %v", got, want)
		}

		if got := mustDesired(t, s, w.Group); len(got) != 0 {
			t.Errorf("a public group without the setting: got %v, want none", tagsOf(got))
		}
		if err := s.SetLocalListPublic(ctx, w.Provider.ID, true); err != nil {
			t.Fatal(err)
		}
		if on, err := s.LocalListPublic(ctx, w.Provider.ID); err != nil || !on {
			t.Fatalf("setting: got %v, %v; want true", on, err)
		}
		if got, want := tagsOf(mustDesired(t, s, w.Group)), []string{"LL-OTHER1", "LL-OTHER2", "LL-SUB1", "LL-TAG1"}; !slices.Equal(got, want) {
			t.Errorf("a public group with the setting: got %v, want %v", got, want)
		}
		if got := mustDesired(t, s, elsewhere.Group); len(got) != 0 {
			t.Errorf("another provider's public group follows its own setting: got %v", tagsOf(got))
		}
		_, err := s.DesiredLocalList(ctx, w.Provider.ID, elsewhere.Group.ID)
		wantCode(t, "another provider's group", err, fc.ENotFound)
	})
}

// TestRecordLocalList checks the stored state of stations' lists: a new
// station is pending; what a station acknowledged is kept (shared between
// stations holding the same content, dropped when none does); unknown
// content has no hash; the entries are read within a cards scope.
func TestRecordLocalList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "LR")
		second := mustStation(t, s, w.Account, w.Office, w.Group, "LR-CP2")
		other := mustAccount(t, s, w.Provider.ID, w.Org.ID, "LR Other")
		otherCard := mustCard(t, s, other, 0, "LR-OTHER")
		at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

		states, err := s.LocalListStates(ctx, w.Provider.ID, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(states) != 2 || states[0].State != fc.LocalListPending || states[0].Version != 0 || states[0].Hash != "" {
			t.Fatalf("new stations: got %+v, want two pending at version 0", states)
		}
		expiry := at.Add(24 * time.Hour)
		list := []fc.LocalListEntry{
			{IDTag: w.Card.InternalID, Status: fc.AuthAccepted, ParentIDTag: fc.AccountIDTag(w.Account.ID), ExpiryDate: &expiry},
			{IDTag: otherCard.InternalID, Status: fc.AuthAccepted, ParentIDTag: fc.AccountIDTag(other.ID)},
		}
		for _, st := range []*fc.Station{w.Station, second} {
			if err := s.RecordLocalList(ctx, st.ID, fc.LocalListRecord{Version: 3, State: fc.LocalListSynced, Entries: list, Known: true, Synced: true, At: at}); err != nil {
				t.Fatal(err)
			}
		}
		var snapshots int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM local_list_snapshots`).Scan(&snapshots); err != nil || snapshots != 1 {
			t.Fatalf("two stations with the same list: %d snapshots (%v), want 1", snapshots, err)
		}
		states, err = s.LocalListStates(ctx, w.Provider.ID, w.Station.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		st := states[0]
		if len(states) != 1 || st.Version != 3 || st.State != fc.LocalListSynced || st.Hash != fc.LocalListHash(list) || st.Entries != 2 ||
			st.SyncedAt == nil || !st.SyncedAt.Equal(at) || st.Identity != w.Station.Identity {
			t.Fatalf("state: got %+v", states)
		}
		got, hidden, err := s.LocalListEntries(ctx, w.Station.ID, nil)
		if err != nil || hidden != 0 || len(got) != 2 || got[0].IDTag != "LR-OTHER" || got[1].ExpiryDate == nil || !got[1].ExpiryDate.Equal(expiry) {
			t.Fatalf("entries: got %+v, %d hidden, %v", got, hidden, err)
		}
		scope := accountScope(w.Provider.ID, w.Account.ID)
		got, hidden, err = s.LocalListEntries(ctx, w.Station.ID, &scope)
		if err != nil || hidden != 1 || !slices.Equal(tagsOf(got), []string{w.Card.InternalID}) {
			t.Fatalf("entries within an account's reach: got %v, %d hidden, %v; want only its card, one hidden", tagsOf(got), hidden, err)
		}

		// A sync refused before anything was sent: the content stays.
		if err := s.RecordLocalList(ctx, w.Station.ID, fc.LocalListRecord{Version: 3, State: fc.LocalListFailed, Error: "refused", KeepContent: true, At: at}); err != nil {
			t.Fatal(err)
		}
		states, _ = s.LocalListStates(ctx, w.Provider.ID, w.Station.ID, false)
		if st := states[0]; st.Hash != fc.LocalListHash(list) || st.State != fc.LocalListFailed || st.Error != "refused" {
			t.Fatalf("after a refusal keeping the content: got %+v", st)
		}
		// A sync broken off: the content is unknown, the last acknowledged
		// version and sync time stay.
		if err := s.RecordLocalList(ctx, w.Station.ID, fc.LocalListRecord{Version: 4, State: fc.LocalListFailed, Error: "station went away", At: at.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		states, _ = s.LocalListStates(ctx, w.Provider.ID, w.Station.ID, false)
		if st := states[0]; st.Hash != "" || st.Version != 4 || st.State != fc.LocalListFailed || st.Error != "station went away" || !st.SyncedAt.Equal(at) {
			t.Fatalf("after a failure: got %+v", st)
		}
		if got, _, _ := s.LocalListEntries(ctx, w.Station.ID, nil); len(got) != 0 {
			t.Errorf("unknown content: got entries %v", tagsOf(got))
		}
		// The second station moves to another list: the old snapshot is
		// held by nobody and goes.
		if err := s.RecordLocalList(ctx, second.ID, fc.LocalListRecord{Version: 4, State: fc.LocalListSynced, Entries: list[:1], Known: true, Synced: true, At: at}); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM local_list_snapshots`).Scan(&snapshots); err != nil || snapshots != 1 {
			t.Fatalf("after every station left a list: %d snapshots (%v), want 1", snapshots, err)
		}
		online, err := s.LocalListStates(ctx, 0, 0, true)
		if err != nil || len(online) != 0 {
			t.Fatalf("online stations: got %d, %v; want none", len(online), err)
		}
		wantCode(t, "a bad state", s.RecordLocalList(ctx, second.ID, fc.LocalListRecord{State: "odd", At: at}), fc.EInvalid)
		wantCode(t, "no station", s.RecordLocalList(ctx, 999999, fc.LocalListRecord{State: fc.LocalListSynced, At: at}), fc.ENotFound)
	})
}

// TestLocalListMaxLength checks that a station's batch size is read from
// its device model, under either version's name.
func TestLocalListMaxLength(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "LM")
		v := "25"
		if err := s.RecordDeviceModel(ctx, w.Station.ID, []fc.DeviceVariable{{Component: "LocalAuthListCtrlr", Variable: "ItemsPerMessage", AttributeType: "Actual", Value: &v}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		states, err := s.LocalListStates(ctx, w.Provider.ID, w.Station.ID, false)
		if err != nil || states[0].MaxLength != 25 {
			t.Fatalf("max length: got %+v, %v; want 25", states, err)
		}
	})
}

// TestMarkClearCache checks which stations are to clear their cache when a
// card is blocked: those whose group admits it (a public one too) and
// those where it charged, not others; and none while the card is active.
func TestMarkClearCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "LC") // its station is in a public group
		closed := mustChargeGroup(t, s, w.Account, fc.AccessRestricted)
		admitting := mustChargeGroup(t, s, w.Account, fc.AccessRestricted)
		if _, err := s.UpdateChargeGroup(ctx, fc.ProviderScope(w.Provider.ID), admitting.ID, func(g *fc.ChargeGroup) error {
			g.AllowedOrganizationIDs = []fc.ID{w.Org.ID}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		stClosed := mustStation(t, s, w.Account, w.Office, closed, "LC-CP2")
		stAdmitting := mustStation(t, s, w.Account, w.Office, admitting, "LC-CP3")
		stCharged := mustStation(t, s, w.Account, w.Office, closed, "LC-CP4")
		rawSession(t, s, w.Card, stCharged)

		if n, err := s.MarkClearCache(ctx, w.Provider.ID, w.Card.ID); err != nil || n != 0 {
			t.Fatalf("an active card: %d flagged, %v; want none", n, err)
		}
		if _, err := s.UpdateCard(ctx, fc.ProviderScope(w.Provider.ID), w.Card.ID, func(c *fc.Card) error { c.Status = fc.CardDeactivated; return nil }); err != nil {
			t.Fatal(err)
		}
		if n, err := s.MarkClearCache(ctx, w.Provider.ID, w.Card.ID); err != nil || n != 3 {
			t.Fatalf("a blocked card: %d flagged, %v; want 3", n, err)
		}
		states, err := s.LocalListStates(ctx, w.Provider.ID, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		flagged := map[fc.ID]bool{}
		for _, st := range states {
			flagged[st.StationID] = st.ClearCache
		}
		want := map[fc.ID]bool{w.Station.ID: true, stClosed.ID: false, stAdmitting.ID: true, stCharged.ID: true}
		for id, f := range want {
			if flagged[id] != f {
				t.Errorf("station %s: clear cache %v, want %v", id, flagged[id], f)
			}
		}
		if err := s.CacheCleared(ctx, w.Station.ID); err != nil {
			t.Fatal(err)
		}
		states, _ = s.LocalListStates(ctx, w.Provider.ID, w.Station.ID, false)
		if states[0].ClearCache || states[0].State != fc.LocalListPending {
			t.Errorf("after clearing: got %+v", states[0])
		}
		other := mustWorld(t, s, "LD")
		if n, err := s.MarkClearCache(ctx, other.Provider.ID, w.Card.ID); err != nil || n != 0 {
			t.Errorf("another provider's card: %d flagged, %v; want none", n, err)
		}
	})
}
