package ocpp

import (
	"strings"
	"sync"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/third_party/ocpp16"
	"github.com/fleetcharge/fleetcharge/third_party/ocpp201"
)

// Subprotocols of the OCPP versions the endpoint speaks.
const (
	Subprotocol    = "ocpp1.6" // OCPP 1.6J
	Subprotocol201 = "ocpp2.0.1"
)

// version is one OCPP version the endpoint speaks: both share the transport
// (framing, the connection loop, the registry, calls to stations) and differ
// in their schemas, their table of station actions and the spelling of two
// CALLERROR codes.
type version struct {
	name        string // fc.OCPP16 or fc.OCPP201
	subprotocol string
	schemas     *schemas
	handlers    map[string]handler
	// codes respells our CALLERROR codes (OCPP 1.6's) as this version
	// spells them; nil keeps them.
	codes map[string]string
}

// code returns a CALLERROR code as the version spells it.
func (v *version) code(c string) string {
	if r, ok := v.codes[c]; ok {
		return r
	}
	return c
}

// errorFrame encodes a CALLERROR for a station of this version.
func (v *version) errorFrame(id string, e *CallError) []byte {
	if r := v.code(e.Code); r != e.Code {
		e = &CallError{Code: r, Description: e.Description, Details: e.Details}
	}
	return encodeError(id, e)
}

// codes201 are the two CALLERROR codes OCPP 2.0.1 spells otherwise
// (OCPP-J 2.0.1, 4.3): FormatViolation and OccurrenceConstraintViolation.
var codes201 = map[string]string{
	CodeFormationViolation:           "FormatViolation",
	CodeOccurenceConstraintViolation: "OccurrenceConstraintViolation",
}

// loadSchemas201 compiles the embedded OCPP 2.0.1 schemas on first use.
var loadSchemas201 = sync.OnceValues(func() (*schemas, error) { return compileSchemas(ocpp201.Schemas, "Request") })

// loadSchemas compiles the embedded OCPP 1.6 schemas on first use.
var loadSchemas = sync.OnceValues(func() (*schemas, error) { return compileSchemas(ocpp16.Schemas, "") })

// newVersions returns the versions of s, in the order of preference the
// server picks from what a station offers: 2.0.1 over 1.6.
func (s *Server) newVersions() ([]*version, error) {
	s16, err := loadSchemas()
	if err != nil {
		return nil, err
	}
	s201, err := loadSchemas201()
	if err != nil {
		return nil, err
	}
	return []*version{
		{name: fc.OCPP201, subprotocol: Subprotocol201, schemas: s201, handlers: s.routes201(), codes: codes201},
		{name: fc.OCPP16, subprotocol: Subprotocol, schemas: s16, handlers: s.routes()},
	}, nil
}

// versionOf returns the version of a negotiated subprotocol, or nil.
func (s *Server) versionOf(subprotocol string) *version {
	for _, v := range s.versions {
		if strings.EqualFold(v.subprotocol, subprotocol) {
			return v
		}
	}
	return nil
}

// subprotocols lists the subprotocols in the server's order of preference.
func (s *Server) subprotocols() []string {
	out := make([]string, len(s.versions))
	for i, v := range s.versions {
		out[i] = v.subprotocol
	}
	return out
}
