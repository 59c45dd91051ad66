package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// authWorld is a provider whose card decisions change: an organization
// tree, accounts in it, cards, charge groups (public, restricted, roaming)
// with stations, and an OCPI partner's tokens, served by two nodes (two
// stores) on one database.
type authWorld struct {
	nodes    [2]*store.Store
	prov     *fc.Provider
	orgs     []*fc.Organization // orgs[0] is the top; orgs[3] moves between orgs[1] and orgs[2]
	accounts []*fc.Account
	cards    map[string]fc.ID // by tag; 0 once deleted
	tags     []string         // the idTags asked about: the cards' first, then others
	groups   []*fc.ChargeGroup
	stations []*fc.Station
	partner  *fc.OCPIPartner
	uids     []string // the partner's token UIDs
	clock    time.Time
}

func newAuthWorld(t *testing.T, engine string) *authWorld {
	t.Helper()
	ctx := context.Background()
	u := storetest.URL(t, engine)
	w := &authWorld{cards: map[string]fc.ID{}, clock: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	for i := range w.nodes {
		s, err := store.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		w.nodes[i] = s
	}
	s := w.nodes[0]
	w.prov = mustProvider(t, s, "AuthCache")
	top := mustOrg(t, s, w.prov.ID, 0, "Top")
	a := mustOrg(t, s, w.prov.ID, top.ID, "A")
	b := mustOrg(t, s, w.prov.ID, top.ID, "B")
	w.orgs = []*fc.Organization{top, a, b, mustOrg(t, s, w.prov.ID, a.ID, "A1")}
	for i, o := range w.orgs {
		w.accounts = append(w.accounts, mustAccount(t, s, w.prov.ID, o.ID, fmt.Sprintf("Account %d", i)))
	}
	for i := range 6 {
		tag := fmt.Sprintf("AC-%d", i)
		w.cards[tag] = mustCard(t, s, w.accounts[i%len(w.accounts)], 0, tag).ID
		w.tags = append(w.tags, tag)
	}
	owner := w.accounts[0]
	office := mustLocation(t, s, owner, fc.LocationOffice, 0)
	for i, access := range []string{fc.AccessPublic, fc.AccessRestricted, fc.AccessRestricted, fc.AccessPublic} {
		g := &fc.ChargeGroup{ProviderID: w.prov.ID, AccountID: owner.ID, Name: fmt.Sprintf("Group %d", i), Kind: fc.GroupOther,
			Access: access, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 300000}, Roaming: i == 3}
		if err := s.CreateChargeGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		w.groups = append(w.groups, g)
		w.stations = append(w.stations, mustStation(t, s, owner, office, g, fmt.Sprintf("AC-CP%d", i)))
	}
	w.partner = mustPartner(t, s, w.prov.ID, "eMSP", fc.PartnerConnected, "hash-authcache")
	w.uids = []string{"RT-1", "RT-2", "AC-0"} // a card's tag too: the card wins
	for _, uid := range w.uids {
		w.putToken(t, uid, true)
	}
	w.tags = append(w.tags, "ac-1", " AC-2 ", "RT-1", "RT-2", "NOBODY", "", "AC-\x003")
	return w
}

