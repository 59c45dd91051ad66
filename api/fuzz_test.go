package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

// FuzzDecode feeds arbitrary bodies to the one place that reads them: for
// every input they must be refused with invalid or too_large, or accepted
// as what they are; reading must never panic nor fail any other way.
//
//	go test -run='^$' -fuzz=FuzzDecode -fuzztime=20s ./api/
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"account_id": "12", "internal_id": "04A1B2", "external_id": "NL-1", "status": "active"}`,
		`{"account_id": 12}`,
		`{"account_id": "12", "colour": "red"}`,
		`{"name": "Visitors", "tariff": {"currency": "EUR", "per_kwh": 0.35, "per_minute": "0.05", "start_fee": 1}}`,
		`{"tariff": {"per_kwh": "1e3"}}`,
		`{"tariff": {"per_kwh": "99999999999999999999999.1"}}`,
		`{"tariff": null, "allowed_card_ids": ["1", "2"]}`,
		`{"allowed_card_ids": [1, "x"]}`,
		`{"external_ref": "r", "id_tag": "T", "started_at": "2025-03-01T08:00:00Z", "stopped_at": "2025-03-01T09:00:00+01:00", "energy_kwh": "7.125", "cost": 2, "currency": "jpy"}`,
		`{"started_at": "2025-13-01T08:00:00Z", "cost": "0.001", "currency": "EUR", "energy_kwh": "-1"}`,
		`{"connectors": 1.5, "password": null}`,
		`{"active": "yes"}`,
		`[{"external_ref": "a"}, {"external_ref": 1}, 3]`,
		"external_ref,cost,currency\nr1,1.50,EUR\n\"r2,2\n",
		"\ufeffexternal_ref,connector_id\nr,two\n",
		`{"a":` + string(bytes.Repeat([]byte("["), 200)),
		`{} {}`,
		``,
		`null`,
		"{\"name\": \"\xff\xfe\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		allowed := func(what string, err error) {
			if err == nil {
				return
			}
			var e *fc.Error
			if code := fc.ErrorCode(err); code != fc.EInvalid && code != fc.ETooLarge || !errors.As(err, &e) {
				t.Fatalf("%s: %T %v: want an invalid or too_large error", what, err, err)
			}
		}
		for _, create := range []bool{true, false} {
			var card cardInput
			set, err := bindJSON(body, &card, create)
			allowed("card", err)
			if err == nil && (!json.Valid(body) || set == nil) {
				t.Fatalf("card: %q accepted", body)
			}
			var group chargeGroupInput
			set, err = bindJSON(body, &group, create)
			allowed("charge group", err)
			if err == nil {
				allowed("tariff", applyGroup(&fc.ChargeGroup{}, &group, set))
			}
			var sess sessionInput
			_, err = bindJSON(body, &sess, create)
			allowed("session", err)
			if err == nil {
				_, err = sess.session()
				allowed("session values", err)
			}
			var st stationInput
			_, err = bindJSON(body, &st, create)
			allowed("station", err)
		}
		for _, mt := range []string{"application/json", "text/csv"} {
			_, err := parseBulk(body, mt)
			allowed("bulk "+mt, err)
		}
		// The whole path of a request, size limit and content type included.
		req := httptest.NewRequest("POST", "/api/v1/cards", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		var card cardInput
		_, err := decodeObject(httptest.NewRecorder(), req, &card, true)
		allowed("request", err)
	})
}
