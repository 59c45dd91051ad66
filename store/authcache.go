package store

import (
	ll "container/list"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	fc "github.com/fleetcharge/fleetcharge"
)

// The card authorization cache.
//
// CardAuth runs on every OCPP Authorize, StartTransaction and
// StopTransaction (and their 2.0.1 equivalents); read from the database it
// is a transaction of six to eight queries, about a third of a saturated
// server's CPU (issue 25's profile). The cache keeps its parts in memory:
// the station's provider and charge group, the group with its access lists,
// and what a provider's idTag names (the card with its account's
// organization chain, or else a connected partner's OCPI token).
//
// Exact invalidation: the table auth_version holds one number, which
// triggers (schema 30, authVersionTriggers) change in the transaction of
// every write to a row CardAuth reads, whichever code path writes it. The
// cache holds the parts read at one version; a CardAuth that finds every
// part it needs asks the database for the version (and the card's running
// session, which is never cached) in one point query, and uses the parts
// only when the version is still theirs. Since the version changes in the
// same commit as the change, the very next CardAuth on any node sharing the
// database sees a block, an access-list change or a migration; the
// database's own answer is read again then. A load reads the version
// before the parts, so that on PostgreSQL, where each statement of a read
// sees the latest commit, parts newer than their version are only
// refreshed once more, never kept too long.
//
// The cache is bounded (least recently used parts out, by a cost that
// counts a group's access lists and a card's organization chain) and
// shared by the store's goroutines under one lock.

// authVersionTriggersMarker is the migration statement replaced by the
// dialect's auth_version triggers.
const authVersionTriggersMarker = "{{AUTH_VERSION_TRIGGERS}}"

// authWatched lists the tables CardAuth reads and, for each, the columns
// whose update can change what it returns (nil: any column). Every insert
// and delete of these tables counts too. A card's update counts unless it
// changes its last use (markCardUsed, on every session's start) and none of
// the columns listed, so that a column added later counts when it changes
// alone.
var authWatched = []struct {
	table  string
	cols   []string
	unless string // a column whose change alone does not count
}{
	{"stations", []string{"id", "provider_id", "charge_group_id"}, ""},
	{"charge_groups", nil, ""},
	{"charge_group_access", nil, ""},
	{"cards", []string{"id", "provider_id", "account_id", "employee_id", "internal_id", "external_id", "status", "created_at", "updated_at"}, "last_used_at"},
	{"accounts", []string{"id", "provider_id", "organization_id"}, ""},
	{"organizations", []string{"id", "provider_id"}, ""},
	{"org_closure", nil, ""},
	{"providers", []string{"id", "time_zone"}, ""}, // a card's validity ends in its provider's time zone
	{"ocpi_partners", []string{"id", "provider_id", "status"}, ""},
	{"ocpi_tokens", nil, ""},
}

// authVersionTriggers returns the statements that create the triggers
// bumping auth_version in the dialect. On SQLite (row triggers only) every
// row written bumps it, an update of one row in place. On PostgreSQL a
// transaction bumps it once, whatever it writes, so that a bulk write does
// not leave a dead tuple per row; inserts, deletes and truncations bump it
// per statement, updates per row whose watched columns changed.
func authVersionTriggers(dialect string) []string {
	var out []string
	if dialect == "postgres" {
		// The transaction-local setting marks a transaction that bumped
		// already (undone with a rolled-back savepoint, as the bump is).
		out = append(out, `CREATE OR REPLACE FUNCTION auth_version_bump() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN `+
			`IF current_setting('fleetcharge.auth_version_bumped', true) IS DISTINCT FROM 'on' THEN `+
			`UPDATE auth_version SET v = v + 1 WHERE id = 1; PERFORM set_config('fleetcharge.auth_version_bumped', 'on', true); `+
			`END IF; RETURN NULL; END $fn$`)
	}
	for _, w := range authWatched {
		var changed []string
		if w.unless != "" {
			if dialect == "postgres" {
				changed = append(changed, "OLD."+w.unless+" IS NOT DISTINCT FROM NEW."+w.unless)
			} else {
				changed = append(changed, "OLD."+w.unless+" IS NEW."+w.unless)
			}
		}
		for _, c := range w.cols {
			if dialect == "postgres" {
				changed = append(changed, "OLD."+c+" IS DISTINCT FROM NEW."+c)
			} else {
				changed = append(changed, "OLD."+c+" IS NOT NEW."+c)
			}
		}
		name := "auth_version_" + w.table
		if dialect == "postgres" {
			out = append(out, "CREATE TRIGGER "+name+"_write AFTER INSERT OR DELETE OR TRUNCATE ON "+w.table+
				" FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump()")
			upd := "CREATE TRIGGER " + name + "_upd AFTER UPDATE ON " + w.table + " FOR EACH ROW "
			if len(changed) > 0 {
				upd += "WHEN (" + strings.Join(changed, " OR ") + ") "
			}
			out = append(out, upd+"EXECUTE FUNCTION auth_version_bump()")
			continue
		}
		const bump = " BEGIN UPDATE auth_version SET v = v + 1 WHERE id = 1; END"
		out = append(out, "CREATE TRIGGER "+name+"_ins AFTER INSERT ON "+w.table+" FOR EACH ROW"+bump,
			"CREATE TRIGGER "+name+"_del AFTER DELETE ON "+w.table+" FOR EACH ROW"+bump)
		upd := "CREATE TRIGGER " + name + "_upd AFTER UPDATE ON " + w.table + " FOR EACH ROW"
		if len(changed) > 0 {
			upd += " WHEN " + strings.Join(changed, " OR ")
		}
		out = append(out, upd+bump)
	}
	return out
}

