// Package fleetcharge holds the domain of the fleetcharge back office: the
// types (providers, organizations, accounts, cards, stations, sessions, users,
// role assignments), the error codes, and the interfaces that storage
// implements. It imports nothing else of the project.
package fleetcharge

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status (in the API package) and one OCPP
// CallError code (in the OCPP package).
const (
	EInvalid        = "invalid"         // bad input: 400
	EUnauthorized   = "unauthorized"    // not authenticated: 401
	EForbidden      = "forbidden"       // authenticated, not allowed: 403
	ENotFound       = "not_found"       // missing or not visible to the caller: 404
	EConflict       = "conflict"        // duplicate key or stale state: 409
	EUnprocessable  = "rule_violated"   // a domain rule refuses the change: 422
	ETooLarge       = "too_large"       // request body over the limit: 413
	ERateLimited    = "rate_limited"    // too many attempts: 429
	EUnavailable    = "unavailable"     // a dependency (station, database) is not reachable now: 503
	EInternal       = "internal"        // a bug or an unexpected failure: 500
	ENotImplemented = "not_implemented" // recognised but not supported: 501
)

// Error is the project's one error type: a code, a message safe to show to
// the caller, and optional per-field messages for validation failures.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error carrying per-field messages.
func Invalid(fields map[string]string) *Error {
	return &Error{Code: EInvalid, Message: "the request has invalid fields", Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the caller-safe message of err: the message of its
// *Error, or a generic text for internal errors so that no internal detail
// reaches a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the per-field messages of err's *Error, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }
