package ocpp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// CA is a provider's certificate authority for OCPP security profile 3:
// the stations' TLS client certificates chain to Cert. Key, when the
// provider keeps it here, signs the certificates stations ask for
// (SignCertificate).
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer // nil when the key is kept elsewhere
}

// ParseCA parses a CA certificate and, unless keyPEM is empty, its private
// key (PKCS #8, or an EC or RSA key in its own form). The certificate must
// be allowed to sign certificates (a CA, with keyCertSign when it states
// its key usage) and the key must be its own.
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := parseCertificatePEM(certPEM)
	if err != nil {
		return nil, err
	}
	if !cert.BasicConstraintsValid || !cert.IsCA || cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fc.Errorf(fc.EInvalid, "the certificate %q is not a certificate authority's (basic constraints CA, key usage keyCertSign)", cert.Subject.CommonName)
	}
	ca := &CA{Cert: cert}
	if len(keyPEM) == 0 {
		return ca, nil
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, fc.Errorf(fc.EInvalid, "the key is not PEM")
	}
	var key any
	switch block.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fc.Errorf(fc.EInvalid, "the key does not parse: %v", err)
	}
	signer, ok := key.(crypto.Signer)
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pub, isEq := cert.PublicKey.(equaler); !ok || !isEq || !pub.Equal(signer.Public()) {
		return nil, fc.Errorf(fc.EInvalid, "the key is not the certificate's")
	}
	ca.Key = signer
	return ca, nil
}

// parseCertificatePEM parses the first certificate of a PEM text.
func parseCertificatePEM(b []byte) (*x509.Certificate, error) {
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return nil, fc.Errorf(fc.EInvalid, "no PEM certificate found")
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fc.Errorf(fc.EInvalid, "the certificate does not parse: %v", err)
		}
		return cert, nil
	}
}

// GenerateCA makes a new self-signed certificate authority for a provider:
// an ECDSA P-256 key and a certificate valid for ten years from now, named
// after the provider. It returns both in PEM (the key in PKCS #8).
func GenerateCA(provider string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{provider}, CommonName: provider + " OCPP station CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), nil
}

// serialNumber returns a random positive certificate serial number of 127
// bits (RFC 5280 allows 20 octets).
func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// StationCertificateValidity is how long a certificate signed for a
// station is valid, at most as long as its CA.
const StationCertificateValidity = 365 * 24 * time.Hour

// signCSR issues the TLS client certificate a station asks for with a
// certificate signing request (PEM, RFC 2986): the request must be signed
// by its key, name the station's identity as its common name (the
// certificate profile 3 authenticates the station by), and hold an RSA key
// of at least 2048 bits or an elliptic curve key of at least 224 (the
// key sizes OCPP's security profiles ask for). The certificate keeps the
// request's subject and key; it returns the chain in PEM, leaf first, with
// the CA when it is not a self-signed root.
func (ca *CA) signCSR(csrPEM, identity string, now time.Time) (string, error) {
	if ca.Key == nil {
		return "", fc.Errorf(fc.EUnprocessable, "the provider's CA key is not kept here")
	}
	block, _ := pem.Decode([]byte(csrPEM))
	if block == nil || block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
		return "", fc.Errorf(fc.EInvalid, "the CSR is not a PEM certificate request")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return "", fc.Errorf(fc.EInvalid, "the CSR does not parse: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return "", fc.Errorf(fc.EInvalid, "the CSR is not signed by its key: %v", err)
	}
	if csr.Subject.CommonName != identity {
		return "", fc.Errorf(fc.EInvalid, "the CSR names %q, not the station %q", csr.Subject.CommonName, identity)
	}
	keyUsage := x509.KeyUsageDigitalSignature
	switch pub := csr.PublicKey.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return "", fc.Errorf(fc.EInvalid, "the CSR's RSA key has %d bits, fewer than 2048", pub.N.BitLen())
		}
		keyUsage |= x509.KeyUsageKeyEncipherment
	case *ecdsa.PublicKey:
		if pub.Curve.Params().BitSize < 224 {
			return "", fc.Errorf(fc.EInvalid, "the CSR's elliptic curve key has fewer than 224 bits")
		}
	default:
		return "", fc.Errorf(fc.EInvalid, "the CSR's key is neither RSA nor elliptic curve")
	}
	notAfter := now.Add(StationCertificateValidity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	if !notAfter.After(now) {
		return "", fc.Errorf(fc.EUnprocessable, "the provider's CA has expired")
	}
	serial, err := serialNumber()
	if err != nil {
		return "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               csr.Subject,
		NotBefore:             now.Add(-5 * time.Minute), // a station's clock may be a little behind
		NotAfter:              notAfter,
		KeyUsage:              keyUsage,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, csr.PublicKey, ca.Key)
	if err != nil {
		return "", err
	}
	chain := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if ca.Cert.CheckSignatureFrom(ca.Cert) != nil {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})...)
	}
	return string(chain), nil
}
