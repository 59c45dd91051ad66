package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// fakeStations is a Commander that answers as OCPP 1.6 stations with a
// local authorization list do, and records the calls it got.
type fakeStations struct {
	mu    sync.Mutex
	st    map[string]*fakeStation
	calls []fakeCall
	quiet bool // keep no tags of the calls (benchmarks)
}

type fakeStation struct {
	mu           sync.Mutex
	online       bool
	version      int
	list         map[string]string // ID tag → parent ID tag
	maxLength    int               // 0: GetConfiguration does not know the key
	notSupported bool
	v201         bool // answers as an OCPP 2.0.1 station
}

type fakeCall struct {
	identity, action string
	updateType       string
	version          int
	tags             []string // the entries' tags; removals prefixed with "-"
}

func newFakeStations() *fakeStations { return &fakeStations{st: map[string]*fakeStation{}} }

func (f *fakeStations) add(identity string, maxLength int) *fakeStation {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &fakeStation{online: true, list: map[string]string{}, maxLength: maxLength}
	f.st[identity] = s
	return s
}

// station runs fn on a station's state under the lock.
func (f *fakeStations) station(identity string, fn func(s *fakeStation)) {
	f.mu.Lock()
	s := f.st[identity]
	f.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

// callsTo returns the calls of an action made to a station.
func (f *fakeStations) callsTo(identity, action string) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if c.identity == identity && c.action == action {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeStations) Call(ctx context.Context, identity, action string, request any) (json.RawMessage, error) {
	b, err := json.Marshal(request)
	if err != nil {
		return nil, err
	}
	call := fakeCall{identity: identity, action: action}
	// SendLocalList in either version: OCPP 1.6 (listVersion, idTag,
	// idTagInfo) or 2.0.1 (versionNumber, idToken, idTokenInfo).
	type token struct {
		IDToken string `json:"idToken"`
	}
	var req struct {
		ListVersion   int    `json:"listVersion"`
		VersionNumber int    `json:"versionNumber"`
		UpdateType    string `json:"updateType"`
		List          []struct {
			IDTag   string `json:"idTag"`
			IDToken *token `json:"idToken"`
			Info    *struct {
				Status      string `json:"status"`
				ParentIDTag string `json:"parentIdTag"`
			} `json:"idTagInfo"`
			TokenInfo *struct {
				Status string `json:"status"`
				Group  *token `json:"groupIdToken"`
			} `json:"idTokenInfo"`
		} `json:"localAuthorizationList"`
	}
	type entry struct{ tag, parent string }
	var entries []*entry // nil: a removal
	var tags []string
	if action == "SendLocalList" {
		if err := json.Unmarshal(b, &req); err != nil {
			return nil, err
		}
		req.ListVersion = max(req.ListVersion, req.VersionNumber)
		call.updateType, call.version = req.UpdateType, req.ListVersion
		for _, e := range req.List {
			var en *entry
			switch {
			case e.Info != nil:
				en = &entry{e.IDTag, e.Info.ParentIDTag}
			case e.TokenInfo != nil && e.TokenInfo.Group != nil:
				en = &entry{e.IDToken.IDToken, e.TokenInfo.Group.IDToken}
			case e.TokenInfo != nil:
				en = &entry{e.IDToken.IDToken, ""}
			}
			tag := e.IDTag
			if e.IDToken != nil {
				tag = e.IDToken.IDToken
			}
			entries, tags = append(entries, en), append(tags, tag)
			if en == nil {
				call.tags = append(call.tags, "-"+tag)
			} else {
				call.tags = append(call.tags, tag)
			}
		}
	}
	f.mu.Lock()
	s := f.st[identity]
	if f.quiet {
		call.tags = nil
	}
	f.calls = append(f.calls, call)
	f.mu.Unlock()
	if s == nil {
		return nil, fc.Errorf(fc.EConflict, "station %s is offline", identity)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.online {
		return nil, fc.Errorf(fc.EConflict, "station %s is offline", identity)
	}
	switch action {
	case "GetLocalListVersion":
		if s.v201 {
			return json.RawMessage(fmt.Sprintf(`{"versionNumber":%d}`, s.version)), nil
		}
		if s.notSupported {
			return json.RawMessage(`{"listVersion":-1}`), nil
		}
		return json.RawMessage(fmt.Sprintf(`{"listVersion":%d}`, s.version)), nil
	case "GetVariables":
		if !bytes.Contains(b, []byte(`"ItemsPerMessage"`)) || s.maxLength == 0 {
			return json.RawMessage(`{"getVariableResult":[{"attributeStatus":"UnknownVariable","component":{"name":"LocalAuthListCtrlr"},"variable":{"name":"ItemsPerMessage"}}]}`), nil
		}
		return json.RawMessage(fmt.Sprintf(`{"getVariableResult":[{"attributeStatus":"Accepted","attributeValue":"%d","component":{"name":"LocalAuthListCtrlr"},"variable":{"name":"ItemsPerMessage"}}]}`, s.maxLength)), nil
	case "GetConfiguration":
		if s.maxLength == 0 {
			return json.RawMessage(`{"unknownKey":["SendLocalListMaxLength"]}`), nil
		}
		return json.RawMessage(fmt.Sprintf(`{"configurationKey":[{"key":"SendLocalListMaxLength","readonly":true,"value":"%d"}]}`, s.maxLength)), nil
	case "ClearCache":
		return json.RawMessage(`{"status":"Accepted"}`), nil
	case "SendLocalList":
		switch {
		case s.notSupported:
			return json.RawMessage(`{"status":"NotSupported"}`), nil
		case s.maxLength > 0 && len(req.List) > s.maxLength:
			return json.RawMessage(`{"status":"Failed"}`), nil
		case req.UpdateType == "Differential" && req.ListVersion <= s.version:
			return json.RawMessage(`{"status":"VersionMismatch"}`), nil
		}
		if req.UpdateType == "Full" {
			s.list = map[string]string{}
		}
		for i, e := range entries {
			if e == nil {
				delete(s.list, tags[i])
			} else {
				s.list[e.tag] = e.parent
			}
		}
		s.version = req.ListVersion
		return json.RawMessage(`{"status":"Accepted"}`), nil
	}
	return nil, fc.Errorf(fc.ENotImplemented, "%s is not implemented", action)
}

// listWorld is a provider with two organizations, restricted and public
// charge groups and stations in them, served by a running Operations with
// fake stations.
type listWorld struct {
	s                  *store.Store
	svc                *Service
	ops                *Operations
	fake               *fakeStations
	ctx                context.Context
	admin              access.Subject
	provider           *fc.Provider
	orgA, orgB         *fc.Organization
	accA, accB         *fc.Account
	restricted, public *fc.ChargeGroup
	stations           map[string]*fc.Station
	cards              map[string]*fc.Card
}

func buildListWorld(t *testing.T, s *store.Store, v201 ...string) *listWorld {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w := &listWorld{s: s, ctx: ctx, fake: newFakeStations(), stations: map[string]*fc.Station{}, cards: map[string]*fc.Card{}}
	w.provider = &fc.Provider{Name: "CPO"}
	must(s.CreateProvider(ctx, w.provider))
	p := w.provider.ID
	top := &fc.Organization{ProviderID: p, Name: "Holding"}
	must(s.CreateOrganization(ctx, top))
	w.orgA = &fc.Organization{ProviderID: p, ParentID: top.ID, Name: "A"}
	must(s.CreateOrganization(ctx, w.orgA))
	w.orgB = &fc.Organization{ProviderID: p, ParentID: top.ID, Name: "B"}
	must(s.CreateOrganization(ctx, w.orgB))
	w.accA = &fc.Account{ProviderID: p, OrganizationID: w.orgA.ID, Name: "Fleet A", Kind: fc.AccountCompany}
	must(s.CreateAccount(ctx, w.accA))
	w.accB = &fc.Account{ProviderID: p, OrganizationID: w.orgB.ID, Name: "Fleet B", Kind: fc.AccountCompany}
	must(s.CreateAccount(ctx, w.accB))
	for tag, acc := range map[string]*fc.Account{"A-1": w.accA, "A-2": w.accA, "A-3": w.accA, "B-1": w.accB} {
		c := &fc.Card{ProviderID: p, AccountID: acc.ID, InternalID: tag, ExternalID: "EXT-" + tag, Status: fc.CardActive}
		must(s.CreateCard(ctx, c))
		w.cards[tag] = c
	}
	w.restricted = &fc.ChargeGroup{ProviderID: p, AccountID: w.accA.ID, Name: "Depot", Kind: fc.GroupOther, Access: fc.AccessRestricted,
		AllowedOrganizationIDs: []fc.ID{w.orgA.ID}, Tariff: fc.Tariff{Currency: "EUR"}}
	must(s.CreateChargeGroup(ctx, w.restricted))
	w.public = &fc.ChargeGroup{ProviderID: p, AccountID: w.accA.ID, Name: "Street", Kind: fc.GroupOther, Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR"}}
	must(s.CreateChargeGroup(ctx, w.public))
	office := &fc.Location{ProviderID: p, AccountID: w.accA.ID, Name: "Office", Kind: fc.LocationOffice}
	must(s.CreateLocation(ctx, office))
	for identity, g := range map[string]*fc.ChargeGroup{"DEPOT-1": w.restricted, "DEPOT-2": w.restricted, "STREET-1": w.public} {
		st := &fc.Station{ProviderID: p, AccountID: w.accA.ID, LocationID: office.ID, ChargeGroupID: g.ID, Identity: identity, PasswordHash: "x"}
		must(s.CreateStation(ctx, st, 1))
		version := fc.OCPP16
		if slices.Contains(v201, identity) {
			version = fc.OCPP201
		}
		must(s.SetConnection(ctx, st.ID, true, version, time.Now()))
		w.stations[identity] = st
	}
	w.fake.add("DEPOT-1", 1) // one entry per SendLocalList
	w.fake.add("DEPOT-2", 0) // does not say: the default
	w.fake.add("STREET-1", 10)
	for _, id := range v201 {
		w.fake.station(id, func(s *fakeStation) { s.v201 = true })
	}
	admin := &fc.User{ProviderID: p, Email: "admin@example.com", Name: "Admin"}
	must(s.CreateUser(ctx, admin))
	as := &fc.Assignment{ProviderID: p, UserID: admin.ID, Role: fc.RoleProviderAdmin}
	must(s.CreateAssignment(ctx, as))
	w.admin = access.NewSubject(admin, []fc.Assignment{*as})

	w.ops = NewOperations(s, nil, nil)
	w.ops.lists.debounce = time.Millisecond
	w.ops.SetCommander(w.fake)
	w.svc = &Service{Store: s, Operations: w.ops, Commander: w.fake}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.ops.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// waitFor waits until cond holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// listOf returns the fake station's list as tag → parent.
func (w *listWorld) listOf(identity string) map[string]string {
	var out map[string]string
	w.fake.station(identity, func(s *fakeStation) { out = maps.Clone(s.list) })
	return out
}

// inSync reports whether the station's list is in sync as the API says.
func (w *listWorld) inSync(t *testing.T, identity string) bool {
	t.Helper()
	l, err := w.svc.StationLocalList(w.ctx, w.admin, w.stations[identity].ID)
	if err != nil {
		t.Fatal(err)
	}
	return l.InSync
}

// waitList waits until the station holds exactly these tags and its list is
// in sync.
func (w *listWorld) waitList(t *testing.T, identity string, tags ...string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s to hold %v", identity, tags), func() bool {
		return slices.Equal(slices.Sorted(maps.Keys(w.listOf(identity))), tags) && w.inSync(t, identity)
	})
}

// sendsSince returns the SendLocalList calls to a station after the first n.
func (w *listWorld) sendsSince(identity string, n int) []fakeCall {
	return w.fake.callsTo(identity, "SendLocalList")[n:]
}

// TestLocalListSync follows the lists of a restricted group's stations and
// a public group's through the changes that touch them: boot (full lists,
// in batches within each station's SendLocalListMaxLength), a card blocked
// (a differential removal, and ClearCache wherever it may be cached), an
// access list change and a migration (differential additions), a version
// mismatch on boot (a full list), and the provider's setting for public
// groups.
func TestLocalListSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildListWorld(t, s)
		for _, st := range w.stations {
			w.ops.StationEvent(w.ctx, fc.StationEvent{Kind: fc.EventBooted, StationID: st.ID, ProviderID: st.ProviderID, Identity: st.Identity})
		}
		w.waitList(t, "DEPOT-1", "A-1", "A-2", "A-3")
		w.waitList(t, "DEPOT-2", "A-1", "A-2", "A-3")
		w.waitList(t, "STREET-1")
		if got, want := w.listOf("DEPOT-1")["A-1"], fc.AccountIDTag(w.accA.ID); got != want {
			t.Errorf("parent ID tag: got %q, want %q", got, want)
		}
		sends := w.fake.callsTo("DEPOT-1", "SendLocalList")
		if len(sends) != 3 || sends[0].updateType != "Full" || sends[1].updateType != "Differential" || sends[2].updateType != "Differential" {
			t.Fatalf("DEPOT-1 (one entry per message): got %+v, want a Full list of one entry and two Differential updates", sends)
		}
		for i, c := range sends {
			if len(c.tags) != 1 || c.version != i+1 {
				t.Errorf("batch %d: %+v, want one entry at version %d", i, c, i+1)
			}
		}
		if sends := w.fake.callsTo("DEPOT-2", "SendLocalList"); len(sends) != 1 || sends[0].updateType != "Full" || len(sends[0].tags) != 3 {
			t.Errorf("DEPOT-2 (default length): got %+v, want one Full list", sends)
		}
		if sends := w.fake.callsTo("STREET-1", "SendLocalList"); len(sends) != 1 || sends[0].updateType != "Full" || len(sends[0].tags) != 0 {
			t.Errorf("STREET-1 (public group): got %+v, want one empty Full list", sends)
		}
		n1, n2, nStreet := len(w.fake.callsTo("DEPOT-1", "SendLocalList")), len(w.fake.callsTo("DEPOT-2", "SendLocalList")), len(w.fake.callsTo("STREET-1", "SendLocalList"))

		// A card blocked: removed by a differential update; every station
		// that may have cached it clears its cache, the public one too.
		if _, err := w.svc.UpdateCard(w.ctx, w.admin, w.cards["A-2"].ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
			t.Fatal(err)
		}
		w.waitList(t, "DEPOT-1", "A-1", "A-3")
		w.waitList(t, "DEPOT-2", "A-1", "A-3")
		for _, id := range []string{"DEPOT-1", "DEPOT-2"} {
			sends := w.sendsSince(id, map[string]int{"DEPOT-1": n1, "DEPOT-2": n2}[id])
			if len(sends) != 1 || sends[0].updateType != "Differential" || !slices.Equal(sends[0].tags, []string{"-A-2"}) {
				t.Errorf("%s after the block: got %+v, want one Differential update removing A-2", id, sends)
			}
		}
		for _, id := range []string{"DEPOT-1", "DEPOT-2", "STREET-1"} {
			waitFor(t, id+" to clear its cache", func() bool { return len(w.fake.callsTo(id, "ClearCache")) > 0 })
		}
		waitFor(t, "the ClearCache flags to go", func() bool {
			states, err := s.LocalListStates(w.ctx, w.provider.ID, 0, false)
			return err == nil && !slices.ContainsFunc(states, func(st fc.LocalListState) bool { return st.ClearCache })
		})
		if sends := w.sendsSince("STREET-1", nStreet); len(sends) != 0 {
			t.Errorf("STREET-1's empty list is sent again: %+v", sends)
		}
		n1, n2 = len(w.fake.callsTo("DEPOT-1", "SendLocalList")), len(w.fake.callsTo("DEPOT-2", "SendLocalList"))

		// An access list change: the card admitted is added.
		if _, err := w.svc.UpdateChargeGroup(w.ctx, w.admin, w.restricted.ID, func(g *fc.ChargeGroup) error {
			g.AllowedCardIDs = []fc.ID{w.cards["B-1"].ID}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		w.waitList(t, "DEPOT-2", "A-1", "A-3", "B-1")
		if sends := w.sendsSince("DEPOT-2", n2); len(sends) != 1 || sends[0].updateType != "Differential" || !slices.Equal(sends[0].tags, []string{"B-1"}) {
			t.Errorf("after the access list change: got %+v, want one Differential update adding B-1", sends)
		}
		n2 = len(w.fake.callsTo("DEPOT-2", "SendLocalList"))

		// A migration: account B moves under organization A, which the
		// group admits; its new card comes with it.
		c := &fc.Card{ProviderID: w.provider.ID, AccountID: w.accB.ID, InternalID: "B-2", ExternalID: "EXT-B-2", Status: fc.CardActive}
		if err := s.CreateCard(w.ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Migrate(w.ctx, w.admin, fc.Migration{Kind: fc.MigrateAccounts, IDs: []fc.ID{w.accB.ID}, TargetOrganizationID: w.orgA.ID}, false); err != nil {
			t.Fatal(err)
		}
		w.waitList(t, "DEPOT-2", "A-1", "A-3", "B-1", "B-2")
		if sends := w.sendsSince("DEPOT-2", n2); len(sends) != 1 || sends[0].updateType != "Differential" || !slices.Equal(sends[0].tags, []string{"B-2"}) {
			t.Errorf("after the migration: got %+v, want one Differential update adding B-2", sends)
		}
		w.waitList(t, "DEPOT-1", "A-1", "A-3", "B-1", "B-2")
		if sends := w.sendsSince("DEPOT-1", n1); len(sends) != 2 || sends[0].updateType != "Differential" || sends[1].updateType != "Differential" {
			t.Errorf("DEPOT-1 after both changes: got %+v, want two Differential updates", sends)
		}
		n2 = len(w.fake.callsTo("DEPOT-2", "SendLocalList"))

		// A version mismatch on boot: the station lost its list.
		w.fake.station("DEPOT-2", func(s *fakeStation) { s.version, s.list = 0, map[string]string{} })
		st := w.stations["DEPOT-2"]
		w.ops.StationEvent(w.ctx, fc.StationEvent{Kind: fc.EventBooted, StationID: st.ID, ProviderID: st.ProviderID, Identity: st.Identity})
		w.waitList(t, "DEPOT-2", "A-1", "A-3", "B-1", "B-2")
		if sends := w.sendsSince("DEPOT-2", n2); len(sends) != 1 || sends[0].updateType != "Full" || len(sends[0].tags) != 4 {
			t.Errorf("after a version mismatch: got %+v, want one Full list of 4", sends)
		}

		// The provider's setting: public groups' stations get every active card.
		if err := w.svc.SetLocalListPublic(w.ctx, w.admin, true); err != nil {
			t.Fatal(err)
		}
		w.waitList(t, "STREET-1", "A-1", "A-3", "B-1", "B-2")
	})
}

// TestLocalListDifferentialRefused: a station that refuses a differential
// update (it holds another version than the back office thinks) gets the
// full list.
func TestLocalListDifferentialRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildListWorld(t, s)
		w.waitList(t, "DEPOT-2", "A-1", "A-2", "A-3")
		n := len(w.fake.callsTo("DEPOT-2", "SendLocalList"))
		w.fake.station("DEPOT-2", func(s *fakeStation) { s.version = 50 })
		if _, err := w.svc.UpdateCard(w.ctx, w.admin, w.cards["A-1"].ID, func(c *fc.Card) error { c.Status = fc.CardDeactivated; return nil }); err != nil {
			t.Fatal(err)
		}
		w.waitList(t, "DEPOT-2", "A-2", "A-3")
		sends := w.sendsSince("DEPOT-2", n)
		if len(sends) != 2 || sends[0].updateType != "Differential" || sends[1].updateType != "Full" || len(sends[1].tags) != 2 {
			t.Errorf("got %+v, want a Differential update refused, then a Full list of 2", sends)
		}
	})
}