func (w *authWorld) putToken(t *testing.T, uid string, valid bool) {
	t.Helper()
	w.clock = w.clock.Add(time.Second)
	err := w.nodes[0].PutOCPIToken(context.Background(), fc.OCPIToken{PartnerID: w.partner.ID, CountryCode: "DE", PartyID: "MSP",
		UID: uid, Type: "RFID", ContractID: "DE-MSP-" + uid, Issuer: "MSP", Valid: valid, Whitelist: "ALLOWED",
		LastUpdated: w.clock, Object: json.RawMessage(`{"uid":"` + uid + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// someIDs returns a random subset of ids.
func someIDs(r *rand.Rand, ids []fc.ID) []fc.ID {
	out := []fc.ID{}
	for _, id := range ids {
		if r.IntN(3) == 0 {
			out = append(out, id)
		}
	}
	return out
}

// change makes one random change that may alter decisions (or, for a few,
// must not), through a random node, and returns what it did. Changes the
// rules refuse (a migration that would break a link, a card still in use)
// change nothing and are fine.
func (w *authWorld) change(t *testing.T, r *rand.Rand) string {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	s := pick(r, w.nodes[:])
	sc := fc.ProviderScope(w.prov.ID)
	tag := pick(r, w.tags[:6]) // the cards' tags
	cardID := w.cards[tag]
	var accountIDs, orgIDs, cardIDs []fc.ID
	for _, a := range w.accounts {
		accountIDs = append(accountIDs, a.ID)
	}
	for _, o := range w.orgs {
		orgIDs = append(orgIDs, o.ID)
	}
	for _, tag := range w.tags[:6] {
		if id := w.cards[tag]; id != 0 {
			cardIDs = append(cardIDs, id)
		}
	}
	statuses := []string{fc.CardActive, fc.CardActive, fc.CardInactive, fc.CardDeactivated}
	var what string
	var err error
	switch op := r.IntN(14); {
	case cardID == 0:
		acc := pick(r, w.accounts)
		c := &fc.Card{ProviderID: w.prov.ID, AccountID: acc.ID, InternalID: tag, ExternalID: fmt.Sprintf("EXT-%s-%d", tag, r.Int()),
			Status: pick(r, statuses)}
		what, err = "create card "+tag, s.CreateCard(ctx, c)
		if err == nil {
			w.cards[tag] = c.ID
		}
	case op == 0:
		status := pick(r, statuses)
		what = "status of " + tag + " to " + status
		_, err = s.UpdateCard(ctx, sc, cardID, func(c *fc.Card) error { c.Status = status; return nil })
	case op == 1:
		status := pick(r, statuses)
		what = "status of " + tag + " to " + status + " in SQL"
		_, err = s.DB().ExecContext(ctx, `UPDATE cards SET status = $1 WHERE id = $2`, status, int64(cardID))
	case op == 2:
		to := pick(r, accountIDs)
		what = fmt.Sprintf("move card %s to account %s", tag, to)
		_, err = s.RunMigration(ctx, fc.Migration{ProviderID: w.prov.ID, Kind: fc.MigrateCards, IDs: []fc.ID{cardID}, TargetAccountID: to}, nil)
	case op == 3:
		acc, to := pick(r, w.accounts[1:]), pick(r, orgIDs)
		what = fmt.Sprintf("move account %s to organization %s", acc.ID, to)
		_, err = s.RunMigration(ctx, fc.Migration{ProviderID: w.prov.ID, Kind: fc.MigrateAccounts, IDs: []fc.ID{acc.ID}, TargetOrganizationID: to}, nil)
	case op == 4:
		what = "move organization A1 between A and B"
		_, err = s.UpdateOrganization(ctx, sc, w.orgs[3].ID, func(o *fc.Organization) error {
			o.ParentID = w.orgs[1].ID + w.orgs[2].ID - o.ParentID
			return nil
		})
	case op == 5 || op == 6:
		g := pick(r, w.groups)
		access := pick(r, []string{fc.AccessPublic, fc.AccessRestricted, fc.AccessRestricted})
		accs, orgs, cards := someIDs(r, accountIDs), someIDs(r, orgIDs), someIDs(r, cardIDs)
		what = fmt.Sprintf("group %s %s: accounts %v, organizations %v, cards %v", g.ID, access, accs, orgs, cards)
		_, err = s.UpdateChargeGroup(ctx, sc, g.ID, func(g *fc.ChargeGroup) error {
			g.Access, g.AllowedAccountIDs, g.AllowedOrganizationIDs, g.AllowedCardIDs = access, accs, orgs, cards
			return nil
		})
	case op == 7:
		st, g := pick(r, w.stations), pick(r, w.groups)
		what = fmt.Sprintf("station %s to group %s", st.ID, g.ID)
		_, err = s.UpdateStation(ctx, sc, st.ID, func(x *fc.Station) error { x.ChargeGroupID = g.ID; return nil })
	case op == 8:
		what = "delete card " + tag
		if err = s.DeleteCard(ctx, sc, cardID); err == nil {
			w.cards[tag] = 0
		}
	case op == 9:
		uid, valid := pick(r, w.uids), r.IntN(2) == 0
		what = fmt.Sprintf("token %s valid %v", uid, valid)
		w.putToken(t, uid, valid)
	case op == 10:
		status := pick(r, []string{fc.PartnerConnected, fc.PartnerConnected, "suspended"})
		what = "partner " + status + " in SQL"
		_, err = s.DB().ExecContext(ctx, `UPDATE ocpi_partners SET status = $1 WHERE id = $2`, status, int64(w.partner.ID))
	case op == 11:
		st := pick(r, w.stations)
		w.clock = w.clock.Add(time.Minute)
		what = fmt.Sprintf("start %s at station %s", tag, st.ID)
		_, _, err = s.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 1 + r.IntN(2), IDTag: tag, Timestamp: w.clock})
	case op == 12:
		g, acc := pick(r, w.groups), pick(r, w.accounts)
		what = fmt.Sprintf("group %s admits account %s alone, in SQL", g.ID, acc.ID)
		if _, err = s.DB().ExecContext(ctx, `DELETE FROM charge_group_access WHERE charge_group_id = $1`, int64(g.ID)); err == nil {
			_, err = s.DB().ExecContext(ctx, `INSERT INTO charge_group_access (charge_group_id, subject_kind, subject_id)
				VALUES ($1, 'account', $2)`, int64(g.ID), int64(acc.ID))
		}
	default:
		what = "stop the oldest running session in SQL"
		_, err = s.DB().ExecContext(ctx, `UPDATE sessions SET stopped_at = started_at + 60000
			WHERE id = (SELECT MIN(id) FROM sessions WHERE stopped_at IS NULL)`)
	}
	var e *fc.Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("%s: %v", what, err)
	}
	return what
}

// check asks a random node for tag at the station and compares its answer
// with the database's at that moment; it returns the difference, "" when
// none.
func (w *authWorld) check(r *rand.Rand, stationID fc.ID, tag string) string {
	ctx := context.Background()
	node := r.IntN(len(w.nodes))
	got, gotErr := w.nodes[node].CardAuth(ctx, stationID, tag)
	want, wantErr := w.nodes[0].CardAuthFromDB(ctx, stationID, tag)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("node %d, station %s, tag %q: got %s (%v), the database says %s (%v)",
			node, stationID, tag, describeAuth(got), gotErr, describeAuth(want), wantErr)
	}
	return ""
}

