package fleetcharge

import (
	"context"
	"time"
)

// DefaultPageSize and MaxPageSize bound list pages.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Page selects one page of a list ordered by ID: the rows after the cursor
// After (0 for the first page), at most Limit of them. With Before set, the
// page is the last Limit rows before that ID instead (the previous page),
// still in ascending order.
//
// With Desc the list runs the other way, newest (highest ID) first: After
// is then the page of lower IDs after the cursor and Before the page of
// higher IDs before it, each still in the list's order.
//
// With Sort the list is ordered by one of its sortable columns instead (each
// list names its own; an unknown one is EInvalid): by that column, then by
// ID, both reversed with Desc. The cursors stay IDs: a page runs on from the
// sort value of its cursor's row, so paging neither loses nor repeats a row
// under any sort.
type Page struct {
	After  ID
	Before ID
	Limit  int
	Desc   bool
	Sort   string
	// Count, when not nil, receives how many rows the whole list (every
	// page) holds, counted by the same scoped SQL as its rows; at most
	// CountCap+1, which means more than CountCap.
	Count *int
}

// CountCap bounds the count of a list (Page.Count): counting stops there,
// so a page over millions of rows stays quick.
const CountCap = 10_000

// Filters of the list calls. Zero fields do not filter.
type (
	OrganizationFilter struct {
		ParentID *ID // nil: any; pointer to 0: top level only
		Search   string
		Page
	}
	AccountFilter struct {
		OrganizationID ID // this organization and its subtree
		Kind           string
		Search         string
		Page
	}
	EmployeeFilter struct {
		AccountID ID
		Active    *bool
		Search    string
		Page
	}
	CardFilter struct {
		AccountID  ID
		EmployeeID ID
		Status     string
		// ExpiringDays, when more than 0: only the cards not deactivated
		// whose last valid day is from today to today plus that many days,
		// in the provider's time zone.
		ExpiringDays int
		// Search: the internal or external ID, or the name, e-mail or
		// employee number of the card's employee, contains it (no case).
		Search string
		IDs    []ID // only these cards (at most MaxPageSize); nil: any
		Page
	}
	LocationFilter struct {
		AccountID ID
		Kind      string
		Search    string // name or address contains, without case
		Page
	}
	ChargeGroupFilter struct {
		AccountID ID
		Search    string // name contains, without case
		Page
	}
	StationFilter struct {
		AccountID     ID
		LocationID    ID
		ChargeGroupID ID
		Search        string
		Connection    string // StationOnline or StationOffline; "": either
		Faulted       bool   // only stations with a connector reporting Faulted
		IDs           []ID   // only these stations (at most MaxPageSize); nil: any
		Page
	}
	SessionFilter struct {
		From, To     time.Time // started_at in [From, To); zero: unbounded
		AccountID    ID        // either side
		CardID       ID
		EmployeeID   ID
		StationID    ID
		LocationKind string
		ActiveOnly   bool
		Page
	}
	UserFilter struct {
		Search string
		Page
	}
	AssignmentFilter struct {
		UserID ID
		Page
	}
	AuditFilter struct {
		ObjectType string
		ObjectID   ID
		Actor      string    // who acted (the recorded e-mail or name) contains it, without case
		From, To   time.Time // at in [From, To); zero: unbounded
		Page
	}
)

// Owner is where an object sits: its provider, its account (0 for
// organizations and users) and the organization chain from the top down to
// the organization that holds it. Package access decides on it.
type Owner struct {
	ProviderID ID
	AccountID  ID
	OrgPath    []ID // ancestors first; empty for provider-level objects
	// HomeOfAccountID is, for a station at an employee's home, the account of
	// that employee (a fleet manager of it reads the station).
	HomeOfAccountID ID
	// EmployeeID is the employee the object belongs to, which a driver on
	// that employee reaches: the employee itself, a card assigned to it, a
	// home location of it and a station there, a rate or a statement of it.
	EmployeeID ID
}

// Object kinds, as Owner and the audit log name them.
const (
	KindOrganization = "organization"
	KindAccount      = "account"
	KindEmployee     = "employee"
	KindCard         = "card"
	KindLocation     = "location"
	KindChargeGroup  = "charge_group"
	KindStation      = "station"
	KindSession      = "session"
	KindUser         = "user"
	KindAssignment   = "role_assignment"
	KindProvider     = "provider"
	KindAPIToken     = "api_token"
)

// ProviderStore keeps providers.
type ProviderStore interface {
	CreateProvider(ctx context.Context, p *Provider) error
	Provider(ctx context.Context, id ID) (*Provider, error)
	Providers(ctx context.Context) ([]Provider, error)
	UpdateProvider(ctx context.Context, id ID, fn func(*Provider) error) (*Provider, error)
}

// OrganizationStore keeps the organization tree. Moves refuse cycles;
// deletes refuse organizations that still hold child organizations or
// accounts.
type OrganizationStore interface {
	CreateOrganization(ctx context.Context, o *Organization) error
	Organization(ctx context.Context, s Scope, id ID) (*Organization, error)
	Organizations(ctx context.Context, s Scope, f OrganizationFilter) ([]Organization, error)
	UpdateOrganization(ctx context.Context, s Scope, id ID, fn func(*Organization) error) (*Organization, error)
	DeleteOrganization(ctx context.Context, s Scope, id ID) error
	// Ancestors returns the organization chain from the top down to id, id last.
	Ancestors(ctx context.Context, providerID, id ID) ([]ID, error)
}

