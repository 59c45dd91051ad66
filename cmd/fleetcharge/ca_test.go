package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// certificate makes a certificate for cn signed by parent (itself when
// parent is nil, then a CA), with a new ECDSA key, and returns both in PEM
// with the parsed certificate and the key.
func certificate(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, edit func(*x509.Certificate)) (*x509.Certificate, *ecdsa.PrivateKey, []byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	if edit != nil {
		edit(tmpl)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	return cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
}

func asCA(c *x509.Certificate) {
	c.IsCA, c.BasicConstraintsValid, c.KeyUsage = true, true, x509.KeyUsageCertSign
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProviderCACommand checks `fleetcharge provider ca`: --generate keeps
// a new CA with its key, --cert alone one without, and a certificate that
// is no CA, a key that is not the certificate's, a missing provider and
// wrong flags are refused; then `serve --tls-cert` authenticates a station
// by a client certificate of the provider's CA alone (OCPP security
// profile 3 over wss). Both engines.
func TestProviderCACommand(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.URL(t, engine)
			var out, errOut bytes.Buffer
			if err := run(ctx, []string{"provider", "create", "--name", "Volt CPO", "--admin-email", "admin@volt.example", "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("provider create: %v", err)
			}
			st, err := openStore(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			providers, err := st.Providers(ctx)
			if err != nil || len(providers) != 1 {
				t.Fatalf("providers: %v %v", providers, err)
			}
			p := providers[0]
			st.Close()
			ca := func(args ...string) (string, error) {
				out.Reset()
				err := run(ctx, append([]string{"provider", "ca", "--db", db}, args...), &out, io.Discard)
				return out.String(), err
			}
			stored := func() *fc.ProviderCA {
				t.Helper()
				st, err := openStore(ctx, db)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				got, err := st.ProviderCA(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}

			caCert, caKey, caPEM, caKeyPEM := certificate(t, "Volt CA", nil, nil, asCA)
			_, _, leafPEM, leafKeyPEM := certificate(t, "leaf", caCert, caKey, nil)
			_, _, _, otherKeyPEM := certificate(t, "other", nil, nil, asCA)
			for name, args := range map[string][]string{
				"no provider":        {"--generate"},
				"no source":          {"--provider-id", p.ID.String()},
				"both sources":       {"--provider-id", p.ID.String(), "--generate", "--cert", writeFile(t, "ca.pem", caPEM)},
				"no such provider":   {"--provider-id", "999999", "--generate"},
				"not a CA":           {"--provider-id", p.ID.String(), "--cert", writeFile(t, "leaf.pem", leafPEM), "--key", writeFile(t, "leaf.key", leafKeyPEM)},
				"another key":        {"--provider-id", p.ID.String(), "--cert", writeFile(t, "ca.pem", caPEM), "--key", writeFile(t, "other.key", otherKeyPEM)},
				"a key, not a cert":  {"--provider-id", p.ID.String(), "--cert", writeFile(t, "ca.key", caKeyPEM)},
				"generate and a key": {"--provider-id", p.ID.String(), "--generate", "--key", writeFile(t, "ca.key", caKeyPEM)},
			} {
				if _, err := ca(args...); err == nil {
					t.Errorf("%s: accepted", name)
				}
			}

			printed, err := ca("--provider-id", p.ID.String(), "--cert", writeFile(t, "ca.pem", caPEM))
			if err != nil {
				t.Fatalf("--cert: %v", err)
			}
			if got := stored(); got.CertPEM != string(caPEM) || got.KeyPEM != "" || !strings.Contains(printed, "key kept here: false") {
				t.Errorf("--cert alone: stored %+v, printed %q", got, printed)
			}
			printed, err = ca("--provider-id", p.ID.String(), "--generate")
			if err != nil {
				t.Fatalf("--generate: %v", err)
			}
			got := stored()
			generated, err := ocpp.ParseCA([]byte(got.CertPEM), []byte(got.KeyPEM))
			if err != nil || generated.Key == nil || !strings.Contains(printed, got.CertPEM) || strings.Contains(printed, "PRIVATE KEY") {
				t.Fatalf("--generate: %v; printed %q", err, printed)
			}

			// serve: a station with a certificate of that CA, no password.
			_, _, serverPEM, serverKeyPEM := certificate(t, "127.0.0.1", nil, nil, func(c *x509.Certificate) {
				c.IPAddresses, c.ExtKeyUsage = []net.IP{net.IPv4(127, 0, 0, 1)}, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
			})
			m := NewMain(Config{Addr: "127.0.0.1:0", DB: db, Logger: newLogger(io.Discard),
				TLSCert: writeFile(t, "server.pem", serverPEM), TLSKey: writeFile(t, "server.key", serverKeyPEM)})
			if err := m.Run(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Close() })
			identity := seedStation(t, m.Store, p.ID)
			_, clientKey, clientPEM, _ := certificate(t, identity, generated.Cert, generated.Key.(*ecdsa.PrivateKey), func(c *x509.Certificate) {
				c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
			})
			block, _ := pem.Decode(clientPEM)
			roots := x509.NewCertPool()
			roots.AppendCertsFromPEM(serverPEM)
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots,
				Certificates: []tls.Certificate{{Certificate: [][]byte{block.Bytes}, PrivateKey: clientKey}}}}}
			dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			ws, _, err := websocket.Dial(dctx, "wss://"+m.Addr()+"/ocpp/"+identity, &websocket.DialOptions{HTTPClient: client, Subprotocols: []string{ocpp.Subprotocol201}})
			if err != nil {
				t.Fatalf("a station with its certificate over wss: %v", err)
			}
			ws.Close(websocket.StatusNormalClosure, "")
		})
	}
}

// seedStation makes a station of the provider (an organization, account,
// location and charge group for it) and returns its identity.
func seedStation(t *testing.T, s *store.Store, provider fc.ID) string {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	org := &fc.Organization{ProviderID: provider, Name: "Holding"}
	must(s.CreateOrganization(ctx, org))
	acc := &fc.Account{ProviderID: provider, OrganizationID: org.ID, Name: "Depot", Kind: fc.AccountCompany}
	must(s.CreateAccount(ctx, acc))
	loc := &fc.Location{ProviderID: provider, AccountID: acc.ID, Name: "Depot", Kind: fc.LocationOffice, City: "Utrecht", Country: "NL"}
	must(s.CreateLocation(ctx, loc))
	g := &fc.ChargeGroup{ProviderID: provider, AccountID: acc.ID, Name: "Depot", Kind: fc.GroupOther, Access: fc.AccessPublic,
		Tariff: fc.Tariff{Currency: "EUR"}}
	must(s.CreateChargeGroup(ctx, g))
	st := &fc.Station{ProviderID: provider, AccountID: acc.ID, LocationID: loc.ID, ChargeGroupID: g.ID,
		Identity: "VOLT-PKI-1", PasswordHash: secret.HashStationPassword(secret.Password(24))}
	must(s.CreateStation(ctx, st, 1))
	return st.Identity
}
