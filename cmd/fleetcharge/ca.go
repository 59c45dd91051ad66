package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
)

// runProviderCA sets a provider's certificate authority for OCPP security
// profile 3: a new one (--generate), or one the provider runs (--cert,
// with --key to let the back office sign the certificates stations ask
// for). It prints the CA certificate, which is public; the key is never
// printed.
func runProviderCA(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("provider ca", stderr)
	id := fs.Int64("provider-id", 0, "the provider")
	generate := fs.Bool("generate", false, "make a new CA (ECDSA P-256, ten years) and keep its key here")
	certFile := fs.String("cert", "", "the provider's CA certificate (PEM)")
	keyFile := fs.String("key", "", "its private key (PEM), to sign the certificates stations ask for; without it none is signed here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id <= 0 || *generate == (*certFile != "") || *generate && *keyFile != "" {
		return fmt.Errorf("provider ca needs --provider-id and either --generate or --cert FILE [--key FILE]")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = cliContext(ctx)
	p, err := st.Provider(ctx, fc.ID(*id))
	if err != nil {
		return err
	}
	var certPEM, keyPEM []byte
	if *generate {
		if certPEM, keyPEM, err = ocpp.GenerateCA(p.Name, time.Now()); err != nil {
			return err
		}
	} else {
		if certPEM, err = os.ReadFile(*certFile); err != nil {
			return err
		}
		if *keyFile != "" {
			if keyPEM, err = os.ReadFile(*keyFile); err != nil {
				return err
			}
		}
	}
	ca, err := ocpp.ParseCA(certPEM, keyPEM)
	if err != nil {
		return err
	}
	if !time.Now().Before(ca.Cert.NotAfter) {
		return fmt.Errorf("the CA certificate expired on %s", ca.Cert.NotAfter.Format(time.DateOnly))
	}
	if err := st.SetProviderCA(ctx, fc.ProviderCA{ProviderID: p.ID, CertPEM: string(certPEM), KeyPEM: string(keyPEM)}); err != nil {
		return err
	}
	sum := sha256.Sum256(ca.Cert.Raw)
	fmt.Fprintf(stdout, "provider: %s (id %s)\nCA: %s, valid until %s\nSHA-256: %s\nkey kept here: %t\n",
		p.Name, p.ID, ca.Cert.Subject, ca.Cert.NotAfter.Format(time.DateOnly), hex.EncodeToString(sum[:]), ca.Key != nil)
	fmt.Fprintln(stdout, "Stations of the provider now authenticate with TLS client certificates of this CA (serve with --tls-cert; a running server picks it up within a minute).")
	_, err = stdout.Write(certPEM)
	return err
}
