package ocpp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"

	fc "github.com/fleetcharge/fleetcharge"
)

// Call sends a CALL of action with request as its payload to the station
// with this identity and waits for the answer, at most CallTimeout. It
// returns the CALLRESULT payload, which passed the action's response schema.
//
// The action and request are those of the OCPP version the station's
// connection speaks.
//
// Errors: EConflict when the station is offline; EInvalid when request does
// not fit the action's schema (in the station's version; while it is
// offline, in any); EUnavailable when the station does not
// answer in time, disconnects first, or answers malformed; and, when the
// station answers with a CALLERROR, an error whose chain holds the *CallError
// (EUnprocessable, ENotImplemented for NotImplemented and NotSupported).
// Access rights are the caller's business.
func (s *Server) Call(ctx context.Context, identity, action string, request any) (json.RawMessage, error) {
	payload, err := json.Marshal(request)
	if err != nil {
		return nil, fc.Errorf(fc.EInvalid, "%s: the request does not encode as JSON", action)
	}
	c := s.reg.get(identity)
	// The request must fit the version of the station's connection; while
	// it is offline, one of the versions.
	vs := s.versions
	if c != nil {
		vs = []*version{c.ver}
	}
	if err := fits(vs, action, payload); err != nil {
		return nil, err
	}
	if c == nil {
		if s.cfg.Cluster != nil {
			return s.callRemote(ctx, identity, action, payload)
		}
		return nil, fc.Errorf(fc.EConflict, "station %s is offline", identity)
	}
	return c.call(ctx, action, payload)
}

// callLocal is Call on this node's connections alone, for a call another
// node sent (Remote): payload is already encoded.
func (s *Server) callLocal(ctx context.Context, identity, action string, payload json.RawMessage) (json.RawMessage, error) {
	c := s.reg.get(identity)
	if c == nil {
		return nil, fc.Errorf(fc.EConflict, "station %s is offline", identity)
	}
	if err := fits([]*version{c.ver}, action, payload); err != nil {
		return nil, err
	}
	return c.call(ctx, action, payload)
}

// fits checks that payload is a request of action in one of the versions.
func fits(vs []*version, action string, payload json.RawMessage) error {
	var err error
	for _, v := range vs {
		if !v.schemas.known(action) {
			err = fc.Errorf(fc.EInvalid, "%q is not an OCPP %s action", action, v.name)
			continue
		}
		cerr := v.schemas.request(action, payload)
		if cerr == nil {
			return nil
		}
		err = fc.Errorf(fc.EInvalid, "%s: %s", action, cerr.Description)
	}
	return err
}

// call sends a CALL and waits for its answer, one CALL at a time.
func (c *conn) call(ctx context.Context, action string, payload json.RawMessage) (json.RawMessage, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.srv.cfg.CallTimeout)
	defer cancel()
	select {
	case c.callSlot <- struct{}{}:
		defer func() { <-c.callSlot }()
	case <-ctx.Done():
		return nil, c.waitErr(parent, action)
	case <-c.ctx.Done():
		return nil, c.goneErr(action)
	}
	id := newMessageID()
	answer := c.await(id, action)
	defer c.forget(id)
	if err := c.send(encodeCall(id, action, payload)); err != nil {
		return nil, c.goneErr(action)
	}
	select {
	case r := <-answer:
		return r.payload, r.err
	case <-ctx.Done():
		return nil, c.waitErr(parent, action)
	case <-c.ctx.Done():
		return nil, c.goneErr(action)
	}
}

// waitErr is the error of a call whose wait ended: the caller's own
// cancellation, or the station's silence.
func (c *conn) waitErr(parent context.Context, action string) error {
	if err := parent.Err(); err != nil {
		return err
	}
	return fc.Errorf(fc.EUnavailable, "station %s did not answer %s within %s", c.identity, action, c.srv.cfg.CallTimeout)
}

// goneErr is the error of a call whose connection ended before the answer.
func (c *conn) goneErr(action string) error {
	return fc.Errorf(fc.EUnavailable, "station %s disconnected before answering %s", c.identity, action)
}

// newMessageID returns a unique message ID: 32 hexadecimal digits.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusAnswer is the answer of most commands.
type statusAnswer struct {
	Status string `json:"status"`
}

// callStatus makes a call whose answer is {"status": ...} and returns the
// status.
func (s *Server) callStatus(ctx context.Context, identity, action string, request any) (string, error) {
	raw, err := s.Call(ctx, identity, action, request)
	if err != nil {
		return "", err
	}
	var a statusAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return "", errors.Join(fc.Errorf(fc.EUnavailable, "the station's answer to %s does not decode", action), err)
	}
	return a.Status, nil
}
