package ocpp

// routes201 is the table of the actions an OCPP 2.0.1 station may call, one
// handler each. Heartbeat and DataTransfer have the same payloads in both
// versions and share their handler; the others are in the v201_*.go files.
//
// How EVSEs and connectors map onto charge points: OCPP 2.0.1 numbers the
// EVSEs of a station 1..n and the connectors of each EVSE 1..m, where an EVSE
// charges one vehicle at a time whichever of its connectors is plugged in.
// A charge point is what charges one vehicle at a time, so charge point n is
// EVSE n (OCPP 1.6's connectorId n, which the OCA's migration guide maps to
// EVSE n too): sessions, statuses and remote commands name the EVSE, and the
// connector within it is not kept. EVSE 0 is the station as a whole, as
// connector 0 is in OCPP 1.6.
func (s *Server) routes201() map[string]handler {
	return map[string]handler{
		"BootNotification":           s.bootNotification201,
		"Heartbeat":                  s.heartbeat,
		"StatusNotification":         s.statusNotification201,
		"Authorize":                  s.authorize201,
		"TransactionEvent":           s.transactionEvent,
		"MeterValues":                s.meterValues201,
		"NotifyReport":               s.notifyReport,
		"NotifyEvent":                s.notifyEvent,
		"NotifyChargingLimit":        s.notifyChargingLimit,
		"ReportChargingProfiles":     s.reportChargingProfiles,
		"FirmwareStatusNotification": s.firmwareStatusNotification201,
		"LogStatusNotification":      s.logStatusNotification,
		"SecurityEventNotification":  s.securityEventNotification,
		"SignCertificate":            s.signCertificate,
		"ReservationStatusUpdate":    s.reservationStatusUpdate,
		"DataTransfer":               s.dataTransfer,
	}
}