// TestLocalListNotSupported: a station without a local list is recorded
// so and not sent lists again until it boots.
func TestLocalListNotSupported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildListWorld(t, s)
		w.waitList(t, "DEPOT-1", "A-1", "A-2", "A-3")
		w.fake.station("DEPOT-1", func(s *fakeStation) { s.notSupported = true })
		st := w.stations["DEPOT-1"]
		w.ops.StationEvent(w.ctx, fc.StationEvent{Kind: fc.EventBooted, StationID: st.ID, ProviderID: st.ProviderID, Identity: st.Identity})
		waitFor(t, "DEPOT-1 to be not supported", func() bool {
			l, err := w.svc.StationLocalList(w.ctx, w.admin, st.ID)
			return err == nil && l.State == fc.LocalListNotSupported && !l.InSync
		})
		n := len(w.fake.callsTo("DEPOT-1", "SendLocalList"))
		if _, err := w.svc.UpdateCard(w.ctx, w.admin, w.cards["A-1"].ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
			t.Fatal(err)
		}
		w.waitList(t, "DEPOT-2", "A-2", "A-3")
		waitFor(t, "DEPOT-1's cache cleared", func() bool { return len(w.fake.callsTo("DEPOT-1", "ClearCache")) > 0 })
		if got := len(w.fake.callsTo("DEPOT-1", "SendLocalList")); got != n {
			t.Errorf("a station without a local list was sent %d lists", got-n)
		}
	})
}

