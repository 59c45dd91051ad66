package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

// The commands the back office sends to stations. Each returns the status
// the station answered (Accepted, Rejected, …, as the action's schema lists
// them) and fails as Call does: EConflict when the station is offline.

// RemoteStartTransaction asks the station to start a transaction for idTag
// on connectorID (0 lets the station choose).
func (s *Server) RemoteStartTransaction(ctx context.Context, identity string, connectorID int, idTag string) (string, error) {
	req := struct {
		ConnectorID int    `json:"connectorId,omitempty"`
		IDTag       string `json:"idTag"`
	}{connectorID, idTag}
	return s.callStatus(ctx, identity, "RemoteStartTransaction", req)
}

// RemoteStopTransaction asks the station to stop a transaction, named by its
// session's ID.
func (s *Server) RemoteStopTransaction(ctx context.Context, identity string, transactionID fc.ID) (string, error) {
	req := struct {
		TransactionID int64 `json:"transactionId"`
	}{int64(transactionID)}
	return s.callStatus(ctx, identity, "RemoteStopTransaction", req)
}

// Reset asks the station to restart; resetType is "Soft" or "Hard".
func (s *Server) Reset(ctx context.Context, identity, resetType string) (string, error) {
	req := struct {
		Type string `json:"type"`
	}{resetType}
	return s.callStatus(ctx, identity, "Reset", req)
}

// UnlockConnector asks the station to unlock a connector.
func (s *Server) UnlockConnector(ctx context.Context, identity string, connectorID int) (string, error) {
	req := struct {
		ConnectorID int `json:"connectorId"`
	}{connectorID}
	return s.callStatus(ctx, identity, "UnlockConnector", req)
}

// ChangeAvailability makes a connector (0: the whole station) "Operative"
// or "Inoperative".
func (s *Server) ChangeAvailability(ctx context.Context, identity string, connectorID int, availability string) (string, error) {
	req := struct {
		ConnectorID int    `json:"connectorId"`
		Type        string `json:"type"`
	}{connectorID, availability}
	return s.callStatus(ctx, identity, "ChangeAvailability", req)
}

// ChangeConfiguration sets one configuration key of the station.
func (s *Server) ChangeConfiguration(ctx context.Context, identity, key, value string) (string, error) {
	req := struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}{key, value}
	return s.callStatus(ctx, identity, "ChangeConfiguration", req)
}

// TriggerMessage asks the station to send a message now (BootNotification,
// Heartbeat, MeterValues, StatusNotification, …), for connectorID when it
// is not 0.
func (s *Server) TriggerMessage(ctx context.Context, identity, requestedMessage string, connectorID int) (string, error) {
	req := struct {
		RequestedMessage string `json:"requestedMessage"`
		ConnectorID      int    `json:"connectorId,omitempty"`
	}{requestedMessage, connectorID}
	return s.callStatus(ctx, identity, "TriggerMessage", req)
}

// ClearCache asks the station to clear its authorization cache.
func (s *Server) ClearCache(ctx context.Context, identity string) (string, error) {
	return s.callStatus(ctx, identity, "ClearCache", struct{}{})
}

// ConfigurationKey is one key of a station's configuration.
type ConfigurationKey struct {
	Key      string  `json:"key"`
	Readonly bool    `json:"readonly"`
	Value    *string `json:"value,omitempty"`
}

// Configuration is a station's answer to GetConfiguration.
type Configuration struct {
	Keys    []ConfigurationKey `json:"configurationKey,omitempty"`
	Unknown []string           `json:"unknownKey,omitempty"`
}

// GetConfiguration reads the given configuration keys of the station, or
// all of them when none is given.
func (s *Server) GetConfiguration(ctx context.Context, identity string, keys ...string) (*Configuration, error) {
	req := struct {
		Key []string `json:"key,omitempty"`
	}{keys}
	raw, err := s.Call(ctx, identity, "GetConfiguration", req)
	if err != nil {
		return nil, err
	}
	var cfg Configuration
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fc.Errorf(fc.EUnavailable, "the station's answer to GetConfiguration does not decode")
	}
	return &cfg, nil
}
