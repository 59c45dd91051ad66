package events_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// eventKey names a delivery by its event's type and object.
type eventKey struct {
	typ string
	id  fc.ID
}

// byEvent indexes the requests a receiver got by their event's type and
// object; a second request for the same is an error.
func byEvent(t *testing.T, who string, rs []received) map[eventKey]received {
	t.Helper()
	out := map[eventKey]received{}
	for _, r := range rs {
		var obj struct {
			ID fc.ID `json:"id"`
		}
		if err := json.Unmarshal(r.Payload.Data, &obj); err != nil {
			t.Fatalf("%s got data %s: %v", who, r.Payload.Data, err)
		}
		k := eventKey{r.Payload.Type, obj.ID}
		if _, dup := out[k]; dup {
			t.Errorf("%s got %s %s twice", who, k.typ, k.id)
		}
		out[k] = r
	}
	return out
}

// keys lists the events of byEvent's index.
func keys(m map[eventKey]received) []eventKey {
	out := make([]eventKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// sameJSON reports whether two JSON documents hold the same values.
func sameJSON(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

// TestSnapshotDecidesWhereTheObjectWas: events are decided on where their
// object sat when they happened, with the data as it was then. Account A
// (with its card, its employee and its station) moves to organization B
// after some events and before their dispatch: the fleet and facility
// managers of A still get those, with the data the API showed them before
// the move (a foreign driver's session masked for the facility manager, a
// blocked card still blocked though it was unblocked since), and nothing of
// what happens after the move; a provider admin's webhook narrowed to B
// gets only what happens after. E-mail alerts follow the same rule.
func TestSnapshotDecidesWhereTheObjectWas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Snap")
		all := fc.ProviderScope(w.provider.ID)
		fleet, facility, adminB := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
		w.webhook(t, w.fleetA, fleet.URL, 0, "*")
		w.webhook(t, w.facilityA, facility.URL, 0, fc.TypeSessionStarted, fc.TypeSessionStopped)
		w.webhook(t, w.admin, adminB.URL, w.orgB.ID, "*")
		must(t, "subscribe", w.app.Subscribe(ctx, w.subjects[w.fleetA.ID],
			&fc.Subscription{EventType: fc.TypeCardBlocked, Mode: fc.SubscriptionImmediate}))
		fleetSubj, facilitySubj := w.subjects[w.fleetA.ID], w.subjects[w.facilityA.ID]
		block := func(active bool) *fc.Card {
			t.Helper()
			c, err := s.UpdateCard(ctx, all, w.cardA.ID, func(c *fc.Card) error {
				c.Status = fc.CardInactive
				if active {
					c.Status = fc.CardActive
				}
				return nil
			})
			must(t, "card status", err)
			return c
		}

		// Before the move.
		own := w.charge(t, w.cardA)
		foreign := w.charge(t, w.cardB)
		blocked := block(false)
		// What the API shows each manager of these objects now, before
		// anything moves (read, not from a snapshot).
		read := func(subj access.Subject, typ, kind string, id fc.ID) json.RawMessage {
			t.Helper()
			data, err := w.api.EventData(ctx, subj, fc.Event{Type: typ, ObjectKind: kind, ObjectID: id})
			must(t, "API data of "+kind+" "+id.String(), err)
			return data
		}
		before := map[eventKey]json.RawMessage{
			{fc.TypeSessionStopped, own}:     read(fleetSubj, fc.TypeSessionStopped, fc.KindSession, own),
			{fc.TypeCardBlocked, w.cardA.ID}: read(fleetSubj, fc.TypeCardBlocked, fc.KindCard, w.cardA.ID),
			{fc.TypeSessionStopped, foreign}: read(facilitySubj, fc.TypeSessionStopped, fc.KindSession, foreign),
		}
		x, err := w.app.Session(ctx, facilitySubj, foreign)
		must(t, "foreign session", err)
		if !x.CardMasked {
			t.Fatalf("the API shows the facility manager of A the foreign session unmasked")
		}
		evs, err := s.Events(ctx, w.provider.ID, fc.KindSession, own)
		must(t, "events", err)
		if len(evs) != 2 || evs[0].Snapshot == nil || evs[1].Snapshot == nil {
			t.Errorf("the session's events carry no snapshot: %+v", evs)
		}

		// The move, then the card unblocked: nothing is dispatched yet.
		_, err = s.RunMigration(ctx, fc.Migration{ProviderID: w.provider.ID, Kind: fc.MigrateAccounts, IDs: []fc.ID{w.accA.ID},
			TargetOrganizationID: w.orgB.ID}, nil)
		must(t, "move account A to B", err)
		block(true)
		if _, err := w.app.Card(ctx, fleetSubj, w.cardA.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Fatalf("the fleet manager of A still reads the moved card: %v", err)
		}

		// After the move.
		late := w.charge(t, w.cardA)
		blockedLate := block(false)

		w.service(t, events.Config{})
		settle(t, s)

		got := byEvent(t, "fleet manager of A", fleet.requests())
		want := []eventKey{{fc.TypeSessionStarted, own}, {fc.TypeSessionStopped, own}, {fc.TypeCardBlocked, w.cardA.ID}}
		if len(got) != len(want) {
			t.Errorf("the fleet manager of A got %d deliveries, want %d: %v", len(got), len(want), keys(got))
		}
		for _, k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("the fleet manager of A did not get %s %s, which happened before the move", k.typ, k.id)
			}
		}
		for _, k := range []eventKey{{fc.TypeSessionStopped, own}, {fc.TypeCardBlocked, w.cardA.ID}} {
			if r, ok := got[k]; ok && !sameJSON(t, r.Payload.Data, before[k]) {
				t.Errorf("%s %s: the fleet manager's webhook got\n%s\nthe API showed it when the event happened\n%s", k.typ, k.id, r.Payload.Data, before[k])
			}
		}
		if _, ok := got[eventKey{fc.TypeSessionStopped, late}]; ok {
			t.Errorf("the fleet manager of A got a session of account A after it moved to B")
		}

		got = byEvent(t, "facility manager of A", facility.requests())
		if len(got) != 4 {
			t.Errorf("the facility manager of A got %d deliveries, want the 4 of the two sessions before the move: %v", len(got), keys(got))
		}
		k := eventKey{fc.TypeSessionStopped, foreign}
		if r, ok := got[k]; !ok || !sameJSON(t, r.Payload.Data, before[k]) {
			t.Errorf("the facility manager's foreign session: got\n%s\nthe API showed it\n%s", r.Payload.Data, before[k])
		}

		// B's card's session (its card side is B's), and what happened to
		// account A after it moved to B.
		got = byEvent(t, "provider admin narrowed to B", adminB.requests())
		want = []eventKey{{fc.TypeSessionStarted, foreign}, {fc.TypeSessionStopped, foreign},
			{fc.TypeSessionStarted, late}, {fc.TypeSessionStopped, late}, {fc.TypeCardBlocked, w.cardA.ID}}
		if len(got) != len(want) {
			t.Errorf("the admin's webhook narrowed to B got %d deliveries, want %d: %v", len(got), len(want), keys(got))
		}
		for _, k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("the admin's webhook narrowed to B did not get %s %s", k.typ, k.id)
			}
		}
		if r, ok := got[eventKey{fc.TypeCardBlocked, w.cardA.ID}]; ok {
			var c fc.Card
			must(t, "card data", json.Unmarshal(r.Payload.Data, &c))
			if !c.UpdatedAt.Equal(blockedLate.UpdatedAt) {
				t.Errorf("the admin's webhook narrowed to B got the card as of %v, want the block after the move (%v)", c.UpdatedAt, blockedLate.UpdatedAt)
			}
		}

		// The fleet manager's e-mail alert: the block before the move
		// only (no mailer runs, so the notification waits).
		ns, err := s.DueNotifications(ctx, fc.SubscriptionImmediate, time.Now().Add(time.Hour), 100)
		must(t, "notifications", err)
		var mine []fc.Notification
		for _, n := range ns {
			if n.UserID == w.fleetA.ID {
				mine = append(mine, n)
			}
		}
		if len(mine) != 1 || !mine[0].At.Equal(blocked.UpdatedAt) {
			t.Errorf("the fleet manager's alerts: %+v; want one, of the block at %v before the move (not the one at %v after)",
				mine, blocked.UpdatedAt, blockedLate.UpdatedAt)
		}
	})
}

