package fleetcharge

import "time"

// Charge group kinds and access policies.
const (
	GroupHome  = "home"
	GroupOther = "other"

	AccessPublic     = "public"
	AccessRestricted = "restricted"
)

// Tariff prices every session on a charge group's stations. Prices are in
// millionths of the currency's unit (0.35 EUR per kWh is 350000), so that
// they are exact; a session's cost is rounded to the currency's minor unit.
type Tariff struct {
	Currency        string `json:"currency"` // ISO 4217
	PerKWhMicros    int64  `json:"-"`
	PerMinuteMicros int64  `json:"-"`
	StartFeeMicros  int64  `json:"-"`
	// Bands are time-of-day energy prices read on the provider's clock;
	// energy outside every band costs PerKWhMicros (see Price).
	Bands []TariffBand `json:"-"`
	// IdleFeePerMinuteMicros is charged per minute (prorated by the
	// second) from IdleGraceMinutes after charging ended to the stop.
	IdleFeePerMinuteMicros int64 `json:"-"`
	IdleGraceMinutes       int   `json:"-"`
	// MinPriceMicros and MaxPriceMicros bound a session's cost; 0 is no
	// bound. The minimum applies only to a session that delivered energy.
	MinPriceMicros int64 `json:"-"`
	MaxPriceMicros int64 `json:"-"`
	// VersionID and ValidFrom name the version of the tariff read (the one
	// in effect now, for a charge group); ValidFrom of a tariff written is
	// when its new version takes effect (zero: now).
	VersionID ID        `json:"-"`
	ValidFrom time.Time `json:"-"`
}

// ChargeGroup is a set of charge points sharing an access policy and a tariff.
type ChargeGroup struct {
	ID                     ID     `json:"id"`
	ProviderID             ID     `json:"-"`
	AccountID              ID     `json:"account_id"`
	Name                   string `json:"name"`
	Kind                   string `json:"kind"`
	Access                 string `json:"access"`
	AllowedAccountIDs      []ID   `json:"allowed_account_ids"`
	AllowedOrganizationIDs []ID   `json:"allowed_organization_ids"`
	AllowedCardIDs         []ID   `json:"allowed_card_ids"`
	Tariff                 Tariff `json:"tariff"`
	// LoadPriority orders the group's sessions at locations that share by
	// priority: higher first (MinLoadPriority to MaxLoadPriority).
	LoadPriority int `json:"load_priority"`
	// Roaming publishes the group's stations to OCPI partners, whose tokens
	// they then admit.
	Roaming   bool      `json:"roaming"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Station connection states.
const (
	StationOnline  = "online"
	StationOffline = "offline"
)

// OCPP versions a station speaks (Station.OCPPVersion), as named by their
// WebSocket subprotocols without the "ocpp" prefix.
const (
	OCPP16  = "1.6"
	OCPP201 = "2.0.1"
)

// Station is a charge station, known to the OCPP endpoint by its Identity.
type Station struct {
	ID            ID     `json:"id"`
	ProviderID    ID     `json:"-"`
	AccountID     ID     `json:"account_id"`
	LocationID    ID     `json:"location_id"`
	ChargeGroupID ID     `json:"charge_group_id"`
	Identity      string `json:"identity"`
	PasswordHash  string `json:"-"`
	Vendor        string `json:"vendor,omitempty"`
	Model         string `json:"model,omitempty"`
	SerialNumber  string `json:"serial_number,omitempty"`
	Firmware      string `json:"firmware_version,omitempty"`
	Connection    string `json:"connection"` // StationOnline or StationOffline
	// ConnectorMaxW is the most each connector delivers, in watts; 0 when
	// unknown (API: connector_max_power_kw).
	ConnectorMaxW int64 `json:"-"`
	// OCPPVersion is the version the station spoke on its last connection
	// (OCPP16 or OCPP201); empty until it first connects.
	OCPPVersion     string        `json:"ocpp_version" doc:"the OCPP version of the station's last connection: 1.6 or 2.0.1; empty before it first connects"`
	LastHeartbeatAt *time.Time    `json:"last_heartbeat_at"`
	LastBootAt      *time.Time    `json:"last_boot_at"`
	ChargePoints    []ChargePoint `json:"charge_points"`
	CreatedAt       time.Time     `json:"created_at"`
	UpdatedAt       time.Time     `json:"updated_at"`
}

// ChargePoint is one connector of a station (OCPP connectorId 1..n) with its
// live status as the station last reported it.
type ChargePoint struct {
	ID          ID         `json:"id"`
	StationID   ID         `json:"station_id"`
	ConnectorID int        `json:"connector_id"`
	Status      string     `json:"status"` // OCPP ChargePointStatus, "Unknown" before the first report
	ErrorCode   string     `json:"error_code,omitempty"`
	StatusAt    *time.Time `json:"status_at"`
}
