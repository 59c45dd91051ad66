package ocpi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldError is one invalid field of an object, by its JSON path
// ("cdr_token.uid", "charging_periods[0].dimensions[1].type").
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// FieldErrors are the invalid fields of an object, in the order found.
type FieldErrors []FieldError

// Error lists the fields and their messages: "uid: required; type: must be
// one of …".
func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Path + ": " + e.Message
	}
	return strings.Join(parts, "; ")
}

// Map returns the errors by path (the first message of a path).
func (fe FieldErrors) Map() map[string]string {
	m := make(map[string]string, len(fe))
	for _, e := range fe {
		if _, ok := m[e.Path]; !ok {
			m[e.Path] = e.Message
		}
	}
	return m
}

func (fe *FieldErrors) add(path, msg string) {
	*fe = append(*fe, FieldError{Path: path, Message: msg})
}

// Validator is an OCPI object that checks itself against its 2.2.1
// definition.
type Validator interface {
	Validate() FieldErrors
}

// MaxBodySize bounds what Decode and the client read of one message body.
const MaxBodySize = 4 << 20

// Decode reads one JSON value into v. Text that is not JSON, or more than
// one value, is the transport's failure: an *Error with HTTP 400 and 2001
// (OCPI 2.2.1, Status codes). A value of the wrong JSON type for a field is
// an OCPI-level 2001 (HTTP 200) naming the field.
//
// Unknown fields are ignored, not refused. OCPI 2.2.1 does not refuse
// them: parties may extend modules by agreement (versions module: Custom
// Modules), later versions add fields to the same objects, and a receiver
// is to process what it understands (Transport and format: GET). Refusing
// an object for a field fleetcharge does not read would break roaming with
// a partner for no gain.
func Decode(r io.Reader, v any) error {
	b, err := io.ReadAll(io.LimitReader(r, MaxBodySize+1))
	if err != nil {
		return &Error{HTTPStatus: http.StatusBadRequest, Code: StatusInvalidParameters, Message: "the body could not be read"}
	}
	if len(b) > MaxBodySize {
		return &Error{HTTPStatus: http.StatusRequestEntityTooLarge, Code: StatusInvalidParameters, Message: "the body is too large"}
	}
	return DecodeBytes(b, v)
}

// DecodeBytes is Decode over a body already read.
func DecodeBytes(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			path := te.Field
			if path == "" {
				path = "(body)"
			}
			return Invalid(FieldErrors{{Path: path, Message: "must be a JSON " + jsonKind(te.Type.Kind().String())}})
		}
		return &Error{HTTPStatus: http.StatusBadRequest, Code: StatusInvalidParameters, Message: "the body is not valid JSON"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{HTTPStatus: http.StatusBadRequest, Code: StatusInvalidParameters, Message: "the body holds more than one JSON value"}
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	default:
		return "number"
	}
}

// DecodeValid decodes r into v and validates it: a 2001 *Error naming the
// fields when it is not a valid object.
func DecodeValid(r io.Reader, v Validator) error {
	if err := Decode(r, v); err != nil {
		return err
	}
	if fe := v.Validate(); len(fe) > 0 {
		return Invalid(fe)
	}
	return nil
}

// check collects field errors under a path prefix.
type check struct {
	errs   *FieldErrors
	prefix string
}

func newCheck() check { return check{errs: &FieldErrors{}} }

func (c check) path(name string) string {
	if c.prefix == "" {
		return name
	}
	return c.prefix + "." + name
}

// in returns a check for a nested object.
func (c check) in(name string) check { return check{errs: c.errs, prefix: c.path(name)} }

// at returns a check for element i of the array name.
func (c check) at(name string, i int) check {
	return check{errs: c.errs, prefix: fmt.Sprintf("%s[%d]", c.path(name), i)}
}

func (c check) fail(name, msg string) { c.errs.add(c.path(name), msg) }

// ciString checks a CiString(max): printable ASCII.
func (c check) ciString(name, v string, max int, required bool) {
	if v == "" {
		if required {
			c.fail(name, "required")
		}
		return
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			c.fail(name, "must be printable ASCII")
			return
		}
	}
	if len(v) > max {
		c.fail(name, fmt.Sprintf("must be at most %d characters", max))
	}
}

