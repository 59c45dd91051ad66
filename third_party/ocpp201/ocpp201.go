// Package ocpp201 embeds the Open Charge Alliance's OCPP 2.0.1 JSON schemas
// (see README.md for their origin and licence).
package ocpp201

import "embed"

// Schemas holds schemas/ActionRequest.json and schemas/ActionResponse.json
// of every OCPP 2.0.1 action.
//
//go:embed schemas/*.json
var Schemas embed.FS
