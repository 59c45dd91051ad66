package ocpi

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"
)

// Module identifiers (OCPI 2.2.1, versions module: ModuleID). Other identifiers are
// custom modules, which partners may list.
const (
	ModuleCDRs             = "cdrs"
	ModuleChargingProfiles = "chargingprofiles"
	ModuleCommands         = "commands"
	ModuleCredentials      = "credentials"
	ModuleHubClientInfo    = "hubclientinfo"
	ModuleLocations        = "locations"
	ModuleSessions         = "sessions"
	ModuleTariffs          = "tariffs"
	ModuleTokens           = "tokens"
	// ModuleVersions is not a ModuleID of the specification, but names the
	// versions endpoints in exchanges and routing decisions.
	ModuleVersions = "versions"
)

// Interface roles of an endpoint (OCPI 2.2.1, versions module: InterfaceRole).
const (
	RoleSender   = "SENDER"
	RoleReceiver = "RECEIVER"
)

// ConfigurationModule reports whether module is a configuration module
// (versions, credentials, hubclientinfo): platform to platform, never
// routed, so its messages carry no routing headers.
func ConfigurationModule(module string) bool {
	return module == ModuleVersions || module == ModuleCredentials || module == ModuleHubClientInfo
}

// DateTime is an OCPI timestamp (OCPI 2.2.1, types: DateTime): RFC 3339 in
// UTC, "2015-06-29T20:39:09Z", with or without fractional seconds and with
// or without the Z (its absence means UTC). An offset such as +00:00 is not
// allowed.
//
// Decoding never fails on a JSON string: a malformed one is kept and
// reported by validation with the field's path, so that the answer names
// the field. Written as UTC with the Z and milliseconds when not zero.
type DateTime struct {
	time.Time
	raw   string // the text as received, when it was not a valid DateTime
	valid bool   // false for a received malformed text
}

// NewDateTime returns t as a DateTime.
func NewDateTime(t time.Time) DateTime { return DateTime{Time: t, valid: true} }

var dateTimePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z?$`)

// ParseDateTime parses an OCPI DateTime.
func ParseDateTime(s string) (time.Time, error) {
	if !dateTimePattern.MatchString(s) {
		return time.Time{}, errors.New("not an OCPI DateTime")
	}
	t, err := time.Parse("2006-01-02T15:04:05.999999999", strings.TrimSuffix(s, "Z"))
	if err != nil {
		return time.Time{}, errors.New("not an OCPI DateTime")
	}
	return t.UTC(), nil
}

// FormatDateTime formats t as an OCPI DateTime: UTC with the Z, to the
// millisecond, without a fraction when it is zero (at most 24 characters,
// within the string(25) of the type).
func FormatDateTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.999Z07:00")
}

// MarshalJSON writes d as an OCPI DateTime.
func (d DateTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(FormatDateTime(d.Time))
}

// UnmarshalJSON reads a JSON string; see DateTime for malformed text.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := ParseDateTime(s)
	if err != nil {
		*d = DateTime{raw: s}
		return nil
	}
	*d = DateTime{Time: t, valid: true}
	return nil
}

// Valid reports whether d holds a well-formed timestamp (false for a
// malformed text received, and for the zero DateTime).
func (d DateTime) Valid() bool { return d.valid && !d.Time.IsZero() }

// Version is one version a party speaks, with the URL of its details
// (OCPI 2.2.1, versions module: Version class).
type Version struct {
	Version string `json:"version"`
	URL     string `json:"url"`
}

// VersionDetails lists a party's endpoints in one version (OCPI 2.2.1, versions module: version details).
type VersionDetails struct {
	Version   string     `json:"version"`
	Endpoints []Endpoint `json:"endpoints"`
}

// Endpoint is one module interface of a party (OCPI 2.2.1, versions module: Endpoint).
type Endpoint struct {
	Identifier string `json:"identifier"`
	Role       string `json:"role"`
	URL        string `json:"url"`
}

// Credentials is the object exchanged at registration (OCPI 2.2.1, credentials module: Credentials object):
// the token the other party is to use, its versions URL and the roles of
// the platform.
type Credentials struct {
	Token string            `json:"token"`
	URL   string            `json:"url"`
	Roles []CredentialsRole `json:"roles"`
}

// CredentialsRole is one role a platform plays (OCPI 2.2.1, credentials module: CredentialsRole).
type CredentialsRole struct {
	Role            string          `json:"role"`
	BusinessDetails BusinessDetails `json:"business_details"`
	PartyID         string          `json:"party_id"`
	CountryCode     string          `json:"country_code"`
}

// BusinessDetails names a party (OCPI 2.2.1, locations module: BusinessDetails).
type BusinessDetails struct {
	Name    string `json:"name"`
	Website string `json:"website,omitempty"`
	Logo    *Image `json:"logo,omitempty"`
}

// Image is a picture with its URL (OCPI 2.2.1, locations module: Image).
type Image struct {
	URL       string `json:"url"`
	Thumbnail string `json:"thumbnail,omitempty"`
	Category  string `json:"category"`
	Type      string `json:"type"`
	Width     *int   `json:"width,omitempty"`
	Height    *int   `json:"height,omitempty"`
}

// DisplayText is a text in a language (OCPI 2.2.1, types: DisplayText).
type DisplayText struct {
	Language string `json:"language"`
	Text     string `json:"text"`
}

// GeoLocation is a WGS 84 position as decimal strings (OCPI 2.2.1, locations module: GeoLocation).
type GeoLocation struct {
	Latitude  string `json:"latitude"`
	Longitude string `json:"longitude"`
}

// Price is an amount without and with VAT (OCPI 2.2.1, types: Price).
type Price struct {
	ExclVAT float64  `json:"excl_vat"`
	InclVAT *float64 `json:"incl_vat,omitempty"`
	// exclMissing notes a received price without excl_vat, which
	// validation reports (0 is a valid price, so the value cannot tell).
	exclMissing bool
}

// UnmarshalJSON reads a Price, noting whether excl_vat was present.
func (p *Price) UnmarshalJSON(b []byte) error {
	var raw struct {
		ExclVAT *float64 `json:"excl_vat"`
		InclVAT *float64 `json:"incl_vat"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = Price{InclVAT: raw.InclVAT, exclMissing: raw.ExclVAT == nil}
	if raw.ExclVAT != nil {
		p.ExclVAT = *raw.ExclVAT
	}
	return nil
}

