package ocpp

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParseMessage feeds arbitrary frames to the parser: it never panics,
// a frame it refuses carries a FormationViolation or a more precise code,
// and a frame it accepts encodes back to a frame that parses the same.
func FuzzParseMessage(f *testing.F) {
	for _, seed := range []string{
		`[2,"a1","Heartbeat",{}]`,
		`[3,"a1",{"currentTime":"2026-01-01T00:00:00Z"}]`,
		`[4,"a1","NotSupported","no",{}]`,
		`[2,"a1","StartTransaction",{"connectorId":1,"idTag":"X","meterStart":0,"timestamp":"2026-01-01T00:00:00Z"}]`,
		`[2,"a1","Heartbeat"`, `[]`, `[5]`, `{"a":1}`, `[2,7,"Heartbeat",{}]`, "\x00\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, cerr := parseMessage(b)
		if cerr != nil {
			if cerr.Code == "" {
				t.Fatalf("refused %q without a code", b)
			}
			return
		}
		var again []byte
		switch m.typ {
		case msgCall:
			again = encodeCall(m.id, m.action, m.payload)
		case msgCallResult:
			again = encodeResult(m.id, m.payload)
		case msgCallError:
			again = encodeError(m.id, m.err)
		default:
			t.Fatalf("accepted %q with type %d", b, m.typ)
		}
		m2, cerr := parseMessage(again)
		if cerr != nil {
			t.Fatalf("%q parsed, but its encoding %q does not: %v", b, again, cerr)
		}
		if m2.typ != m.typ || m2.id != m.id || m2.action != m.action || !sameJSON(m2.payload, m.payload) {
			t.Fatalf("%q and its encoding %q parse differently", b, again)
		}
	})
}

func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var ca, cb bytes.Buffer
	return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && bytes.Equal(ca.Bytes(), cb.Bytes())
}