func describeAuth(a fc.CardAuth) string {
	var b strings.Builder
	if a.Card != nil {
		fmt.Fprintf(&b, "card %s %s of account %s, organizations %v; ", a.Card.ID, a.Card.Status, a.Card.AccountID, a.CardOrgs)
	}
	if a.Group != nil {
		fmt.Fprintf(&b, "group %s %s roaming %v accounts %v organizations %v cards %v; ", a.Group.ID, a.Group.Access, a.Group.Roaming,
			a.Group.AllowedAccountIDs, a.Group.AllowedOrganizationIDs, a.Group.AllowedCardIDs)
	}
	if a.Roaming != nil {
		fmt.Fprintf(&b, "token %s valid %v; ", a.Roaming.UID, a.Roaming.Valid)
	}
	fmt.Fprintf(&b, "running %s", a.ActiveTxID)
	return b.String()
}

// authSequence interleaves changes and checks in one random order, up to
// changes changes, and returns the first difference found with the changes
// that led to it; "" when every answer was the database's. Around each
// change it asks every station about a few tags (one a partner's token)
// on random nodes, before (so that the answers are cached) and after.
func (w *authWorld) authSequence(t *testing.T, r *rand.Rand, changes int) string {
	t.Helper()
	var done []string
	checkAll := func(tags []string) string {
		for _, st := range w.stations {
			for _, tag := range tags {
				if diff := w.check(r, st.ID, tag); diff != "" {
					return diff + "\nafter: " + strings.Join(done[max(0, len(done)-5):], "; ")
				}
			}
		}
		if r.IntN(10) == 0 {
			return w.check(r, 999999, pick(r, tags)) // no such station
		}
		return ""
	}
	for range changes {
		tags := []string{pick(r, w.tags[:6]), pick(r, w.tags[6:]), pick(r, w.uids[:2])}
		if diff := checkAll(tags); diff != "" {
			return diff
		}
		done = append(done, w.change(t, r))
		if diff := checkAll(tags); diff != "" {
			return diff
		}
	}
	return ""
}