// TestSnapshotRolesAtDispatch: the roles of a webhook's creator are those
// it holds at dispatch: a fleet manager whose role is revoked after an
// event and before its dispatch gets nothing, while one who keeps it gets
// the event.
func TestSnapshotRolesAtDispatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Roles")
		leaver := w.user(t, "leaver@roles.example", fc.RoleFleetManager, w.orgA.ID)
		stays, gone := newReceiver(t, nil), newReceiver(t, nil)
		w.webhook(t, w.fleetA, stays.URL, 0, "*")
		w.webhook(t, leaver, gone.URL, 0, "*")
		must(t, "subscribe", w.app.Subscribe(ctx, w.subjects[leaver.ID],
			&fc.Subscription{EventType: fc.TypeCardBlocked, Mode: fc.SubscriptionImmediate}))
		id := w.charge(t, w.cardA)
		_, err := s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), w.cardA.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
		must(t, "block", err)
		as, err := s.UserAssignments(ctx, leaver.ID)
		must(t, "assignments", err)
		for _, a := range as {
			must(t, "revoke", s.DeleteAssignment(ctx, fc.ProviderScope(w.provider.ID), a.ID))
		}
		w.service(t, events.Config{})
		settle(t, s)
		if got := byEvent(t, "the fleet manager who stays", stays.requests()); len(got) != 3 ||
			got[eventKey{fc.TypeSessionStopped, id}].Body == nil {
			t.Errorf("the fleet manager who keeps the role got %v, want the session's two events and the block", keys(got))
		}
		if got := gone.requests(); len(got) != 0 {
			t.Errorf("the fleet manager whose role was revoked before the dispatch got %d deliveries", len(got))
		}
		ns, err := s.DueNotifications(ctx, fc.SubscriptionImmediate, time.Now().Add(time.Hour), 100)
		must(t, "notifications", err)
		for _, n := range ns {
			if n.UserID == leaver.ID {
				t.Errorf("the fleet manager whose role was revoked got an alert: %+v", n)
			}
		}
	})
}

