package ocpp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	xmessage "golang.org/x/text/message"
)

// schemas are the request and response schemas of every action of one OCPP
// version, compiled once per process.
type schemas struct {
	req, conf map[string]*jsonschema.Schema
}

// compileSchemas compiles the request schemas schemas/Action{reqSuffix}.json
// and the response schemas schemas/ActionResponse.json of fsys (OCPP 1.6
// names a request Action.json, OCPP 2.0.1 ActionRequest.json). Each is
// added under its own file name, whatever $id it declares.
func compileSchemas(fsys fs.FS, reqSuffix string) (*schemas, error) {
	entries, err := fs.ReadDir(fsys, "schemas")
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	urls := map[string]string{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		b, err := fs.ReadFile(fsys, "schemas/"+e.Name())
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", e.Name(), err)
		}
		url := "urn:fleetcharge:schema:" + name
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", e.Name(), err)
		}
		urls[name] = url
	}
	s := &schemas{req: map[string]*jsonschema.Schema{}, conf: map[string]*jsonschema.Schema{}}
	for name, url := range urls {
		sch, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		if action, ok := strings.CutSuffix(name, "Response"); ok {
			s.conf[action] = sch
		} else if action, ok := strings.CutSuffix(name, reqSuffix); ok {
			s.req[action] = sch
		} else {
			return nil, fmt.Errorf("schema %s: neither a request nor a response", name)
		}
	}
	for action := range s.req {
		if s.conf[action] == nil {
			return nil, fmt.Errorf("schema %s has no response schema", action)
		}
	}
	return s, nil
}

// known reports whether action is an action of the version.
func (s *schemas) known(action string) bool { return s.req[action] != nil }

// request validates the payload of a CALL of action.
func (s *schemas) request(action string, payload json.RawMessage) *CallError {
	return validate(s.req[action], payload)
}

// response validates the payload of a CALLRESULT answering action.
func (s *schemas) response(action string, payload json.RawMessage) *CallError {
	return validate(s.conf[action], payload)
}

// validate checks payload against sch and returns the CALLERROR it deserves.
func validate(sch *jsonschema.Schema, payload json.RawMessage) *CallError {
	if sch == nil {
		return callErrorf(CodeNotImplemented, "no schema for this action")
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return callErrorf(CodeFormationViolation, "the payload is not valid JSON")
	}
	err = sch.Validate(v)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return callErrorf(CodeFormationViolation, "the payload does not fit the schema")
	}
	return schemaError(ve)
}

// printer renders the schema library's messages.
var printer = xmessage.NewPrinter(language.English)

// violation is one failed keyword of a validation.
type violation struct {
	code, at, text string
}

// schemaError picks, among the failed keywords of a validation, the one the
// answer names: by a fixed precedence of codes (so that the answer does not
// depend on the order in which properties were checked), then by location.
func schemaError(ve *jsonschema.ValidationError) *CallError {
	var all []violation
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			all = append(all, violation{
				code: keywordCode(e.ErrorKind),
				at:   "/" + strings.Join(e.InstanceLocation, "/"),
				text: e.ErrorKind.LocalizedString(printer),
			})
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	if len(all) == 0 {
		return callErrorf(CodeFormationViolation, "the payload does not fit the schema")
	}
	rank := map[string]int{
		CodeFormationViolation:           0,
		CodeOccurenceConstraintViolation: 1,
		CodeTypeConstraintViolation:      2,
		CodePropertyConstraintViolation:  3,
	}
	sort.Slice(all, func(i, j int) bool {
		if rank[all[i].code] != rank[all[j].code] {
			return rank[all[i].code] < rank[all[j].code]
		}
		return all[i].at < all[j].at
	})
	v := all[0]
	return callErrorf(v.code, "%s: %s", v.at, v.text)
}

// keywordCode maps a failed schema keyword to its CALLERROR code: a wrong
// JSON type is a TypeConstraintViolation; a missing field or a wrong number
// of items an OccurenceConstraintViolation; a value outside its enumeration,
// length, range or format a PropertyConstraintViolation; a field the PDU does
// not have, or anything else, a FormationViolation (the payload does not
// conform to the PDU's structure).
func keywordCode(k jsonschema.ErrorKind) string {
	switch k.(type) {
	case *kind.Type:
		return CodeTypeConstraintViolation
	case *kind.Required, *kind.MinItems, *kind.MaxItems, *kind.MinProperties, *kind.MaxProperties, *kind.AdditionalItems:
		return CodeOccurenceConstraintViolation
	case *kind.Enum, *kind.Const, *kind.MinLength, *kind.MaxLength, *kind.Pattern, *kind.Format,
		*kind.Minimum, *kind.Maximum, *kind.ExclusiveMinimum, *kind.ExclusiveMaximum, *kind.MultipleOf:
		return CodePropertyConstraintViolation
	}
	return CodeFormationViolation
}
