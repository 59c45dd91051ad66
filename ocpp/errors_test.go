package ocpp

import (
	"errors"
	"fmt"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

func TestToCallError(t *testing.T) {
	tests := []struct {
		err      error
		want     string
		wantDesc string
	}{
		{fc.Invalid(map[string]string{"connector_id": "no such connector"}), CodePropertyConstraintViolation, "the request has invalid fields"},
		{fc.Errorf(fc.ENotFound, "session 7 not found"), CodePropertyConstraintViolation, "session 7 not found"},
		{fc.Errorf(fc.EConflict, "taken"), CodeGenericError, "taken"},
		{fc.Errorf(fc.EUnprocessable, "rule"), CodeGenericError, "rule"},
		{fc.Errorf(fc.EForbidden, "no"), CodeSecurityError, "no"},
		{fc.Errorf(fc.ENotImplemented, "later"), CodeNotSupported, "later"},
		{fc.Errorf(fc.EUnavailable, "database down"), CodeInternalError, "database down"},
		{errors.New("pq: connection reset at 10.0.0.3"), CodeInternalError, "internal error"},
		{fmt.Errorf("wrapped: %w", callErrorf(CodeTypeConstraintViolation, "bad")), CodeTypeConstraintViolation, "bad"},
	}
	for _, tt := range tests {
		got := toCallError(tt.err)
		if got.Code != tt.want || got.Description != tt.wantDesc {
			t.Errorf("toCallError(%v) = %s %q, want %s %q", tt.err, got.Code, got.Description, tt.want, tt.wantDesc)
		}
	}
}

func TestFromCallError(t *testing.T) {
	tests := []struct {
		code, want string
	}{
		{CodeNotSupported, fc.ENotImplemented},
		{CodeNotImplemented, fc.ENotImplemented},
		{CodeInternalError, fc.EUnavailable},
		{CodeGenericError, fc.EUnprocessable},
		{CodePropertyConstraintViolation, fc.EUnprocessable},
	}
	for _, tt := range tests {
		err := fromCallError("Reset", &CallError{Code: tt.code, Description: "d"})
		if got := fc.ErrorCode(err); got != tt.want {
			t.Errorf("%s: code %s, want %s", tt.code, got, tt.want)
		}
		var ce *CallError
		if !errors.As(err, &ce) || ce.Code != tt.code {
			t.Errorf("%s: the CallError is not in the chain of %v", tt.code, err)
		}
	}
}
