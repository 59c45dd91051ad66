package api

import (
	"encoding/json"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
)

// Request bodies. One struct serves a collection's POST (required tags
// apply) and its PATCH (only the fields present change; null clears a
// field). The tags are read by decode.go and by the OpenAPI document.

type organizationInput struct {
	Name     string `json:"name" required:"true" doc:"the organization's name, 1 to 200 characters"`
	ParentID fc.ID  `json:"parent_id" doc:"the parent organization; absent or null for a top-level one. Changing it moves the organization with its whole subtree"`
	Country  string `json:"country" doc:"ISO 3166-1 alpha-2 country code"`
}

type accountInput struct {
	OrganizationID fc.ID  `json:"organization_id" required:"true" doc:"the organization the account belongs to; moving an account is an asset migration, not a PATCH"`
	Name           string `json:"name" required:"true" doc:"the account's name"`
	Kind           string `json:"kind" required:"true" enum:"company,private" doc:"company or private"`
	// Billing data (issue 16), all optional.
	VATID        string `json:"vat_id" doc:"the account's VAT id with its country's prefix (EL for Greece), such as NL123456789B01; needs country"`
	Address      string `json:"address" doc:"the billing address: street and number"`
	PostalCode   string `json:"postal_code" doc:"the billing address's postal code"`
	City         string `json:"city" doc:"the billing address's city"`
	Country      string `json:"country" doc:"ISO 3166-1 alpha-2 code, such as NL; decides the VAT of its invoices"`
	BillingEmail string `json:"billing_email" doc:"where invoices are sent"`
	IBAN         string `json:"iban" doc:"where a station owner's self-billing invoices are paid; checked (ISO 13616)"`
}

type employeeInput struct {
	AccountID      fc.ID  `json:"account_id" required:"true" doc:"the company account the employee belongs to"`
	Name           string `json:"name" required:"true" doc:"the employee's name"`
	Email          string `json:"email" doc:"the employee's e-mail address"`
	EmployeeNumber string `json:"employee_number" doc:"the employer's number for the employee"`
	Active         bool   `json:"active" doc:"false for a former employee; true when absent on create"`
}

type cardInput struct {
	AccountID  fc.ID  `json:"account_id" required:"true" doc:"the account the card belongs to"`
	EmployeeID fc.ID  `json:"employee_id" doc:"the employee of that account the card is assigned to; null for none"`
	InternalID string `json:"internal_id" required:"true" doc:"the RFID UID, which stations send as the OCPP idTag: 1 to 20 printable ASCII characters, unique in the provider"`
	ExternalID string `json:"external_id" required:"true" doc:"the number printed on the card, unique in the provider"`
	Status     string `json:"status" enum:"active,inactive,deactivated" doc:"active (the default), inactive (blocked for now) or deactivated (for good)"`
	ValidUntil string `json:"valid_until" format:"date" doc:"the card's last valid day, YYYY-MM-DD in the provider's time zone; from the next day on, stations are told the card is Expired. Empty, null or absent: no end"`
}

type locationInput struct {
	AccountID  fc.ID    `json:"account_id" required:"true" doc:"the account the location belongs to"`
	Name       string   `json:"name" required:"true" doc:"the location's name"`
	Kind       string   `json:"kind" required:"true" enum:"office,home,public" doc:"office, home or public"`
	Address    string   `json:"address" doc:"street and number"`
	City       string   `json:"city" doc:"the city"`
	PostalCode string   `json:"postal_code" doc:"the postal code"`
	Country    string   `json:"country" doc:"ISO 3166-1 alpha-2 country code"`
	EmployeeID fc.ID    `json:"employee_id" doc:"for a home: the employee (of the same account) who lives there"`
	MaxPowerKW *Decimal `json:"max_power_kw" doc:"load management: the most the location's charging sessions may draw together, in kW, more than 0 with at most 3 decimals; null or absent: no limit"`
	Phases     int      `json:"phases" doc:"the grid connection's phases, 1 or 3; null or absent: 3"`
	Voltage    int      `json:"voltage" doc:"the voltage per phase, 100 to 480; null or absent: 230"`
	// LoadSharing is checked against fc.LoadShareEqual and fc.LoadSharePriority.
	LoadSharing string `json:"load_sharing" enum:"equal,priority" doc:"how load management shares the limit over the charging sessions: equal (the default, an equal share each) or priority (the sessions of the charge groups with the highest load_priority first); null or absent: equal"`
	Latitude    string `json:"latitude" doc:"WGS84 latitude in decimal degrees as OCPI writes it, from -90 to 90 with 5 to 7 decimals (52.0907374); given with longitude; empty or null: unknown"`
	Longitude   string `json:"longitude" doc:"WGS84 longitude in decimal degrees as OCPI writes it, from -180 to 180 with 5 to 7 decimals (5.1214201); given with latitude; empty or null: unknown"`
}

