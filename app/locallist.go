package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Local authorization lists (issue 19). Each station's list is exactly the
// active cards its charge group admits (fleetcharge.LocalListStore's
// DesiredLocalList, computed once per group and sync round). The syncer
// compares it with what the station last acknowledged and sends the
// difference (SendLocalList Differential, in batches within the station's
// SendLocalListMaxLength, each batch a new version), or a full list when
// the acknowledged content is unknown: never synced, a version mismatch
// found on boot (GetLocalListVersion), a sync broken off, or a differential
// update the station refused (VersionMismatch, Failed). A station that
// answers NotSupported is left alone until it boots again.
//
// What wakes it: a change of a card, a charge group's access list, a
// station's charge group or a migration (Service calls listsChanged or
// cardChanged, which mark the provider; the syncer sweeps the provider's
// online stations after a short debounce), a station booting or
// connecting, its start, and a sweep of every provider every Every (which
// also catches changes made by other processes).
//
// ClearCache: a station's authorization cache may hold a card after the
// card leaves its list. When a card is blocked or deactivated, the stations
// whose group admits it (public ones too) and those where it charged are
// flagged in the store and sent ClearCache when online (an offline one when
// it reconnects); a sync that removes tags from a list sends ClearCache
// too, as the removed cards may be cached there.

// DefaultLocalListMaxLength is the batch size when the station's
// SendLocalListMaxLength is unknown and it does not tell when asked.
const DefaultLocalListMaxLength = 100

// listSyncer keeps the stations' local authorization lists in sync with
// their charge groups.
type listSyncer struct {
	o *Operations
	// debounce is how long a wake-up waits for further changes before the
	// sweep; every is the interval of the sweep over every provider;
	// workers bounds the stations synced at once.
	debounce time.Duration
	every    time.Duration
	workers  int

	wake chan struct{}

	mu        sync.Mutex
	all       bool
	providers map[fc.ID]bool
	stations  map[fc.ID]bool // station → booted (GetLocalListVersion first)
	cards     map[[2]fc.ID]bool
}

func newListSyncer(o *Operations) *listSyncer {
	return &listSyncer{o: o, debounce: 200 * time.Millisecond, every: 10 * time.Minute, workers: 16,
		wake: make(chan struct{}, 1), all: true,
		providers: map[fc.ID]bool{}, stations: map[fc.ID]bool{}, cards: map[[2]fc.ID]bool{}}
}

// poke wakes the syncer's loop.
func (l *listSyncer) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// listsChanged tells the syncer that what the stations of the provider
// should hold in their local lists may have changed. Nil-safe.
func (o *Operations) listsChanged(providerID fc.ID) {
	if o == nil || providerID == 0 {
		return
	}
	o.lists.mu.Lock()
	o.lists.providers[providerID] = true
	o.lists.mu.Unlock()
	o.lists.poke()
}

// cardChanged tells the syncer that a card changed: the lists of its
// provider are swept, and if the card is no longer active the stations that
// may have cached it clear their cache. Nil-safe.
func (o *Operations) cardChanged(providerID, cardID fc.ID) {
	if o == nil || providerID == 0 {
		return
	}
	o.lists.mu.Lock()
	o.lists.providers[providerID] = true
	o.lists.cards[[2]fc.ID{providerID, cardID}] = true
	o.lists.mu.Unlock()
	o.lists.poke()
}

// run syncs lists until ctx ends.
func (l *listSyncer) run(ctx context.Context) {
	tick := time.NewTicker(l.every)
	defer tick.Stop()
	l.poke()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			l.mu.Lock()
			l.all = true
			l.mu.Unlock()
		case <-l.wake:
		}
		if l.debounce > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(l.debounce):
			}
		}
		l.round(ctx)
	}
}

// observe hears a station event: a booted station has its list version
// checked and its list synced, a connected one its list synced.
func (l *listSyncer) observe(e fc.StationEvent) {
	if e.Kind != fc.EventBooted && e.Kind != fc.EventConnected {
		return
	}
	l.mu.Lock()
	l.stations[e.StationID] = l.stations[e.StationID] || e.Kind == fc.EventBooted
	l.mu.Unlock()
	l.poke()
}

