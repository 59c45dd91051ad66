package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type notifyReportRequest struct {
	RequestID   int    `json:"requestId"`
	GeneratedAt string `json:"generatedAt"`
	Tbc         bool   `json:"tbc"`
	SeqNo       int    `json:"seqNo"`
	ReportData  []struct {
		Component struct {
			Name     string `json:"name"`
			Instance string `json:"instance"`
			EVSE     *struct {
				ID          int `json:"id"`
				ConnectorID int `json:"connectorId"`
			} `json:"evse"`
		} `json:"component"`
		Variable struct {
			Name     string `json:"name"`
			Instance string `json:"instance"`
		} `json:"variable"`
		VariableAttribute []struct {
			Type       string  `json:"type"`
			Value      *string `json:"value"`
			Mutability string  `json:"mutability"`
		} `json:"variableAttribute"`
		VariableCharacteristics *struct {
			Unit     string `json:"unit"`
			DataType string `json:"dataType"`
		} `json:"variableCharacteristics"`
	} `json:"reportData"`
}

// notifyReport stores the part of the station's device model a report
// carries (an answer to GetBaseReport, in one or more parts): one row per
// attribute of each variable of each component, replacing what an earlier
// report said of it.
func (s *Server) notifyReport(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[notifyReportRequest](payload)
	if err != nil {
		return nil, err
	}
	at, err := parseTime("generatedAt", req.GeneratedAt)
	if err != nil {
		return nil, err
	}
	var vars []fc.DeviceVariable
	for _, d := range req.ReportData {
		base := fc.DeviceVariable{
			Component:         d.Component.Name,
			ComponentInstance: d.Component.Instance,
			Variable:          d.Variable.Name,
			VariableInstance:  d.Variable.Instance,
		}
		if e := d.Component.EVSE; e != nil {
			base.EVSEID, base.ConnectorID = e.ID, e.ConnectorID
		}
		if c := d.VariableCharacteristics; c != nil {
			base.Unit, base.DataType = c.Unit, c.DataType
		}
		for _, a := range d.VariableAttribute {
			v := base
			v.AttributeType, v.Value, v.Mutability = a.Type, a.Value, a.Mutability
			if v.AttributeType == "" {
				v.AttributeType = "Actual"
			}
			if v.Mutability == "" {
				v.Mutability = "ReadWrite"
			}
			vars = append(vars, v)
		}
	}
	if err := s.store.RecordDeviceModel(ctx, st.ID, vars, at); err != nil {
		return nil, err
	}
	s.log.Info("device model report", "station", st.Identity, "request", req.RequestID, "seq_no", req.SeqNo, "tbc", req.Tbc, "attributes", len(vars))
	return empty{}, nil
}