// str checks a string(max): printable UTF-8, no line breaks or tabs.
func (c check) str(name, v string, max int, required bool) {
	if v == "" {
		if required {
			c.fail(name, "required")
		}
		return
	}
	if !utf8.ValidString(v) {
		c.fail(name, "must be UTF-8")
		return
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			c.fail(name, "must be printable (no line breaks, tabs or control characters)")
			return
		}
	}
	if utf8.RuneCountInString(v) > max {
		c.fail(name, fmt.Sprintf("must be at most %d characters", max))
	}
}

// oneOf checks an enum value.
func (c check) oneOf(name, v string, required bool, allowed []string) {
	if v == "" {
		if required {
			c.fail(name, "required")
		}
		return
	}
	if !slices.Contains(allowed, v) {
		c.fail(name, "must be one of "+strings.Join(allowed, ", "))
	}
}

// url checks a URL: string(255), absolute http or https.
func (c check) url(name, v string, required bool) {
	if v == "" {
		if required {
			c.fail(name, "required")
		}
		return
	}
	if len(v) > 255 {
		c.fail(name, "must be at most 255 characters")
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		c.fail(name, "must be an absolute http(s) URL")
	}
}

// dateTime checks a DateTime.
func (c check) dateTime(name string, d DateTime, required bool) {
	switch {
	case d.raw != "":
		c.fail(name, "must be an OCPI DateTime in UTC (e.g. 2015-06-29T20:39:09Z)")
	case required && !d.Valid():
		c.fail(name, "required")
	}
}

// number checks a required number, within [min, max] when min < max.
func (c check) number(name string, v *float64, required bool, min, max float64) {
	if v == nil {
		if required {
			c.fail(name, "required")
		}
		return
	}
	if min < max && (*v < min || *v > max) {
		c.fail(name, fmt.Sprintf("must be between %g and %g", min, max))
	}
}

// notNegative refuses a negative quantity.
func (c check) notNegative(name string, v *float64) {
	if v != nil && *v < 0 {
		c.fail(name, "must not be negative")
	}
}

func (c check) price(name string, p *Price, required bool) {
	if p == nil {
		if required {
			c.fail(name, "required")
		}
		return
	}
	// excl_vat is required; a Go float64 cannot tell it absent from 0,
	// which is a valid price, so presence is checked by UnmarshalJSON.
	if p.exclMissing {
		c.fail(name+".excl_vat", "required")
	}
}

// Enumerations of OCPI 2.2.1.
var (
	roles           = []string{"CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"}
	interfaceRoles  = []string{RoleSender, RoleReceiver}
	imageCategories = []string{"CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER"}
	tokenTypes      = []string{"AD_HOC_USER", "APP_USER", "OTHER", "RFID"}
	whitelistTypes  = []string{"ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"}
	profileTypes    = []string{"CHEAPEST", "FASTEST", "GREEN", "REGULAR"}
	allowedTypes    = []string{"ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"}
	authMethods     = []string{"AUTH_REQUEST", "COMMAND", "WHITELIST"}
	// CdrDimensionType: CURRENT, ENERGY_EXPORT, ENERGY_IMPORT, POWER and
	// STATE_OF_CHARGE are meant for sessions only, but a CDR carrying one
	// is still readable; they are accepted.
	cdrDimensionTypes = []string{"CURRENT", "ENERGY", "ENERGY_EXPORT", "ENERGY_IMPORT", "MAX_CURRENT", "MIN_CURRENT",
		"MAX_POWER", "MIN_POWER", "PARKING_TIME", "POWER", "RESERVATION_TIME", "STATE_OF_CHARGE", "TIME"}
	connectorTypes = []string{"CHADEMO", "CHAOJI",
		"DOMESTIC_A", "DOMESTIC_B", "DOMESTIC_C", "DOMESTIC_D", "DOMESTIC_E", "DOMESTIC_F", "DOMESTIC_G", "DOMESTIC_H",
		"DOMESTIC_I", "DOMESTIC_J", "DOMESTIC_K", "DOMESTIC_L", "DOMESTIC_M", "DOMESTIC_N", "DOMESTIC_O",
		"GBT_AC", "GBT_DC", "IEC_60309_2_single_16", "IEC_60309_2_three_16", "IEC_60309_2_three_32", "IEC_60309_2_three_64",
		"IEC_62196_T1", "IEC_62196_T1_COMBO", "IEC_62196_T2", "IEC_62196_T2_COMBO", "IEC_62196_T3A", "IEC_62196_T3C",
		"NEMA_5_20", "NEMA_6_30", "NEMA_6_50", "NEMA_10_30", "NEMA_10_50", "NEMA_14_30", "NEMA_14_50",
		"PANTOGRAPH_BOTTOM_UP", "PANTOGRAPH_TOP_DOWN", "TESLA_R", "TESLA_S"}
	connectorFormats = []string{"SOCKET", "CABLE"}
	powerTypes       = []string{"AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"}
	tariffTypes      = []string{"AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR"}

	latitudePattern  = regexp.MustCompile(`^-?[0-9]{1,2}\.[0-9]{5,7}$`)
	longitudePattern = regexp.MustCompile(`^-?[0-9]{1,3}\.[0-9]{5,7}$`)
)