// Token is a driver's token an eMSP shares with CPOs (OCPI 2.2.1, tokens module: Token object).
type Token struct {
	CountryCode        string          `json:"country_code"`
	PartyID            string          `json:"party_id"`
	UID                string          `json:"uid"`
	Type               string          `json:"type"`
	ContractID         string          `json:"contract_id"`
	VisualNumber       string          `json:"visual_number,omitempty"`
	Issuer             string          `json:"issuer"`
	GroupID            string          `json:"group_id,omitempty"`
	Valid              *bool           `json:"valid"`
	Whitelist          string          `json:"whitelist"`
	Language           string          `json:"language,omitempty"`
	DefaultProfileType string          `json:"default_profile_type,omitempty"`
	EnergyContract     *EnergyContract `json:"energy_contract,omitempty"`
	LastUpdated        DateTime        `json:"last_updated"`
}

// EnergyContract is the driver's own energy supplier and contract (OCPI 2.2.1, tokens module: EnergyContract).
type EnergyContract struct {
	SupplierName string `json:"supplier_name"`
	ContractID   string `json:"contract_id,omitempty"`
}

// AuthorizationInfo answers a real-time authorization (OCPI 2.2.1, tokens module: AuthorizationInfo).
type AuthorizationInfo struct {
	Allowed                string              `json:"allowed"`
	Token                  Token               `json:"token"`
	Location               *LocationReferences `json:"location,omitempty"`
	AuthorizationReference string              `json:"authorization_reference,omitempty"`
	Info                   *DisplayText        `json:"info,omitempty"`
}

// LocationReferences names a location and some of its EVSEs and connectors
// (OCPI 2.2.1, tokens module: LocationReferences).
type LocationReferences struct {
	LocationID   string   `json:"location_id"`
	EVSEUIDs     []string `json:"evse_uids,omitempty"`
	ConnectorIDs []string `json:"connector_ids,omitempty"`
}