// listWork is one station to sync in a round.
type listWork struct {
	state  fc.LocalListState
	booted bool
}

// round takes what is pending and syncs the stations it concerns.
func (l *listSyncer) round(ctx context.Context) {
	l.mu.Lock()
	all, providers, stations, cards := l.all, l.providers, l.stations, l.cards
	l.all, l.providers, l.stations, l.cards = false, map[fc.ID]bool{}, map[fc.ID]bool{}, map[[2]fc.ID]bool{}
	l.mu.Unlock()
	store := l.o.svc.Store
	for c := range cards {
		if _, err := store.MarkClearCache(ctx, c[0], c[1]); err != nil {
			l.o.log.Warn("local lists: flag caches to clear", "card", c[1], "err", err)
		}
	}
	work := map[fc.ID]*listWork{}
	add := func(providerID, stationID fc.ID, online bool) {
		states, err := store.LocalListStates(ctx, providerID, stationID, online)
		if err != nil {
			l.o.log.Warn("local lists: read states", "provider", providerID, "station", stationID, "err", err)
			return
		}
		for _, st := range states {
			if w := work[st.StationID]; w == nil {
				work[st.StationID] = &listWork{state: st}
			}
		}
	}
	if all {
		add(0, 0, true)
	} else {
		for p := range providers {
			add(p, 0, true)
		}
	}
	for id, booted := range stations {
		if work[id] == nil {
			add(0, id, false)
		}
		if w := work[id]; w != nil {
			w.booted = booted
		}
	}
	r := &listRound{l: l, desired: map[fc.ID]*desiredList{}, acked: map[string][]fc.LocalListEntry{}}
	queue := make(chan *listWork)
	var wg sync.WaitGroup
	for range max(1, min(l.workers, len(work))) {
		wg.Go(func() {
			for w := range queue {
				r.sync(ctx, w)
			}
		})
	}
	for _, w := range work {
		queue <- w
	}
	close(queue)
	wg.Wait()
}

// listRound holds what one round computed once: the desired list of each
// charge group and the acknowledged contents read.
type listRound struct {
	l       *listSyncer
	mu      sync.Mutex
	desired map[fc.ID]*desiredList
	acked   map[string][]fc.LocalListEntry
}

type desiredList struct {
	once    sync.Once
	entries []fc.LocalListEntry
	hash    string
	err     error
}

func (r *listRound) desiredOf(ctx context.Context, providerID, groupID fc.ID) *desiredList {
	r.mu.Lock()
	d := r.desired[groupID]
	if d == nil {
		d = &desiredList{}
		r.desired[groupID] = d
	}
	r.mu.Unlock()
	d.once.Do(func() {
		d.entries, d.err = r.l.o.svc.Store.DesiredLocalList(ctx, providerID, groupID)
		d.hash = fc.LocalListHash(d.entries)
	})
	return d
}

// ackedOf returns the acknowledged content of the station, hash h.
func (r *listRound) ackedOf(ctx context.Context, stationID fc.ID, h string) ([]fc.LocalListEntry, error) {
	r.mu.Lock()
	es, ok := r.acked[h]
	r.mu.Unlock()
	if ok {
		return es, nil
	}
	es, _, err := r.l.o.svc.Store.LocalListEntries(ctx, stationID, nil)
	if err != nil {
		return nil, err
	}
	if fc.LocalListHash(es) != h {
		return nil, fmt.Errorf("station %s's list changed while read", stationID)
	}
	r.mu.Lock()
	r.acked[h] = es
	r.mu.Unlock()
	return es, nil
}

