// Package ocpp16 embeds the Open Charge Alliance's OCPP 1.6 JSON schemas
// (see README.md for their origin and licence).
package ocpp16

import "embed"

// Schemas holds schemas/Action.json (the request) and
// schemas/ActionResponse.json (the response) of every OCPP 1.6 action.
//
//go:embed schemas/*.json
var Schemas embed.FS
