package app_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
)

// TestCertificateCommands checks that the certificate commands map to
// their OCPP 2.0.1 actions with the payloads the schemas ask for, that
// their arguments are checked (types, a PEM certificate, hexadecimal
// hashes), and that on an OCPP 1.6 station they are unprocessable, not
// unknown.
func TestCertificateCommands(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Root"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	root := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	hash := app.CertificateHash{HashAlgorithm: "SHA256", IssuerNameHash: "ab12", IssuerKeyHash: "CD34", SerialNumber: "7"}
	v201 := &fc.Station{OCPPVersion: fc.OCPP201}
	tests := []struct {
		name    string
		cmd     app.Command
		action  string
		payload string // "" when the command is invalid
	}{
		{"all ids", app.Command{Name: app.CommandGetInstalledCertificateIDs}, "GetInstalledCertificateIds", `{}`},
		{"some ids", app.Command{Name: app.CommandGetInstalledCertificateIDs, CertificateTypes: []string{"CSMSRootCertificate", "V2GCertificateChain"}},
			"GetInstalledCertificateIds", `{"certificateType":["CSMSRootCertificate","V2GCertificateChain"]}`},
		{"ids of an unknown type", app.Command{Name: app.CommandGetInstalledCertificateIDs, CertificateTypes: []string{"Everything"}}, "", ""},
		{"install", app.Command{Name: app.CommandInstallCertificate, Type: "CSMSRootCertificate", Certificate: root},
			"InstallCertificate", `{"certificateType":"CSMSRootCertificate","certificate":` + quote(root) + `}`},
		{"install no type", app.Command{Name: app.CommandInstallCertificate, Certificate: root}, "", ""},
		{"install a V2G chain", app.Command{Name: app.CommandInstallCertificate, Type: "V2GCertificateChain", Certificate: root}, "", ""},
		{"install no certificate", app.Command{Name: app.CommandInstallCertificate, Type: "CSMSRootCertificate"}, "", ""},
		{"install not PEM", app.Command{Name: app.CommandInstallCertificate, Type: "CSMSRootCertificate", Certificate: "hello"}, "", ""},
		{"install two", app.Command{Name: app.CommandInstallCertificate, Type: "CSMSRootCertificate", Certificate: root + root}, "", ""},
		{"install a broken one", app.Command{Name: app.CommandInstallCertificate, Type: "CSMSRootCertificate",
			Certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, "", ""},
		{"delete", app.Command{Name: app.CommandDeleteCertificate, CertificateHash: hash},
			"DeleteCertificate", `{"certificateHashData":{"hashAlgorithm":"SHA256","issuerNameHash":"ab12","issuerKeyHash":"CD34","serialNumber":"7"}}`},
		{"delete MD5", app.Command{Name: app.CommandDeleteCertificate, CertificateHash: withHash(hash, func(h *app.CertificateHash) { h.HashAlgorithm = "MD5" })}, "", ""},
		{"delete not hex", app.Command{Name: app.CommandDeleteCertificate, CertificateHash: withHash(hash, func(h *app.CertificateHash) { h.IssuerKeyHash = "xyz" })}, "", ""},
		{"delete no serial", app.Command{Name: app.CommandDeleteCertificate, CertificateHash: withHash(hash, func(h *app.CertificateHash) { h.SerialNumber = "" })}, "", ""},
		{"delete a long serial", app.Command{Name: app.CommandDeleteCertificate, CertificateHash: withHash(hash, func(h *app.CertificateHash) { h.SerialNumber = strings.Repeat("1", 41) })}, "", ""},
	}
	for _, tt := range tests {
		action, req, err := app.CommandCall(tt.cmd, v201, "")
		if tt.payload == "" {
			if !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("%s: err = %v, want invalid", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		b, _ := json.Marshal(req)
		if action != tt.action || string(b) != tt.payload {
			t.Errorf("%s: %s %s, want %s %s", tt.name, action, b, tt.action, tt.payload)
		}
		// On OCPP 1.6 the same command is unprocessable, not unknown.
		if _, _, err := app.CommandCall(tt.cmd, &fc.Station{}, ""); !fc.IsCode(err, fc.EUnprocessable) {
			t.Errorf("%s on OCPP 1.6: %v, want unprocessable", tt.name, err)
		}
	}
}

func withHash(h app.CertificateHash, edit func(*app.CertificateHash)) app.CertificateHash {
	edit(&h)
	return h
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
