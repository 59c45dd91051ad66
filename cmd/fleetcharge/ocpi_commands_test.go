package main

import (
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/ocpi"
)

// The OCPI edge sends the commands the services ask for (app finds them on
// the Roaming it is given), and partners' commands reach the stations
// through the services.
var (
	_ app.RoamingCommander  = (*ocpi.Server)(nil)
	_ ocpi.StationCommander = (*app.RoamingStations)(nil)
)
