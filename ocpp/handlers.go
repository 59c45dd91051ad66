package ocpp

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// handler answers one station action: it decodes the request payload, which
// has passed the action's schema, and returns the response payload, which
// dispatch checks against the response schema before it is sent.
type handler func(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error)

// routes is the table of the actions a station may call, one handler each.
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
	h, ok := s.handlers[action]
	if !ok {
		if s.schemas.known(action) {
			return nil, callErrorf(CodeNotSupported, "%s is not a Charge Point to Central System action", action)
		}
		return nil, callErrorf(CodeNotImplemented, "unknown action %q", truncate(action, 64))
	}
	if cerr := s.schemas.request(action, payload); cerr != nil {
		return nil, cerr
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
	out, err = json.Marshal(resp)
	if err != nil {
		c.logger().Error("encoding the answer", "action", action, "err", err)
		return nil, callErrorf(CodeInternalError, "internal error")
	}
	if cerr := s.schemas.response(action, out); cerr != nil {
		c.logger().Error("our answer does not fit the schema", "action", action, "err", cerr, "answer", string(out))
		return nil, callErrorf(CodeInternalError, "internal error")
	}
	return out, nil
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
