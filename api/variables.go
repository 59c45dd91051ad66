package api

import "github.com/fleetcharge/fleetcharge/app"

// The device model commands' bodies: on an OCPP 2.0.1 station they are
// GetBaseReport, GetVariables and SetVariables; on an OCPP 1.6 station
// GetConfiguration and ChangeConfiguration, with a variable as a
// configuration key.

type getBaseReportInput struct {
	ReportBase string `json:"report_base" enum:"FullInventory,ConfigurationInventory,SummaryInventory" doc:"what the station reports (OCPP 2.0.1 reportBase); FullInventory when absent. The station answers with NotifyReport, stored as its device model"`
}

type getVariablesInput struct {
	Variables []app.Variable `json:"variables" required:"true" doc:"the variables asked for: component (OCPP 2.0.1; absent on 1.6) and variable (the 1.6 configuration key)"`
}

type setVariablesInput struct {
	Variables []app.Variable `json:"variables" required:"true" doc:"the variables to set, each with its value; on an OCPP 1.6 station exactly one (ChangeConfiguration)"`
}
