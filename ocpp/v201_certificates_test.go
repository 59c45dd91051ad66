package ocpp_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// csrFor makes a certificate signing request for cn with key, in PEM.
func csrFor(t *testing.T, cn string, key crypto.Signer) string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn, Organization: []string{"Test CPO"}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// TestSignCertificate checks SignCertificate → CertificateSigned: a
// station's CSR is answered Accepted, and then the station receives a
// CertificateSigned whose certificate chains to its provider's CA, names
// it and holds the CSR's key, and which authenticates it over TLS
// (security profile 3); a CSR naming another station, with a weak key or a
// broken signature, a V2G certificate, and a provider without a CA or
// without its key are Rejected and nothing follows. Both engines.
func TestSignCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		w := seedWorld(t, s)
		noKey := seedWorld(t, s)
		noCA := seedWorld(t, s)
		ca := newTestCA(t, "CPO CA")
		if err := s.SetProviderCA(ctx, fc.ProviderCA{ProviderID: w.Provider.ID, CertPEM: ca.certPEM, KeyPEM: ca.keyPEM}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetProviderCA(ctx, fc.ProviderCA{ProviderID: noKey.Provider.ID, CertPEM: newTestCA(t, "Offline CA").certPEM}); err != nil {
			t.Fatal(err)
		}
		tlsEnd := startTLSServer(t, s) // reloads the CAs just set
		e := startServer(t, ocpp.Config{Store: s, Authorities: tlsEnd.auth})
		st := connect201(t, e, w.Station.Identity, w.Password)

		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		var answer struct {
			Status     string `json:"status"`
			StatusInfo struct {
				ReasonCode string `json:"reasonCode"`
			} `json:"statusInfo"`
		}
		st.call("SignCertificate", map[string]any{"csr": csrFor(t, w.Station.Identity, key), "certificateType": "ChargingStationCertificate"}, &answer)
		if answer.Status != "Accepted" {
			t.Fatalf("SignCertificate: %+v, want Accepted", answer)
		}
		f := st.read()
		if f.typ() != 2 || f.str(2) != "CertificateSigned" {
			t.Fatalf("after SignCertificate: %s, want a CertificateSigned call", f)
		}
		var signed struct {
			CertificateChain string `json:"certificateChain"`
			CertificateType  string `json:"certificateType"`
		}
		if err := json.Unmarshal(f[3], &signed); err != nil {
			t.Fatal(err)
		}
		st.send(fmt.Sprintf(`[3,%q,{"status":"Accepted"}]`, f.str(1)))
		block, _ := pem.Decode([]byte(signed.CertificateChain))
		if block == nil {
			t.Fatalf("certificateChain %q is not PEM", signed.CertificateChain)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		roots := x509.NewCertPool()
		roots.AddCert(ca.cert)
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("the signed certificate does not chain to the provider's CA for client auth: %v", err)
		}
		if !key.PublicKey.Equal(cert.PublicKey) {
			t.Errorf("the signed certificate's key is not the CSR's")
		}
		if cert.Subject.CommonName != w.Station.Identity || signed.CertificateType != "ChargingStationCertificate" {
			t.Errorf("signed: CN %q, type %q", cert.Subject.CommonName, signed.CertificateType)
		}
		// The new certificate is the station's credential: profile 3.
		ws, _, err := tlsEnd.dial(w.Station.Identity, &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key}, "", ocpp.Subprotocol201)
		if err != nil {
			t.Fatalf("connecting with the signed certificate: %v", err)
		}
		ws.Close(websocket.StatusNormalClosure, "")

		weak, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		broken := csrFor(t, w.Station.Identity, key)
		if b, _ := pem.Decode([]byte(broken)); b != nil {
			b.Bytes[len(b.Bytes)-1] ^= 0xff
			broken = string(pem.EncodeToMemory(b))
		}
		rejected := func(st *station, name, csr, typ, reason string) {
			t.Helper()
			req := map[string]any{"csr": csr}
			if typ != "" {
				req["certificateType"] = typ
			}
			st.call("SignCertificate", req, &answer)
			if answer.Status != "Rejected" || answer.StatusInfo.ReasonCode != reason {
				t.Errorf("%s: %+v, want Rejected %s", name, answer, reason)
			}
			// Nothing follows: the next frame answers the next call.
			st.call("Heartbeat", map[string]any{}, nil)
		}
		rejected(st, "another station's name", csrFor(t, w.Restricted.Identity, key), "", "InvalidCSR")
		rejected(st, "an RSA key of 1024 bits", csrFor(t, w.Station.Identity, weak), "", "InvalidCSR")
		rejected(st, "a broken signature", broken, "", "InvalidCSR")
		rejected(st, "not a CSR", "hello", "", "InvalidCSR")
		rejected(st, "a V2G certificate", csrFor(t, w.Station.Identity, key), "V2GCertificate", "UnsupportedCertType")
		rejected(connect201(t, e, noKey.Station.Identity, noKey.Password), "a CA without its key", csrFor(t, noKey.Station.Identity, key), "", "NoCAKey")
		rejected(connect201(t, e, noCA.Station.Identity, noCA.Password), "no CA", csrFor(t, noCA.Station.Identity, key), "", "NoCA")
	})
}