// AccountStore keeps customer accounts.
type AccountStore interface {
	CreateAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, s Scope, id ID) (*Account, error)
	Accounts(ctx context.Context, s Scope, f AccountFilter) ([]Account, error)
	UpdateAccount(ctx context.Context, s Scope, id ID, fn func(*Account) error) (*Account, error)
	DeleteAccount(ctx context.Context, s Scope, id ID) error
}

// AssetStore keeps the assets of accounts: employees, cards, locations,
// charge groups and stations.
type AssetStore interface {
	CreateEmployee(ctx context.Context, e *Employee) error
	Employee(ctx context.Context, s Scope, id ID) (*Employee, error)
	Employees(ctx context.Context, s Scope, f EmployeeFilter) ([]Employee, error)
	UpdateEmployee(ctx context.Context, s Scope, id ID, fn func(*Employee) error) (*Employee, error)
	DeleteEmployee(ctx context.Context, s Scope, id ID) error

	CreateCard(ctx context.Context, c *Card) error
	Card(ctx context.Context, s Scope, id ID) (*Card, error)
	Cards(ctx context.Context, s Scope, f CardFilter) ([]Card, error)
	UpdateCard(ctx context.Context, s Scope, id ID, fn func(*Card) error) (*Card, error)
	DeleteCard(ctx context.Context, s Scope, id ID) error

	CreateLocation(ctx context.Context, l *Location) error
	Location(ctx context.Context, s Scope, id ID) (*Location, error)
	Locations(ctx context.Context, s Scope, f LocationFilter) ([]Location, error)
	UpdateLocation(ctx context.Context, s Scope, id ID, fn func(*Location) error) (*Location, error)
	DeleteLocation(ctx context.Context, s Scope, id ID) error

	CreateChargeGroup(ctx context.Context, g *ChargeGroup) error
	ChargeGroup(ctx context.Context, s Scope, id ID) (*ChargeGroup, error)
	ChargeGroups(ctx context.Context, s Scope, f ChargeGroupFilter) ([]ChargeGroup, error)
	UpdateChargeGroup(ctx context.Context, s Scope, id ID, fn func(*ChargeGroup) error) (*ChargeGroup, error)
	DeleteChargeGroup(ctx context.Context, s Scope, id ID) error

	// CreateStation creates the station and its charge points 1..connectors.
	CreateStation(ctx context.Context, st *Station, connectors int) error
	Station(ctx context.Context, s StationScope, id ID) (*Station, error)
	Stations(ctx context.Context, s StationScope, f StationFilter) ([]Station, error)
	UpdateStation(ctx context.Context, s Scope, id ID, fn func(*Station) error) (*Station, error)
	DeleteStation(ctx context.Context, s Scope, id ID) error

	// Owner tells where an object of the given kind sits, for access decisions.
	Owner(ctx context.Context, providerID ID, kind string, id ID) (Owner, error)
}

// SessionStore reads sessions and imports finished ones.
type SessionStore interface {
	Session(ctx context.Context, s SessionScope, id ID) (*Session, error)
	Sessions(ctx context.Context, s SessionScope, f SessionFilter) ([]Session, error)
	// ImportSession stores a finished session from elsewhere; a second import
	// with the same ExternalRef returns the stored one and created=false.
	ImportSession(ctx context.Context, sess *Session) (created bool, err error)
}

// UserStore keeps users, their role assignments and API tokens.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, s Scope, id ID) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	Users(ctx context.Context, s Scope, f UserFilter) ([]User, error)
	UpdateUser(ctx context.Context, s Scope, id ID, fn func(*User) error) (*User, error)
	// SetUserLanguage keeps the language a user chose on the pages (en,
	// nl, de, fr; "" for none), in which mails reach it.
	SetUserLanguage(ctx context.Context, id ID, lang string) error

	CreateAssignment(ctx context.Context, a *Assignment) error
	// CreateDriver creates a user and its driver role on one employee in
	// one transaction.
	CreateDriver(ctx context.Context, u *User, a *Assignment) error
	Assignments(ctx context.Context, s Scope, f AssignmentFilter) ([]Assignment, error)
	// UserAssignments returns every assignment of a user, unscoped: the input
	// of every access decision about that user.
	UserAssignments(ctx context.Context, userID ID) ([]Assignment, error)
	DeleteAssignment(ctx context.Context, s Scope, id ID) error

	CreateAPIToken(ctx context.Context, t *APIToken) error
	// APITokenByHash returns the live token with that hash and marks it used.
	APITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	RevokeAPIToken(ctx context.Context, userID, id ID) error
}

// AuditStore reads the audit log; entries are written by the store itself,
// in the transaction of the change they record.
type AuditStore interface {
	// AuditLog lists the events within the scope, their bodies masked as
	// a read of their object would be.
	AuditLog(ctx context.Context, s AuditScope, f AuditFilter) ([]AuditEvent, error)
}

// Store is all of storage.
type Store interface {
	ProviderStore
	OrganizationStore
	AccountStore
	AssetStore
	SessionStore
	MeterValueStore
	ChargingStore
	StationJobStore
	LocalListStore
	ReservationStore
	ReimbursementStore
	LoadStore
	OCPIStore
	OCPIObjectStore
	OCPILocationStore
	OCPISessionStore
	OCPICommandStore
	SSOStore
	SCIMStore
	UserStore
	AuditStore
	Ping(ctx context.Context) error
	Close() error
}