// TestEventsWithoutSnapshot: an event written before snapshots (its
// snapshot column empty) is still dispatched, decided on and rendered from
// its object as it reads at dispatch.
func TestEventsWithoutSnapshot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Old")
		fleet, facility := newReceiver(t, nil), newReceiver(t, nil)
		w.webhook(t, w.fleetA, fleet.URL, 0, "*")
		w.webhook(t, w.facilityA, facility.URL, 0, fc.TypeSessionStopped)
		own := w.charge(t, w.cardA)
		foreign := w.charge(t, w.cardB)
		if _, err := s.DB().ExecContext(ctx, `UPDATE events SET snapshot = ''`); err != nil {
			t.Fatal(err)
		}
		w.service(t, events.Config{})
		settle(t, s)
		got := byEvent(t, "fleet manager of A", fleet.requests())
		if len(got) != 2 {
			t.Errorf("the fleet manager of A got %v, want its session's two events", keys(got))
		}
		for who, c := range map[string]struct {
			rc   *receiver
			subj access.Subject
			id   fc.ID
		}{"fleet": {fleet, w.subjects[w.fleetA.ID], own}, "facility": {facility, w.subjects[w.facilityA.ID], foreign}} {
			want, err := w.api.EventData(ctx, c.subj, fc.Event{Type: fc.TypeSessionStopped, ObjectKind: fc.KindSession, ObjectID: c.id})
			must(t, "API data", err)
			r, ok := byEvent(t, who, c.rc.requests())[eventKey{fc.TypeSessionStopped, c.id}]
			if !ok || !sameJSON(t, r.Payload.Data, want) {
				t.Errorf("%s manager's session %s: got %s, want %s", who, c.id, r.Payload.Data, want)
			}
		}
	})
}