// TestDiffLists checks the differential update between two lists.
func TestDiffLists(t *testing.T) {
	e := func(tag, parent string) fc.LocalListEntry {
		return fc.LocalListEntry{IDTag: tag, Status: fc.AuthAccepted, ParentIDTag: parent}
	}
	have := []fc.LocalListEntry{e("A", "P"), e("B", "P"), e("D", "P")}
	want := []fc.LocalListEntry{e("B", "Q"), e("C", "P"), e("D", "P"), e("E", "P")}
	got := diffLists(have, want)
	wantDiff := []fc.LocalListEntry{{IDTag: "A"}, e("B", "Q"), e("C", "P"), e("E", "P")}
	if !slices.EqualFunc(got, wantDiff, sameEntry) {
		t.Errorf("got %+v, want %+v", got, wantDiff)
	}
	if got := diffLists(want, want); len(got) != 0 {
		t.Errorf("no change: got %+v", got)
	}
	if got := chunk(nil, 5); len(got) != 1 || len(got[0]) != 0 {
		t.Errorf("an empty full list is one empty batch: got %v", got)
	}
	if got := chunk(want, 3); len(got) != 2 || len(got[0]) != 3 || len(got[1]) != 1 {
		t.Errorf("batches of 3: got %v", got)
	}
}

