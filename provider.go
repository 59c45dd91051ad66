package fleetcharge

import "time"

// Provider is a tenant of the platform: a Charge Point Operator or a Managed
// Service Provider. Nothing ever crosses from one provider to another.
type Provider struct {
	ID          ID     `json:"id"`
	Name        string `json:"name"`
	TimeZone    string `json:"time_zone"`    // IANA name; report dates are read in it
	RequireTOTP bool   `json:"require_totp"` // second factor required for fleet and facility roles
	// OCPICountryCode and OCPIPartyID are the provider's OCPI identity
	// (ISO 3166-1 alpha-2, three characters): its EVSE IDs, contract IDs
	// and credentials carry them. Empty until set; roaming needs both.
	OCPICountryCode string    `json:"ocpi_country_code"`
	OCPIPartyID     string    `json:"ocpi_party_id"`
	CreatedAt       time.Time `json:"created_at"`
	// Billing is what the provider's invoices say about it (issue 16).
	Billing ProviderBilling `json:"billing"`
}

// Organization is a node of a provider's organization tree (the seed's "user
// group"). The tree has no limit on count or depth.
type Organization struct {
	ID         ID        `json:"id"`
	ProviderID ID        `json:"-"`
	ParentID   ID        `json:"parent_id"` // 0 for a top-level organization
	Name       string    `json:"name"`
	Country    string    `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Depth      int       `json:"depth"`             // 0 for a top-level organization
	Path       []string  `json:"path,omitempty"`    // names from the top, this one last
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Account kinds.
const (
	AccountCompany = "company"
	AccountPrivate = "private"
)

// Account is a customer account (the seed's "company account"). It belongs to
// exactly one organization and owns assets.
type Account struct {
	ID             ID     `json:"id"`
	ProviderID     ID     `json:"-"`
	OrganizationID ID     `json:"organization_id"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	// Billing data, for the account's invoices (issue 16); all optional.
	VATID        string    `json:"vat_id"`
	Address      string    `json:"address"`
	PostalCode   string    `json:"postal_code"`
	City         string    `json:"city"`
	Country      string    `json:"country"` // ISO 3166-1 alpha-2
	BillingEmail string    `json:"billing_email"`
	IBAN         string    `json:"iban"` // where a station owner's self-billing invoices are paid
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Employee is a person linked to a company account.
type Employee struct {
	ID             ID        `json:"id"`
	ProviderID     ID        `json:"-"`
	AccountID      ID        `json:"account_id"`
	Name           string    `json:"name"`
	Email          string    `json:"email,omitempty"`
	EmployeeNumber string    `json:"employee_number,omitempty"`
	Active         bool      `json:"active"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Card statuses.
const (
	CardActive      = "active"      // may charge
	CardInactive    = "inactive"    // temporarily blocked
	CardDeactivated = "deactivated" // permanently blocked
)

// Card is a charge card (RFID). InternalID is the UID a station reports as
// the OCPP idTag; ExternalID is the number printed on the card. Both are
// unique within a provider.
type Card struct {
	ID         ID     `json:"id"`
	ProviderID ID     `json:"-"`
	AccountID  ID     `json:"account_id"`
	EmployeeID ID     `json:"employee_id"`
	InternalID string `json:"internal_id"`
	ExternalID string `json:"external_id"`
	Status     string `json:"status"`
	// ValidUntil is the card's last valid day (DateLayout) in the
	// provider's time zone; empty: no end.
	ValidUntil string     `json:"valid_until,omitempty" format:"date" doc:"the card's last valid day, YYYY-MM-DD in the provider's time zone; absent: no end. From the next day on, stations are told the card is Expired"`
	LastUsedAt *time.Time `json:"last_used_at"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	// ExpiresAt is the end of ValidUntil in the provider's time zone (the
	// start of the next day), as the store reads it; nil: no end.
	ExpiresAt *time.Time `json:"-"`
}

// Expired reports whether the card is past its validity end at now.
func (c *Card) Expired(now time.Time) bool {
	return c.ExpiresAt != nil && !now.Before(*c.ExpiresAt)
}

// DayEnd returns the end of the calendar day (DateLayout) in loc: the
// start of the next day there.
func DayEnd(day string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(DateLayout, day, loc)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc), nil
}

// Location kinds; a session's location kind is one of these too.
const (
	LocationOffice = "office"
	LocationHome   = "home"
	LocationPublic = "public"
)

// Location is an address where stations stand: an office site, an
// employee's home, or a public place.
type Location struct {
	ID         ID     `json:"id"`
	ProviderID ID     `json:"-"`
	AccountID  ID     `json:"account_id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Address    string `json:"address,omitempty"`
	City       string `json:"city,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
	EmployeeID ID     `json:"employee_id"` // the employee whose home this is
	MaxPowerW  int64  `json:"-"`           // load management: the most its sessions may draw together, in watts; 0: no limit (API: max_power_kw)
	Phases     int    `json:"phases"`      // of the grid connection: 1 or 3
	Voltage    int    `json:"voltage"`     // per phase, 100 to 480 V
	// Latitude and Longitude are the location's coordinates in WGS84
	// decimal degrees as OCPI writes them, with 5 to 7 decimals
	// ("52.0907374", "5.1214201"); both empty: unknown.
	Latitude  string `json:"latitude"`
	Longitude string `json:"longitude"`
	// LoadSharing is how the limit is shared: LoadShareEqual (default) or
	// LoadSharePriority.
	LoadSharing string    `json:"load_sharing"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Defaults of a location's grid connection.
const (
	DefaultPhases  = 3
	DefaultVoltage = 230
)
