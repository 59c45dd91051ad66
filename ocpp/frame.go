package ocpp

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// OCPP-J message type IDs.
const (
	msgCall       = 2
	msgCallResult = 3
	msgCallError  = 4
)

// maxMessageID is the longest unique message ID OCPP-J allows.
const maxMessageID = 36

// unknownID is the message ID of a CALLERROR answering a frame whose own ID
// cannot be read.
const unknownID = "-1"

// message is one decoded OCPP-J frame:
//
//	CALL        [2, "id", "Action", {payload}]
//	CALLRESULT  [3, "id", {payload}]
//	CALLERROR   [4, "id", "Code", "Description", {details}]
type message struct {
	typ     int
	id      string
	action  string          // CALL
	payload json.RawMessage // CALL and CALLRESULT
	err     *CallError      // CALLERROR
}

// parseMessage decodes one frame. A malformed frame gives a FormationViolation
// together with as much of the message as could be read: its id (unknownID
// when unreadable) and its type (0 when unreadable), so that the caller can
// answer a broken CALL and drop a broken CALLRESULT or CALLERROR.
func parseMessage(b []byte) (message, *CallError) {
	m := message{id: unknownID}
	// OCPP-J is UTF-8 (RFC 6455 text frames); Go's JSON decoder would
	// silently turn invalid bytes into U+FFFD.
	if !utf8.Valid(b) {
		return m, callErrorf(CodeFormationViolation, "the message is not valid UTF-8")
	}
	if !json.Valid(b) {
		return m, callErrorf(CodeFormationViolation, "the message is not valid JSON")
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return m, callErrorf(CodeFormationViolation, "the message is not a JSON array")
	}
	if len(parts) >= 2 {
		var id string
		if json.Unmarshal(parts[1], &id) != nil {
			return m, callErrorf(CodeFormationViolation, "the message ID is not a string")
		}
		if id == "" || len(id) > maxMessageID {
			return m, callErrorf(CodeFormationViolation, "the message ID must have 1 to %d characters", maxMessageID)
		}
		m.id = id
	}
	if len(parts) == 0 || json.Unmarshal(parts[0], &m.typ) != nil || m.typ < msgCall || m.typ > msgCallError {
		m.typ = 0
		return m, callErrorf(CodeFormationViolation, "the message type must be 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR)")
	}
	switch m.typ {
	case msgCall:
		if len(parts) != 4 {
			return m, callErrorf(CodeFormationViolation, "a CALL has 4 elements, not %d", len(parts))
		}
		if json.Unmarshal(parts[2], &m.action) != nil || m.action == "" {
			return m, callErrorf(CodeFormationViolation, "the action is not a string")
		}
		m.payload = parts[3]
	case msgCallResult:
		if len(parts) != 3 {
			return m, callErrorf(CodeFormationViolation, "a CALLRESULT has 3 elements, not %d", len(parts))
		}
		m.payload = parts[2]
	case msgCallError:
		if len(parts) != 5 {
			return m, callErrorf(CodeFormationViolation, "a CALLERROR has 5 elements, not %d", len(parts))
		}
		ce := &CallError{Details: parts[4]}
		if json.Unmarshal(parts[2], &ce.Code) != nil || json.Unmarshal(parts[3], &ce.Description) != nil {
			return m, callErrorf(CodeFormationViolation, "a CALLERROR's code and description are strings")
		}
		if !isObject(ce.Details) {
			return m, callErrorf(CodeFormationViolation, "a CALLERROR's details are a JSON object")
		}
		m.err = ce
	}
	if m.payload != nil && !isObject(m.payload) {
		return m, callErrorf(CodeFormationViolation, "the payload is not a JSON object")
	}
	return m, nil
}

// isObject reports whether the valid JSON value b is an object.
func isObject(b json.RawMessage) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// encodeCall renders a CALL frame.
func encodeCall(id, action string, payload json.RawMessage) []byte {
	return mustMarshal([]any{msgCall, id, action, payload})
}

// encodeResult renders a CALLRESULT frame.
func encodeResult(id string, payload json.RawMessage) []byte {
	return mustMarshal([]any{msgCallResult, id, payload})
}

// encodeError renders a CALLERROR frame.
func encodeError(id string, e *CallError) []byte {
	details := e.Details
	if details == nil {
		details = json.RawMessage(`{}`)
	}
	return mustMarshal([]any{msgCallError, id, e.Code, truncate(e.Description, maxDescription), details})
}

// mustMarshal marshals a frame whose parts are strings, integers and valid
// JSON, which cannot fail. It leaves <, > and & as they are: a frame goes
// to a charge station, not into an HTML page, and the payload is sent as
// the station or the caller wrote it.
func mustMarshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("ocpp: encoding a frame: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
