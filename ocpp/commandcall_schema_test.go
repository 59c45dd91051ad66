package ocpp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
)

// TestCommandCallSchemas: every payload app.CommandCall builds, for every
// command of app.Commands on every version that has it, passes the
// official schema of its action in that version (as Call checks it on the
// way out), with the optional arguments left out and given.
func TestCommandCallSchemas(t *testing.T) {
	s16, err := loadSchemas()
	if err != nil {
		t.Fatal(err)
	}
	s201, err := loadSchemas201()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 5, 8, 30, 0, 0, time.UTC)
	later := at.Add(time.Hour)
	one, zero, three := 1, 0, 3
	minRate := int64(60)
	certificate := selfSignedPEM(t)
	profile := app.ChargingProfile{ID: 7, StackLevel: 2, Purpose: "TxDefaultProfile", Kind: "Absolute",
		Schedule: app.ChargingSchedule{Unit: "A", Periods: []app.ChargingPeriod{{StartPeriod: 0, LimitTenths: 160}}}}
	full := app.ChargingProfile{ID: 8, StackLevel: 0, Purpose: "ChargePointMaxProfile", Kind: "Recurring", Recurrency: "Daily",
		ValidFrom: &at, ValidTo: &later,
		Schedule: app.ChargingSchedule{Unit: "W", DurationSeconds: 86400, StartSchedule: &at, MinRateTenths: &minRate,
			Periods: []app.ChargingPeriod{{StartPeriod: 0, LimitTenths: 110000, NumberPhases: 3}, {StartPeriod: 3600, LimitTenths: 73, NumberPhases: 1}}}}
	tx := full
	tx.ID, tx.Purpose, tx.Kind, tx.Recurrency, tx.TransactionID = 9, "TxProfile", "Relative", "", 41
	tx.Schedule.StartSchedule = nil
	entries := []app.LocalListEntry{
		{IDTag: "CARD-1", Status: "Accepted", ExpiryDate: &later, ParentIDTag: "ACCOUNT-1"},
		{IDTag: "CARD-2", Status: "Blocked"},
	}
	removal := []app.LocalListEntry{{IDTag: "CARD-3"}}
	// Several commands per name: each optional argument is given in one.
	cases := map[string][]app.Command{
		app.CommandRemoteStart:                {{IDTag: "T1"}, {IDTag: "T1", ConnectorID: 2}},
		app.CommandRemoteStop:                 {{TransactionID: 41}},
		app.CommandReset:                      {{Type: "Soft"}, {Type: "Hard"}},
		app.CommandUnlock:                     {{ConnectorID: 1}},
		app.CommandChangeAvailability:         {{Type: "Operative"}, {ConnectorID: 2, Type: "Inoperative"}},
		app.CommandGetBaseReport:              {{}, {Type: "SummaryInventory"}},
		app.CommandGetVariables:               {{Variables: []app.Variable{{Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval"}}}},
		app.CommandSetVariables:               {{Variables: []app.Variable{{Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", Value: "600"}}}},
		app.CommandGetInstalledCertificateIDs: {{}, {CertificateTypes: []string{"CSMSRootCertificate", "V2GCertificateChain"}}},
		app.CommandInstallCertificate:         {{Type: "CSMSRootCertificate", Certificate: certificate}},
		app.CommandDeleteCertificate: {{CertificateHash: app.CertificateHash{HashAlgorithm: "SHA256",
			IssuerNameHash: "ab12", IssuerKeyHash: "cd34", SerialNumber: "1f"}}},
		app.CommandGetConfiguration:    {{Operation: app.Operation{Keys: []string{"HeartbeatInterval", "OCPPCommCtrlr.NetworkProfileConnectionAttempts"}}}},
		app.CommandChangeConfiguration: {{Operation: app.Operation{Key: "MeterValueSampleInterval", Value: "60"}}, {Operation: app.Operation{Key: "AuthCtrlr.Enabled", Value: ""}}},
		app.CommandClearCache:          {{}},
		app.CommandTriggerMessage: {{Operation: app.Operation{Message: "Heartbeat"}}, {ConnectorID: 2, Operation: app.Operation{Message: "StatusNotification"}},
			{Operation: app.Operation{Message: "DiagnosticsStatusNotification"}}, {Operation: app.Operation{Message: "LogStatusNotification"}}},
		app.CommandUpdateFirmware: {{Operation: app.Operation{Location: "https://fw.example.com/v2.bin", RetrieveAt: at}},
			{Operation: app.Operation{Location: "ftp://fw.example.com/v2.bin", RetrieveAt: at, Retries: &three, RetryInterval: &zero}}},
		app.CommandGetDiagnostics: {{Operation: app.Operation{Location: "https://logs.example.com/upload"}},
			{Operation: app.Operation{Location: "ftp://logs.example.com/", StartTime: &at, StopTime: &later}}},
		app.CommandReserveNow: {{IDTag: "T1", Operation: app.Operation{ExpiresAt: later, ReservationID: 5}},
			{ConnectorID: 2, IDTag: "T1", Operation: app.Operation{ExpiresAt: later, ReservationID: 6}}},
		app.CommandCancelReservation: {{Operation: app.Operation{ReservationID: 5}}},
		app.CommandSendLocalList: {{Operation: app.Operation{ListVersion: 1, UpdateType: "Full"}},
			{Operation: app.Operation{ListVersion: 2, UpdateType: "Full", Entries: entries}},
			{Operation: app.Operation{ListVersion: 3, UpdateType: "Differential", Entries: removal}}},
		app.CommandGetLocalListVersion: {{}},
		app.CommandSetChargingProfile: {{Operation: app.Operation{Profile: profile}}, {Operation: app.Operation{Profile: full}},
			{ConnectorID: 2, Operation: app.Operation{Profile: tx}}},
		app.CommandClearChargingProfile: {{}, {Operation: app.Operation{Clear: app.ClearProfile{ID: &one}}},
			{Operation: app.Operation{Clear: app.ClearProfile{ConnectorID: &zero, Purpose: "TxProfile", StackLevel: &three}}}},
		app.CommandGetCompositeSchedule: {{Operation: app.Operation{Seconds: 3600}}, {ConnectorID: 1, Operation: app.Operation{Seconds: 60, Unit: "W"}}},
		app.CommandGetTransactionStatus: {{}, {TransactionID: 41}},
		app.CommandDataTransfer: {{Operation: app.Operation{VendorID: "com.example"}},
			{Operation: app.Operation{VendorID: "com.example", MessageID: "Ping", Data: `{"a":1}`}}},
	}
	points := []fc.ChargePoint{{ConnectorID: 1}, {ConnectorID: 2}}
	for _, c := range app.Commands {
		if len(cases[c.Name]) == 0 {
			t.Errorf("%s: no case: add one", c.Name)
		}
		for _, v := range []struct {
			name, action, txID string
			schemas            *schemas
		}{{fc.OCPP16, c.Action16, "", s16}, {fc.OCPP201, c.Action201, "TX-41", s201}} {
			st := &fc.Station{ChargePoints: points, OCPPVersion: v.name}
			for _, cmd := range cases[c.Name] {
				cmd.Name = c.Name
				action, req, err := app.CommandCall(cmd, st, v.txID)
				if v.action == "" {
					if !fc.IsCode(err, fc.EUnprocessable) {
						t.Errorf("%s on %s, which lacks it: err = %v, want unprocessable", c.Name, v.name, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s on %s %+v: %v", c.Name, v.name, cmd, err)
					continue
				}
				if action != v.action {
					t.Errorf("%s on %s: action %s, want %s", c.Name, v.name, action, v.action)
				}
				payload, err := json.Marshal(req)
				if err != nil {
					t.Fatal(err)
				}
				if cerr := v.schemas.request(action, payload); cerr != nil {
					t.Errorf("%s on %s: %s %s fails its schema: %s", c.Name, v.name, action, payload, cerr.Description)
				}
			}
		}
	}
}

// selfSignedPEM returns a fresh self-signed CA certificate, PEM-encoded.
func selfSignedPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
