package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"

	fc "github.com/fleetcharge/fleetcharge"
)

// Event snapshots: the outbox row of an event keeps, in its snapshot
// column, where the object sat and the object itself as the change's
// transaction left them (fleetcharge.EventSnapshot). The dispatcher decides
// on the recipients against those owners and renders that object, so an
// event reaches whoever could read its object when it happened, with the
// data as it was then, however the object moves before the dispatch. The
// column is emptied when the event is dispatched: it is needed until then
// only.

// snapshotRecord is the snapshot column's JSON. The object is gob-encoded:
// the domain types' JSON leaves out what the API computes its views from
// (a session's energy and cost in units, an invoice's totals), and gob
// keeps every exported field.
type snapshotRecord struct {
	Owner   fc.Owner  `json:"owner"`
	Station *fc.Owner `json:"station,omitempty"`
	Home    *fc.Owner `json:"home,omitempty"`
	Object  []byte    `json:"object"`
}

// encodeSnapshot encodes a snapshot for the snapshot column.
func encodeSnapshot(snap *fc.EventSnapshot) (string, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(snap.Object); err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	r := snapshotRecord{Owner: snap.Owner, Object: b.Bytes()}
	if snap.Station.ProviderID != 0 {
		r.Station = &snap.Station
	}
	if snap.Home.ProviderID != 0 {
		r.Home = &snap.Home
	}
	out, err := json.Marshal(r)
	return string(out), err
}

// decodeSnapshot decodes the snapshot column of an event about an object of
// kind; "" (an event written before snapshots) is nil.
func decodeSnapshot(kind, col string) (*fc.EventSnapshot, error) {
	if col == "" {
		return nil, nil
	}
	var r snapshotRecord
	if err := json.Unmarshal([]byte(col), &r); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	snap := &fc.EventSnapshot{Owner: r.Owner}
	if r.Station != nil {
		snap.Station = *r.Station
	}
	if r.Home != nil {
		snap.Home = *r.Home
	}
	var obj any
	switch kind {
	case fc.KindSession:
		obj = &fc.Session{}
	case fc.KindStation:
		obj = &fc.Station{}
	case fc.KindCard:
		obj = &fc.Card{}
	case fc.KindReimbursementStatement:
		obj = &fc.ReimbursementStatement{}
	case fc.KindInvoice:
		obj = &fc.Invoice{}
	default:
		return nil, fmt.Errorf("snapshot: no snapshot of a %s", kind)
	}
	if err := gob.NewDecoder(bytes.NewReader(r.Object)).Decode(obj); err != nil {
		return nil, fmt.Errorf("snapshot of a %s: %w", kind, err)
	}
	snap.Object = obj
	return snap, nil
}

// snapshot reads, within tx, the object of an event and where it sits, and
// encodes them for the snapshot column. The object is read for the whole
// provider, as a provider admin reads it through the API; the dispatcher
// masks it for each recipient.
func (s *Store) snapshot(ctx context.Context, tx *sql.Tx, providerID fc.ID, kind string, id fc.ID) (string, error) {
	all := fc.ProviderScope(providerID)
	snap := fc.EventSnapshot{}
	var err error
	switch kind {
	case fc.KindSession:
		_, col, err := sessionSnapshot(ctx, tx, id)
		return col, err
	case fc.KindStation:
		var st *fc.Station
		if st, err = s.findStation(ctx, tx, fc.StationScope{ProviderID: providerID, Reach: fc.Everything}, id); err != nil {
			return "", err
		}
		snap.Object = st
		if snap.Owner, err = ownerOf(ctx, tx, providerID, fc.KindStation, id); err != nil {
			return "", err
		}
		if snap.Home, err = accountOwnerTx(ctx, tx, providerID, snap.Owner.HomeOfAccountID, 0); err != nil {
			return "", err
		}
	case fc.KindCard:
		var c *fc.Card
		if c, err = s.findCard(ctx, tx, all, id); err != nil {
			return "", err
		}
		snap.Object = c
		if snap.Owner, err = ownerOf(ctx, tx, providerID, fc.KindCard, id); err != nil {
			return "", err
		}
	case fc.KindReimbursementStatement:
		var x *fc.ReimbursementStatement
		if x, err = findStatement(ctx, tx, all, id); err != nil {
			return "", err
		}
		snap.Object = x
		if snap.Owner, err = accountOwnerTx(ctx, tx, providerID, x.AccountID, x.EmployeeID); err != nil {
			return "", err
		}
	case fc.KindInvoice:
		var inv *fc.Invoice
		if inv, err = findInvoice(ctx, tx, fc.InvoiceScope{ProviderID: providerID, Reach: fc.Everything,
			SelfBilling: fc.Everything, Drafts: fc.Everything}, id); err != nil {
			return "", err
		}
		snap.Object = inv
		if snap.Owner, err = accountOwnerTx(ctx, tx, providerID, inv.AccountID, 0); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("snapshot: no snapshot of a %s", kind)
	}
	return encodeSnapshot(&snap)
}

// sessionSnapshot reads, within tx, a session as GET /api/v1/sessions/{id}
// reads it for the whole provider, with its two sides, and returns it with
// its snapshot column: the card side is the owner of the card's account
// with the session's employee (whom a driver reaches), the station side the
// owner of the station's account.
func sessionSnapshot(ctx context.Context, tx *sql.Tx, id fc.ID) (*fc.Session, string, error) {
	q := &query{}
	selectSessions(q, fc.Everything).add(" WHERE s.id = ").arg(int64(id))
	var x fc.Session
	if err := scanSession(tx.QueryRowContext(ctx, q.String(), q.args...), &x); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", notFound(fc.KindSession, id)
		}
		return nil, "", err
	}
	var err error
	if x.SignedMeterData, err = signedMeterData(ctx, tx, x.ID); err != nil {
		return nil, "", err
	}
	snap := fc.EventSnapshot{Object: &x}
	if snap.Owner, err = accountOwnerTx(ctx, tx, x.ProviderID, x.CardAccountID, x.EmployeeID); err != nil {
		return nil, "", err
	}
	if snap.Station, err = accountOwnerTx(ctx, tx, x.ProviderID, x.StationAccountID, 0); err != nil {
		return nil, "", err
	}
	col, err := encodeSnapshot(&snap)
	return &x, col, err
}

// accountOwnerTx is, within tx, the owner of an account with the employee
// the object belongs to; the zero Owner for no account and no employee.
func accountOwnerTx(ctx context.Context, tx *sql.Tx, providerID, accountID, employeeID fc.ID) (fc.Owner, error) {
	if accountID == 0 {
		if employeeID == 0 {
			return fc.Owner{}, nil
		}
		return fc.Owner{ProviderID: providerID, EmployeeID: employeeID}, nil
	}
	o, err := ownerOf(ctx, tx, providerID, fc.KindAccount, accountID)
	o.EmployeeID = employeeID
	return o, err
}