// TestCertificateCommands201 checks that the certificate commands reach an
// OCPP 2.0.1 station as their actions with payloads that pass the 2.0.1
// schemas (Call checks them), that the station's answers come back checked
// against theirs, and that a payload the schema refuses is never sent.
// Both engines.
func TestCertificateCommands201(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		station := storedStation(t, w, w.Station)
		root := newTestCA(t, "CSMS root").certPEM
		hash := app.CertificateHash{HashAlgorithm: "SHA256", IssuerNameHash: "0a1b", IssuerKeyHash: "2c3d", SerialNumber: "4e"}
		tests := []struct {
			cmd    app.Command
			action string
			reply  string
		}{
			{app.Command{Name: app.CommandGetInstalledCertificateIDs}, "GetInstalledCertificateIds", `{"status":"NotFound"}`},
			{app.Command{Name: app.CommandGetInstalledCertificateIDs, CertificateTypes: []string{"CSMSRootCertificate", "ManufacturerRootCertificate"}}, "GetInstalledCertificateIds",
				`{"status":"Accepted","certificateHashDataChain":[{"certificateType":"CSMSRootCertificate","certificateHashData":{"hashAlgorithm":"SHA256","issuerNameHash":"0a1b","issuerKeyHash":"2c3d","serialNumber":"4e"}}]}`},
			{app.Command{Name: app.CommandInstallCertificate, Type: "CSMSRootCertificate", Certificate: root}, "InstallCertificate", `{"status":"Accepted"}`},
			{app.Command{Name: app.CommandDeleteCertificate, CertificateHash: hash}, "DeleteCertificate", `{"status":"NotFound"}`},
		}
		for _, tt := range tests {
			action, req, err := app.CommandCall(tt.cmd, station, "")
			if err != nil || action != tt.action {
				t.Fatalf("%s: %s, %v", tt.cmd.Name, action, err)
			}
			done := make(chan error, 1)
			var reply json.RawMessage
			go func() {
				var err error
				reply, err = e.srv.Call(t.Context(), w.Station.Identity, action, req)
				done <- err
			}()
			f := st.read()
			if f.typ() != 2 || f.str(2) != tt.action {
				t.Errorf("the station got %s, want %s", f, tt.action)
			}
			st.send(fmt.Sprintf(`[3,%s,%s]`, f[1], tt.reply))
			if err := <-done; err != nil {
				t.Fatalf("%s: %v", tt.action, err)
			}
			if string(reply) != tt.reply {
				t.Errorf("%s: reply %s, want %s", tt.action, reply, tt.reply)
			}
		}
		// The schemas hold on the way out, whatever app checked.
		for name, req := range map[string]struct {
			action string
			req    any
		}{
			"a certificate over 5500 characters": {"InstallCertificate", map[string]any{"certificateType": "CSMSRootCertificate", "certificate": strings.Repeat("A", 5501)}},
			"an unknown certificate type":        {"GetInstalledCertificateIds", map[string]any{"certificateType": []string{"Everything"}}},
			"no hash data":                       {"DeleteCertificate", map[string]any{}},
		} {
			if _, err := e.srv.Call(t.Context(), w.Station.Identity, req.action, req.req); !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		// An answer outside its schema is not taken.
		done := make(chan error, 1)
		go func() {
			_, err := e.srv.Call(t.Context(), w.Station.Identity, "DeleteCertificate", map[string]any{"certificateHashData": hash})
			done <- err
		}()
		f := st.read()
		st.send(fmt.Sprintf(`[3,%s,{"status":"Gone"}]`, f[1]))
		if err := <-done; !fc.IsCode(err, fc.EUnavailable) {
			t.Errorf("an answer outside the schema: %v, want unavailable", err)
		}
	})
}
