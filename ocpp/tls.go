package ocpp

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Authorities is what the OCPP endpoint trusts for security profile 3 (TLS
// with client certificates): the certificate authorities the providers
// configured, read from the store and reloaded when they change. The TLS
// server asks clients for a certificate and verifies any it gets against
// the union of them (TLSConfig); at the WebSocket upgrade, the endpoint
// authenticates the station by its certificate, which must chain to its
// own provider's CA and name the station as its common name.
type Authorities struct {
	store fc.CAStore
	log   *slog.Logger

	mu    sync.Mutex // serializes Reload
	trust atomic.Pointer[trust]
}

// trust is one loaded set of the providers' CAs.
type trust struct {
	pool       *x509.CertPool // every provider's CA; nil when none
	byProvider map[fc.ID]*x509.Certificate
	stamp      [sha256.Size]byte // of the certificates it was built from
}

// NewAuthorities returns the authorities of the store's providers, empty
// until Reload.
func NewAuthorities(store fc.CAStore, log *slog.Logger) *Authorities {
	if log == nil {
		log = slog.Default()
	}
	a := &Authorities{store: store, log: log.With("component", "ocpp")}
	a.trust.Store(&trust{byProvider: map[fc.ID]*x509.Certificate{}})
	return a
}

// Reload reads the providers' CAs again. A CA that does not parse is
// logged and left out: its stations cannot authenticate by certificate.
func (a *Authorities) Reload(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	cas, err := a.store.ProviderCAs(ctx)
	if err != nil {
		return err
	}
	h := sha256.New()
	for _, ca := range cas {
		h.Write([]byte(ca.ProviderID.String() + "\x00" + ca.CertPEM + "\x00"))
	}
	var stamp [sha256.Size]byte
	h.Sum(stamp[:0])
	if a.trust.Load().stamp == stamp {
		return nil
	}
	t := &trust{byProvider: map[fc.ID]*x509.Certificate{}, stamp: stamp}
	for _, ca := range cas {
		parsed, err := ParseCA([]byte(ca.CertPEM), nil)
		if err != nil {
			a.log.Error("a provider's CA is unusable: its stations cannot use security profile 3", "provider", ca.ProviderID, "err", err)
			continue
		}
		if t.pool == nil {
			t.pool = x509.NewCertPool()
		}
		t.pool.AddCert(parsed.Cert)
		t.byProvider[ca.ProviderID] = parsed.Cert
	}
	a.trust.Store(t)
	a.log.Info("station certificate authorities loaded", "providers", len(t.byProvider))
	return nil
}

// Run reloads the CAs every interval until ctx ends, so that a CA set by
// the command line takes effect without a restart.
func (a *Authorities) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Reload(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("reloading the station certificate authorities", "err", err)
			}
		}
	}
}

// TLSConfig returns the TLS server configuration of the endpoint: base
// (its certificate, versions …) with, on every handshake, the current CAs:
// a client that presents a certificate must present one that chains to one
// of them and is valid now, or the handshake fails; a client without one
// goes on to HTTP Basic (profiles 1 and 2). With no CA configured, no
// certificate is asked for.
func (a *Authorities) TLSConfig(base *tls.Config) *tls.Config {
	cfg := base.Clone()
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12 // OCPP's security profiles ask for TLS 1.2 at least
	}
	if cfg.NextProtos == nil {
		cfg.NextProtos = []string{"h2", "http/1.1"}
	}
	inner := cfg.Clone()
	cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		t := a.trust.Load()
		if t.pool == nil {
			return inner, nil
		}
		c := inner.Clone()
		c.ClientAuth, c.ClientCAs = tls.VerifyClientCertIfGiven, t.pool
		return c, nil
	}
	return cfg
}

// verify checks that a client certificate chain (leaf first) chains to
// the provider's CA, is valid now and may authenticate a TLS client.
func (a *Authorities) verify(chain []*x509.Certificate, providerID fc.ID) error {
	ca := a.trust.Load().byProvider[providerID]
	if ca == nil {
		return fc.Errorf(fc.EForbidden, "provider %s has no certificate authority", providerID)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return fc.Errorf(fc.EForbidden, "the certificate does not chain to the provider's CA: %v", err)
	}
	return nil
}

// authenticateCertificate authenticates a station by the TLS client
// certificate of the request (security profile 3), when there is one and
// the endpoint has Authorities: the certificate's common name must be the
// identity of the URL, and it must chain to the CA of that station's
// provider and be valid now (checked again here, since the TLS connection
// may predate a change of CA). It returns handled=false without a
// certificate, for HTTP Basic to decide; otherwise the station, or nil
// after answering 401 (or 503).
func (s *Server) authenticateCertificate(w http.ResponseWriter, r *http.Request, identity string) (st *fc.Station, handled bool) {
	a := s.cfg.Authorities
	if a == nil || r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, false
	}
	leaf := r.TLS.PeerCertificates[0]
	var err error
	if identity == "" || leaf.Subject.CommonName != identity {
		err = fc.Errorf(fc.EForbidden, "the certificate names %q", leaf.Subject.CommonName)
	} else if st, err = s.store.StationByIdentity(r.Context(), identity); err != nil && !fc.IsCode(err, fc.ENotFound) {
		s.log.Error("station lookup", "station", identity, "err", err)
		http.Error(w, "the back office cannot check credentials now", http.StatusServiceUnavailable)
		return nil, true
	} else if err == nil {
		err = a.verify(r.TLS.PeerCertificates, st.ProviderID)
	}
	if err != nil {
		s.log.Info("station refused: bad client certificate", "station", identity, "remote", r.RemoteAddr, "subject", leaf.Subject.String(), "err", err)
		http.Error(w, "the client certificate does not authenticate this station", http.StatusUnauthorized)
		return nil, true
	}
	return st, true
}
