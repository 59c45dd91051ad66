package store_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestCardValidUntil: a card's last valid day goes through create, read,
// list, update (changed and cleared) and import; a bad date is refused with
// nothing written; the store reads its end in the provider's time zone; the
// expiring filter counts, with the list's own scoped SQL, the cards of the
// scope whose last day is within the window, never another provider's.
func TestCardValidUntil(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.Now = func() time.Time { return time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC) } // the 7th in Amsterdam
		w := mustWorld(t, s, "VU")
		if _, err := s.UpdateProvider(ctx, w.Provider.ID, func(p *fc.Provider) error {
			p.TimeZone = "Europe/Amsterdam"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		other := mustWorld(t, s, "VX") // another provider, in UTC
		all := fc.ProviderScope(w.Provider.ID)

		c := &fc.Card{ProviderID: w.Provider.ID, AccountID: w.Account.ID, InternalID: "VU-1", ExternalID: "EXT-VU-1",
			Status: fc.CardActive, ValidUntil: " 2026-12-20 "}
		if err := s.CreateCard(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := s.Card(ctx, all, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEnd := time.Date(2026, 12, 20, 23, 0, 0, 0, time.UTC) // midnight after the 20th in Amsterdam
		if got.ValidUntil != "2026-12-20" || got.ExpiresAt == nil || !got.ExpiresAt.Equal(wantEnd) {
			t.Fatalf("read back %q ending %v, want 2026-12-20 ending %s", got.ValidUntil, got.ExpiresAt, wantEnd)
		}
		if w.Card.ExpiresAt != nil || w.Card.ValidUntil != "" {
			t.Errorf("a card without an end: %q %v", w.Card.ValidUntil, w.Card.ExpiresAt)
		}

		// A bad date is refused on create and update, with nothing written.
		for _, bad := range []string{"2026-02-30", "20-12-2026", "2026-12-20T00:00:00Z", "tomorrow"} {
			b := &fc.Card{ProviderID: w.Provider.ID, AccountID: w.Account.ID, InternalID: "VU-BAD", ExternalID: "EXT-VU-BAD",
				Status: fc.CardActive, ValidUntil: bad}
			if err := s.CreateCard(ctx, b); fc.ErrorCode(err) != fc.EInvalid || fc.ErrorFields(err)["valid_until"] == "" {
				t.Errorf("create with %q: %v, want invalid valid_until", bad, err)
			}
			if _, err := s.UpdateCard(ctx, all, c.ID, func(x *fc.Card) error { x.ValidUntil = bad; return nil }); fc.ErrorCode(err) != fc.EInvalid {
				t.Errorf("update with %q: %v, want invalid", bad, err)
			}
		}
		if cs, err := s.Cards(ctx, all, fc.CardFilter{Search: "VU-BAD"}); err != nil || len(cs) != 0 {
			t.Errorf("refused cards written: %v %v", cs, err)
		}
		if got, _ := s.Card(ctx, all, c.ID); got.ValidUntil != "2026-12-20" {
			t.Errorf("a refused update changed valid_until to %q", got.ValidUntil)
		}

		// Expiring within 30 days of the 7th (Amsterdam): the 7th to
		// January 6th. Yesterday's card, the deactivated one and the one
		// after the window are not counted.
		mk := func(tag, until, status string) *fc.Card {
			x := &fc.Card{ProviderID: w.Provider.ID, AccountID: w.Account.ID, InternalID: tag, ExternalID: "EXT-" + tag, Status: status, ValidUntil: until}
			if err := s.CreateCard(ctx, x); err != nil {
				t.Fatal(err)
			}
			return x
		}
		mk("VU-TODAY", "2026-12-07", fc.CardActive)
		mk("VU-LAST", "2027-01-06", fc.CardInactive)
		mk("VU-PAST", "2026-12-06", fc.CardActive)
		mk("VU-LATER", "2027-01-07", fc.CardActive)
		mk("VU-GONE", "2026-12-10", fc.CardDeactivated)
		oc := &fc.Card{ProviderID: other.Provider.ID, AccountID: other.Account.ID, InternalID: "VX-SOON", ExternalID: "EXT-VX-SOON",
			Status: fc.CardActive, ValidUntil: "2026-12-08"}
		if err := s.CreateCard(ctx, oc); err != nil {
			t.Fatal(err)
		}
		var n int
		cs, err := s.Cards(ctx, all, fc.CardFilter{ExpiringDays: 30, Page: fc.Page{Count: &n, Sort: "valid_until"}})
		if err != nil {
			t.Fatal(err)
		}
		var tags []string
		for _, x := range cs {
			tags = append(tags, x.InternalID)
		}
		if want := []string{"VU-TODAY", "VU-1", "VU-LAST"}; n != 3 || len(tags) != 3 || tags[0] != want[0] || tags[1] != want[1] || tags[2] != want[2] {
			t.Errorf("expiring within 30 days: %v (count %d), want %v", tags, n, want)
		}
		// A scope of another account of the provider sees none of them.
		a2 := mustAccount(t, s, w.Provider.ID, w.Org.ID, "VU Other")
		if cs, err := s.Cards(ctx, fc.Scope{ProviderID: w.Provider.ID, Reach: fc.Reach{AccountIDs: []fc.ID{a2.ID}}},
			fc.CardFilter{ExpiringDays: 30}); err != nil || len(cs) != 0 {
			t.Errorf("another account's scope: %v %v", cs, err)
		}
		if _, err := s.Cards(ctx, all, fc.CardFilter{ExpiringDays: -1}); fc.ErrorCode(err) != fc.EInvalid {
			t.Errorf("expiring -1: %v, want invalid", err)
		}

		// Update: changed, then cleared.
		if u, err := s.UpdateCard(ctx, all, c.ID, func(x *fc.Card) error { x.ValidUntil = "2027-03-31"; return nil }); err != nil || u.ValidUntil != "2027-03-31" {
			t.Fatalf("update: %+v %v", u, err)
		}
		if got, _ := s.Card(ctx, all, c.ID); got.ValidUntil != "2027-03-31" {
			t.Errorf("updated valid_until read back %q", got.ValidUntil)
		}
		if _, err := s.UpdateCard(ctx, all, c.ID, func(x *fc.Card) error { x.ValidUntil = ""; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Card(ctx, all, c.ID); got.ValidUntil != "" || got.ExpiresAt != nil {
			t.Errorf("cleared valid_until read back %q %v", got.ValidUntil, got.ExpiresAt)
		}

		// Import: the column is stored, and a bad date refuses the row.
		rows := []fc.Card{{ProviderID: w.Provider.ID, AccountID: w.Account.ID, InternalID: "VU-IMP1", ExternalID: "EXT-VU-IMP1", Status: fc.CardActive, ValidUntil: "2027-02-28"},
			{ProviderID: w.Provider.ID, AccountID: w.Account.ID, InternalID: "VU-IMP2", ExternalID: "EXT-VU-IMP2", Status: fc.CardActive, ValidUntil: "2027-02-29"}}
		refused, err := s.ImportCards(ctx, rows, false)
		if err != nil || len(refused) != 1 || fc.ErrorFields(refused[1])["valid_until"] == "" {
			t.Fatalf("import with a bad date: %v %v", refused, err)
		}
		rows[1].ValidUntil = ""
		if refused, err := s.ImportCards(ctx, rows, false); err != nil || len(refused) != 0 {
			t.Fatalf("import: %v %v", refused, err)
		}
		if cs, err := s.Cards(ctx, all, fc.CardFilter{Search: "VU-IMP"}); err != nil || len(cs) != 2 || cs[0].ValidUntil != "2027-02-28" || cs[1].ValidUntil != "" {
			t.Errorf("imported: %+v %v", cs, err)
		}
	})
}

// TestLocalListValidUntil: a local list entry carries its card's validity
// end as its expiry date; a card past it is listed Expired.
func TestLocalListValidUntil(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.Now = func() time.Time { return time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC) }
		w := mustWorld(t, s, "LV")
		g := mustChargeGroup(t, s, w.Account, fc.AccessRestricted)
		if _, err := s.UpdateChargeGroup(ctx, fc.ProviderScope(w.Provider.ID), g.ID, func(x *fc.ChargeGroup) error {
			x.AllowedAccountIDs = []fc.ID{w.Account.ID}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for tag, until := range map[string]string{"LV-SOON": "2026-12-31", "LV-PAST": "2026-12-05"} {
			c := &fc.Card{ProviderID: w.Provider.ID, AccountID: w.Account.ID, InternalID: tag, ExternalID: "EXT-" + tag, Status: fc.CardActive, ValidUntil: until}
			if err := s.CreateCard(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		entries, err := s.DesiredLocalList(ctx, w.Provider.ID, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]fc.LocalListEntry{}
		for _, e := range entries {
			got[e.IDTag] = e
		}
		want := map[string]struct {
			status string
			expiry time.Time
		}{
			"LV-SOON": {fc.AuthAccepted, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
			"LV-PAST": {fc.AuthExpired, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)},
		}
		for tag, wt := range want {
			e, ok := got[tag]
			if !ok || e.Status != wt.status || e.ExpiryDate == nil || !e.ExpiryDate.Equal(wt.expiry) {
				t.Errorf("%s: %+v, want %s expiring %s", tag, e, wt.status, wt.expiry)
			}
		}
		if e := got[w.Card.InternalID]; e.Status != fc.AuthAccepted || e.ExpiryDate != nil {
			t.Errorf("a card without an end: %+v", e)
		}
	})
}

// TestCardAuthValidUntilZone: the card a station's authorization reads
// carries its end in the provider's time zone, read again (not kept from
// the cache) once the provider's time zone changes.
func TestCardAuthValidUntilZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "VZ")
		if _, err := s.UpdateCard(ctx, fc.ProviderScope(w.Provider.ID), w.Card.ID, func(c *fc.Card) error {
			c.ValidUntil = "2026-12-31"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, zone := range []struct {
			name string
			end  time.Time
		}{
			{"UTC", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
			{"Europe/Amsterdam", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)},
			{"America/New_York", time.Date(2027, 1, 1, 5, 0, 0, 0, time.UTC)},
		} {
			if _, err := s.UpdateProvider(ctx, w.Provider.ID, func(p *fc.Provider) error {
				p.TimeZone = zone.name
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			for i := range 2 { // read, then from the cache
				hits, _ := s.AuthCacheCounts()
				auth, err := s.CardAuth(ctx, w.Station.ID, w.Card.InternalID)
				if err != nil {
					t.Fatal(err)
				}
				if auth.Card == nil || auth.Card.ExpiresAt == nil || !auth.Card.ExpiresAt.Equal(zone.end) {
					t.Fatalf("%s: the card's end %v, want %s", zone.name, auth.Card, zone.end)
				}
				if after, _ := s.AuthCacheCounts(); i == 1 && store.AuthCacheOn(s.Engine()) && after != hits+1 {
					t.Errorf("%s: the second read is not from the cache", zone.name)
				}
			}
		}
	})
}
