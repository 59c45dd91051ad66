package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// replyingCommander answers each action with the reply set for it
// ({"status":"Accepted"} otherwise) and keeps the requests it got.
type replyingCommander struct {
	mu       sync.Mutex
	replies  map[string]string
	requests map[string]json.RawMessage // by action, the last one
}

func (c *replyingCommander) Call(ctx context.Context, identity, action string, request any) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	raw, err := json.Marshal(request)
	if err != nil {
		return nil, err
	}
	c.requests[action] = raw
	if r, ok := c.replies[action]; ok {
		return json.RawMessage(r), nil
	}
	return json.RawMessage(`{"status":"Accepted"}`), nil
}

// request returns the last request of the action, decoded.
func (c *replyingCommander) request(t *testing.T, action string) map[string]any {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	raw, ok := c.requests[action]
	if !ok {
		t.Fatalf("the station got no %s", action)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// operationsWorld is the demo world whose stations answer through a
// replyingCommander.
func operationsWorld(t *testing.T, st *store.Store) (*demoWorld, *replyingCommander) {
	t.Helper()
	w := newDemoWorld(t, st)
	c := &replyingCommander{replies: map[string]string{}, requests: map[string]json.RawMessage{}}
	srv, err := New(Config{Logger: w.srv.cfg.Logger, Auth: w.srv.cfg.Auth, Store: st, Commander: c})
	if err != nil {
		t.Fatal(err)
	}
	w.srv = srv
	return w, c
}

var labelled = regexp.MustCompile(`<label for="([^"]+)"`)
var controls = regexp.MustCompile(`<(?:input|select|textarea) id="([^"]+)"`)

// TestStationOperationForms: a user who may command a station finds a form
// for every station operation on its page, each control labelled; an OCPP
// 2.0.1 station's offer the messages and commands of its version.
func TestStationOperationForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		id := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		b := w.as(t, facilitiesDE)
		page := get(t, b, "/stations/"+id.String(), http.StatusOK)
		for _, c := range []string{"get-configuration", "change-configuration", "clear-cache", "trigger-message", "update-firmware", "get-diagnostics",
			"reserve-now", "cancel-reservation", "send-local-list", "get-local-list-version", "set-charging-profile", "clear-charging-profile",
			"get-composite-schedule", "data-transfer"} {
			wantIn(t, "1.6 station page", page, `<form method="post" action="/stations/`+id.String()+`/commands/`+c+`" id="`+c+`"`)
		}
		wantIn(t, "1.6 station page", page, "Configuration: read keys", "Firmware: update", "Smart charging: set a profile",
			`type="datetime-local"`, `<option value="ChargePointMaxProfile" selected>Station maximum</option>`, `<option value="DiagnosticsStatusNotification"`)
		wantNotIn(t, "1.6 station page", page, "/commands/get-transaction-status", `<option value="TransactionEvent"`, "ChargingStationMaxProfile")
		labels := map[string]bool{}
		for _, m := range labelled.FindAllStringSubmatch(page, -1) {
			labels[m[1]] = true
		}
		for _, m := range controls.FindAllStringSubmatch(page, -1) {
			if !labels[m[1]] {
				t.Errorf("control %s has no label", m[1])
			}
		}

		if err := st.SetConnection(context.Background(), id, true, fc.OCPP201, time.Now()); err != nil {
			t.Fatal(err)
		}
		page = get(t, b, "/stations/"+id.String(), http.StatusOK)
		wantIn(t, "2.0.1 station page", page, `action="/stations/`+id.String()+`/commands/get-transaction-status"`,
			`<option value="TransactionEvent"`, `<option value="ChargingStationMaxProfile" selected>`)
		wantNotIn(t, "2.0.1 station page", page, `<option value="DiagnosticsStatusNotification"`, "ChargePointMaxProfile")

	})
}