// sync brings one station's list in line.
func (r *listRound) sync(ctx context.Context, w *listWork) {
	s, st, log := r.l.o.svc, w.state, r.l.o.log.With("station", w.state.StationID)
	station := &fc.Station{ID: st.StationID, ProviderID: st.ProviderID, Identity: st.Identity, OCPPVersion: st.OCPPVersion}
	record := func(rec fc.LocalListRecord) {
		rec.At = s.now()
		if err := s.Store.RecordLocalList(ctx, st.StationID, rec); err != nil {
			log.Warn("local lists: record", "err", err)
		}
	}
	if st.ClearCache {
		if _, _, err := s.callStation(ctx, station, Command{Name: CommandClearCache}); err == nil {
			if err := s.Store.CacheCleared(ctx, st.StationID); err != nil {
				log.Warn("local lists: record cache cleared", "err", err)
			}
		} else if !fc.IsCode(err, fc.EConflict) {
			log.Info("local lists: clear cache", "err", err)
		}
	}
	if st.State == fc.LocalListNotSupported && !w.booted {
		return
	}
	if w.booted {
		v, err := s.localListVersion(ctx, station)
		switch {
		case fc.IsCode(err, fc.ENotImplemented) || err == nil && v < 0:
			record(fc.LocalListRecord{State: fc.LocalListNotSupported, Error: "the station has no local authorization list"})
			return
		case err != nil:
			if !fc.IsCode(err, fc.EConflict) {
				record(failed(st, fmt.Sprintf("GetLocalListVersion: %v", err)))
			}
			return
		case v != st.Version:
			log.Info("local lists: version mismatch, sending the full list", "station_version", v, "stored_version", st.Version)
			st.Hash, st.Version = "", max(v, st.Version)
		}
	}
	d := r.desiredOf(ctx, st.ProviderID, st.ChargeGroupID)
	if d.err != nil {
		log.Warn("local lists: desired list", "group", st.ChargeGroupID, "err", d.err)
		return
	}
	if st.Hash == d.hash {
		if st.State != fc.LocalListSynced {
			record(fc.LocalListRecord{Version: st.Version, State: fc.LocalListSynced, Entries: d.entries, Known: true})
		}
		return
	}
	var acked []fc.LocalListEntry
	if st.Hash != "" {
		var err error
		if acked, err = r.ackedOf(ctx, st.StationID, st.Hash); err != nil {
			log.Warn("local lists: acknowledged list", "err", err)
			return
		}
	}
	r.send(ctx, station, st, d.entries, acked, record)
}

// failed is the record of a sync that failed before anything was sent:
// the acknowledged content stays as it was.
func failed(st fc.LocalListState, msg string) fc.LocalListRecord {
	return fc.LocalListRecord{Version: st.Version, State: fc.LocalListFailed, Error: msg, KeepContent: true}
}

// send sends the station the changes from acked (nil: unknown, a full
// list) to want, in batches.
func (r *listRound) send(ctx context.Context, station *fc.Station, st fc.LocalListState, want, acked []fc.LocalListEntry, record func(fc.LocalListRecord)) {
	s := r.l.o.svc
	maxLen := st.MaxLength
	if maxLen == 0 {
		maxLen = s.askMaxLength(ctx, station)
	}
	maxLen = min(max(maxLen, 1), MaxLocalListEntries)
	full := st.Hash == ""
	version := st.Version
	for attempt := 0; attempt < 2; attempt++ {
		var batches [][]fc.LocalListEntry
		removed := false
		if full {
			batches = chunk(want, maxLen)
		} else {
			changes := diffLists(acked, want)
			for _, c := range changes {
				removed = removed || c.Status == ""
			}
			batches = chunk(changes, maxLen)
		}
		status, err := "", error(nil)
		sent := 0
		for i, b := range batches {
			kind := "Differential"
			if full && i == 0 {
				kind = "Full"
			}
			entries := make([]LocalListEntry, len(b))
			for j, e := range b {
				entries[j] = LocalListEntry(e)
			}
			status, _, err = s.callStation(ctx, station, Command{Name: CommandSendLocalList,
				Operation: Operation{ListVersion: version + 1, UpdateType: kind, Entries: entries}})
			if err != nil || status != "Accepted" {
				break
			}
			version++
			sent++
		}
		switch {
		case err == nil && status == "Accepted":
			record(fc.LocalListRecord{Version: version, State: fc.LocalListSynced, Entries: want, Known: true, Synced: true})
			if removed {
				if _, _, err := s.callStation(ctx, station, Command{Name: CommandClearCache}); err != nil {
					r.l.o.log.Info("local lists: clear cache after removals", "station", station.ID, "err", err)
				}
			}
			return
		case fc.IsCode(err, fc.ENotImplemented) || err == nil && status == "NotSupported":
			record(fc.LocalListRecord{Version: version, State: fc.LocalListNotSupported, Error: "the station has no local authorization list"})
			return
		case err == nil && !full && sent == 0 && (status == "VersionMismatch" || status == "Failed"):
			// The station disagrees on what it holds: send all of it.
			r.l.o.log.Info("local lists: differential update refused, sending the full list", "station", station.ID, "status", status)
			full = true
			continue
		}
		if fc.IsCode(err, fc.EConflict) && sent == 0 {
			// Not connected to this process (gone, or served by another):
			// it is synced when it connects again.
			return
		}
		msg := fmt.Sprintf("SendLocalList: the station answered %s", status)
		if err != nil {
			msg = fmt.Sprintf("SendLocalList: %v", err)
		}
		rec := fc.LocalListRecord{Version: version, State: fc.LocalListFailed, Error: msg}
		rec.KeepContent = sent == 0 && !full
		record(rec)
		return
	}
}