// TestAuthCacheSequential: changes of every kind that can alter a card
// decision (status, card and account migrations, organization moves, access
// lists, station moves, deletions, partners' tokens), made through either
// of two nodes or in plain SQL, interleaved at random with authorizations
// on both nodes: every answer is the one the database gives at that moment.
func TestAuthCacheSequential(t *testing.T) {
	for _, engine := range storetest.Engines() {
		if !store.AuthCacheOn(engine) {
			continue // CardAuth reads the database there (authCacheOn)
		}
		t.Run(engine, func(t *testing.T) {
			w := newAuthWorld(t, engine)
			seed := uint64(time.Now().UnixNano())
			r := rand.New(rand.NewPCG(seed, 25))
			if diff := w.authSequence(t, r, 80); diff != "" {
				t.Fatalf("seed %d: %s", seed, diff)
			}
			for i, s := range w.nodes {
				if hits, misses := s.AuthCacheCounts(); hits == 0 || misses == 0 {
					t.Errorf("node %d: %d answers from the cache, %d from the database: the test did not exercise both", i, hits, misses)
				}
			}
		})
	}
}

// TestAuthCacheMissingInvalidation: without one of the triggers, the
// sequence test finds a stale answer, so that it would catch a write that
// forgets the version.
func TestAuthCacheMissingInvalidation(t *testing.T) {
	for _, engine := range storetest.Engines() {
		if !store.AuthCacheOn(engine) {
			continue // CardAuth reads the database there (authCacheOn)
		}
		tables := []string{"cards", "accounts", "org_closure", "charge_group_access", "stations", "ocpi_tokens"}
		if engine == "postgres" {
			tables = []string{"cards", "charge_group_access"} // an update trigger and a statement one
		}
		for _, table := range tables {
			t.Run(engine+"/"+table, func(t *testing.T) {
				w := newAuthWorld(t, engine)
				db := w.nodes[0].DB()
				q := `SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1 AND name LIKE 'auth_version%'`
				if engine == "postgres" {
					q = `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname LIKE 'auth_version%'`
				}
				rows, err := db.Query(q, table)
				if err != nil {
					t.Fatal(err)
				}
				var drops []string
				for rows.Next() {
					var name string
					if err := rows.Scan(&name); err != nil {
						t.Fatal(err)
					}
					if engine == "postgres" {
						name += " ON " + table
					}
					drops = append(drops, "DROP TRIGGER "+name)
				}
				if err := rows.Close(); err != nil || len(drops) == 0 {
					t.Fatalf("triggers of %s: %v %v", table, drops, err)
				}
				for _, drop := range drops {
					if _, err := db.Exec(drop); err != nil {
						t.Fatal(err)
					}
				}
				r := rand.New(rand.NewPCG(7, 25))
				if diff := w.authSequence(t, r, 600); diff == "" {
					t.Errorf("no stale answer found without the triggers of %s", table)
				} else {
					t.Logf("without the triggers of %s: %s", table, diff)
				}
			})
		}
	}
}

