package fleetcharge

import (
	"context"
	"math/big"
	"time"
)

// Home-charging reimbursement (SPEC.md, Settlement; issue 15). An employer
// pays its employees back for the energy they charge at home with a card
// of the employer's account.
//
// Which sessions are reimbursed: a finished session with energy, started
// on a station at an employee's home location (a location of kind home
// linked to that employee), made with a card of that employee's account
// that is the employee's own or no one's (an account's pool card). The
// employee's private card (another account's) and the card of a guest or a
// colleague are not reimbursed there. An imported session without a
// station, of location kind home, made with a card of an employee of that
// card's account, is reimbursed to that employee.
//
// Dates and months are the provider's calendar: a session's start date (which
// rate applies) and its month (which statement it belongs to) are read in the
// provider's time zone, as the reports read dates.
//
// Rates are effective-dated: a rate applies to sessions started on a date d
// with ValidFrom <= d < ValidTo (no ValidTo: open-ended). The rates of an
// employee never overlap and share one currency. A session on a date
// without a rate is not reimbursed (until a rate covers it).
//
// Statements: one per employee and month, generated as a draft and
// recomputed by every generation of its month while draft; approved, it
// never changes again, and is then marked paid. A reimbursable session on
// no statement whose month's statement is already approved (it arrived
// late: an offline station, an import) becomes a correction line of the
// next statement generated for a later month, naming its original month.
//
// Amounts are exact: energy in Wh, the rate in millionths of the currency
// per kWh, and each line's amount in the currency's minor unit, rounded once
// per line, half up (ReimbursementAmount). A statement's amount is the sum of
// its lines. Reimbursement is outside the scope of VAT.

// The states of a reimbursement statement.
const (
	StatementDraft    = "draft"
	StatementApproved = "approved"
	StatementPaid     = "paid"
)

// StatementStatuses lists the states of a statement, in their order.
var StatementStatuses = []string{StatementDraft, StatementApproved, StatementPaid}

// Object kinds of reimbursement, as the audit log names them.
const (
	KindReimbursementRate      = "reimbursement_rate"
	KindReimbursementStatement = "reimbursement_statement"
)

// DateLayout is the layout of a calendar date (valid_from, valid_to).
const DateLayout = "2006-01-02"

// PeriodLayout is the layout of a month (a statement's period).
const PeriodLayout = "2006-01"