// diffLists returns the differential update from have to want (both
// ordered by ID tag): the entries added or changed, with their status, and
// the tags removed, without.
func diffLists(have, want []fc.LocalListEntry) []fc.LocalListEntry {
	var out []fc.LocalListEntry
	i, j := 0, 0
	for i < len(have) || j < len(want) {
		switch {
		case j == len(want) || i < len(have) && have[i].IDTag < want[j].IDTag:
			out = append(out, fc.LocalListEntry{IDTag: have[i].IDTag})
			i++
		case i == len(have) || want[j].IDTag < have[i].IDTag:
			out = append(out, want[j])
			j++
		default:
			if !sameEntry(have[i], want[j]) {
				out = append(out, want[j])
			}
			i++
			j++
		}
	}
	return out
}

func sameEntry(a, b fc.LocalListEntry) bool {
	sameExpiry := a.ExpiryDate == nil && b.ExpiryDate == nil || a.ExpiryDate != nil && b.ExpiryDate != nil && a.ExpiryDate.Equal(*b.ExpiryDate)
	return a.IDTag == b.IDTag && a.Status == b.Status && a.ParentIDTag == b.ParentIDTag && sameExpiry
}

// chunk cuts es into batches of at most n; none for none but a full list,
// which is sent empty.
func chunk(es []fc.LocalListEntry, n int) [][]fc.LocalListEntry {
	out := [][]fc.LocalListEntry{}
	for len(es) > n {
		out = append(out, es[:n])
		es = es[n:]
	}
	return append(out, es)
}

// callStation sends a command to a station for the back office itself (no
// subject: the syncer's own calls), through the same mapping as
// SendCommand (CommandCall), keeping configuration answers in the device
// model as SendCommand does; it returns the answer's status field.
func (s *Service) callStation(ctx context.Context, st *fc.Station, cmd Command) (string, json.RawMessage, error) {
	return s.callStationTx(ctx, st, cmd, "")
}

// callStationTx is callStation for a command that names a transaction by
// the station's own ID (OCPP 2.0.1).
func (s *Service) callStationTx(ctx context.Context, st *fc.Station, cmd Command, stationTxID string) (string, json.RawMessage, error) {
	if s.Commander == nil {
		return "", nil, fc.Errorf(fc.EUnavailable, "remote commands are not available on this server")
	}
	action, req, err := CommandCall(cmd, st, stationTxID)
	if err != nil {
		return "", nil, err
	}
	reply, err := s.Commander.Call(ctx, st.Identity, action, req)
	if err != nil {
		return "", nil, err
	}
	if err := s.recordConfiguration(ctx, st.ID, action, reply); err != nil {
		return "", reply, err
	}
	var status struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(reply, &status)
	return status.Status, reply, nil
}

// localListVersion asks the station the version of its list; -1 (OCPP
// 1.6) says it has none.
func (s *Service) localListVersion(ctx context.Context, st *fc.Station) (int, error) {
	_, reply, err := s.callStation(ctx, st, Command{Name: CommandGetLocalListVersion})
	if err != nil {
		return 0, err
	}
	var v struct {
		ListVersion   *int `json:"listVersion"`
		VersionNumber *int `json:"versionNumber"`
	}
	if err := json.Unmarshal(reply, &v); err != nil {
		return 0, errors.New("GetLocalListVersion: the answer does not parse")
	}
	switch {
	case v.ListVersion != nil:
		return *v.ListVersion, nil
	case v.VersionNumber != nil:
		return *v.VersionNumber, nil
	}
	return 0, errors.New("GetLocalListVersion: the answer holds no version")
}

