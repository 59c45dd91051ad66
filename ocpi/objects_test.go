package ocpi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Example objects written for these tests after the shape of the OCPI
// 2.2.1 examples (not copied from the specification).
const (
	tokenJSON = `{
		"country_code": "DE", "party_id": "FCH", "uid": "04A1B2C3D4E5F6",
		"type": "RFID", "contract_id": "DE-FCH-C00012345", "visual_number": "FC-0001-2345",
		"issuer": "fleetcharge GmbH", "group_id": "DE-FCH-FLEET-7", "valid": true,
		"whitelist": "ALLOWED", "language": "de", "default_profile_type": "REGULAR",
		"energy_contract": {"supplier_name": "Stadtwerke Beispiel", "contract_id": "SW-88231"},
		"last_updated": "2026-03-01T10:15:00Z"
	}`
	credentialsJSON = `{
		"token": "fc-9d3f0a6b2c",
		"url": "https://ocpi.example.net/versions",
		"roles": [
			{"role": "CPO", "party_id": "EXA", "country_code": "NL",
			 "business_details": {"name": "Example Charging", "website": "https://example.net",
				"logo": {"url": "https://example.net/logo.png", "thumbnail": "https://example.net/logo_t.png",
					"category": "OPERATOR", "type": "png", "width": 512, "height": 512}}},
			{"role": "EMSP", "party_id": "EXB", "country_code": "NL",
			 "business_details": {"name": "Example Mobility"}}
		]
	}`
	versionDetailsJSON = `{
		"version": "2.2.1",
		"endpoints": [
			{"identifier": "credentials", "role": "SENDER", "url": "https://ocpi.example.net/2.2.1/credentials"},
			{"identifier": "tokens", "role": "RECEIVER", "url": "https://ocpi.example.net/2.2.1/tokens"},
			{"identifier": "nlexa-custom", "role": "SENDER", "url": "https://ocpi.example.net/2.2.1/custom"}
		]
	}`
	authorizationInfoJSON = `{
		"allowed": "ALLOWED",
		"token": ` + tokenJSON + `,
		"location": {"location_id": "LOC1", "evse_uids": ["3256", "3257"], "connector_ids": ["1"]},
		"authorization_reference": "AUTH-ref-0001",
		"info": {"language": "en", "text": "Welcome!"}
	}`
	cdrJSON = `{
		"country_code": "BE", "party_id": "BEC", "id": "12345",
		"start_date_time": "2026-06-29T21:39:09Z", "end_date_time": "2026-06-29T23:37:32Z",
		"session_id": "SESS-0001",
		"cdr_token": {"country_code": "DE", "party_id": "FCH", "uid": "04A1B2C3D4E5F6", "type": "RFID", "contract_id": "DE-FCH-C00012345"},
		"auth_method": "WHITELIST",
		"cdr_location": {
			"id": "LOC1", "name": "Gent Zuid", "address": "F.Rooseveltlaan 3A", "city": "Gent",
			"postal_code": "9000", "country": "BEL",
			"coordinates": {"latitude": "3.729944", "longitude": "51.047599"},
			"evse_uid": "3256", "evse_id": "BE*BEC*E041503001", "connector_id": "1",
			"connector_standard": "IEC_62196_T2", "connector_format": "SOCKET", "connector_power_type": "AC_1_PHASE"
		},
		"currency": "EUR",
		"tariffs": [{
			"country_code": "BE", "party_id": "BEC", "id": "12", "currency": "EUR",
			"elements": [{"price_components": [{"type": "TIME", "price": 2.00, "vat": 10.0, "step_size": 300}]}],
			"last_updated": "2026-02-03T09:30:00Z"
		}],
		"charging_periods": [
			{"start_date_time": "2026-06-29T21:39:09Z", "dimensions": [{"type": "TIME", "volume": 1.973}], "tariff_id": "12"},
			{"start_date_time": "2026-06-29T23:37:32Z", "dimensions": [{"type": "ENERGY", "volume": 15.342}]}
		],
		"signed_data": {
			"encoding_method": "OCMF", "encoding_method_version": 1, "public_key": "MFkwEwYHKoZIzj0CAQ",
			"signed_values": [{"nature": "Start", "plain_data": "OCMF|{}", "signed_data": "MEUCIQ"}]
		},
		"total_cost": {"excl_vat": 4.00, "incl_vat": 4.40},
		"total_fixed_cost": {"excl_vat": 0},
		"total_energy": 15.342,
		"total_time": 1.973,
		"total_time_cost": {"excl_vat": 4.00, "incl_vat": 4.40},
		"total_parking_time": 0,
		"remark": "stopped by the driver",
		"unknown_extension": {"kept": "out"},
		"last_updated": "2026-06-29T22:01:13Z"
	}`
)

