package fleetcharge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
)

// States of a station's local list (LocalListState.State).
const (
	// LocalListPending: never synced yet.
	LocalListPending = "pending"
	// LocalListSynced: the station acknowledged the list it was last sent.
	LocalListSynced = "synced"
	// LocalListFailed: the last sync did not complete (Error says why); it
	// is tried again when the station reconnects or on the next change.
	LocalListFailed = "failed"
	// LocalListNotSupported: the station has no local list (it answered
	// NotSupported); tried again only when it boots.
	LocalListNotSupported = "not_supported"
)

// LocalListEntry is one entry of a station's local authorization list: a
// card's ID tag with its OCPP status, expiry (nil: none) and parent ID tag
// (its account's, AccountIDTag).
type LocalListEntry struct {
	IDTag       string     `json:"id_tag"`
	Status      string     `json:"status"`
	ExpiryDate  *time.Time `json:"expiry_date"`
	ParentIDTag string     `json:"parent_id_tag,omitempty"`
}

// AccountIDTag is the parent ID tag of the cards of an account in local
// lists: "ACC-" and its ID, at most 20 characters as OCPP 1.6 wants.
func AccountIDTag(accountID ID) string { return "ACC-" + accountID.String() }

// LocalListState is a station's local list as the station last
// acknowledged it, with what syncing it needs.
type LocalListState struct {
	StationID     ID
	ProviderID    ID
	ChargeGroupID ID
	Identity      string
	OCPPVersion   string
	Online        bool
	// Version is the list version the station last acknowledged (0: none).
	Version int
	State   string // LocalListPending, LocalListSynced, LocalListFailed, LocalListNotSupported
	Error   string
	// Hash identifies the acknowledged content (LocalListHash); "" when it
	// is unknown (never synced, a version mismatch, a sync broken off), which
	// calls for a full list.
	Hash        string
	Entries     int // how many entries the acknowledged content holds
	SyncedAt    *time.Time
	AttemptedAt *time.Time
	// ClearCache: the station's authorization cache is to be cleared (a
	// card it may have cached was blocked).
	ClearCache bool
	// MaxLength is how many entries one SendLocalList may carry, as the
	// station's configuration says (1.6 SendLocalListMaxLength, 2.0.1
	// LocalAuthListCtrlr.ItemsPerMessage); 0 when unknown.
	MaxLength int
}

// LocalListRecord is the outcome of syncing a station's list, to store.
type LocalListRecord struct {
	Version int
	State   string
	Error   string
	// Entries is the content the station now holds, when Known; otherwise
	// the content is unknown and the next sync sends a full list.
	Entries []LocalListEntry
	Known   bool
	// KeepContent keeps the acknowledged content as stored (nothing was
	// sent); Entries and Known are then ignored.
	KeepContent bool
	// Attempted is set when a call was made (AttemptedAt), Synced when the
	// station acknowledged all it was sent (SyncedAt).
	Synced bool
	At     time.Time
}

// LocalListStore keeps what each station's local authorization list holds
// and whether it matches what its charge group admits (issue 19).
type LocalListStore interface {
	// DesiredLocalList returns the entries of the list the stations of the
	// charge group should hold, ordered by ID tag: the provider's active
	// cards the group admits (fleetcharge.ChargeGroup.Admits), Accepted,
	// with their account's parent ID tag; for a public group none, or every
	// active card when the provider's LocalListPublic setting is on.
	DesiredLocalList(ctx context.Context, providerID, groupID ID) ([]LocalListEntry, error)
	// LocalListStates returns the local list states of the provider's
	// stations (every provider's when providerID is 0), of one station when
	// stationID is not 0, of the online ones only when online is set; a
	// station never synced has state LocalListPending and version 0.
	LocalListStates(ctx context.Context, providerID, stationID ID, online bool) ([]LocalListState, error)
	// LocalListEntries returns the acknowledged entries of the station's
	// list, ordered by ID tag; with a non-zero cards scope, only the entries
	// naming a card within it (hidden counts the others).
	LocalListEntries(ctx context.Context, stationID ID, cards *Scope) (entries []LocalListEntry, hidden int, err error)
	// RecordLocalList stores the outcome of a sync of the station's list.
	RecordLocalList(ctx context.Context, stationID ID, r LocalListRecord) error
	// MarkClearCache flags for ClearCache the stations that may have the
	// card cached, if the card is not active: those of the charge groups
	// that admit it whatever its status, and those where it charged. It
	// returns how many it flagged.
	MarkClearCache(ctx context.Context, providerID, cardID ID) (int, error)
	// CacheCleared takes the ClearCache flag off the station.
	CacheCleared(ctx context.Context, stationID ID) error
	// LocalListPublic and SetLocalListPublic read and set the provider's
	// setting: whether the stations of its public charge groups get every
	// active card in their lists (default: an empty list).
	LocalListPublic(ctx context.Context, providerID ID) (bool, error)
	SetLocalListPublic(ctx context.Context, providerID ID, on bool) error
}

// LocalListHash identifies a list's content: the SHA-256, in hexadecimal,
// of its entries ordered by ID tag, each as tag, status, expiry (Unix
// milliseconds, or empty) and parent tag.
func LocalListHash(entries []LocalListEntry) string {
	byTag := func(a, b LocalListEntry) int { return strings.Compare(a.IDTag, b.IDTag) }
	if !slices.IsSortedFunc(entries, byTag) {
		entries = slices.SortedFunc(slices.Values(entries), byTag)
	}
	h := sha256.New()
	buf := make([]byte, 0, 128)
	for _, e := range entries {
		buf = append(buf[:0], e.IDTag...)
		buf = append(buf, 0)
		buf = append(buf, e.Status...)
		buf = append(buf, 0)
		if e.ExpiryDate != nil {
			buf = strconv.AppendInt(buf, e.ExpiryDate.UnixMilli(), 10)
		}
		buf = append(buf, 0)
		buf = append(buf, e.ParentIDTag...)
		buf = append(buf, '\n')
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}
