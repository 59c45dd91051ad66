package app

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

// ComponentConfiguration is the component under which an OCPP 1.6
// station's configuration keys are kept in its device model: 1.6 has keys,
// not components.
const ComponentConfiguration = "Configuration"

// recordConfiguration keeps what a station answered to a configuration
// read in its device model, shown on its page: the keys, values and
// read-only flags of an OCPP 1.6 GetConfiguration, the attributes an OCPP
// 2.0.1 GetVariables returned (Accepted ones). Other answers are left
// alone. A reply that does not parse records nothing: the command's answer
// is the station's all the same.
func (s *Service) recordConfiguration(ctx context.Context, stationID fc.ID, action string, reply json.RawMessage) error {
	var vars []fc.DeviceVariable
	switch action {
	case "GetConfiguration":
		var r struct {
			ConfigurationKey []struct {
				Key      string  `json:"key"`
				Readonly bool    `json:"readonly"`
				Value    *string `json:"value"`
			} `json:"configurationKey"`
		}
		if json.Unmarshal(reply, &r) != nil {
			return nil
		}
		for _, k := range r.ConfigurationKey {
			mutability := "ReadWrite"
			if k.Readonly {
				mutability = "ReadOnly"
			}
			vars = append(vars, fc.DeviceVariable{Component: ComponentConfiguration, Variable: k.Key, AttributeType: "Actual",
				Value: k.Value, Mutability: mutability})
		}
	case "GetVariables":
		var r struct {
			GetVariableResult []struct {
				AttributeStatus string  `json:"attributeStatus"`
				AttributeType   string  `json:"attributeType"`
				AttributeValue  *string `json:"attributeValue"`
				Component       struct {
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
			} `json:"getVariableResult"`
		}
		if json.Unmarshal(reply, &r) != nil {
			return nil
		}
		for _, g := range r.GetVariableResult {
			if g.AttributeStatus != "Accepted" {
				continue
			}
			v := fc.DeviceVariable{Component: g.Component.Name, ComponentInstance: g.Component.Instance, Variable: g.Variable.Name,
				VariableInstance: g.Variable.Instance, AttributeType: g.AttributeType, Value: g.AttributeValue}
			if v.AttributeType == "" {
				v.AttributeType = "Actual"
			}
			if e := g.Component.EVSE; e != nil {
				v.EVSEID, v.ConnectorID = e.ID, e.ConnectorID
			}
			vars = append(vars, v)
		}
	}
	if len(vars) == 0 {
		return nil
	}
	return s.Store.RecordDeviceModel(ctx, stationID, vars, s.now())
}
