package fleetcharge

import "context"

// Reach is the part of a provider that one permission reaches for one user:
// the whole provider, organizations with their whole subtrees, single
// accounts, and single employees (a driver: the employee's own cards,
// sessions, home location and station, rates and statements, and nothing
// else of the employee's account). Package access computes it from role assignments; storage applies
// it in SQL to every read and write, so that nothing outside it can be read,
// changed, counted or exported.
type Reach struct {
	All        bool `json:"all,omitempty"`
	OrgIDs     []ID `json:"organization_ids,omitempty"`
	AccountIDs []ID `json:"account_ids,omitempty"`
	// EmployeeIDs reach only what belongs to those employees; storage
	// applies them where rows have an employee and reaches nothing by them
	// elsewhere.
	EmployeeIDs []ID `json:"employee_ids,omitempty"`
}

// Empty reports whether r reaches nothing.
func (r Reach) Empty() bool {
	return !r.All && len(r.OrgIDs) == 0 && len(r.AccountIDs) == 0 && len(r.EmployeeIDs) == 0
}

// Everything is the reach of the whole provider, for trusted callers (the
// command line, the OCPP endpoint, the demo loader).
var Everything = Reach{All: true}

// Scope is what a store call may touch: one provider, and within it what the
// reach allows.
type Scope struct {
	ProviderID ID
	Reach      Reach
}

// ProviderScope is the scope of the whole provider, for trusted callers.
func ProviderScope(providerID ID) Scope { return Scope{ProviderID: providerID, Reach: Everything} }

// SessionScope is what a session read may touch: sessions whose card side
// is in CardSide, or whose station side is in StationSide. A session seen only
// through StationSide has its foreign card masked (SPEC.md, privacy).
type SessionScope struct {
	ProviderID  ID
	CardSide    Reach
	StationSide Reach
}

// StationScope is what a station read may touch: stations in Reach, and the
// home stations of employees in HomesOf (a fleet manager reads the home
// stations of its employees).
type StationScope struct {
	ProviderID ID
	Reach      Reach
	HomesOf    Reach
}

// AuditScope is what an audit log read may touch. An event shows what its
// object held, so it is read only where the reader holds audit.read (Audit)
// and may read the object itself: Kinds is where it reads each kind of
// object that sits on an account or an organization; station events are
// read in Stations (with the home rule) and session events in Sessions (the
// card masked when only the station side is read). An event of any other
// kind is read only with a provider-wide Audit.
type AuditScope struct {
	ProviderID ID
	Audit      Reach
	Kinds      map[string]Reach
	Stations   StationScope
	Sessions   SessionScope
}

// Actor is who makes a change, recorded with it in the audit log.
type Actor struct {
	UserID     ID
	Label      string // e-mail, "cli", "system", "station:IDENTITY"
	RemoteAddr string
}

type actorKey struct{}

// WithActor returns a context that carries the actor of the changes made with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor carried by ctx, or the system actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Label: "system"}
}
