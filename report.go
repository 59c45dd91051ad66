package fleetcharge

import (
	"context"
	"time"
)

// The reports of SPEC.md, by the names the API and the exports use. The
// first five are fleet reports (card side), the last two facility reports
// (station side).
const (
	ReportChargeCards            = "charge-cards"
	ReportChargeSessions         = "charge-sessions"
	ReportEmployees              = "employees"
	ReportSessionsPerEmployee    = "sessions-per-employee"
	ReportSessionsPerCard        = "sessions-per-card"
	ReportChargeStations         = "charge-stations"
	ReportSessionsPerChargePoint = "sessions-per-charge-point"
)

// Reports lists every report, in the order SPEC.md numbers them.
var Reports = []string{
	ReportChargeCards, ReportChargeSessions, ReportEmployees, ReportSessionsPerEmployee,
	ReportSessionsPerCard, ReportChargeStations, ReportSessionsPerChargePoint,
}

// Sides of a session, as a report reads it.
const (
	SideCard    = "card"    // the card's account at the time: fleet reports
	SideStation = "station" // the station's account at the time: facility reports
)

// ReportSide returns the side a report reads sessions from by default:
// SideStation for the facility reports, SideCard for the others.
func ReportSide(report string) string {
	if report == ReportChargeStations || report == ReportSessionsPerChargePoint {
		return SideStation
	}
	return SideCard
}

// ReportQuery selects what one report covers. Scope.CardSide is what the
// caller's fleet-report right reaches and Scope.StationSide what its
// facility-report right reaches: a card-side report reads sessions (and
// cards, employees) of accounts in CardSide, a station-side report sessions
// (and stations) of accounts in StationSide, and on a station-side session
// listing a card outside CardSide is masked. OrganizationID or AccountID
// narrow the report to that subtree or account, which must lie within the
// reach. Sessions belong to the period by their start, in [From, To); on
// station reports a session that started up to seven days before From
// also counts, for its part inside the period, in the charging time
// (ReportFigures.BusyMS), and in nothing else.
type ReportQuery struct {
	Report         string
	Scope          SessionScope
	Side           string // SideCard or SideStation; "" for the report's own side
	OrganizationID ID
	AccountID      ID
	From, To       time.Time
	// Buckets, when set, splits the figures at these instants (sorted,
	// strictly inside the period): bucket 0 is [From, Buckets[0]), the last
	// [Buckets[n-1], To). Month roll-ups use it.
	Buckets []time.Time
	// Filters; zero values do not filter.
	EmployeeID   ID
	CardID       ID
	StationID    ID
	LocationKind string
	// Idle also lists the cards, employees, stations or charge points in
	// scope that have no session in the period, with zero figures.
	Idle bool
	// Limit, when positive, ends the report after that many rows.
	Limit int
	// After, on the charge session report, starts the rows after this
	// session in the report's order (by start, then ID): the cursor of the
	// next page. It bounds the rows only, never TotalsOnly.
	After *SessionKey
	// ByAccount replaces the subjects by one row per account, currency and
	// bucket with their figures (and their split by location kind): all a
	// roll-up of sessions needs, without reading every session's card,
	// employee and station. Not for the station reports, whose utilization
	// needs every charge point; Idle does not apply.
	ByAccount bool
	// TotalsOnly replaces the subjects by one row per currency and bucket
	// with the figures of all the report's sessions: the totals of a report
	// cut short by Limit.
	TotalsOnly bool
}

// SessionKey places a session in the order of the charge session report.
type SessionKey struct {
	StartedAt time.Time
	ID        ID
}

// ReportFigures are the summable figures of a report row, exact: energy in
// Wh, duration in seconds, cost in the currency's minor unit. BusyMS, on
// station reports, is the charging time of the row's sessions clipped to the
// period (or to the row's bucket): the numerator of utilization.
//
// ReimbursedWh and ReimbursedMinor, on the sessions-per-employee report,
// are the energy and amount of the row's sessions on approved or paid
// home-charging reimbursement statements in the row's currency
// (docs/REIMBURSEMENT.md).
type ReportFigures struct {
	Sessions        int64
	EnergyWh        int64
	DurationS       int64
	CostMinor       int64
	BusyMS          int64
	ReimbursedWh    int64
	ReimbursedMinor int64
}

// Add adds o's figures to f.
func (f *ReportFigures) Add(o ReportFigures) {
	f.Sessions += o.Sessions
	f.EnergyWh += o.EnergyWh
	f.DurationS += o.DurationS
	f.CostMinor += o.CostMinor
	f.BusyMS += o.BusyMS
	f.ReimbursedWh += o.ReimbursedWh
	f.ReimbursedMinor += o.ReimbursedMinor
}

// ReportRow is one row of a report as storage computes it: the subject (a
// card, an employee, a session, a station or a charge point; only the fields
// of the report's subject are set), the account whose history the figures
// belong to with its organization chain, one currency, and the figures of
// the sessions of that subject, account, currency and bucket.
type ReportRow struct {
	Bucket   int    // index of the bucket the figures fall in (ReportQuery.Buckets)
	Currency string // "" on rows without sessions
	Figures  ReportFigures
	// ByKind splits Figures by location kind, in LocationKinds order, for
	// the sessions-per-employee and sessions-per-card reports.
	ByKind [3]ReportFigures

	AccountID   ID
	AccountName string
	// OrgIDs and OrgNames are the organization chain of the account, from
	// the top down to the account's organization.
	OrgIDs   []ID
	OrgNames []string

	CardID         ID
	CardExternalID string // masked ('*' except the last four) when CardMasked
	CardInternalID string
	CardStatus     string
	CardMasked     bool
	CardCreatedAt  *time.Time
	CardLastUsedAt *time.Time

	EmployeeID     ID
	EmployeeName   string
	EmployeeEmail  string
	EmployeeNumber string
	EmployeeActive bool
	EmployeeCards  int
	HomeLocation   string

	StationID         ID
	Identity          string
	Vendor            string
	Model             string
	Firmware          string
	Online            bool
	LastHeartbeatAt   *time.Time
	ChargePoints      int
	ConnectorID       int
	ChargePointStatus string

	LocationName   string
	LocationKind   string
	LocationOrigin string // charge-sessions: "own", "home" or "external"

	SessionID  ID
	StartedAt  *time.Time
	StoppedAt  *time.Time
	StopReason string // as the station gave it, or "superseded" when a later start on its connector closed it
}

// Location origins of a session in the charge session report.
const (
	OriginOwn      = "own"      // on a station of an account within the report's scope
	OriginHome     = "home"     // at an employee's home
	OriginExternal = "external" // anywhere else: public, roaming, another customer's site
)

// LocationKinds lists the location kinds in the order reports split by them.
var LocationKinds = [3]string{LocationOffice, LocationHome, LocationPublic}

// ReportStore computes reports.
type ReportStore interface {
	// Report calls fn for every row of the report q, in a stable order,
	// within one read: rows are streamed, never all held in memory, and the
	// row given to fn is reused for the next (fn copies what it keeps). An
	// asked organization or account outside the reach is an ENotFound
	// error, given before the first row.
	Report(ctx context.Context, q ReportQuery, fn func(*ReportRow) error) error
}