type tariffInput struct {
	Currency  string  `json:"currency" required:"true" doc:"ISO 4217 currency code"`
	PerKWh    Decimal `json:"per_kwh" doc:"price per kWh, at most 6 decimals; 0 when absent"`
	PerMinute Decimal `json:"per_minute" doc:"price per minute of charging, at most 6 decimals; 0 when absent"`
	StartFee  Decimal `json:"start_fee" doc:"price per session, at most 6 decimals; 0 when absent"`
	// Since issue 16 (docs/TARIFFS.md).
	TimeOfDay        []tariffBandInput `json:"time_of_day" doc:"time-of-day energy prices on the provider's clock, bands that do not overlap; energy outside every band costs per_kwh; absent or empty: none"`
	IdleFeePerMinute Decimal           `json:"idle_fee_per_minute" doc:"price per minute (prorated by the second) from idle_grace_minutes after charging ended to the stop, at most 6 decimals; 0 when absent"`
	IdleGraceMinutes int               `json:"idle_grace_minutes" doc:"minutes after charging ended without idle fee, 0 to 1440; 0 when absent"`
	MinPrice         Decimal           `json:"min_price" doc:"the least a session that delivered energy costs; 0 or absent: no minimum"`
	MaxPrice         Decimal           `json:"max_price" doc:"the most a session costs, idle fee included; 0 or absent: no maximum"`
	ValidFrom        time.Time         `json:"valid_from" doc:"RFC 3339: a changed tariff is a new version for the sessions that start from this time; absent: from now. Sessions that started before keep their version"`
}

type chargeGroupInput struct {
	AccountID              fc.ID       `json:"account_id" required:"true" doc:"the account the charge group belongs to"`
	Name                   string      `json:"name" required:"true" doc:"the group's name"`
	Kind                   string      `json:"kind" required:"true" enum:"home,other" doc:"home (an employee's home charging) or other"`
	Access                 string      `json:"access" required:"true" enum:"public,restricted" doc:"public admits every card; restricted only those listed below"`
	AllowedAccountIDs      []fc.ID     `json:"allowed_account_ids" doc:"restricted: the accounts whose cards it admits"`
	AllowedOrganizationIDs []fc.ID     `json:"allowed_organization_ids" doc:"restricted: the organizations (with their subtrees) whose accounts' cards it admits"`
	AllowedCardIDs         []fc.ID     `json:"allowed_card_ids" doc:"restricted: single cards it admits"`
	Tariff                 tariffInput `json:"tariff" required:"true" doc:"the prices of every session on the group's stations"`
	LoadPriority           int         `json:"load_priority" doc:"at locations that share their limit by priority, the group's sessions are served before those of groups with a lower priority: -1000 to 1000; null or absent: 0"`
	Roaming                bool        `json:"roaming" doc:"true: the group's stations are published to OCPI partners and admit their tokens; null or absent: false"`
}

type stationInput struct {
	AccountID     fc.ID  `json:"account_id" required:"true" doc:"the account the station belongs to"`
	LocationID    fc.ID  `json:"location_id" required:"true" doc:"a location of the same account"`
	ChargeGroupID fc.ID  `json:"charge_group_id" required:"true" doc:"a charge group of the same account"`
	Identity      string `json:"identity" required:"true" doc:"the OCPP identity, the last segment of the station's URL: 1 to 48 of A-Z a-z 0-9 . _ -"`
	Password      string `json:"password" doc:"the OCPP Basic auth password, 16 to 40 printable ASCII characters; write-only. On create, when absent, one is generated and returned once"`
	Connectors    int    `json:"connectors" doc:"on create only: the number of charge points (connectors 1..n), 1 to 32; 1 when absent"`
	Vendor        string `json:"vendor" doc:"the station's vendor"`
	Model         string `json:"model" doc:"the station's model"`
	SerialNumber  string `json:"serial_number" doc:"the station's serial number"`
	Firmware      string `json:"firmware_version" doc:"the station's firmware version"`
	// ConnectorMaxPowerKW is in kW like a location's max_power_kw.
	ConnectorMaxPowerKW *Decimal `json:"connector_max_power_kw" doc:"load management: the most each connector delivers, in kW, more than 0 and at most 1000 with at most 3 decimals; null or absent: unknown"`
}