// Validate checks a Version.
func (v *Version) Validate() FieldErrors {
	c := newCheck()
	v.check(c)
	return *c.errs
}

func (v *Version) check(c check) {
	// VersionNumber lists the known versions; a partner may list newer
	// ones, which are not ours to refuse.
	c.str("version", v.Version, 10, true)
	c.url("url", v.URL, true)
}

// ValidateVersions checks the list a versions endpoint answers.
func ValidateVersions(vs []Version) FieldErrors {
	c := newCheck()
	for i := range vs {
		vs[i].check(c.at("", i))
	}
	return *c.errs
}

// Validate checks VersionDetails.
func (v *VersionDetails) Validate() FieldErrors {
	c := newCheck()
	c.str("version", v.Version, 10, true)
	if len(v.Endpoints) == 0 {
		c.fail("endpoints", "at least one endpoint is required")
	}
	for i, e := range v.Endpoints {
		ec := c.at("endpoints", i)
		// ModuleID may be extended with custom modules: any identifier.
		ec.ciString("identifier", e.Identifier, 255, true)
		ec.oneOf("role", e.Role, true, interfaceRoles)
		ec.url("url", e.URL, true)
	}
	return *c.errs
}

// Validate checks Credentials.
func (cr *Credentials) Validate() FieldErrors {
	c := newCheck()
	switch {
	case cr.Token == "":
		c.fail("token", "required")
	case !printableToken(cr.Token):
		c.fail("token", "must be printable characters without whitespace")
	case len(cr.Token) > 64:
		c.fail("token", "must be at most 64 characters")
	}
	c.url("url", cr.URL, true)
	if len(cr.Roles) == 0 {
		c.fail("roles", "at least one role is required")
	}
	for i, r := range cr.Roles {
		rc := c.at("roles", i)
		rc.oneOf("role", r.Role, true, roles)
		r.BusinessDetails.check(rc.in("business_details"))
		rc.ciString("party_id", r.PartyID, 3, true)
		rc.ciString("country_code", r.CountryCode, 2, true)
	}
	return *c.errs
}

func (b *BusinessDetails) check(c check) {
	c.str("name", b.Name, 100, true)
	c.url("website", b.Website, false)
	if b.Logo != nil {
		b.Logo.check(c.in("logo"))
	}
}

func (im *Image) check(c check) {
	c.url("url", im.URL, true)
	c.url("thumbnail", im.Thumbnail, false)
	c.oneOf("category", im.Category, true, imageCategories)
	c.ciString("type", im.Type, 4, true)
	for _, d := range []struct {
		name string
		v    *int
	}{{"width", im.Width}, {"height", im.Height}} {
		if d.v != nil && (*d.v < 0 || *d.v > 99999) {
			c.fail(d.name, "must be between 0 and 99999")
		}
	}
}

func (d *DisplayText) check(c check) {
	c.str("language", d.Language, 2, true)
	c.str("text", d.Text, 512, true)
}

func (g *GeoLocation) check(c check) {
	if g.Latitude == "" {
		c.fail("latitude", "required")
	} else if len(g.Latitude) > 10 || !latitudePattern.MatchString(g.Latitude) {
		c.fail("latitude", "must be decimal degrees with 5 to 7 decimals (e.g. 51.047599)")
	}
	if g.Longitude == "" {
		c.fail("longitude", "required")
	} else if len(g.Longitude) > 11 || !longitudePattern.MatchString(g.Longitude) {
		c.fail("longitude", "must be decimal degrees with 5 to 7 decimals (e.g. 3.729944)")
	}
}

// Validate checks a Token.
func (t *Token) Validate() FieldErrors {
	c := newCheck()
	t.check(c)
	return *c.errs
}

