package store_test

import (
	"context"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestProviderCA checks that a provider's certificate authority is set,
// replaced, read with its key by provider, listed without keys, refused
// when it is not a PEM certificate or names no provider, and audited
// without its key.
func TestProviderCA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		a := &fc.Provider{Name: "CA one"}
		b := &fc.Provider{Name: "CA two"}
		for _, p := range []*fc.Provider{a, b} {
			if err := s.CreateProvider(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ProviderCA(ctx, a.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Fatalf("ProviderCA before any: %v, want not found", err)
		}
		const certA = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
		const certB = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"
		const keyA = "-----BEGIN PRIVATE KEY-----\nSECRETKEYA\n-----END PRIVATE KEY-----\n"
		for name, ca := range map[string]fc.ProviderCA{
			"not PEM":     {ProviderID: a.ID, CertPEM: "hello"},
			"a key alone": {ProviderID: a.ID, CertPEM: keyA},
		} {
			if err := s.SetProviderCA(ctx, ca); !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if err := s.SetProviderCA(ctx, fc.ProviderCA{ProviderID: 999999, CertPEM: certA}); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("no such provider: %v, want not found", err)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.SetProviderCA(ctx, fc.ProviderCA{ProviderID: a.ID, CertPEM: certB, KeyPEM: keyA}))
		must(s.SetProviderCA(ctx, fc.ProviderCA{ProviderID: a.ID, CertPEM: certA, KeyPEM: keyA})) // replaces
		must(s.SetProviderCA(ctx, fc.ProviderCA{ProviderID: b.ID, CertPEM: certB}))

		got, err := s.ProviderCA(ctx, a.ID)
		must(err)
		if got.CertPEM != certA || got.KeyPEM != keyA || got.UpdatedAt.IsZero() {
			t.Errorf("ProviderCA(a) = %+v, want the replacement with its key", got)
		}
		got, err = s.ProviderCA(ctx, b.ID)
		must(err)
		if got.CertPEM != certB || got.KeyPEM != "" {
			t.Errorf("ProviderCA(b) = %+v, want b's certificate without a key", got)
		}
		all, err := s.ProviderCAs(ctx)
		must(err)
		if len(all) != 2 || all[0].ProviderID != a.ID || all[0].CertPEM != certA || all[1].ProviderID != b.ID || all[0].KeyPEM != "" {
			t.Errorf("ProviderCAs = %+v, want a's and b's certificates without keys", all)
		}

		events, err := s.AuditEvents(ctx, fc.ProviderScope(a.ID), fc.AuditFilter{ObjectType: fc.KindProvider, ObjectID: a.ID})
		must(err)
		n := 0
		for _, e := range events {
			if e.Action != "provider.set_ca" {
				continue
			}
			n++
			if text := e.After; !strings.Contains(text, "certificate_sha256") || strings.Contains(text, "SECRETKEY") {
				t.Errorf("audit of the CA: %s, want the certificate's hash and no key", text)
			}
		}
		if n != 2 {
			t.Errorf("%d provider.set_ca events for a, want 2", n)
		}
	})
}
