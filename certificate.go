package fleetcharge

import (
	"context"
	"time"
)

// ProviderCA is the certificate authority a provider configures for OCPP
// security profile 3: stations of the provider authenticate with a TLS
// client certificate that it issued. With its private key the back office
// also signs the certificates stations ask for (SignCertificate); without
// one (the key kept offline), stations get their certificates elsewhere.
type ProviderCA struct {
	ProviderID ID
	CertPEM    string // the CA certificate, PEM
	KeyPEM     string // its private key, PKCS #8 PEM; "" when not kept here
	UpdatedAt  time.Time
}

// CAStore keeps the providers' certificate authorities.
type CAStore interface {
	// SetProviderCA sets or replaces the provider's certificate authority.
	SetProviderCA(ctx context.Context, ca ProviderCA) error
	// ProviderCA returns the provider's certificate authority with its key;
	// not found when the provider has none.
	ProviderCA(ctx context.Context, providerID ID) (*ProviderCA, error)
	// ProviderCAs returns every provider's certificate authority without
	// its key, for the TLS server's trust.
	ProviderCAs(ctx context.Context) ([]ProviderCA, error)
}