func (t *Token) check(c check) {
	c.ciString("country_code", t.CountryCode, 2, true)
	c.ciString("party_id", t.PartyID, 3, true)
	c.ciString("uid", t.UID, 36, true)
	c.oneOf("type", t.Type, true, tokenTypes)
	c.ciString("contract_id", t.ContractID, 36, true)
	c.str("visual_number", t.VisualNumber, 64, false)
	c.str("issuer", t.Issuer, 64, true)
	c.ciString("group_id", t.GroupID, 36, false)
	if t.Valid == nil {
		c.fail("valid", "required")
	}
	c.oneOf("whitelist", t.Whitelist, true, whitelistTypes)
	c.str("language", t.Language, 2, false)
	c.oneOf("default_profile_type", t.DefaultProfileType, false, profileTypes)
	if t.EnergyContract != nil {
		ec := c.in("energy_contract")
		ec.str("supplier_name", t.EnergyContract.SupplierName, 64, true)
		ec.str("contract_id", t.EnergyContract.ContractID, 64, false)
	}
	c.dateTime("last_updated", t.LastUpdated, true)
}

// Validate checks AuthorizationInfo.
func (a *AuthorizationInfo) Validate() FieldErrors {
	c := newCheck()
	c.oneOf("allowed", a.Allowed, true, allowedTypes)
	a.Token.check(c.in("token"))
	if a.Location != nil {
		lc := c.in("location")
		lc.ciString("location_id", a.Location.LocationID, 36, true)
		for i, id := range a.Location.EVSEUIDs {
			lc.ciString(fmt.Sprintf("evse_uids[%d]", i), id, 36, true)
		}
		for i, id := range a.Location.ConnectorIDs {
			lc.ciString(fmt.Sprintf("connector_ids[%d]", i), id, 36, true)
		}
	}
	c.ciString("authorization_reference", a.AuthorizationReference, 36, false)
	if a.Info != nil {
		a.Info.check(c.in("info"))
	}
	return *c.errs
}

// Validate checks a CDR.
func (d *CDR) Validate() FieldErrors {
	c := newCheck()
	c.ciString("country_code", d.CountryCode, 2, true)
	c.ciString("party_id", d.PartyID, 3, true)
	// 39 leaves room for a credit CDR's suffix; others have at most 36.
	idMax := 36
	if d.Credit != nil && *d.Credit {
		idMax = 39
	}
	c.ciString("id", d.ID, idMax, true)
	c.dateTime("start_date_time", d.StartDateTime, true)
	c.dateTime("end_date_time", d.EndDateTime, true)
	if d.StartDateTime.Valid() && d.EndDateTime.Valid() && d.EndDateTime.Before(d.StartDateTime.Time) {
		c.fail("end_date_time", "must not be before start_date_time")
	}
	c.ciString("session_id", d.SessionID, 36, false)
	if d.CdrToken == nil {
		c.fail("cdr_token", "required")
	} else {
		tc := c.in("cdr_token")
		tc.ciString("country_code", d.CdrToken.CountryCode, 2, true)
		tc.ciString("party_id", d.CdrToken.PartyID, 3, true)
		tc.ciString("uid", d.CdrToken.UID, 36, true)
		tc.oneOf("type", d.CdrToken.Type, true, tokenTypes)
		tc.ciString("contract_id", d.CdrToken.ContractID, 36, true)
	}
	c.oneOf("auth_method", d.AuthMethod, true, authMethods)
	c.ciString("authorization_reference", d.AuthorizationReference, 36, false)
	if d.CdrLocation == nil {
		c.fail("cdr_location", "required")
	} else {
		d.CdrLocation.check(c.in("cdr_location"))
	}
	c.str("meter_id", d.MeterID, 255, false)
	c.str("currency", d.Currency, 3, true)
	for i := range d.Tariffs {
		d.Tariffs[i].check(c.at("tariffs", i))
	}
	if len(d.ChargingPeriods) == 0 {
		c.fail("charging_periods", "at least one charging period is required")
	}
	for i, p := range d.ChargingPeriods {
		pc := c.at("charging_periods", i)
		pc.dateTime("start_date_time", p.StartDateTime, true)
		if len(p.Dimensions) == 0 {
			pc.fail("dimensions", "at least one dimension is required")
		}
		for j, dim := range p.Dimensions {
			dc := pc.at("dimensions", j)
			dc.oneOf("type", dim.Type, true, cdrDimensionTypes)
			if dim.Type == "STATE_OF_CHARGE" {
				dc.number("volume", dim.Volume, true, 0, 100)
			} else {
				dc.number("volume", dim.Volume, true, 0, 0)
				dc.notNegative("volume", dim.Volume)
			}
		}
		pc.ciString("tariff_id", p.TariffID, 36, false)
	}
	if d.SignedData != nil {
		d.SignedData.check(c.in("signed_data"))
	}
	c.price("total_cost", d.TotalCost, true)
	// Only a credit CDR, which gives the original's cost back, has a
	// negative total cost (Credit CDRs).
	if d.TotalCost != nil && (d.Credit == nil || !*d.Credit) &&
		(d.TotalCost.ExclVAT < 0 || d.TotalCost.InclVAT != nil && *d.TotalCost.InclVAT < 0) {
		c.fail("total_cost", "must not be negative (a credit CDR's only)")
	}
	c.price("total_fixed_cost", d.TotalFixedCost, false)
	c.number("total_energy", d.TotalEnergy, true, 0, 0)
	c.notNegative("total_energy", d.TotalEnergy)
	c.price("total_energy_cost", d.TotalEnergyCost, false)
	c.number("total_time", d.TotalTime, true, 0, 0)
	c.notNegative("total_time", d.TotalTime)
	c.price("total_time_cost", d.TotalTimeCost, false)
	if d.TotalParkingTime != nil {
		if *d.TotalParkingTime < 0 {
			c.fail("total_parking_time", "must not be negative")
		} else if d.TotalTime != nil && *d.TotalParkingTime > *d.TotalTime {
			c.fail("total_parking_time", "must not exceed total_time")
		}
	}
	c.price("total_parking_cost", d.TotalParkingCost, false)
	c.price("total_reservation_cost", d.TotalReservationCost, false)
	c.str("remark", d.Remark, 255, false)
	c.ciString("invoice_reference_id", d.InvoiceReferenceID, 39, false)
	c.ciString("credit_reference_id", d.CreditReferenceID, 39, d.Credit != nil && *d.Credit)
	c.dateTime("last_updated", d.LastUpdated, true)
	sortErrors(*c.errs)
	return *c.errs
}

