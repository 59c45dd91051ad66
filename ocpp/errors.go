package ocpp

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
)

// CALLERROR codes of OCPP 1.6 (OCPP-J 4.2.3), spelled as OCPP 1.6 spells
// them: FormationViolation and OccurenceConstraintViolation.
const (
	CodeNotImplemented               = "NotImplemented"
	CodeNotSupported                 = "NotSupported"
	CodeInternalError                = "InternalError"
	CodeProtocolError                = "ProtocolError"
	CodeSecurityError                = "SecurityError"
	CodeFormationViolation           = "FormationViolation"
	CodePropertyConstraintViolation  = "PropertyConstraintViolation"
	CodeOccurenceConstraintViolation = "OccurenceConstraintViolation"
	CodeTypeConstraintViolation      = "TypeConstraintViolation"
	CodeGenericError                 = "GenericError"
)

// maxDescription bounds a CALLERROR description; OCPP 2.0 fixes 255
// characters and stations with small buffers expect no more in 1.6.
const maxDescription = 255

// CallError is an OCPP CALLERROR: what a handler's failure becomes on the
// wire, and what a station answered when it refused one of our calls.
type CallError struct {
	Code        string
	Description string
	Details     json.RawMessage // a JSON object; nil is sent as {}
}

// Error implements the error interface.
func (e *CallError) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// callErrorf returns a CallError with a formatted description.
func callErrorf(code, format string, args ...any) *CallError {
	return &CallError{Code: code, Description: fmt.Sprintf(format, args...)}
}

// toCallError is the one place where an error of ours becomes the CALLERROR
// answered to a station: a *CallError keeps its code, a domain error is
// mapped by its code, anything else is an InternalError whose text stays in
// the log.
func toCallError(err error) *CallError {
	var ce *CallError
	if errors.As(err, &ce) {
		return ce
	}
	code := CodeInternalError
	switch fc.ErrorCode(err) {
	case fc.EInvalid, fc.ENotFound:
		code = CodePropertyConstraintViolation
	case fc.EConflict, fc.EUnprocessable:
		code = CodeGenericError
	case fc.EUnauthorized, fc.EForbidden:
		code = CodeSecurityError
	case fc.ENotImplemented:
		code = CodeNotSupported
	case fc.ETooLarge:
		code = CodeFormationViolation
	}
	return &CallError{Code: code, Description: truncate(fc.ErrorMessage(err), maxDescription)}
}

// fromCallError turns a station's CALLERROR answer to our call of action into
// a domain error that still carries the CallError.
func fromCallError(action string, ce *CallError) error {
	code := fc.EUnprocessable
	switch ce.Code {
	case CodeNotImplemented, CodeNotSupported:
		code = fc.ENotImplemented
	case CodeInternalError:
		code = fc.EUnavailable
	}
	return fmt.Errorf("%w: %w", fc.Errorf(code, "the station refused %s: %s", action, ce.Error()), ce)
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