// TestAuthCacheConcurrent: authorizations on both nodes run while one
// writer changes decisions; every answer is the database's answer at some
// moment during the call: the state when it began or a later one, never one
// a change committed before the call had replaced.
func TestAuthCacheConcurrent(t *testing.T) {
	for _, engine := range storetest.Engines() {
		if !store.AuthCacheOn(engine) {
			continue // CardAuth reads the database there (authCacheOn)
		}
		t.Run(engine, func(t *testing.T) {
			w := newAuthWorld(t, engine)
			ctx := context.Background()
			type pair struct {
				stationID fc.ID
				tag       string
			}
			var pairs []pair
			for _, st := range w.stations {
				for _, tag := range []string{"AC-0", "AC-1", "AC-3", "RT-1"} {
					pairs = append(pairs, pair{st.ID, tag})
				}
			}
			// states[k][i] is the database's answer to pairs[i] after the
			// writer's k-th change; epoch is the last k published.
			var states [][]fc.CardAuth
			snapshot := func() {
				row := make([]fc.CardAuth, len(pairs))
				for i, p := range pairs {
					a, err := w.nodes[0].CardAuthFromDB(ctx, p.stationID, p.tag)
					if err != nil {
						t.Error(err)
					}
					row[i] = a
				}
				states = append(states, row)
			}
			snapshot()
			var epoch atomic.Int64
			type seen struct {
				pair   int
				e0, e1 int64
				got    fc.CardAuth
			}
			var mu sync.Mutex
			var observed []seen
			done := make(chan struct{})
			var readers sync.WaitGroup
			for i := range 4 {
				readers.Go(func() {
					r := rand.New(rand.NewPCG(uint64(i), 26))
					s := w.nodes[i%2]
					for {
						select {
						case <-done:
							return
						default:
						}
						k := r.IntN(len(pairs))
						e0 := epoch.Load()
						got, err := s.CardAuth(ctx, pairs[k].stationID, pairs[k].tag)
						e1 := epoch.Load()
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						observed = append(observed, seen{k, e0, e1, got})
						mu.Unlock()
					}
				})
			}
			r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 27))
			sc := fc.ProviderScope(w.prov.ID)
			for k := 1; k <= 25; k++ {
				var err error
				switch r.IntN(3) {
				case 0:
					status := pick(r, []string{fc.CardActive, fc.CardInactive})
					_, err = w.nodes[k%2].UpdateCard(ctx, sc, w.cards[pick(r, []string{"AC-0", "AC-1", "AC-3"})],
						func(c *fc.Card) error { c.Status = status; return nil })
				case 1:
					g := pick(r, w.groups)
					var accs []fc.ID
					for _, a := range w.accounts {
						if r.IntN(2) == 0 {
							accs = append(accs, a.ID)
						}
					}
					_, err = w.nodes[k%2].UpdateChargeGroup(ctx, sc, g.ID, func(g *fc.ChargeGroup) error {
						g.Access, g.AllowedAccountIDs, g.AllowedOrganizationIDs, g.AllowedCardIDs = fc.AccessRestricted, accs, nil, nil
						return nil
					})
				default:
					acc := pick(r, w.accounts[1:])
					_, err = w.nodes[k%2].RunMigration(ctx, fc.Migration{ProviderID: w.prov.ID, Kind: fc.MigrateAccounts,
						IDs: []fc.ID{acc.ID}, TargetOrganizationID: pick(r, w.orgs).ID}, nil)
				}
				if e := (*fc.Error)(nil); err != nil && !errors.As(err, &e) { // a refused change changes nothing
					t.Fatalf("change %d: %v", k, err)
				}
				snapshot()
				epoch.Store(int64(k))
				time.Sleep(time.Millisecond) // let the readers ask between changes
			}
			close(done)
			readers.Wait()
			if len(observed) == 0 {
				t.Fatal("no authorization ran")
			}
			for _, o := range observed {
				ok := false
				for j := o.e0; j <= min(o.e1+1, int64(len(states)-1)) && !ok; j++ {
					ok = reflect.DeepEqual(o.got, states[j][o.pair])
				}
				if !ok {
					t.Fatalf("station %s, tag %s, asked between changes %d and %d: got %s, the database said %s then",
						pairs[o.pair].stationID, pairs[o.pair].tag, o.e0, o.e1+1, describeAuth(o.got), describeAuth(states[o.e0][o.pair]))
				}
			}
			t.Logf("%d authorizations checked", len(observed))
		})
	}
}
