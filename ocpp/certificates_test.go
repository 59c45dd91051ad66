package ocpp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// testCA is a certificate authority made in the test.
type testCA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM string
	keyPEM  string
}

var testSerial = big.NewInt(1000)

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	testSerial.Add(testSerial, big.NewInt(1))
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).Set(testSerial), Subject: pkix.Name{CommonName: name, Organization: []string{name}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	return &testCA{cert: cert, key: key,
		certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))}
}

// issue makes a certificate of the CA for cn, valid until notAfter, for a
// TLS client, or for the server at 127.0.0.1.
func (ca *testCA) issue(t *testing.T, cn string, notAfter time.Time, server bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	testSerial.Add(testSerial, big.NewInt(1))
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).Set(testSerial), Subject: pkix.Name{CommonName: cn, Organization: []string{"Test CPO"}},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage, tmpl.IPAddresses = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsEndpoint is an OCPP server behind a real TLS listener on 127.0.0.1,
// configured as serve configures it, and the pool its clients trust.
type tlsEndpoint struct {
	*endpoint
	roots *x509.CertPool
	auth  *ocpp.Authorities
}

func startTLSServer(t *testing.T, s *store.Store) *tlsEndpoint {
	t.Helper()
	serverCA := newTestCA(t, "Server CA")
	auth := ocpp.NewAuthorities(s, quietLogger)
	if err := auth.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := ocpp.NewServer(ocpp.Config{Store: s, Logger: quietLogger, Now: func() time.Time { return fixedNow }, Authorities: auth})
	mux := http.NewServeMux()
	mux.Handle("/ocpp/{identity}", srv)
	ts := httptest.NewUnstartedServer(mux)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	ts.TLS = auth.TLSConfig(&tls.Config{Certificates: []tls.Certificate{serverCA.issue(t, "127.0.0.1", time.Now().Add(time.Hour), true)}})
	ts.StartTLS()
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	roots := x509.NewCertPool()
	roots.AddCert(serverCA.cert)
	return &tlsEndpoint{endpoint: &endpoint{srv: srv, base: "wss" + strings.TrimPrefix(ts.URL, "https") + "/ocpp/"}, roots: roots, auth: auth}
}

// dial opens a WebSocket over TLS as identity, with a client certificate
// when cert is not nil, and an Authorization header when one is given.
func (e *tlsEndpoint) dial(identity string, cert *tls.Certificate, authorization, subprotocol string) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cfg := &tls.Config{RootCAs: e.roots}
	if cert != nil {
		// Sent whatever CAs the server names, as a misconfigured or
		// hostile station would (Go's client would send none).
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	h := http.Header{}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	return websocket.Dial(ctx, e.base+identity, &websocket.DialOptions{HTTPClient: client, Subprotocols: []string{subprotocol}, HTTPHeader: h})
}