// Bounds of the cache, in cost units: a station is 1, a group 1 plus the
// length of its access lists, an idTag 1 plus the length of its card's
// organization chain. About 200 bytes a unit at most: some 25 MiB in all.
const (
	authStationsCost = 1 << 15
	authGroupsCost   = 1 << 16
	authTagsCost     = 1 << 16
)

// authStation is what the cache keeps of a station.
type authStation struct {
	providerID, groupID fc.ID
}

// authTagKey names an idTag (trimmed, as a station sent it) in a provider.
type authTagKey struct {
	providerID fc.ID
	tag        string
}

// authTag is what an idTag names in a provider: its card with the
// organization chain of the card's account, or, when no card has it, the
// token of a connected OCPI partner with that UID (nil when none).
type authTag struct {
	card    *fc.Card
	orgs    []fc.ID
	roaming *fc.OCPIToken
}

// authParts is what one CardAuth reads, at a version.
type authParts struct {
	version int64
	station authStation
	group   *fc.ChargeGroup
	tag     *authTag // nil when the idTag cannot name anything (it holds U+0000)
}

// authCache holds the parts read at one version of auth_version.
type authCache struct {
	mu       sync.Mutex
	version  int64 // of every part held; 0 before the first load
	stations *costLRU[fc.ID, authStation]
	groups   *costLRU[fc.ID, *fc.ChargeGroup]
	tags     *costLRU[authTagKey, *authTag]
	// hits and misses count the CardAuth calls answered from the cache
	// and from the database.
	hits, misses atomic.Uint64
}

// reset empties the cache and makes it hold parts of version v.
func (c *authCache) reset(v int64) {
	c.version = v
	c.stations = newLRU[fc.ID, authStation](authStationsCost)
	c.groups = newLRU[fc.ID, *fc.ChargeGroup](authGroupsCost)
	c.tags = newLRU[authTagKey, *authTag](authTagsCost)
}

// get returns the cached parts of a CardAuth of tag at the station (tag
// ignored when noTag) and their version; false when one is missing.
func (c *authCache) get(stationID fc.ID, tag string, noTag bool) (authParts, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version == 0 {
		return authParts{}, false
	}
	p := authParts{version: c.version}
	var ok bool
	if p.station, ok = c.stations.get(stationID); !ok {
		return p, false
	}
	if p.group, ok = c.groups.get(p.station.groupID); !ok {
		return p, false
	}
	if !noTag {
		if p.tag, ok = c.tags.get(authTagKey{p.station.providerID, tag}); !ok {
			return p, false
		}
	}
	return p, true
}

// put keeps the parts p, read at p.version, of a CardAuth of tag at the
// station. Parts older than the cache's are dropped; newer ones replace
// everything held.
func (c *authCache) put(stationID fc.ID, tag string, p authParts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case p.version < c.version:
		return
	case p.version > c.version:
		c.reset(p.version)
	}
	c.stations.put(stationID, p.station, 1)
	g := p.group
	c.groups.put(g.ID, g, 1+len(g.AllowedAccountIDs)+len(g.AllowedOrganizationIDs)+len(g.AllowedCardIDs))
	if p.tag != nil {
		c.tags.put(authTagKey{p.station.providerID, tag}, p.tag, 1+len(p.tag.orgs))
	}
}