// ReimbursementRate is what an employee is paid per kWh charged at home,
// from ValidFrom until ValidTo (exclusive; empty: open-ended), dates of the
// provider's calendar.
type ReimbursementRate struct {
	ID         ID `json:"id"`
	ProviderID ID `json:"-"`
	EmployeeID ID `json:"employee_id"`
	// AccountID is the employee's account, where the rate is read and set.
	AccountID    ID        `json:"account_id"`
	PerKWhMicros int64     `json:"-"`
	Currency     string    `json:"currency"`
	ValidFrom    string    `json:"valid_from"`
	ValidTo      string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Covers reports whether the rate applies on the date d (DateLayout).
func (r *ReimbursementRate) Covers(d string) bool {
	return r.ValidFrom <= d && (r.ValidTo == "" || d < r.ValidTo)
}

// Overlaps reports whether the periods of validity of r and o share a day.
func (r *ReimbursementRate) Overlaps(o *ReimbursementRate) bool {
	return (o.ValidTo == "" || r.ValidFrom < o.ValidTo) && (r.ValidTo == "" || o.ValidFrom < r.ValidTo)
}

// ReimbursementStatement is one employee's reimbursement of one month.
type ReimbursementStatement struct {
	ID             ID     `json:"id"`
	ProviderID     ID     `json:"-"`
	EmployeeID     ID     `json:"employee_id"`
	EmployeeName   string `json:"employee_name"`
	EmployeeNumber string `json:"employee_number"`
	// AccountID is the employee's account when the statement was first
	// generated: where it is read and approved.
	AccountID   ID     `json:"account_id"`
	AccountName string `json:"account_name"`
	// ProviderName and TimeZone (the provider's, which the lines' dates
	// are read in) are, like the employee's and account's names, read as
	// they are now while draft and as they were at approval afterwards.
	ProviderName string `json:"-"`
	TimeZone     string `json:"-"`
	Period       string `json:"period"`
	Status       string `json:"status" enum:"draft,approved,paid"`
	Currency     string `json:"currency"`
	Sessions     int    `json:"sessions"`
	EnergyWh     int64  `json:"-"`
	AmountMinor  int64  `json:"-"`
	// Corrections counts the lines of sessions of earlier months.
	Corrections int        `json:"corrections"`
	ApprovedAt  *time.Time `json:"approved_at"`
	ApprovedBy  ID         `json:"approved_by,omitempty"`
	PaidAt      *time.Time `json:"paid_at"`
	PaidBy      ID         `json:"paid_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// Lines are read with one statement, not in lists.
	Lines []ReimbursementLine `json:"-"`
}

// ReimbursementLine is one reimbursed session of a statement.
type ReimbursementLine struct {
	SessionID    ID        `json:"session_id"`
	StartedAt    time.Time `json:"started_at"`
	StationID    ID        `json:"station_id,omitempty"`
	StationName  string    `json:"station"`
	EnergyWh     int64     `json:"-"`
	PerKWhMicros int64     `json:"-"`
	AmountMinor  int64     `json:"-"`
	// OriginalPeriod is the month the session started in; on a correction
	// line it is earlier than the statement's period.
	OriginalPeriod string `json:"original_period"`
}

// Correction reports whether the line is a late session of an earlier month
// whose statement was already approved.
func (l *ReimbursementLine) Correction(s *ReimbursementStatement) bool {
	return l.OriginalPeriod != s.Period
}

// ReimbursementAmount is the amount of one line: energyWh Wh at perKWhMicros
// millionths of the currency per kWh, in the currency's minor unit,
// computed exactly and rounded once, half up. Energy and rate are never
// negative.
func ReimbursementAmount(energyWh, perKWhMicros int64, currency string) int64 {
	// Wh * micros / (1000 * 1000000) units, times 10^digits minor units.
	num := new(big.Int).Mul(big.NewInt(energyWh), big.NewInt(perKWhMicros))
	num.Mul(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(MinorDigits(currency))), nil))
	den := big.NewInt(1_000_000_000)
	num.Add(num, new(big.Int).Rsh(den, 1))
	return num.Quo(num, den).Int64()
}

// ParsePeriod reads a month (PeriodLayout, e.g. "2026-06").
func ParsePeriod(s string) (time.Time, error) {
	t, err := time.Parse(PeriodLayout, s)
	if err != nil || t.Format(PeriodLayout) != s {
		return time.Time{}, Invalid(map[string]string{"period": "must be a month: YYYY-MM"})
	}
	return t, nil
}

// ValidDate reports whether s is a calendar date (DateLayout).
func ValidDate(s string) bool {
	t, err := time.Parse(DateLayout, s)
	return err == nil && t.Format(DateLayout) == s
}

// ReimbursementRateFilter narrows a list of rates; zero fields do not filter.
type ReimbursementRateFilter struct {
	EmployeeID ID
	AccountID  ID
	Page
}

// ReimbursementStatementFilter narrows a list of statements; zero fields do
// not filter.
type ReimbursementStatementFilter struct {
	Period     string
	Status     string
	EmployeeID ID
	AccountID  ID
	Page
}

// ReimbursementStore keeps rates and statements. Rates are scoped by their
// employee's account, statements by theirs; every change is audited.
type ReimbursementStore interface {
	// CreateReimbursementRate stores a rate of an employee of the
	// provider; a rate overlapping another of the employee, or in another
	// currency than the employee's other rates, is a conflict.
	CreateReimbursementRate(ctx context.Context, r *ReimbursementRate) error
	ReimbursementRate(ctx context.Context, s Scope, id ID) (*ReimbursementRate, error)
	ReimbursementRates(ctx context.Context, s Scope, f ReimbursementRateFilter) ([]ReimbursementRate, error)
	UpdateReimbursementRate(ctx context.Context, s Scope, id ID, fn func(*ReimbursementRate) error) (*ReimbursementRate, error)
	DeleteReimbursementRate(ctx context.Context, s Scope, id ID) error

	// GenerateReimbursementStatements creates or recomputes the draft
	// statements of the month for the employees in scope with reimbursable
	// sessions, deletes the drafts left without any, and returns every
	// statement of the month in scope (without lines).
	GenerateReimbursementStatements(ctx context.Context, s Scope, period string) ([]ReimbursementStatement, error)
	// ReimbursementStatement returns one statement with its lines.
	ReimbursementStatement(ctx context.Context, s Scope, id ID) (*ReimbursementStatement, error)
	// ReimbursementStatements lists statements without their lines, by ID.
	ReimbursementStatements(ctx context.Context, s Scope, f ReimbursementStatementFilter) ([]ReimbursementStatement, error)
	// ApproveReimbursementStatement approves a draft; PayReimbursementStatement
	// marks an approved statement paid. Any other state is a conflict.
	ApproveReimbursementStatement(ctx context.Context, s Scope, id ID) (*ReimbursementStatement, error)
	PayReimbursementStatement(ctx context.Context, s Scope, id ID) (*ReimbursementStatement, error)
}
