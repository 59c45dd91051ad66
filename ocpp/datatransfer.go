package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type dataTransferRequest struct {
	VendorID  string `json:"vendorId"`
	MessageID string `json:"messageId"`
}

type dataTransferResponse struct {
	Status string `json:"status"`
}

// dataTransfer answers UnknownVendorId: the back office supports no vendor
// extension.
func (s *Server) dataTransfer(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[dataTransferRequest](payload)
	if err != nil {
		return nil, err
	}
	s.log.Info("data transfer from an unknown vendor", "station", st.Identity, "vendor", req.VendorID, "message", req.MessageID)
	return dataTransferResponse{Status: "UnknownVendorId"}, nil
}