// CardAuth loads what deciding on idTag at the station needs: the card with
// that internal ID in the station's provider (without its last use), the
// organization chain of the card's account, the station's charge group with
// its access lists (without its tariff), a connected partner's token with
// that UID when no card has it and the group roams, and a running session
// of the card. It answers from the authorization cache when nothing it
// reads changed since it was cached, and from the database otherwise.
func (s *Store) CardAuth(ctx context.Context, stationID fc.ID, idTag string) (fc.CardAuth, error) {
	if !authCacheOn(s.Engine()) {
		s.auth.misses.Add(1)
		return s.cardAuthFromDB(ctx, stationID, idTag)
	}
	tag, noTag := strings.TrimSpace(idTag), strings.IndexByte(idTag, 0) >= 0
	if p, ok := s.auth.get(stationID, tag, noTag); ok {
		var cardID fc.ID
		if p.tag != nil && p.tag.card != nil {
			cardID = p.tag.card.ID
		}
		var version int64
		var active sql.NullInt64
		err := s.reader.QueryRowContext(ctx, `SELECT v, (SELECT id FROM sessions WHERE card_id = $1 AND stopped_at IS NULL
			ORDER BY id LIMIT 1) FROM auth_version WHERE id = 1`, int64(cardID)).Scan(&version, &active)
		if err != nil {
			return fc.CardAuth{}, s.mapErr(err)
		}
		if version == p.version {
			s.auth.hits.Add(1)
			return p.result(fc.ID(active.Int64)), nil
		}
	}
	p, active, err := s.loadCardAuth(ctx, stationID, tag, noTag)
	if err != nil {
		return fc.CardAuth{}, err
	}
	s.auth.misses.Add(1)
	s.auth.put(stationID, tag, p)
	return p.result(active), nil
}

// authCacheOn tells whether CardAuth uses the cache on the engine. On
// PostgreSQL it does not, for now: the concurrent property test
// (TestAuthCacheConcurrent) once saw there an answer with a charge group's
// access list as it was before a committed change, which is not explained
// yet; until it is, PostgreSQL reads every decision from the database (the
// triggers still keep auth_version, so turning the cache on needs no
// migration).
func authCacheOn(engine string) bool { return engine != "postgres" }

// cardAuthFromDB is CardAuth read from the database, cache neither read nor
// filled: the reference of the cache's tests and benchmarks.
func (s *Store) cardAuthFromDB(ctx context.Context, stationID fc.ID, idTag string) (fc.CardAuth, error) {
	p, active, err := s.loadCardAuth(ctx, stationID, strings.TrimSpace(idTag), strings.IndexByte(idTag, 0) >= 0)
	if err != nil {
		return fc.CardAuth{}, err
	}
	return p.result(active), nil
}

// result returns the CardAuth of the parts, with the card's running session
// active. It copies what it returns, so that no caller shares the cache's
// values.
func (p authParts) result(active fc.ID) fc.CardAuth {
	g := *p.group
	g.AllowedAccountIDs = slices.Clone(g.AllowedAccountIDs)
	g.AllowedOrganizationIDs = slices.Clone(g.AllowedOrganizationIDs)
	g.AllowedCardIDs = slices.Clone(g.AllowedCardIDs)
	out := fc.CardAuth{Group: &g}
	switch t := p.tag; {
	case t == nil:
	case t.card != nil:
		c := *t.card
		out.Card, out.CardOrgs, out.ActiveTxID = &c, slices.Clone(t.orgs), active
	case t.roaming != nil && g.Roaming:
		r := *t.roaming
		out.Roaming = &r
	}
	return out
}