// TestLocalListOffline: a station offline when its list changes keeps its
// state (nothing was sent) and gets the difference when it connects.
func TestLocalListOffline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildListWorld(t, s)
		w.waitList(t, "DEPOT-2", "A-1", "A-2", "A-3")
		st := w.stations["DEPOT-2"]
		w.fake.station("DEPOT-2", func(s *fakeStation) { s.online = false })
		if err := s.SetConnection(w.ctx, st.ID, false, "", time.Now()); err != nil {
			t.Fatal(err)
		}
		n := len(w.fake.callsTo("DEPOT-2", "SendLocalList"))
		if _, err := w.svc.UpdateCard(w.ctx, w.admin, w.cards["A-1"].ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
			t.Fatal(err)
		}
		w.waitList(t, "DEPOT-1", "A-2", "A-3")
		l, err := w.svc.StationLocalList(w.ctx, w.admin, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.InSync || l.State != fc.LocalListSynced || l.Count != 3 || l.Desired != 2 || l.Error != "" {
			t.Errorf("the offline station's list: got %+v; want its last acknowledged list, not in sync, no error", l)
		}
		w.fake.station("DEPOT-2", func(s *fakeStation) { s.online = true })
		if err := s.SetConnection(w.ctx, st.ID, true, fc.OCPP16, time.Now()); err != nil {
			t.Fatal(err)
		}
		w.ops.StationEvent(w.ctx, fc.StationEvent{Kind: fc.EventConnected, StationID: st.ID, ProviderID: st.ProviderID, Identity: st.Identity})
		w.waitList(t, "DEPOT-2", "A-2", "A-3")
		if sends := w.sendsSince("DEPOT-2", n); len(sends) != 1 || sends[0].updateType != "Differential" || !slices.Equal(sends[0].tags, []string{"-A-1"}) {
			t.Errorf("on reconnecting: got %+v, want one Differential update removing A-1", sends)
		}
		waitFor(t, "DEPOT-2's cache cleared", func() bool { return len(w.fake.callsTo("DEPOT-2", "ClearCache")) > 0 })
	})
}