type sessionInput struct {
	ExternalRef  string    `json:"external_ref" required:"true" doc:"the session's reference where it comes from; importing the same reference again returns the stored session (200) instead of creating one (201)"`
	CardID       fc.ID     `json:"card_id" doc:"the card; or give id_tag"`
	IDTag        string    `json:"id_tag" doc:"the card's internal ID (OCPP idTag), compared without case; or give card_id"`
	StationID    fc.ID     `json:"station_id" doc:"an own station; give connector_id with it. Without it, give location_kind and location_name"`
	ConnectorID  int       `json:"connector_id" doc:"the station's connector"`
	LocationKind string    `json:"location_kind" enum:"public,home,office" doc:"for a session elsewhere: public, home or office"`
	LocationName string    `json:"location_name" doc:"for a session elsewhere: where it was"`
	StartedAt    time.Time `json:"started_at" required:"true" doc:"RFC 3339"`
	StoppedAt    time.Time `json:"stopped_at" required:"true" doc:"RFC 3339, after started_at"`
	EnergyKWh    Decimal   `json:"energy_kwh" required:"true" doc:"energy charged in kWh, at most 3 decimals"`
	Cost         Decimal   `json:"cost" required:"true" doc:"what the session cost, in currency, at most as many decimals as its minor unit"`
	Currency     string    `json:"currency" required:"true" doc:"ISO 4217 currency code"`
	MeterStartWh int64     `json:"meter_start_wh" doc:"the meter reading at the start in Wh; 0 when absent"`
}

type userInput struct {
	Email    string `json:"email" required:"true" doc:"the sign-in address, unique on the platform"`
	Name     string `json:"name" doc:"the user's name"`
	Disabled bool   `json:"disabled" doc:"a disabled user cannot sign in nor use its API tokens"`
	Language string `json:"language" doc:"the language of the user's mails and pages: en, nl, de or fr; empty for none chosen (English, or the browser's on the pages)"`
}

type assignmentInput struct {
	UserID         fc.ID  `json:"user_id" required:"true" doc:"the user who gets the role"`
	Role           string `json:"role" required:"true" enum:"provider_admin,fleet_manager,facility_manager,account_admin,driver" doc:"the role"`
	OrganizationID fc.ID  `json:"organization_id" doc:"the organization the role holds on, with its whole subtree; or give account_id; neither for provider_admin on the whole provider"`
	AccountID      fc.ID  `json:"account_id" doc:"the single account the role holds on"`
	EmployeeID     fc.ID  `json:"employee_id" doc:"the employee a driver role holds on (the driver role only, and it only)"`
}

type remoteStartInput struct {
	ConnectorID int    `json:"connector_id" doc:"the connector; 0 or absent lets the station choose"`
	IDTag       string `json:"id_tag" required:"true" doc:"the idTag to charge with"`
}

type remoteStopInput struct {
	TransactionID fc.ID `json:"transaction_id" required:"true" doc:"the ID of the running session to stop"`
}

type resetInput struct {
	Type string `json:"type" required:"true" enum:"Soft,Hard" doc:"Soft or Hard"`
}

type unlockInput struct {
	ConnectorID int `json:"connector_id" required:"true" doc:"the connector to unlock, from 1"`
}

type changeAvailabilityInput struct {
	ConnectorID int    `json:"connector_id" required:"true" doc:"the connector; 0 for the whole station"`
	Type        string `json:"type" required:"true" enum:"Operative,Inoperative" doc:"Operative or Inoperative"`
}

// Responses beyond the domain types.

