package ocpp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// handler answers one station action: it decodes the request payload, which
// has passed the action's schema, and returns the response payload, which
// dispatch checks against the response schema before it is sent.
type handler func(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error)

// routes is the table of the actions an OCPP 1.6 station may call, one
// handler each.
func (s *Server) routes() map[string]handler {
	return map[string]handler{
		"BootNotification":              s.bootNotification,
		"Heartbeat":                     s.heartbeat,
		"StatusNotification":            s.statusNotification,
		"Authorize":                     s.authorize,
		"StartTransaction":              s.startTransaction,
		"MeterValues":                   s.meterValues,
		"StopTransaction":               s.stopTransaction,
		"DataTransfer":                  s.dataTransfer,
		"FirmwareStatusNotification":    s.firmwareStatusNotification,
		"DiagnosticsStatusNotification": s.diagnosticsStatusNotification,
	}
}

// dispatch answers a CALL of action: the CALLRESULT payload, or the CALLERROR.
// It never panics: a handler's panic is logged and answered as an
// InternalError.
func (s *Server) dispatch(ctx context.Context, c *conn, action string, payload json.RawMessage) (out json.RawMessage, cerr *CallError) {
	h, ok := c.ver.handlers[action]
	if !ok {
		if c.ver.schemas.known(action) {
			return nil, callErrorf(CodeNotSupported, "%s is not an action a station sends", action)
		}
		return nil, callErrorf(CodeNotImplemented, "unknown action %q", truncate(action, 64))
	}
	if !c.admits(action) {
		return nil, callErrorf(CodeSecurityError, "%s before the station's BootNotification was accepted", action)
	}
	if cerr := c.ver.schemas.request(action, payload); cerr != nil {
		return nil, cerr
	}
	if at := nulText(payload); at != "" {
		// PostgreSQL text cannot hold U+0000, and no OCPP field has a use
		// for it: the value is refused before it reaches a handler.
		return nil, callErrorf(CodePropertyConstraintViolation, "%s: text must not contain U+0000", at)
	}
	defer func() {
		if p := recover(); p != nil {
			c.logger().Error("handler panic", "action", action, "panic", fmt.Sprint(p))
			out, cerr = nil, callErrorf(CodeInternalError, "internal error")
		}
	}()
	resp, err := h(ctx, c.station, payload)
	if err != nil {
		cerr := toCallError(err)
		if cerr.Code == CodeInternalError {
			c.logger().Error("handler failed", "action", action, "err", err)
		} else {
			c.logger().Info("request refused", "action", action, "err", err)
		}
		return nil, cerr
	}
	resp, then := splitThen(resp)
	if boot, ok := resp.(bootAnswer); ok && boot.accepted() {
		c.accepted.Store(true)
		// Work that follows a boot (a local list check) may call the
		// station: it starts once the answer is sent.
		then = andThen(then, func() { s.observe(c, fc.StationEvent{Kind: fc.EventBooted}) })
	}
	out, err = json.Marshal(resp)
	if err != nil {
		c.logger().Error("encoding the answer", "action", action, "err", err)
		return nil, callErrorf(CodeInternalError, "internal error")
	}
	if cerr := c.ver.schemas.response(action, out); cerr != nil {
		c.logger().Error("our answer does not fit the schema", "action", action, "err", cerr, "answer", string(out))
		return nil, callErrorf(CodeInternalError, "internal error")
	}
	c.then = then
	return out, nil
}

// bootAnswer is the answer to a BootNotification, of either version.
type bootAnswer interface{ accepted() bool }

// admits reports whether the station may call action now. OCPP 1.6, 4.2:
// "Between the physical power-on/reboot and the successful completion of a
// BootNotification, where Central System returns Accepted or Pending, the
// Charge Point SHALL NOT send any other request to the Central System."
// OCPP 1.6 names no answer for a station that does; OCPP 2.0.1 does for the
// same rule (B02.FR.09, B03.FR.07): CALLERROR SecurityError, which dispatch
// answers here too. The central system never answers Pending (it has nothing
// to set up first), so before acceptance only BootNotification is admitted.
//
// Acceptance is kept per station, not per connection: a station sends a
// BootNotification when it boots, not when it reconnects after a network
// outage (4.2 asks for it "each time it boots or reboots"), so a station
// whose boot was accepted once (its last_boot_at is set) is admitted on a
// new connection, while one that never booted is refused everything else
// until it does. OCPP 2.0.1 (B, "Transactions before being accepted")
// advises exactly this: deny charging at a station never accepted.
func (c *conn) admits(action string) bool {
	return action == "BootNotification" || c.accepted.Load()
}

// nulText returns the JSON pointer of the first string (key or value) in
// payload that contains U+0000, or "" when none does. The payload is valid
// JSON (its schema was checked).
func nulText(payload json.RawMessage) string {
	if !bytes.Contains(payload, []byte(`\u0000`)) {
		return ""
	}
	var v any
	if json.Unmarshal(payload, &v) != nil {
		return "/"
	}
	return findNUL(v, "")
}

// findNUL walks a decoded JSON value for a string holding U+0000.
func findNUL(v any, at string) string {
	switch v := v.(type) {
	case string:
		if strings.IndexByte(v, 0) >= 0 {
			return at
		}
	case []any:
		for i, e := range v {
			if p := findNUL(e, at+"/"+strconv.Itoa(i)); p != "" {
				return p
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if strings.IndexByte(k, 0) >= 0 {
				return at + "/" + strings.ReplaceAll(k, "\x00", "")
			}
			if p := findNUL(v[k], at+"/"+k); p != "" {
				return p
			}
		}
	}
	return ""
}

// decode unmarshals a payload that passed its schema into a request type.
func decode[T any](payload json.RawMessage) (T, error) {
	var v T
	if err := json.Unmarshal(payload, &v); err != nil {
		return v, callErrorf(CodeTypeConstraintViolation, "the payload does not decode: %v", err)
	}
	return v, nil
}

// parseTime reads an OCPP dateTime (RFC 3339; the schema checked its form).
func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, callErrorf(CodePropertyConstraintViolation, "%s: %q is not an RFC 3339 date-time", field, s)
	}
	return t.UTC(), nil
}

// formatTime renders a time as an OCPP dateTime, in UTC to the millisecond.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// empty is the empty response payload of notifications.
type empty struct{}