// TestStationOperationsPost: each operation's form reaches the station as
// app maps it, times read in the provider's zone, and the page shows the
// station's answer; what the app finds wrong is shown on the form's field.
func TestStationOperationsPost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, c := operationsWorld(t, st)
		ctx := context.Background()
		id := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		var zone, tag string
		if err := st.DB().QueryRowContext(ctx, `SELECT time_zone FROM providers`).Scan(&zone); err != nil {
			t.Fatal(err)
		}
		if err := st.DB().QueryRowContext(ctx, `SELECT internal_id FROM cards WHERE status = 'active' ORDER BY id`).Scan(&tag); err != nil {
			t.Fatal(err)
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		path := "/stations/" + id.String()
		b := w.as(t, adminEmail)
		token := csrfOf(t, get(t, b, path, http.StatusOK))
		post := func(command string, vals url.Values) *httptest.ResponseRecorder {
			t.Helper()
			vals.Set("csrf_token", token)
			return b.do("POST", path+"/commands/"+command, vals)
		}
		answer := func(what string, rec *httptest.ResponseRecorder) (url.Values, string) {
			t.Helper()
			loc := rec.Header().Get("Location")
			if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, path+"?cmd=") {
				t.Fatalf("%s: status %d to %q, want 303 to the station's page\n%.2000s", what, rec.Code, loc, body(rec))
			}
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatal(err)
			}
			return u.Query(), get(t, b, loc, http.StatusOK)
		}
		fieldError := func(what string, rec *httptest.ResponseRecorder, elementID, message string) {
			t.Helper()
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("%s: status %d, want 400\n%.2000s", what, rec.Code, body(rec))
			}
			wantIn(t, what, body(rec), `id="`+elementID+`-error">`+message)
		}

		t.Run("configuration", func(t *testing.T) {
			c.replies["GetConfiguration"] = `{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"},` +
				`{"key":"SendLocalListMaxLength","readonly":true,"value":"250"}],"unknownKey":["Nope"]}`
			q, page := answer("get-configuration", post("get-configuration", url.Values{"keys": {"HeartbeatInterval,\nSendLocalListMaxLength\nNope"}}))
			if got := c.request(t, "GetConfiguration")["key"]; len(got.([]any)) != 3 {
				t.Errorf("GetConfiguration asked %v, want 3 keys", got)
			}
			if got, want := q.Get("reply"), "2 keys read; the device model above shows them. Unknown to the station: Nope"; got != want {
				t.Errorf("reply %q, want %q", got, want)
			}
			wantIn(t, "page after get-configuration", page, "Reply", "SendLocalListMaxLength", "250", "ReadOnly")

			c.replies["ChangeConfiguration"] = `{"status":"RebootRequired"}`
			q, _ = answer("change-configuration", post("change-configuration", url.Values{"key": {"HeartbeatInterval"}, "value": {"600"}}))
			if q.Get("answer") != "RebootRequired" {
				t.Errorf("answer %q, want RebootRequired", q.Get("answer"))
			}
			fieldError("a key too long", post("change-configuration", url.Values{"key": {strings.Repeat("k", 51)}}),
				"change-configuration-key", "Key must be 1 to 50 characters")
		})

		t.Run("firmware and diagnostics", func(t *testing.T) {
			answer("update-firmware", post("update-firmware", url.Values{"location": {"https://fw.example/v2.bin"}, "retrieve_at": {"2026-03-01T10:00"},
				"retries": {"3"}, "retry_interval": {""}}))
			req := c.request(t, "UpdateFirmware")
			want := time.Date(2026, 3, 1, 10, 0, 0, 0, loc).UTC().Format(time.RFC3339)
			if req["retrieveDate"] != want || req["retries"] != 3.0 || req["retryInterval"] != nil {
				t.Errorf("UpdateFirmware %v, want retrieveDate %s (10:00 in %s), 3 retries, no interval", req, want, zone)
			}
			fieldError("no time", post("update-firmware", url.Values{"location": {"https://fw.example/v2.bin"}, "retrieve_at": {"soon"}}),
				"update-firmware-retrieve-at", "Download from must be a date and time")
			fieldError("a relative location", post("update-firmware", url.Values{"location": {"fw/v2.bin"}, "retrieve_at": {"2026-03-01T10:00"}}),
				"update-firmware-location", "Firmware URL must be an absolute URL")

			c.replies["GetDiagnostics"] = `{"fileName":"diag-0301.zip"}`
			q, page := answer("get-diagnostics", post("get-diagnostics", url.Values{"location": {"ftp://logs.example/in/"}, "start_time": {"2026-03-01T00:00"}}))
			if q.Get("reply") != "File name: diag-0301.zip" {
				t.Errorf("reply %q", q.Get("reply"))
			}
			wantIn(t, "page after get-diagnostics", page, "diag-0301.zip")
			wantNotIn(t, "page after get-diagnostics", page, "(no status)")
			fieldError("stop before start", post("get-diagnostics", url.Values{"location": {"ftp://logs.example/in/"},
				"start_time": {"2026-03-01T00:00"}, "stop_time": {"2026-02-01T00:00"}}), "get-diagnostics-stop-time", "Covering until must be after start_time")
		})

		t.Run("reservations", func(t *testing.T) {
			expires := time.Now().In(loc).Add(2 * time.Hour).Format(dateTimeLocal)
			q, page := answer("reserve-now", post("reserve-now", url.Values{"connector_id": {"1"}, "id_tag": {tag}, "expires_at": {expires}}))
			req := c.request(t, "ReserveNow")
			if q.Get("reservation_id") == "" || req["reservationId"] != mustFloat(t, q.Get("reservation_id")) || req["idTag"] != tag {
				t.Errorf("ReserveNow %v, answer %v", req, q)
			}
			wantIn(t, "page after reserve-now", page, "Reservation ID", q.Get("reservation_id"))
			fieldError("an unknown card", post("reserve-now", url.Values{"id_tag": {"NO-SUCH-TAG"}, "expires_at": {expires}}),
				"reserve-now-id-tag", "No card with the ID tag")
			fieldError("a reservation in the past", post("reserve-now", url.Values{"id_tag": {tag}, "expires_at": {"2020-01-01T00:00"}}),
				"reserve-now-expires-at", "Reserved until must be in the future")
			answer("cancel-reservation", post("cancel-reservation", url.Values{"reservation_id": {q.Get("reservation_id")}}))
			if got := c.request(t, "CancelReservation")["reservationId"]; got != mustFloat(t, q.Get("reservation_id")) {
				t.Errorf("CancelReservation names %v", got)
			}
		})

		t.Run("local list", func(t *testing.T) {
			answer("send-local-list", post("send-local-list", url.Values{"version": {"7"}, "update_type": {"Differential"},
				"entries": {tag + "\r\n\r\nGONE-1, remove\nBLK-1,blocked,2026-12-31,PARENT-1\n"}}))
			req := c.request(t, "SendLocalList")
			list, _ := req["localAuthorizationList"].([]any)
			if req["listVersion"] != 7.0 || req["updateType"] != "Differential" || len(list) != 3 {
				t.Fatalf("SendLocalList %v", req)
			}
			endOfDay := time.Date(2027, 1, 1, 0, 0, 0, 0, loc).UTC().Format(time.RFC3339)
			want := []string{`{"idTag":"` + tag + `","idTagInfo":{"status":"Accepted"}}`, `{"idTag":"GONE-1"}`,
				`{"idTag":"BLK-1","idTagInfo":{"expiryDate":"` + endOfDay + `","parentIdTag":"PARENT-1","status":"Blocked"}}`}
			for i := range want {
				if got, _ := json.Marshal(list[i]); string(got) != want[i] {
					t.Errorf("entry %d: %s, want %s", i, got, want[i])
				}
			}
			fieldError("a bad line", post("send-local-list", url.Values{"version": {"8"}, "update_type": {"Full"}, "entries": {"A-1\n\nB-2,Nonsense"}}),
				"send-local-list-entries", "Line 3: status must be one of")
			fieldError("a removal in a full list", post("send-local-list", url.Values{"version": {"8"}, "update_type": {"Full"}, "entries": {"A-1,remove"}}),
				"send-local-list-entries", "Line 1: status is required in a full list")

			c.replies["GetLocalListVersion"] = `{"listVersion":7}`
			if q, _ := answer("get-local-list-version", post("get-local-list-version", url.Values{})); q.Get("reply") != "List version 7" {
				t.Errorf("reply %q", q.Get("reply"))
			}
		})

		t.Run("smart charging", func(t *testing.T) {
			answer("set-charging-profile", post("set-charging-profile", url.Values{"connector_id": {"0"}, "purpose": {"ChargePointMaxProfile"},
				"profile_id": {"4"}, "stack_level": {"1"}, "kind": {"Absolute"}, "start_schedule": {"2026-03-01T08:00"}, "unit": {"A"},
				"number_phases": {"3"}, "limit_1": {"32"}, "start_2": {"3600"}, "limit_2": {"7.5"}}))
			prof := c.request(t, "SetChargingProfile")["csChargingProfiles"].(map[string]any)
			sched := prof["chargingSchedule"].(map[string]any)
			got, _ := json.Marshal(sched["chargingSchedulePeriod"])
			if string(got) != `[{"limit":32,"numberPhases":3,"startPeriod":0},{"limit":7.5,"numberPhases":3,"startPeriod":3600}]` ||
				prof["chargingProfileId"] != 4.0 || sched["startSchedule"] != time.Date(2026, 3, 1, 8, 0, 0, 0, loc).UTC().Format(time.RFC3339) {
				t.Errorf("SetChargingProfile %v", prof)
			}
			// A Relative profile drops the start the form proposes.
			answer("relative profile", post("set-charging-profile", url.Values{"purpose": {"TxDefaultProfile"}, "profile_id": {"5"}, "stack_level": {"0"},
				"kind": {"Relative"}, "start_schedule": {"2026-03-01T08:00"}, "unit": {"W"}, "limit_1": {"11000"}}))
			if s := c.request(t, "SetChargingProfile")["csChargingProfiles"].(map[string]any)["chargingSchedule"].(map[string]any); s["startSchedule"] != nil {
				t.Errorf("a Relative profile sent startSchedule %v", s["startSchedule"])
			}
			base := url.Values{"purpose": {"TxDefaultProfile"}, "profile_id": {"5"}, "stack_level": {"0"}, "kind": {"Relative"}, "unit": {"A"}, "limit_1": {"16"}}
			with := func(k, v string) url.Values {
				vals := url.Values{}
				for bk, bv := range base {
					vals[bk] = bv
				}
				vals.Set(k, v)
				return vals
			}
			fieldError("two decimals", post("set-charging-profile", with("limit_1", "7.55")), "set-charging-profile-limit-1", "Limit from the start must be a number")
			bad := with("start_2", "0")
			bad.Set("limit_2", "8")
			fieldError("a period that does not follow", post("set-charging-profile", bad), "set-charging-profile-start-2", "Second period from (seconds) must be after the previous period")
			fieldError("a transaction's profile without its connector", post("set-charging-profile", with("purpose", "TxProfile")),
				"set-charging-profile-connector-id", "Connector must name the connector of the transaction")
			fieldError("a stack level too high", post("set-charging-profile", with("stack_level", "1001")), "set-charging-profile-stack-level", "Stack level must be 0 to 1000")

			answer("clear-charging-profile", post("clear-charging-profile", url.Values{"profile_id": {""}, "connector_id": {""}, "purpose": {"TxDefaultProfile"}}))
			if got, _ := json.Marshal(c.request(t, "ClearChargingProfile")); string(got) != `{"chargingProfilePurpose":"TxDefaultProfile"}` {
				t.Errorf("ClearChargingProfile %s", got)
			}
			fieldError("a profile ID of 0", post("clear-charging-profile", url.Values{"profile_id": {"0"}}), "clear-charging-profile-profile-id", "Profile ID must be 1 to")

			c.replies["GetCompositeSchedule"] = `{"status":"Accepted","connectorId":1,"scheduleStart":"2026-03-01T08:00:00Z",` +
				`"chargingSchedule":{"duration":86400,"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":32},{"startPeriod":3600,"limit":7.5,"numberPhases":1}]}}`
			q, _ := answer("get-composite-schedule", post("get-composite-schedule", url.Values{"connector_id": {"1"}, "duration_seconds": {"86400"}, "unit": {""}}))
			if want := "for 86400 s, at 0 s 32 A, at 3600 s 7.5 A on 1 phases"; q.Get("answer") != "Accepted" || !strings.HasSuffix(q.Get("reply"), want) {
				t.Errorf("answer %q, reply %q; want Accepted, …%s", q.Get("answer"), q.Get("reply"), want)
			}
			fieldError("no duration", post("get-composite-schedule", url.Values{"duration_seconds": {""}}), "get-composite-schedule-duration-seconds", "Period (seconds) is required")
		})

		t.Run("data transfer", func(t *testing.T) {
			c.replies["DataTransfer"] = `{"status":"Accepted","data":"` + strings.Repeat("x", 5000) + `"}`
			res := post("data-transfer", url.Values{"vendor_id": {"com.example"}, "message_id": {"Ping"}, "data": {"hello"}})
			if n := len(res.Header().Get("Location")); n > 1000 {
				t.Errorf("the answer's address is %d characters long: a large reply must not go there", n)
			}
			q, _ := answer("data-transfer", res)
			if r := []rune(q.Get("reply")); len(r) != maxReplyText || !strings.HasPrefix(string(r), "Data: xxx") || r[len(r)-1] != '…' {
				t.Errorf("reply %q, want the data cut to %d characters", q.Get("reply"), maxReplyText)
			}
			fieldError("no vendor", post("data-transfer", url.Values{"vendor_id": {""}}), "data-transfer-vendor-id", "Vendor ID must be 1 to 255 characters")
		})

		t.Run("OCPP 2.0.1", func(t *testing.T) {
			if err := st.SetConnection(ctx, id, true, fc.OCPP201, time.Now()); err != nil {
				t.Fatal(err)
			}
			fieldError("a key 2.0.1 does not know", post("get-configuration", url.Values{"keys": {"HeartbeatInterval\nNoSuchKey"}}),
				"get-configuration-keys", `&#34;NoSuchKey&#34; on OCPP 2.0.1 must be`)
			q, page := answer("update-firmware", post("update-firmware", url.Values{"location": {"https://fw.example/v2.bin"}, "retrieve_at": {"2026-03-01T10:00"}}))
			if req := c.request(t, "UpdateFirmware"); q.Get("request_id") == "" || req["requestId"] != mustFloat(t, q.Get("request_id")) {
				t.Errorf("UpdateFirmware %v, answer %v: want the requestId shown", req, q)
			}
			wantIn(t, "page after a 2.0.1 update-firmware", page, "Request ID")
			c.replies["GetTransactionStatus"] = `{"messagesInQueue":true,"ongoingIndicator":false}`
			if q, _ := answer("get-transaction-status", post("get-transaction-status", url.Values{"transaction_id": {""}})); q.Get("reply") != "Messages queued: yes; transaction ongoing: no" {
				t.Errorf("reply %q", q.Get("reply"))
			}
		})
	})
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		t.Fatalf("%q is no number", s)
	}
	return f
}