// setCA configures the provider's CA and has the endpoint reload.
func (e *tlsEndpoint) setCA(t *testing.T, s *store.Store, provider fc.ID, ca *testCA) {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	if err := s.SetProviderCA(ctx, fc.ProviderCA{ProviderID: provider, CertPEM: ca.certPEM, KeyPEM: ca.keyPEM}); err != nil {
		t.Fatal(err)
	}
	if err := e.auth.Reload(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSecurityProfile3 checks OCPP security profile 3 over a real TLS
// listener: a station (OCPP 2.0.1 or 1.6) with a client certificate of its
// provider's CA naming it connects without a password; a certificate of an
// unknown CA, an expired one, and one of a CA replaced meanwhile are
// refused at the TLS handshake; one of another provider's CA or naming
// another station is refused with 401 at the upgrade, password or not; a
// station without a certificate still uses HTTP Basic over TLS (profile
// 2). Both engines.
func TestSecurityProfile3(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		other := seedWorld(t, s) // another provider
		e := startTLSServer(t, s)
		caA, caB, unknown := newTestCA(t, "CPO A CA"), newTestCA(t, "CPO B CA"), newTestCA(t, "Unknown CA")
		e.setCA(t, s, w.Provider.ID, caA)
		e.setCA(t, s, other.Provider.ID, caB)
		valid := time.Now().Add(time.Hour)

		// A good certificate, no password: 2.0.1 and 1.6 alike.
		good := caA.issue(t, w.Station.Identity, valid, false)
		ws, _, err := e.dial(w.Station.Identity, &good, "", ocpp.Subprotocol201)
		if err != nil {
			t.Fatalf("good certificate, OCPP 2.0.1: %v", err)
		}
		eventually(t, "the 2.0.1 station online", func() bool { return e.srv.Online(w.Station.Identity) })
		st := &station{t: t, ws: ws}
		var boot struct{ Status string }
		st.call("BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"vendorName": "V", "model": "M"}}, &boot)
		if boot.Status != "Accepted" {
			t.Errorf("boot over profile 3: %q", boot.Status)
		}
		ws.Close(websocket.StatusNormalClosure, "")
		good16 := caA.issue(t, w.Restricted.Identity, valid, false)
		ws, _, err = e.dial(w.Restricted.Identity, &good16, "", ocpp.Subprotocol)
		if err != nil {
			t.Fatalf("good certificate, OCPP 1.6: %v", err)
		}
		ws.Close(websocket.StatusNormalClosure, "")

		// Refused at the handshake: no HTTP answer at all.
		for name, cert := range map[string]tls.Certificate{
			"an unknown CA's": unknown.issue(t, w.Station.Identity, valid, false),
			"an expired one":  caA.issue(t, w.Station.Identity, time.Now().Add(-time.Hour), false),
		} {
			ws, resp, err := e.dial(w.Station.Identity, &cert, basicAuth(w.Station.Identity, w.Password), ocpp.Subprotocol201)
			if err == nil {
				ws.CloseNow()
				t.Errorf("%s certificate: connected, want refused at the handshake", name)
			} else if resp != nil {
				t.Errorf("%s certificate: HTTP %d, want refused at the handshake", name, resp.StatusCode)
			}
		}

		// Refused at the upgrade with 401, even with the right password.
		for name, tc := range map[string]struct {
			cert     tls.Certificate
			identity string
		}{
			"another provider's CA":                    {caB.issue(t, w.Station.Identity, valid, false), w.Station.Identity},
			"another station's CN":                     {caA.issue(t, w.Restricted.Identity, valid, false), w.Station.Identity},
			"a CN of no station":                       {caA.issue(t, "NOBODY", valid, false), "NOBODY"},
			"the other provider's station with A's CA": {caA.issue(t, other.Station.Identity, valid, false), other.Station.Identity},
		} {
			ws, resp, err := e.dial(tc.identity, &tc.cert, basicAuth(w.Station.Identity, w.Password), ocpp.Subprotocol201)
			if err == nil {
				ws.CloseNow()
				t.Errorf("%s: connected, want 401", name)
			} else if resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s: %v, want 401", name, err)
			}
		}

		// Profile 2 over the same listener: no certificate, the password.
		ws, _, err = e.dial(w.Station.Identity, nil, basicAuth(w.Station.Identity, w.Password), ocpp.Subprotocol201)
		if err != nil {
			t.Fatalf("no certificate, the password: %v", err)
		}
		ws.Close(websocket.StatusNormalClosure, "")
		if _, resp, err := e.dial(w.Station.Identity, nil, "", ocpp.Subprotocol201); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("neither certificate nor password: %v, want 401", err)
		}

		// A provider that replaces its CA: the old CA's certificates are
		// refused once the endpoint reloads.
		e.setCA(t, s, w.Provider.ID, newTestCA(t, "CPO A CA, second"))
		if ws, resp, err := e.dial(w.Station.Identity, &good, "", ocpp.Subprotocol201); err == nil {
			ws.CloseNow()
			t.Errorf("a certificate of the replaced CA: connected")
		} else if resp != nil {
			t.Errorf("a certificate of the replaced CA: HTTP %d, want refused at the handshake", resp.StatusCode)
		}
	})
}