// askMaxLength asks the station its SendLocalListMaxLength (kept in its
// device model, so asked once), or returns DefaultLocalListMaxLength.
func (s *Service) askMaxLength(ctx context.Context, st *fc.Station) int {
	if _, _, err := s.callStation(ctx, st, Command{Name: CommandGetConfiguration,
		Operation: Operation{Keys: []string{"SendLocalListMaxLength"}}}); err != nil {
		return DefaultLocalListMaxLength
	}
	states, err := s.Store.LocalListStates(ctx, st.ProviderID, st.ID, false)
	if err != nil || len(states) == 0 || states[0].MaxLength == 0 {
		return DefaultLocalListMaxLength
	}
	return states[0].MaxLength
}

// StationLocalList is a station's local authorization list as a reader
// sees it.
type StationLocalList struct {
	StationID fc.ID
	// Version is the list version the station last acknowledged.
	Version int
	State   string // fleetcharge.LocalListPending, …Synced, …Failed, …NotSupported
	Error   string
	// InSync: the station acknowledged exactly what its charge group admits
	// now.
	InSync   bool
	SyncedAt *time.Time
	// Entries are the acknowledged entries naming cards the reader may
	// read (cards.read); Hidden counts the others, Count all of them.
	Entries []fc.LocalListEntry
	Hidden  int
	Count   int
	// Desired counts the entries the list should hold.
	Desired int
	// ClearCache: a ClearCache is due when the station is online.
	ClearCache bool
}

// StationLocalList returns the local list of a station the subject may
// read, with the entries naming cards it may read.
func (s *Service) StationLocalList(ctx context.Context, subj access.Subject, id fc.ID) (*StationLocalList, error) {
	st, err := s.Station(ctx, subj, id)
	if err != nil {
		return nil, err
	}
	states, err := s.Store.LocalListStates(ctx, st.ProviderID, st.ID, false)
	if err != nil {
		return nil, err
	}
	if len(states) != 1 {
		return nil, fc.Errorf(fc.ENotFound, "no station %s", id)
	}
	state := states[0]
	desired, err := s.Store.DesiredLocalList(ctx, st.ProviderID, st.ChargeGroupID)
	if err != nil {
		return nil, err
	}
	cards := access.ScopeFor(subj, access.CardsRead)
	entries, hidden, err := s.Store.LocalListEntries(ctx, st.ID, &cards)
	if err != nil {
		return nil, err
	}
	return &StationLocalList{StationID: st.ID, Version: state.Version, State: state.State, Error: state.Error,
		InSync:   state.State == fc.LocalListSynced && state.Hash == fc.LocalListHash(desired),
		SyncedAt: state.SyncedAt, Entries: entries, Hidden: hidden, Count: state.Entries, Desired: len(desired), ClearCache: state.ClearCache}, nil
}

// LocalListPublic reads the provider's setting: whether the stations of
// public charge groups get every active card in their lists. Readable by
// whoever reads charge groups.
func (s *Service) LocalListPublic(ctx context.Context, subj access.Subject) (bool, error) {
	if access.Reach(subj, access.ChargeGroupsRead).Empty() {
		return false, fc.Errorf(fc.EForbidden, "reading the local list setting needs %s", access.ChargeGroupsRead)
	}
	return s.Store.LocalListPublic(ctx, subj.ProviderID)
}

// SetLocalListPublic sets the provider's setting; it needs
// chargegroups.manage over the whole provider (provider admins). The lists
// of public groups' stations follow.
func (s *Service) SetLocalListPublic(ctx context.Context, subj access.Subject, on bool) error {
	if !access.Reach(subj, access.ChargeGroupsManage).All {
		return fc.Errorf(fc.EForbidden, "the local list setting needs %s over the whole provider", access.ChargeGroupsManage)
	}
	if err := s.Store.SetLocalListPublic(ctx, subj.ProviderID, on); err != nil {
		return err
	}
	s.Operations.listsChanged(subj.ProviderID)
	return nil
}