// mutate decodes a JSON object, applies fn to it as a map and encodes it
// again, so that each invalid case is one change to a valid example.
func mutate(t *testing.T, src string, fn func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(src), &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sub(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		m = m[p].(map[string]any)
	}
	return m
}

func decodeValid(src string, v Validator) error {
	return DecodeValid(strings.NewReader(src), v)
}

func TestValidExamples(t *testing.T) {
	tests := []struct {
		name string
		src  string
		v    Validator
	}{
		{"token", tokenJSON, &Token{}},
		{"credentials", credentialsJSON, &Credentials{}},
		{"version details", versionDetailsJSON, &VersionDetails{}},
		{"version", `{"version": "2.2.1", "url": "https://ocpi.example.net/2.2.1"}`, &Version{}},
		{"authorization info", authorizationInfoJSON, &AuthorizationInfo{}},
		{"cdr", cdrJSON, &CDR{}},
		{"credit cdr", mutate(t, cdrJSON, func(m map[string]any) {
			m["id"] = "123456789012345678901234567890123456-C"
			m["credit"] = true
			m["credit_reference_id"] = "123456789012345678901234567890123456"
		}), &CDR{}},
		{"token app user minimal", `{"country_code":"DE","party_id":"FCH","uid":"bdf21bce-fc97-11e8-8eb2-f2801f1b9fd1",
			"type":"APP_USER","contract_id":"DE8ACC12E46L89","issuer":"fleetcharge","valid":true,"whitelist":"NEVER",
			"last_updated":"2026-03-01T10:15:00.123"}`, &Token{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := decodeValid(tt.src, tt.v); err != nil {
				t.Errorf("valid example refused: %v", err)
			}
		})
	}
	var vs []Version
	if err := json.Unmarshal([]byte(`[{"version":"2.1.1","url":"https://a.example/2.1.1"},{"version":"2.2.1","url":"https://a.example/2.2.1"}]`), &vs); err != nil {
		t.Fatal(err)
	}
	if fe := ValidateVersions(vs); len(fe) > 0 {
		t.Errorf("versions refused: %v", fe)
	}
}

func TestCDRFields(t *testing.T) {
	var d CDR
	if err := decodeValid(cdrJSON, &d); err != nil {
		t.Fatal(err)
	}
	if d.CdrToken.UID != "04A1B2C3D4E5F6" || d.CdrLocation.City != "Gent" || *d.TotalEnergy != 15.342 ||
		d.TotalCost.ExclVAT != 4 || *d.TotalCost.InclVAT != 4.4 || d.EndDateTime.Sub(d.StartDateTime.Time).Minutes() < 118 ||
		len(d.Tariffs) != 1 || d.Tariffs[0].ID != "12" {
		t.Errorf("decoded CDR = %+v", d)
	}
}