// sortErrors keeps errors in a stable order by path, so that answers and
// tests do not depend on the order of checks.
func sortErrors(fe FieldErrors) {
	sort.SliceStable(fe, func(i, j int) bool { return fe[i].Path < fe[j].Path })
}

func (l *CdrLocation) check(c check) {
	c.ciString("id", l.ID, 36, true)
	c.str("name", l.Name, 255, false)
	c.str("address", l.Address, 45, true)
	c.str("city", l.City, 45, true)
	c.str("postal_code", l.PostalCode, 10, false)
	c.str("state", l.State, 20, false)
	c.str("country", l.Country, 3, true)
	if l.Coordinates == nil {
		c.fail("coordinates", "required")
	} else {
		l.Coordinates.check(c.in("coordinates"))
	}
	c.ciString("evse_uid", l.EVSEUID, 36, true)
	c.ciString("evse_id", l.EVSEID, 48, true)
	c.ciString("connector_id", l.ConnectorID, 36, true)
	c.oneOf("connector_standard", l.ConnectorStandard, true, connectorTypes)
	c.oneOf("connector_format", l.ConnectorFormat, true, connectorFormats)
	c.oneOf("connector_power_type", l.ConnectorPowerType, true, powerTypes)
}

func (s *SignedData) check(c check) {
	c.ciString("encoding_method", s.EncodingMethod, 36, true)
	c.str("public_key", s.PublicKey, 512, false)
	if len(s.SignedValues) == 0 {
		c.fail("signed_values", "at least one signed value is required")
	}
	for i, v := range s.SignedValues {
		vc := c.at("signed_values", i)
		vc.ciString("nature", v.Nature, 32, true)
		vc.str("plain_data", v.PlainData, 512, true)
		vc.str("signed_data", v.SignedData, 5000, true)
	}
	c.str("url", s.URL, 512, false)
}

func (t *Tariff) check(c check) {
	c.ciString("country_code", t.CountryCode, 2, true)
	c.ciString("party_id", t.PartyID, 3, true)
	c.ciString("id", t.ID, 36, true)
	c.str("currency", t.Currency, 3, true)
	c.oneOf("type", t.Type, false, tariffTypes)
	if e := bytes.TrimSpace(t.Elements); len(e) == 0 || e[0] != '[' || bytes.Equal(e, []byte("[]")) {
		c.fail("elements", "at least one tariff element is required")
	}
	if t.StartDate != nil {
		c.dateTime("start_date_time", *t.StartDate, false)
	}
	if t.EndDate != nil {
		c.dateTime("end_date_time", *t.EndDate, false)
	}
	c.dateTime("last_updated", t.LastUpdated, true)
}