// listPage is the body of every list: the items, and the cursor of the
// next page (null on the last one).
type listPage[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

type tariffView struct {
	Currency  string      `json:"currency" doc:"ISO 4217 currency code"`
	PerKWh    json.Number `json:"per_kwh" doc:"price per kWh"`
	PerMinute json.Number `json:"per_minute" doc:"price per minute of charging"`
	StartFee  json.Number `json:"start_fee" doc:"price per session"`
	// Since issue 16 (docs/TARIFFS.md).
	TimeOfDay        []tariffBandView `json:"time_of_day,omitempty" doc:"time-of-day energy prices on the provider's clock; energy outside every band costs per_kwh; absent: none"`
	IdleFeePerMinute json.Number      `json:"idle_fee_per_minute,omitempty" doc:"price per minute from idle_grace_minutes after charging ended to the stop; absent: none"`
	IdleGraceMinutes int              `json:"idle_grace_minutes,omitempty" doc:"minutes after charging ended without idle fee; absent: 0"`
	MinPrice         json.Number      `json:"min_price,omitempty" doc:"the least a session that delivered energy costs; absent: no minimum"`
	MaxPrice         json.Number      `json:"max_price,omitempty" doc:"the most a session costs; absent: no maximum"`
}

type chargeGroupView struct {
	*fc.ChargeGroup
	Tariff       tariffView `json:"tariff" doc:"the prices of every session on the group's stations, exact decimals"`
	LoadPriority int        `json:"load_priority" doc:"at locations that share their limit by priority, the group's sessions are served before those of groups with a lower priority (-1000 to 1000, 0 by default)"`
	Roaming      bool       `json:"roaming" doc:"whether the group's stations are published to OCPI partners and admit their tokens"`
}

func viewChargeGroup(g *fc.ChargeGroup) chargeGroupView {
	return chargeGroupView{ChargeGroup: g, Tariff: viewTariff(g.Tariff), LoadPriority: g.LoadPriority, Roaming: g.Roaming}
}

// micros renders millionths as a decimal without trailing zeros.
func micros(v int64) json.Number {
	s := string(decimalNumber(v, 6))
	return json.Number(strings.TrimSuffix(strings.TrimRight(s, "0"), "."))
}

// stationView is a station as the API shows it: its connector maximum in
// kW, exactly.
type stationView struct {
	*fc.Station
	ConnectorMaxPowerKW *json.Number `json:"connector_max_power_kw" doc:"load management: the most each connector delivers, in kW with up to 3 decimals; null: unknown (the location's limit bounds it)"`
}

func viewStation(st *fc.Station) stationView {
	v := stationView{Station: st}
	if st.ConnectorMaxW > 0 {
		kw := decimalNumber(st.ConnectorMaxW, 3)
		v.ConnectorMaxPowerKW = &kw
	}
	return v
}

type stationCreatedView struct {
	stationView
	Password string `json:"password,omitempty" doc:"the generated OCPP password, shown this once; absent when the request gave one"`
}

type sessionView struct {
	*fc.Session
	EnergyKWh       json.Number `json:"energy_kwh" doc:"energy charged, kWh with 3 decimals"`
	DurationMinutes json.Number `json:"duration_minutes" doc:"duration, minutes with one decimal"`
	Cost            json.Number `json:"cost" doc:"the cost in currency, with as many decimals as its minor unit"`
	CardMasked      bool        `json:"card_masked" doc:"the caller sees the session from the station side only: the card's external ID is masked to its last four characters, and card_id, card_account_id, employee_id and id_tag are null or absent"`
}

func viewSession(x *fc.Session) sessionView {
	return sessionView{Session: x,
		EnergyKWh:       decimalNumber(x.EnergyWh, 3),
		DurationMinutes: decimalNumber((x.DurationSeconds*10+30)/60, 1),
		Cost:            decimalNumber(x.CostMinor, fc.MinorDigits(x.Currency)),
		CardMasked:      x.CardMasked}
}

type userCreatedView struct {
	*fc.User
	Password string `json:"password" doc:"the one-time password, shown this once; the user must change it at the first sign-in"`
}

type auditView struct {
	*fc.AuditEvent
	Before json.RawMessage `json:"before" doc:"the object before the change, null for a creation"`
	After  json.RawMessage `json:"after" doc:"the object after the change, null for a deletion"`
}

func viewAudit(e *fc.AuditEvent) auditView {
	raw := func(s string) json.RawMessage {
		if s == "" || !json.Valid([]byte(s)) {
			return json.RawMessage("null")
		}
		return json.RawMessage(s)
	}
	return auditView{AuditEvent: e, Before: raw(e.Before), After: raw(e.After)}
}

type bulkResult struct {
	Index       int          `json:"index" doc:"the row's position in the request, from 0 (for CSV, the first line after the header)"`
	Status      string       `json:"status" enum:"created,existing,failed" doc:"created, existing (imported before with the same external_ref) or failed"`
	ExternalRef string       `json:"external_ref,omitempty" doc:"the row's external_ref"`
	ID          fc.ID        `json:"id" doc:"the stored session; null when failed"`
	Error       *errorDetail `json:"error,omitempty" doc:"why the row failed"`
}

type bulkResponse struct {
	Created  int          `json:"created" doc:"rows imported now"`
	Existing int          `json:"existing" doc:"rows imported before"`
	Failed   int          `json:"failed" doc:"rows not imported"`
	Results  []bulkResult `json:"results" doc:"one per row, in order"`
}

// The types app returns as they are, named here for the route table.
type (
	meView          = app.Access
	explanationView = app.Explanation
	commandView     = app.CommandResult
)