func TestInvalidObjects(t *testing.T) {
	long := strings.Repeat("x", 37)
	tests := []struct {
		name     string
		src      string
		v        Validator
		wantPath string
	}{
		{"token missing uid", mutate(t, tokenJSON, func(m map[string]any) { delete(m, "uid") }), &Token{}, "uid"},
		{"token missing valid", mutate(t, tokenJSON, func(m map[string]any) { delete(m, "valid") }), &Token{}, "valid"},
		{"token bad type", mutate(t, tokenJSON, func(m map[string]any) { m["type"] = "rfid" }), &Token{}, "type"},
		{"token bad whitelist", mutate(t, tokenJSON, func(m map[string]any) { m["whitelist"] = "SOMETIMES" }), &Token{}, "whitelist"},
		{"token uid too long", mutate(t, tokenJSON, func(m map[string]any) { m["uid"] = long }), &Token{}, "uid"},
		{"token country code too long", mutate(t, tokenJSON, func(m map[string]any) { m["country_code"] = "DEU" }), &Token{}, "country_code"},
		{"token non-ASCII CiString", mutate(t, tokenJSON, func(m map[string]any) { m["uid"] = "über" }), &Token{}, "uid"},
		{"token issuer with line break", mutate(t, tokenJSON, func(m map[string]any) { m["issuer"] = "a\nb" }), &Token{}, "issuer"},
		{"token bad last_updated", mutate(t, tokenJSON, func(m map[string]any) { m["last_updated"] = "2026-03-01T10:15:00+01:00" }), &Token{}, "last_updated"},
		{"token missing last_updated", mutate(t, tokenJSON, func(m map[string]any) { delete(m, "last_updated") }), &Token{}, "last_updated"},
		{"token energy contract without supplier", mutate(t, tokenJSON, func(m map[string]any) { delete(sub(m, "energy_contract"), "supplier_name") }), &Token{}, "energy_contract.supplier_name"},
		{"token bad profile", mutate(t, tokenJSON, func(m map[string]any) { m["default_profile_type"] = "SLOW" }), &Token{}, "default_profile_type"},

		{"credentials token too long", mutate(t, credentialsJSON, func(m map[string]any) { m["token"] = strings.Repeat("t", 65) }), &Credentials{}, "token"},
		{"credentials token with space", mutate(t, credentialsJSON, func(m map[string]any) { m["token"] = "a b" }), &Credentials{}, "token"},
		{"credentials relative url", mutate(t, credentialsJSON, func(m map[string]any) { m["url"] = "/versions" }), &Credentials{}, "url"},
		{"credentials no roles", mutate(t, credentialsJSON, func(m map[string]any) { m["roles"] = []any{} }), &Credentials{}, "roles"},
		{"credentials bad role", mutate(t, credentialsJSON, func(m map[string]any) { m["roles"].([]any)[1].(map[string]any)["role"] = "MSP" }), &Credentials{}, "roles[1].role"},
		{"credentials party id too long", mutate(t, credentialsJSON, func(m map[string]any) { m["roles"].([]any)[0].(map[string]any)["party_id"] = "EXAM" }), &Credentials{}, "roles[0].party_id"},
		{"credentials no business name", mutate(t, credentialsJSON, func(m map[string]any) {
			delete(m["roles"].([]any)[1].(map[string]any)["business_details"].(map[string]any), "name")
		}), &Credentials{}, "roles[1].business_details.name"},
		{"credentials bad logo category", mutate(t, credentialsJSON, func(m map[string]any) {
			m["roles"].([]any)[0].(map[string]any)["business_details"].(map[string]any)["logo"].(map[string]any)["category"] = "LOGO"
		}), &Credentials{}, "roles[0].business_details.logo.category"},
		{"credentials logo too wide", mutate(t, credentialsJSON, func(m map[string]any) {
			m["roles"].([]any)[0].(map[string]any)["business_details"].(map[string]any)["logo"].(map[string]any)["width"] = 100000
		}), &Credentials{}, "roles[0].business_details.logo.width"},

		{"version details no endpoints", mutate(t, versionDetailsJSON, func(m map[string]any) { m["endpoints"] = []any{} }), &VersionDetails{}, "endpoints"},
		{"version details bad role", mutate(t, versionDetailsJSON, func(m map[string]any) { m["endpoints"].([]any)[1].(map[string]any)["role"] = "BOTH" }), &VersionDetails{}, "endpoints[1].role"},
		{"version details bad url", mutate(t, versionDetailsJSON, func(m map[string]any) { m["endpoints"].([]any)[0].(map[string]any)["url"] = "ftp://x" }), &VersionDetails{}, "endpoints[0].url"},

		{"authorization bad allowed", mutate(t, authorizationInfoJSON, func(m map[string]any) { m["allowed"] = "YES" }), &AuthorizationInfo{}, "allowed"},
		{"authorization token without uid", mutate(t, authorizationInfoJSON, func(m map[string]any) { delete(sub(m, "token"), "uid") }), &AuthorizationInfo{}, "token.uid"},
		{"authorization long evse uid", mutate(t, authorizationInfoJSON, func(m map[string]any) { sub(m, "location")["evse_uids"] = []any{"1", long} }), &AuthorizationInfo{}, "location.evse_uids[1]"},
		{"authorization info too long language", mutate(t, authorizationInfoJSON, func(m map[string]any) { sub(m, "info")["language"] = "eng" }), &AuthorizationInfo{}, "info.language"},

		{"cdr missing cdr_token", mutate(t, cdrJSON, func(m map[string]any) { delete(m, "cdr_token") }), &CDR{}, "cdr_token"},
		{"cdr missing cdr_token.uid", mutate(t, cdrJSON, func(m map[string]any) { delete(sub(m, "cdr_token"), "uid") }), &CDR{}, "cdr_token.uid"},
		{"cdr bad cdr_token.type", mutate(t, cdrJSON, func(m map[string]any) { sub(m, "cdr_token")["type"] = "CARD" }), &CDR{}, "cdr_token.type"},
		{"cdr id too long", mutate(t, cdrJSON, func(m map[string]any) { m["id"] = long }), &CDR{}, "id"},
		{"cdr credit without reference", mutate(t, cdrJSON, func(m map[string]any) { m["credit"] = true }), &CDR{}, "credit_reference_id"},
		{"cdr bad auth method", mutate(t, cdrJSON, func(m map[string]any) { m["auth_method"] = "RFID" }), &CDR{}, "auth_method"},
		{"cdr end before start", mutate(t, cdrJSON, func(m map[string]any) { m["end_date_time"] = "2026-06-29T20:00:00Z" }), &CDR{}, "end_date_time"},
		{"cdr bad connector", mutate(t, cdrJSON, func(m map[string]any) { sub(m, "cdr_location")["connector_standard"] = "TYPE2" }), &CDR{}, "cdr_location.connector_standard"},
		{"cdr bad power type", mutate(t, cdrJSON, func(m map[string]any) { sub(m, "cdr_location")["connector_power_type"] = "AC" }), &CDR{}, "cdr_location.connector_power_type"},
		{"cdr address too long", mutate(t, cdrJSON, func(m map[string]any) { sub(m, "cdr_location")["address"] = strings.Repeat("a", 46) }), &CDR{}, "cdr_location.address"},
		{"cdr bad latitude", mutate(t, cdrJSON, func(m map[string]any) { sub(m, "cdr_location", "coordinates")["latitude"] = "51.04" }), &CDR{}, "cdr_location.coordinates.latitude"},
		{"cdr missing coordinates", mutate(t, cdrJSON, func(m map[string]any) { delete(sub(m, "cdr_location"), "coordinates") }), &CDR{}, "cdr_location.coordinates"},
		{"cdr no charging periods", mutate(t, cdrJSON, func(m map[string]any) { m["charging_periods"] = []any{} }), &CDR{}, "charging_periods"},
		{"cdr bad dimension type", mutate(t, cdrJSON, func(m map[string]any) {
			m["charging_periods"].([]any)[1].(map[string]any)["dimensions"].([]any)[0].(map[string]any)["type"] = "KWH"
		}), &CDR{}, "charging_periods[1].dimensions[0].type"},
		{"cdr dimension without volume", mutate(t, cdrJSON, func(m map[string]any) {
			delete(m["charging_periods"].([]any)[0].(map[string]any)["dimensions"].([]any)[0].(map[string]any), "volume")
		}), &CDR{}, "charging_periods[0].dimensions[0].volume"},
		{"cdr state of charge over 100", mutate(t, cdrJSON, func(m map[string]any) {
			m["charging_periods"].([]any)[0].(map[string]any)["dimensions"] = []any{map[string]any{"type": "STATE_OF_CHARGE", "volume": 101}}
		}), &CDR{}, "charging_periods[0].dimensions[0].volume"},
		{"cdr missing total_cost", mutate(t, cdrJSON, func(m map[string]any) { delete(m, "total_cost") }), &CDR{}, "total_cost"},
		{"cdr total_cost without excl_vat", mutate(t, cdrJSON, func(m map[string]any) { m["total_cost"] = map[string]any{"incl_vat": 4.4} }), &CDR{}, "total_cost.excl_vat"},
		{"cdr missing total_energy", mutate(t, cdrJSON, func(m map[string]any) { delete(m, "total_energy") }), &CDR{}, "total_energy"},
		{"cdr negative total_time", mutate(t, cdrJSON, func(m map[string]any) { m["total_time"] = -1 }), &CDR{}, "total_time"},
		{"cdr parking over total time", mutate(t, cdrJSON, func(m map[string]any) { m["total_parking_time"] = 3 }), &CDR{}, "total_parking_time"},
		{"cdr currency too long", mutate(t, cdrJSON, func(m map[string]any) { m["currency"] = "EURO" }), &CDR{}, "currency"},
		{"cdr signed data without values", mutate(t, cdrJSON, func(m map[string]any) { sub(m, "signed_data")["signed_values"] = []any{} }), &CDR{}, "signed_data.signed_values"},
		{"cdr tariff without elements", mutate(t, cdrJSON, func(m map[string]any) { delete(m["tariffs"].([]any)[0].(map[string]any), "elements") }), &CDR{}, "tariffs[0].elements"},
		{"cdr tariff bad last_updated", mutate(t, cdrJSON, func(m map[string]any) { m["tariffs"].([]any)[0].(map[string]any)["last_updated"] = "today" }), &CDR{}, "tariffs[0].last_updated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := decodeValid(tt.src, tt.v)
			if err == nil {
				t.Fatal("invalid object accepted")
			}
			e := AsError(err)
			if e.Code != StatusInvalidParameters || e.HTTPStatus != http.StatusOK {
				t.Errorf("error = %v, want 2001 with HTTP 200", e)
			}
			if _, ok := e.Fields.Map()[tt.wantPath]; !ok {
				t.Errorf("fields = %v, want %s", e.Fields, tt.wantPath)
			}
			if !strings.Contains(e.Message, tt.wantPath) {
				t.Errorf("message %q does not name %s", e.Message, tt.wantPath)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	// A wrong JSON type names the field's path.
	err := decodeValid(mutate(t, cdrJSON, func(m map[string]any) { sub(m, "cdr_token")["uid"] = 12 }), &CDR{})
	e := AsError(err)
	if e.Code != StatusInvalidParameters || e.HTTPStatus != http.StatusOK || e.Fields.Map()["cdr_token.uid"] == "" {
		t.Errorf("wrong type: %v, fields %v", err, e.Fields)
	}
	err = decodeValid(mutate(t, cdrJSON, func(m map[string]any) { m["total_cost"] = map[string]any{"excl_vat": "4.00"} }), &CDR{})
	if e := AsError(err); e.Code != StatusInvalidParameters || !strings.Contains(e.Error(), "excl_vat") {
		t.Errorf("wrong type in a price: %v", err)
	}
	// Text that is not JSON is the transport's: HTTP 400.
	for _, src := range []string{`{"uid": `, `not json`, `{} {}`, ``} {
		err := decodeValid(src, &Token{})
		if e := AsError(err); e.HTTPStatus != http.StatusBadRequest || e.Code != StatusInvalidParameters {
			t.Errorf("Decode(%q) = %v, want HTTP 400 and 2001", src, err)
		}
	}
	// Unknown fields are ignored (cdrJSON carries one).
	var d CDR
	if err := decodeValid(cdrJSON, &d); err != nil {
		t.Errorf("unknown field refused: %v", err)
	}
}