// CDR is the record of a finished charging session with its costs (OCPI 2.2.1, CDRs module: CDR object).
type CDR struct {
	CountryCode              string           `json:"country_code"`
	PartyID                  string           `json:"party_id"`
	ID                       string           `json:"id"`
	StartDateTime            DateTime         `json:"start_date_time"`
	EndDateTime              DateTime         `json:"end_date_time"`
	SessionID                string           `json:"session_id,omitempty"`
	CdrToken                 *CdrToken        `json:"cdr_token"`
	AuthMethod               string           `json:"auth_method"`
	AuthorizationReference   string           `json:"authorization_reference,omitempty"`
	CdrLocation              *CdrLocation     `json:"cdr_location"`
	MeterID                  string           `json:"meter_id,omitempty"`
	Currency                 string           `json:"currency"`
	Tariffs                  []Tariff         `json:"tariffs,omitempty"`
	ChargingPeriods          []ChargingPeriod `json:"charging_periods"`
	SignedData               *SignedData      `json:"signed_data,omitempty"`
	TotalCost                *Price           `json:"total_cost"`
	TotalFixedCost           *Price           `json:"total_fixed_cost,omitempty"`
	TotalEnergy              *float64         `json:"total_energy"`
	TotalEnergyCost          *Price           `json:"total_energy_cost,omitempty"`
	TotalTime                *float64         `json:"total_time"`
	TotalTimeCost            *Price           `json:"total_time_cost,omitempty"`
	TotalParkingTime         *float64         `json:"total_parking_time,omitempty"`
	TotalParkingCost         *Price           `json:"total_parking_cost,omitempty"`
	TotalReservationCost     *Price           `json:"total_reservation_cost,omitempty"`
	Remark                   string           `json:"remark,omitempty"`
	InvoiceReferenceID       string           `json:"invoice_reference_id,omitempty"`
	Credit                   *bool            `json:"credit,omitempty"`
	CreditReferenceID        string           `json:"credit_reference_id,omitempty"`
	HomeChargingCompensation *bool            `json:"home_charging_compensation,omitempty"`
	LastUpdated              DateTime         `json:"last_updated"`
}

// CdrToken identifies the token a CDR's session was started with (OCPI 2.2.1, CDRs module: CdrToken).
type CdrToken struct {
	CountryCode string `json:"country_code"`
	PartyID     string `json:"party_id"`
	UID         string `json:"uid"`
	Type        string `json:"type"`
	ContractID  string `json:"contract_id"`
}

// CdrLocation is the part of a location a CDR keeps (OCPI 2.2.1, CDRs module: CdrLocation).
type CdrLocation struct {
	ID                 string       `json:"id"`
	Name               string       `json:"name,omitempty"`
	Address            string       `json:"address"`
	City               string       `json:"city"`
	PostalCode         string       `json:"postal_code,omitempty"`
	State              string       `json:"state,omitempty"`
	Country            string       `json:"country"`
	Coordinates        *GeoLocation `json:"coordinates"`
	EVSEUID            string       `json:"evse_uid"`
	EVSEID             string       `json:"evse_id"`
	ConnectorID        string       `json:"connector_id"`
	ConnectorStandard  string       `json:"connector_standard"`
	ConnectorFormat    string       `json:"connector_format"`
	ConnectorPowerType string       `json:"connector_power_type"`
}

// ChargingPeriod is a stretch of a session with one relevant tariff (OCPI 2.2.1, CDRs module: ChargingPeriod).
type ChargingPeriod struct {
	StartDateTime DateTime       `json:"start_date_time"`
	Dimensions    []CdrDimension `json:"dimensions"`
	TariffID      string         `json:"tariff_id,omitempty"`
}

// CdrDimension is one measured quantity of a charging period (OCPI 2.2.1, CDRs module: CdrDimension).
type CdrDimension struct {
	Type   string   `json:"type"`
	Volume *float64 `json:"volume"`
}

// SignedData is the signed metering of a session (OCPI 2.2.1, CDRs module: SignedData).
type SignedData struct {
	EncodingMethod        string        `json:"encoding_method"`
	EncodingMethodVersion *int          `json:"encoding_method_version,omitempty"`
	PublicKey             string        `json:"public_key,omitempty"`
	SignedValues          []SignedValue `json:"signed_values"`
	URL                   string        `json:"url,omitempty"`
}

// SignedValue is one signed meter value with its plain text (OCPI 2.2.1, CDRs module: SignedValue).
type SignedValue struct {
	Nature     string `json:"nature"`
	PlainData  string `json:"plain_data"`
	SignedData string `json:"signed_data"`
}

// Tariff is a tariff as embedded in a CDR (OCPI 2.2.1, tariffs module: Tariff object), decoded
// only as far as a CDR receiver needs: its identity, currency and dates,
// validated; the elements and the rest are kept as received, because
// fleetcharge does not price CDRs by their tariffs (it takes the CDR's
// totals) and the tariffs module is not built yet. When it is, Tariff grows
// the full object.
type Tariff struct {
	CountryCode string          `json:"country_code"`
	PartyID     string          `json:"party_id"`
	ID          string          `json:"id"`
	Currency    string          `json:"currency"`
	Type        string          `json:"type,omitempty"`
	Elements    json.RawMessage `json:"elements"`
	StartDate   *DateTime       `json:"start_date_time,omitempty"`
	EndDate     *DateTime       `json:"end_date_time,omitempty"`
	LastUpdated DateTime        `json:"last_updated"`
}
