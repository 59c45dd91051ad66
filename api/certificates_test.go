package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"slices"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// rootPEM is a self-signed certificate for install-certificate bodies.
var rootPEM = func() string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "Test CSMS root"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}()

// The certificate commands join the leak walk's coverage (leak_test.go)
// as the other commands, with valid bodies.
func init() {
	for command := range map[string]bool{"get-installed-certificate-ids": true, "install-certificate": true, "delete-certificate": true} {
		coverage["POST /api/v1/stations/{id}/commands/"+command] = exCommand
	}
	commandBodies["get-installed-certificate-ids"] = map[string]any{"certificate_types": []string{"CSMSRootCertificate"}}
	commandBodies["install-certificate"] = map[string]any{"certificate_type": "CSMSRootCertificate", "certificate": rootPEM}
	commandBodies["delete-certificate"] = map[string]any{"hash_algorithm": "SHA256", "issuer_name_hash": "ab", "issuer_key_hash": "cd", "serial_number": "2a"}
}

// TestCertificateCommandsAPI checks the certificate commands on the API:
// an OCPP 2.0.1 station gets the 2.0.1 action with the body mapped; an
// OCPP 1.6 station is 422 and gets nothing; bodies that do not hold are
// 400 before anything is sent. Both engines.
func TestCertificateCommandsAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		w.cmd.online[w.north1.identity] = true
		w.cmd.online[w.south1.identity] = true
		check(t, w.st.SetConnection(ctx, w.north1.station, true, fc.OCPP201, time.Now()))
		path := "/api/v1/stations/" + w.north1.station.String() + "/commands/"

		for _, tt := range []struct {
			command string
			body    map[string]any
			action  string
			sent    string
		}{
			{"get-installed-certificate-ids", map[string]any{}, "GetInstalledCertificateIds", `{}`},
			{"get-installed-certificate-ids", commandBodies["get-installed-certificate-ids"], "GetInstalledCertificateIds", `{"certificateType":["CSMSRootCertificate"]}`},
			{"install-certificate", commandBodies["install-certificate"], "InstallCertificate",
				`{"certificateType":"CSMSRootCertificate","certificate":` + jsonString(rootPEM) + `}`},
			{"delete-certificate", commandBodies["delete-certificate"], "DeleteCertificate",
				`{"certificateHashData":{"hashAlgorithm":"SHA256","issuerNameHash":"ab","issuerKeyHash":"cd","serialNumber":"2a"}}`},
		} {
			w.do(admin, "POST", path+tt.command, tt.body).want(t, http.StatusOK)
			if got, _ := json.Marshal(w.cmd.last); string(got) != tt.sent || w.cmd.calls[len(w.cmd.calls)-1] != w.north1.identity+" "+tt.action {
				t.Errorf("%s sent %s %s, want %s %s", tt.command, w.cmd.calls[len(w.cmd.calls)-1], got, tt.action, tt.sent)
			}
		}
		sent := slices.Clone(w.cmd.calls)

		// OCPP 1.6 stations do not have them.
		south := "/api/v1/stations/" + w.south1.station.String() + "/commands/"
		for _, command := range []string{"get-installed-certificate-ids", "install-certificate", "delete-certificate"} {
			w.do(admin, "POST", south+command, commandBodies[command]).want(t, http.StatusUnprocessableEntity)
		}
		// Bodies that do not hold.
		for _, tt := range []struct {
			command string
			body    map[string]any
		}{
			{"get-installed-certificate-ids", map[string]any{"certificate_types": []string{"Everything"}}},
			{"get-installed-certificate-ids", map[string]any{"certificate_types": "CSMSRootCertificate"}},
			{"install-certificate", map[string]any{"certificate_type": "CSMSRootCertificate"}},
			{"install-certificate", map[string]any{"certificate_type": "V2GCertificateChain", "certificate": rootPEM}},
			{"install-certificate", map[string]any{"certificate_type": "CSMSRootCertificate", "certificate": "not a certificate"}},
			{"delete-certificate", map[string]any{"hash_algorithm": "MD5", "issuer_name_hash": "ab", "issuer_key_hash": "cd", "serial_number": "2a"}},
			{"delete-certificate", map[string]any{"hash_algorithm": "SHA256", "issuer_name_hash": "zz", "issuer_key_hash": "cd", "serial_number": "2a"}},
			{"delete-certificate", map[string]any{"hash_algorithm": "SHA256", "issuer_name_hash": "ab", "issuer_key_hash": "cd"}},
		} {
			if r := w.do(admin, "POST", path+tt.command, tt.body); r.status != http.StatusBadRequest {
				t.Errorf("%s %v: status %d, want 400: %s", tt.command, tt.body, r.status, r.body)
			}
		}
		if !slices.Equal(w.cmd.calls, sent) {
			t.Errorf("refused commands reached stations: %v", w.cmd.calls[len(sent):])
		}
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