// loadCardAuth reads the parts of a CardAuth of tag at the station from the
// database, in one read transaction, the version first; and the card's
// running session.
func (s *Store) loadCardAuth(ctx context.Context, stationID fc.ID, tag string, noTag bool) (authParts, fc.ID, error) {
	var p authParts
	var active fc.ID
	err := s.read(ctx, func(tx *sql.Tx) error {
		p, active = authParts{}, 0
		if err := tx.QueryRowContext(ctx, `SELECT v FROM auth_version WHERE id = 1`).Scan(&p.version); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `SELECT provider_id, charge_group_id FROM stations WHERE id = $1`, int64(stationID)).
			Scan(&p.station.providerID, &p.station.groupID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindStation, stationID)
		}
		if err != nil {
			return err
		}
		if p.group, err = authGroup(ctx, tx, p.station.providerID, p.station.groupID); err != nil {
			return err
		}
		if noTag {
			return nil // no card has such a tag, and PostgreSQL cannot look for it
		}
		if p.tag, err = loadAuthTag(ctx, tx, p.station.providerID, tag); err != nil || p.tag.card == nil {
			return err
		}
		// The first stored of the card's running sessions: a StartTransaction
		// that asks after storing its own session finds another one exactly
		// when one was stored before it.
		err = tx.QueryRowContext(ctx, `SELECT id FROM sessions WHERE card_id = $1 AND stopped_at IS NULL
			ORDER BY id LIMIT 1`, int64(p.tag.card.ID)).Scan(&active)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return p, active, err
}

// authGroup reads the charge group of a provider with its access lists,
// without its tariff (which varies with time and decides nothing here).
func authGroup(ctx context.Context, tx *sql.Tx, providerID, id fc.ID) (*fc.ChargeGroup, error) {
	gs := make([]fc.ChargeGroup, 1)
	err := scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM charge_groups g WHERE g.id = $1 AND g.provider_id = $2`,
		int64(id), int64(providerID)), &gs[0])
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fc.KindChargeGroup, id)
	}
	if err != nil {
		return nil, err
	}
	if err := loadGroupAccess(ctx, tx, gs); err != nil {
		return nil, err
	}
	gs[0].Tariff = fc.Tariff{}
	return &gs[0], nil
}

// loadAuthTag reads what tag names in the provider: its card, without its
// last use (which changes with every session and decides nothing), with the
// organization chain of the card's account; or else a partner's token.
func loadAuthTag(ctx context.Context, tx *sql.Tx, providerID fc.ID, tag string) (*authTag, error) {
	card, err := cardByTag(ctx, tx, providerID, tag)
	if err != nil {
		return nil, err
	}
	if card == nil {
		t := &authTag{}
		t.roaming, err = roamingToken(ctx, tx, providerID, tag)
		return t, err
	}
	card.LastUsedAt = nil
	var orgID fc.ID
	if err := tx.QueryRowContext(ctx, `SELECT organization_id FROM accounts WHERE id = $1`, int64(card.AccountID)).Scan(&orgID); err != nil {
		return nil, err
	}
	orgs, err := ancestors(ctx, tx, providerID, orgID)
	if err != nil {
		return nil, err
	}
	return &authTag{card: card, orgs: orgs}, nil
}

// costLRU is a map bounded by the total cost of its entries, the least
// recently used out first. It needs its owner's lock.
type costLRU[K comparable, V any] struct {
	max, cost int
	byKey     map[K]*ll.Element // of *lruEntry[K, V]
	order     *ll.List          // most recently used at the front
}

type lruEntry[K comparable, V any] struct {
	key   K
	value V
	cost  int
}

func newLRU[K comparable, V any](max int) *costLRU[K, V] {
	return &costLRU[K, V]{max: max, byKey: map[K]*ll.Element{}, order: ll.New()}
}

func (c *costLRU[K, V]) get(k K) (V, bool) {
	e, ok := c.byKey[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruEntry[K, V]).value, true
}

// put keeps v under k; an entry costlier than the whole bound is not kept.
func (c *costLRU[K, V]) put(k K, v V, cost int) {
	if e, ok := c.byKey[k]; ok {
		c.cost -= e.Value.(*lruEntry[K, V]).cost
		c.order.Remove(e)
		delete(c.byKey, k)
	}
	if cost > c.max {
		return
	}
	c.byKey[k] = c.order.PushFront(&lruEntry[K, V]{key: k, value: v, cost: cost})
	c.cost += cost
	for c.cost > c.max {
		last := c.order.Back()
		x := last.Value.(*lruEntry[K, V])
		c.order.Remove(last)
		delete(c.byKey, x.key)
		c.cost -= x.cost
	}
}

func (c *costLRU[K, V]) len() int { return c.order.Len() }