// TestLocalListOCPP201: an OCPP 2.0.1 station gets the same list in 2.0.1's
// messages (its ItemsPerMessage read with GetVariables, the account as
// groupIdToken), and a version mismatch found by GetLocalListVersion's
// versionNumber calls for a full list.
func TestLocalListOCPP201(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildListWorld(t, s, "DEPOT-1")
		w.waitList(t, "DEPOT-1", "A-1", "A-2", "A-3")
		if got, want := w.listOf("DEPOT-1")["A-1"], fc.AccountIDTag(w.accA.ID); got != want {
			t.Errorf("group ID token: got %q, want %q", got, want)
		}
		if sends := w.fake.callsTo("DEPOT-1", "SendLocalList"); len(sends) != 3 || sends[0].updateType != "Full" {
			t.Errorf("with ItemsPerMessage 1: got %+v, want a Full list of one entry then two Differential updates", sends)
		}
		if len(w.fake.callsTo("DEPOT-1", "GetVariables")) == 0 {
			t.Error("ItemsPerMessage was not asked")
		}
		n := len(w.fake.callsTo("DEPOT-1", "SendLocalList"))
		w.fake.station("DEPOT-1", func(s *fakeStation) { s.version, s.list = 1, map[string]string{} })
		st := w.stations["DEPOT-1"]
		w.ops.StationEvent(w.ctx, fc.StationEvent{Kind: fc.EventBooted, StationID: st.ID, ProviderID: st.ProviderID, Identity: st.Identity})
		w.waitList(t, "DEPOT-1", "A-1", "A-2", "A-3")
		if sends := w.sendsSince("DEPOT-1", n); len(sends) != 3 || sends[0].updateType != "Full" || sends[0].version != 4 {
			t.Errorf("after a version mismatch: got %+v, want a Full list at version 4 then two Differential updates", sends)
		}
	})
}
