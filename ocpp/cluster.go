package ocpp

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
)

// Cluster shares the registry of connections with the other nodes of
// `serve --nats` (package cluster implements it over PostgreSQL and NATS).
// Without one, the Server is a single node and its registry is all there
// is.
type Cluster interface {
	// Attach marks the station online and registers its connection on
	// this node, and returns the connection's epoch.
	Attach(ctx context.Context, st *fc.Station, version string, at time.Time) (epoch int64, err error)
	// Listen starts answering the commands for the station sent from any
	// node (Server.Remote), and tells the other nodes that a connection
	// of an older epoch is stale (Server.Supersede).
	Listen(identity string, epoch int64) error
	// Unlisten stops answering for the station's connection of epoch.
	Unlisten(identity string, epoch int64)
	// Detach releases the registration of the connection of epoch and
	// marks the station offline, unless it moved on to a newer one.
	Detach(ctx context.Context, st *fc.Station, epoch int64, at time.Time) error
	// Request sends an encoded remote call to the node that holds the
	// station and returns its encoded answer; EConflict when no node
	// does.
	Request(ctx context.Context, identity string, data []byte) ([]byte, error)
}

// remoteCall is a call to a station sent from another node.
type remoteCall struct {
	Action  string          `json:"action"`
	Payload json.RawMessage `json:"payload"`
}

// remoteAnswer is the answer of the node that holds the station.
type remoteAnswer struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	Error   *remoteError    `json:"error,omitempty"`
}

type remoteError struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	CallError *CallError        `json:"call_error,omitempty"`
}

// callRemote sends the call to the node that holds the station, if any.
func (s *Server) callRemote(ctx context.Context, identity, action string, payload json.RawMessage) (json.RawMessage, error) {
	// The holding node bounds the station's answer by CallTimeout; the
	// margin is for the trip between nodes.
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout+5*time.Second)
	defer cancel()
	data, _ := json.Marshal(remoteCall{Action: action, Payload: payload})
	raw, err := s.cfg.Cluster.Request(ctx, identity, data)
	if err != nil {
		return nil, err
	}
	var a remoteAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fc.Errorf(fc.EUnavailable, "the answer of the node holding station %s does not decode", identity)
	}
	if e := a.Error; e != nil {
		fe := &fc.Error{Code: e.Code, Message: e.Message, Fields: e.Fields}
		if e.CallError != nil {
			return nil, errors.Join(fe, e.CallError)
		}
		return nil, fe
	}
	return a.Payload, nil
}

// Remote answers a call sent from another node to a station connected
// here: it is Call on this node's registry alone, encoded.
func (s *Server) Remote(ctx context.Context, identity string, data []byte) []byte {
	var a remoteAnswer
	var rc remoteCall
	if err := json.Unmarshal(data, &rc); err != nil {
		a.Error = &remoteError{Code: fc.EInvalid, Message: "the remote call does not decode"}
	} else {
		var err error
		a.Payload, err = s.callLocal(ctx, identity, rc.Action, rc.Payload)
		if err != nil {
			a.Error = &remoteError{Code: fc.ErrorCode(err), Message: fc.ErrorMessage(err), Fields: fc.ErrorFields(err)}
			var ce *CallError
			if errors.As(err, &ce) {
				a.Error.CallError = ce
			}
		}
	}
	out, _ := json.Marshal(a)
	return out
}

// Supersede closes this node's connection of the station if it is older
// than epoch: the station connected again, to another node.
func (s *Server) Supersede(identity string, epoch int64) {
	if c := s.reg.get(identity); c != nil && c.epoch < epoch {
		s.log.Info("station connected to another node: closing its connection here", "station", identity)
		go c.close(websocket.StatusPolicyViolation, "replaced by a new connection")
	}
}