// TestSnapshotAgreesWithTheAPI: while nothing has moved, an event's data
// from its snapshot, for each kind of reader, is what the API's own reads
// give that reader (the same answer, not found or the same JSON): the
// decision on the snapshot's owners and its masking are the store's scoped
// reads' rules, for fleet and facility managers, an account admin, drivers
// (who reach their own employee's sessions and card) and a provider admin.
func TestSnapshotAgreesWithTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Agree")
		readers := map[string]access.Subject{
			"fleet manager of A":    w.subjects[w.fleetA.ID],
			"facility manager of A": w.subjects[w.facilityA.ID],
			"provider admin":        w.subjects[w.admin.ID],
		}
		for name, a := range map[string]fc.Assignment{
			"account admin of A":    {Role: fc.RoleAccountAdmin, AccountID: w.accA.ID},
			"driver A":              {Role: fc.RoleDriver, EmployeeID: w.empA.ID},
			"driver B":              {Role: fc.RoleDriver, EmployeeID: w.empB.ID},
			"fleet manager of B":    {Role: fc.RoleFleetManager, OrganizationID: w.orgB.ID},
			"facility manager of B": {Role: fc.RoleFacilityManager, AccountID: w.accB.ID},
		} {
			u := &fc.User{ProviderID: w.provider.ID, Email: strings.ReplaceAll(name, " ", ".") + "@agree.example", Name: name, PasswordHash: "x"}
			must(t, "user "+name, s.CreateUser(ctx, u))
			a.UserID = u.ID
			must(t, "grant "+name, s.CreateAssignment(ctx, &a))
			as, err := s.UserAssignments(ctx, u.ID)
			must(t, "assignments", err)
			readers[name] = access.NewSubject(u, as)
		}
		w.charge(t, w.cardA)
		w.charge(t, w.cardB)
		_, err := s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), w.cardB.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
		must(t, "block", err)
		must(t, "fault", s.RecordStatus(ctx, w.station.ID, 2, "Faulted", "GroundFailure", time.Now()))

		// The last event of each object: its snapshot holds the object
		// as it reads now.
		evs, err := s.DueEvents(ctx, time.Now().Add(time.Hour), 1000)
		must(t, "due events", err)
		last := map[string]fc.Event{}
		for _, e := range evs {
			if e.ProviderID == w.provider.ID {
				last[e.ObjectKey()] = e
			}
		}
		if len(last) != 4 {
			t.Fatalf("events about %d objects, want 4 (two sessions, a card, the station)", len(last))
		}
		read, masked := 0, 0
		for who, subj := range readers {
			for _, e := range last {
				if e.Snapshot == nil {
					t.Fatalf("%s %s has no snapshot", e.Type, e.ObjectKey())
				}
				got, gotErr := w.api.EventData(ctx, subj, e)
				old := e
				old.Snapshot = nil
				want, wantErr := w.api.EventData(ctx, subj, old)
				if wantErr != nil && !fc.IsCode(wantErr, fc.ENotFound) || gotErr != nil && !fc.IsCode(gotErr, fc.ENotFound) {
					t.Fatalf("%s, %s: %v / %v", who, e.ObjectKey(), gotErr, wantErr)
				}
				switch {
				case (gotErr == nil) != (wantErr == nil):
					t.Errorf("%s reads %s %s: from the snapshot %v, through the API %v", who, e.Type, e.ObjectKey(), gotErr == nil, wantErr == nil)
				case gotErr == nil && !sameJSON(t, got, want):
					t.Errorf("%s, %s %s: from the snapshot\n%s\nthrough the API\n%s", who, e.Type, e.ObjectKey(), got, want)
				case gotErr == nil:
					read++
					if strings.Contains(string(got), `"card_masked":true`) {
						masked++
					}
				}
			}
		}
		if read == 0 || masked == 0 {
			t.Errorf("%d reads, %d of them masked: the readers read too little to compare", read, masked)
		}
	})
}
