package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func mustPartner(t *testing.T, s *store.Store, providerID fc.ID, name, status, hash string) *fc.OCPIPartner {
	t.Helper()
	p := &fc.OCPIPartner{ProviderID: providerID, Name: name, Status: status}
	if err := s.CreateOCPIPartner(context.Background(), p, hash, fc.OCPITokenA); err != nil {
		t.Fatalf("create partner %s: %v", name, err)
	}
	return p
}

// TestOCPIPartners: partners are created, read, listed, updated (their
// incoming token replaced) and deleted within their provider, found by
// their token's hash from anywhere, and refused with field errors when
// invalid.
func TestOCPIPartners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		prov := mustProvider(t, s, "CPO")
		other := mustProvider(t, s, "Other CPO")

		p := &fc.OCPIPartner{ProviderID: prov.ID, Name: "  Hub  ", Status: fc.PartnerPending}
		if err := s.CreateOCPIPartner(ctx, p, "hash-a", fc.OCPITokenA); err != nil {
			t.Fatal(err)
		}
		if p.ID == 0 || p.Name != "Hub" || p.CreatedAt.IsZero() {
			t.Fatalf("created partner: %+v", p)
		}
		second := mustPartner(t, s, prov.ID, "Second", fc.PartnerPending, "hash-second")
		foreign := mustPartner(t, s, other.ID, "Foreign", fc.PartnerPending, "hash-foreign")

		got, err := s.OCPIPartner(ctx, prov.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Hub" || got.Status != fc.PartnerPending || got.Roles == nil || got.Endpoints == nil || !got.CreatedAt.Equal(p.CreatedAt) {
			t.Errorf("read partner: %+v", got)
		}
		if _, err := s.OCPIPartner(ctx, other.ID, p.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("partner of another provider: %v", err)
		}
		list, err := s.OCPIPartners(ctx, prov.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != p.ID || list[1].ID != second.ID {
			t.Errorf("partners = %+v", list)
		}

		byToken, kind, err := s.OCPIPartnerByToken(ctx, "hash-foreign")
		if err != nil || byToken.ID != foreign.ID || byToken.ProviderID != other.ID || kind != fc.OCPITokenA {
			t.Errorf("by token: %+v %q %v", byToken, kind, err)
		}
		if _, _, err := s.OCPIPartnerByToken(ctx, "no-such-hash"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown token: %v", err)
		}

		// Registration: roles, endpoints, the token we send, and token C
		// in place of token A.
		roles := []fc.OCPIRole{{Role: fc.OCPIRoleEMSP, CountryCode: "NL", PartyID: "ABC", Name: "ABC Mobility"}}
		endpoints := []fc.OCPIEndpoint{{Identifier: "tokens", Role: "RECEIVER", URL: "https://abc.example/ocpi/2.2.1/tokens"}}
		updated, err := s.UpdateOCPIPartner(ctx, prov.ID, p.ID, "hash-c", fc.OCPITokenC, func(p *fc.OCPIPartner) error {
			p.Status, p.Roles, p.Endpoints = fc.PartnerConnected, roles, endpoints
			p.OutgoingToken, p.VersionsURL, p.Version = "token-b", "https://abc.example/ocpi/versions", fc.OCPIVersion
			p.ProviderID = other.ID // ignored
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if updated.ProviderID != prov.ID || updated.Status != fc.PartnerConnected {
			t.Errorf("updated: %+v", updated)
		}
		if _, _, err := s.OCPIPartnerByToken(ctx, "hash-a"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("token A after registration: %v", err)
		}
		byToken, kind, err = s.OCPIPartnerByToken(ctx, "hash-c")
		if err != nil || byToken.ID != p.ID || kind != fc.OCPITokenC {
			t.Fatalf("token C: %+v %q %v", byToken, kind, err)
		}
		if byToken.OutgoingToken != "token-b" || byToken.Version != fc.OCPIVersion || len(byToken.Roles) != 1 || byToken.Roles[0] != roles[0] ||
			byToken.EndpointURL("tokens", "RECEIVER") != endpoints[0].URL {
			t.Errorf("registered partner: %+v", byToken)
		}
		// An update without a hash keeps the token.
		if _, err := s.UpdateOCPIPartner(ctx, prov.ID, p.ID, "", "", func(p *fc.OCPIPartner) error {
			p.Status = fc.PartnerSuspended
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, kind, err := s.OCPIPartnerByToken(ctx, "hash-c"); err != nil || got.Status != fc.PartnerSuspended || kind != fc.OCPITokenC {
			t.Errorf("suspended: %+v %q %v", got, kind, err)
		}
		// A token taken by another partner is a conflict.
		if _, err := s.UpdateOCPIPartner(ctx, prov.ID, second.ID, "hash-c", fc.OCPITokenC, func(*fc.OCPIPartner) error { return nil }); !fc.IsCode(err, fc.EConflict) {
			t.Errorf("taken token: %v", err)
		}
		if _, err := s.UpdateOCPIPartner(ctx, other.ID, p.ID, "", "", func(*fc.OCPIPartner) error { return nil }); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("update across providers: %v", err)
		}

		for name, c := range map[string]struct {
			p          fc.OCPIPartner
			hash, kind string
			field      string
		}{
			"no name":      {fc.OCPIPartner{Status: fc.PartnerPending}, "h1", "A", "name"},
			"bad status":   {fc.OCPIPartner{Name: "X", Status: "active"}, "h2", "A", "status"},
			"bad kind":     {fc.OCPIPartner{Name: "X", Status: fc.PartnerPending}, "h3", "B", "incoming_kind"},
			"no hash":      {fc.OCPIPartner{Name: "X", Status: fc.PartnerPending}, "", "A", "incoming_hash"},
			"bad role":     {fc.OCPIPartner{Name: "X", Status: fc.PartnerPending, Roles: []fc.OCPIRole{{Role: "DRIVER", CountryCode: "NL", PartyID: "ABC"}}}, "h4", "A", "roles"},
			"bad party":    {fc.OCPIPartner{Name: "X", Status: fc.PartnerPending, Roles: []fc.OCPIRole{{Role: "CPO", CountryCode: "NL", PartyID: "ab"}}}, "h5", "A", "roles"},
			"bad endpoint": {fc.OCPIPartner{Name: "X", Status: fc.PartnerPending, Endpoints: []fc.OCPIEndpoint{{Identifier: "tokens", Role: "BOTH", URL: "https://x"}}}, "h6", "A", "endpoints"},
		} {
			c.p.ProviderID = prov.ID
			err := s.CreateOCPIPartner(ctx, &c.p, c.hash, c.kind)
			if !hasField(err, c.field) {
				t.Errorf("%s: %v, want a field error on %s", name, err, c.field)
			}
		}
		if _, err := s.UpdateOCPIPartner(ctx, prov.ID, second.ID, "", "", func(p *fc.OCPIPartner) error {
			p.Status = "gone"
			return nil
		}); !hasField(err, "status") {
			t.Errorf("update to a bad status: %v", err)
		}

		// Delete: not across providers; then gone with its token.
		if err := s.DeleteOCPIPartner(ctx, other.ID, p.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("delete across providers: %v", err)
		}
		if err := s.EnqueueOCPI(ctx, []fc.OCPIMessage{{PartnerID: p.ID, Module: "tokens", Key: "k", Method: "PUT"}}); err != nil {
			t.Fatal(err)
		}
		mustOCPIToken(t, s, p.ID, "T1", true)
		if err := s.RecordOCPIExchange(ctx, fc.OCPIExchange{PartnerID: p.ID, Module: "tokens", Direction: "out", Method: "PUT", URL: "https://x", OK: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteOCPIPartner(ctx, prov.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OCPIPartner(ctx, prov.ID, p.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("deleted partner: %v", err)
		}
		if _, err := s.OCPITokenByUID(ctx, prov.ID, "T1"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("token of a deleted partner: %v", err)
		}
		if list, _ := s.OCPIPartners(ctx, prov.ID); len(list) != 1 || list[0].ID != second.ID {
			t.Errorf("partners after delete = %+v", list)
		}
	})
}

// hasField reports whether err is a field error on field.
func hasField(err error, field string) bool {
	var e *fc.Error
	if !errors.As(err, &e) || e.Code != fc.EInvalid {
		return false
	}
	_, ok := e.Fields[field]
	return ok
}

func mustOCPIToken(t *testing.T, s *store.Store, partnerID fc.ID, uid string, valid bool) fc.OCPIToken {
	t.Helper()
	tok := fc.OCPIToken{PartnerID: partnerID, CountryCode: "NL", PartyID: "ABC", UID: uid, Type: "RFID", ContractID: "NL-ABC-C" + uid,
		Issuer: "ABC Mobility", Valid: valid, Whitelist: "ALLOWED", LastUpdated: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := s.PutOCPIToken(context.Background(), tok); err != nil {
		t.Fatalf("put token %s: %v", uid, err)
	}
	return tok
}

// TestOCPIOutbox: of each partner and key only the oldest message is due,
// once its time has come and while the partner is connected; delivering it
// makes the next one due, a retry moves it later.
func TestOCPIOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		prov := mustProvider(t, s, "CPO")
		other := mustProvider(t, s, "Other")
		a := mustPartner(t, s, prov.ID, "A", fc.PartnerConnected, "hash-a")
		b := mustPartner(t, s, prov.ID, "B", fc.PartnerPending, "hash-b")

		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		msgs := []fc.OCPIMessage{
			{PartnerID: a.ID, Module: "tokens", Key: "token:1", Method: "PUT", Path: "/NL/ABC/1", Body: json.RawMessage(`{"uid":"1"}`), NextAt: t0},
			{PartnerID: a.ID, Module: "tokens", Key: "token:1", Method: "PATCH", Path: "/NL/ABC/1", Body: json.RawMessage(`{"valid":false}`), NextAt: t0},
			{PartnerID: a.ID, Module: "tokens", Key: "token:2", Method: "PUT", Path: "/NL/ABC/2", NextAt: t0.Add(time.Second)},
			{PartnerID: b.ID, Module: "tokens", Key: "token:1", Method: "PUT", NextAt: t0},
		}
		if err := s.EnqueueOCPI(ctx, msgs); err != nil {
			t.Fatal(err)
		}
		first, second, key2, ofB := msgs[0], msgs[1], msgs[2], msgs[3]
		if first.ID == 0 || second.ID <= first.ID {
			t.Fatalf("queued IDs: %d, %d", first.ID, second.ID)
		}
		due := func(now time.Time, limit int) []fc.ID {
			t.Helper()
			got, err := s.DueOCPI(ctx, now, limit)
			if err != nil {
				t.Fatal(err)
			}
			ids := []fc.ID{}
			for _, m := range got {
				ids = append(ids, m.ID)
			}
			return ids
		}
		check := func(what string, got []fc.ID, want ...fc.ID) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(append([]fc.ID{}, want...)) {
				t.Errorf("%s: due %v, want %v", what, got, want)
			}
		}

		check("before their time", due(t0.Add(-time.Millisecond), 10))
		check("at t0", due(t0, 10), first.ID)
		check("a second later", due(t0.Add(time.Second), 10), first.ID, key2.ID)
		check("limit 1", due(t0.Add(time.Second), 1), first.ID)

		got, err := s.DueOCPI(ctx, t0, 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("due: %v %v", got, err)
		}
		if m := got[0]; m.PartnerID != a.ID || m.Module != "tokens" || m.Key != "token:1" || m.Method != "PUT" || m.Path != "/NL/ABC/1" ||
			string(m.Body) != `{"uid":"1"}` || !m.NextAt.Equal(t0) || m.Attempts != 0 || m.CreatedAt.IsZero() {
			t.Errorf("due message: %+v", m)
		}

		// A retry pushes the message back and keeps the next one of its
		// key waiting behind it.
		if err := s.OCPIRetry(ctx, first.ID, "HTTP 503", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		check("after a retry", due(t0.Add(time.Second), 10), key2.ID)
		got, _ = s.DueOCPI(ctx, t0.Add(time.Minute), 10)
		if len(got) != 2 || got[0].ID != key2.ID || got[1].ID != first.ID || got[1].Attempts != 1 || got[1].LastError != "HTTP 503" {
			t.Errorf("due after the retry's time: %+v", got)
		}

		// Delivered, the next message of the key is due.
		if err := s.OCPIDelivered(ctx, first.ID); err != nil {
			t.Fatal(err)
		}
		check("after delivery", due(t0.Add(time.Second), 10), second.ID, key2.ID)
		if err := s.OCPIDelivered(ctx, first.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("delivered twice: %v", err)
		}
		if err := s.OCPIRetry(ctx, first.ID, "x", t0); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("retry of a delivered message: %v", err)
		}

		// The pending partner's message goes out once it is connected, and
		// stops when it is suspended.
		setStatus := func(p *fc.OCPIPartner, status string) {
			t.Helper()
			if _, err := s.UpdateOCPIPartner(ctx, prov.ID, p.ID, "", "", func(p *fc.OCPIPartner) error {
				p.Status = status
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		setStatus(b, fc.PartnerConnected)
		check("partner connected", due(t0.Add(time.Second), 10), second.ID, ofB.ID, key2.ID)
		setStatus(a, fc.PartnerSuspended)
		check("partner suspended", due(t0.Add(time.Second), 10), ofB.ID)

		outbox, err := s.OCPIOutbox(ctx, prov.ID, a.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(outbox) != 2 || outbox[0].ID != second.ID || outbox[1].ID != key2.ID {
			t.Errorf("outbox = %+v", outbox)
		}
		if _, err := s.OCPIOutbox(ctx, other.ID, a.ID, 10); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("outbox across providers: %v", err)
		}

		for name, m := range map[string]fc.OCPIMessage{
			"method": {PartnerID: a.ID, Module: "tokens", Key: "k", Method: "GET"},
			"key":    {PartnerID: a.ID, Module: "tokens", Method: "PUT"},
			"module": {PartnerID: a.ID, Key: "k", Method: "PUT"},
			"body":   {PartnerID: a.ID, Module: "tokens", Key: "k", Method: "PUT", Body: json.RawMessage(`{`)},
		} {
			if err := s.EnqueueOCPI(ctx, []fc.OCPIMessage{m}); !hasField(err, name) {
				t.Errorf("message without a valid %s: %v", name, err)
			}
		}
		if err := s.EnqueueOCPI(ctx, []fc.OCPIMessage{{PartnerID: 999999, Module: "tokens", Key: "k", Method: "PUT"}}); err == nil {
			t.Error("message to no partner queued")
		}
	})
}

// TestOCPIExchanges: exchanges read newest first, keep their bodies only
// for failures and cut to 4 KiB, and only the newest 1,000 of a partner
// and module stay.
func TestOCPIExchanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		prov := mustProvider(t, s, "CPO")
		other := mustProvider(t, s, "Other")
		p := mustPartner(t, s, prov.ID, "P", fc.PartnerConnected, "hash-p")
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

		// 1,000 old exchanges of the tokens module, written directly.
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 1000; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ocpi_exchanges (partner_id, module, direction, method, url, at, ok)
				VALUES ($1, 'tokens', 'out', 'PUT', $2, $3, TRUE)`, int64(p.ID), fmt.Sprintf("https://x/%d", i), t0.Add(time.Duration(i)*time.Second).UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}

		long := strings.Repeat("é", 3000) // 6,000 bytes
		later := t0.Add(time.Hour)
		for _, e := range []fc.OCPIExchange{
			{PartnerID: p.ID, Module: "tokens", Direction: "out", Method: "PUT", URL: "https://x/failed", At: later, HTTPStatus: 500,
				Error: "server error", Request: long, Response: "{}"},
			{PartnerID: p.ID, Module: "tokens", Direction: "out", Method: "PUT", URL: "https://x/ok", At: later.Add(time.Second), HTTPStatus: 200,
				OCPIStatus: 1000, OK: true, Request: "{}", Response: "{}"},
			{PartnerID: p.ID, Module: "credentials", Direction: "in", Method: "POST", URL: "https://us/credentials", At: t0, OK: true},
		} {
			if err := s.RecordOCPIExchange(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		var tokens, credentials int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM ocpi_exchanges WHERE partner_id = $1 AND module = 'tokens'`, int64(p.ID)).Scan(&tokens); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM ocpi_exchanges WHERE partner_id = $1 AND module = 'credentials'`, int64(p.ID)).Scan(&credentials); err != nil {
			t.Fatal(err)
		}
		if tokens != 1000 || credentials != 1 {
			t.Errorf("kept %d tokens and %d credentials exchanges, want 1000 and 1", tokens, credentials)
		}

		got, err := s.OCPIExchanges(ctx, prov.ID, p.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].URL != "https://x/ok" || got[1].URL != "https://x/failed" || got[2].URL != "https://x/999" {
			t.Fatalf("newest exchanges: %+v", got)
		}
		ok, failed := got[0], got[1]
		if !ok.OK || ok.Request != "" || ok.Response != "" || ok.OCPIStatus != 1000 || !ok.At.Equal(later.Add(time.Second)) {
			t.Errorf("successful exchange: %+v", ok)
		}
		if failed.OK || failed.HTTPStatus != 500 || failed.Error != "server error" || failed.Response != "{}" ||
			len(failed.Request) > 4096 || len(failed.Request) < 4000 || !strings.HasPrefix(long, failed.Request) {
			t.Errorf("failed exchange: request of %d bytes, %+v", len(failed.Request), failed.Response)
		}
		all, err := s.OCPIExchanges(ctx, prov.ID, p.ID, 2000)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1001 || all[len(all)-2].URL != "https://x/2" || all[len(all)-1].Module != "credentials" {
			t.Errorf("%d exchanges, oldest tokens one %q", len(all), all[len(all)-2].URL)
		}
		if _, err := s.OCPIExchanges(ctx, other.ID, p.ID, 10); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("exchanges across providers: %v", err)
		}
		if err := s.RecordOCPIExchange(ctx, fc.OCPIExchange{PartnerID: p.ID, Module: "tokens", Direction: "sideways"}); !hasField(err, "direction") {
			t.Errorf("bad direction: %v", err)
		}
	})
}

// TestOCPITokens: a pushed token replaces the one with the same key, reads
// back as stored, is found by UID within the provider (a valid one first)
// and is refused when it breaks OCPI's rules.
func TestOCPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		prov := mustProvider(t, s, "CPO")
		other := mustProvider(t, s, "Other")
		p := mustPartner(t, s, prov.ID, "eMSP 1", fc.PartnerConnected, "hash-1")
		q := mustPartner(t, s, prov.ID, "eMSP 2", fc.PartnerConnected, "hash-2")
		foreign := mustPartner(t, s, other.ID, "Foreign", fc.PartnerConnected, "hash-3")

		tok := mustOCPIToken(t, s, p.ID, "04A1B2C3", true)
		got, err := s.OCPIToken(ctx, p.ID, "NL", "ABC", "04A1B2C3", "RFID")
		if err != nil {
			t.Fatal(err)
		}
		if got.ContractID != "NL-ABC-C04A1B2C3" || !got.Valid || got.Whitelist != "ALLOWED" || !got.LastUpdated.Equal(tok.LastUpdated) ||
			!json.Valid(got.Object) || !strings.Contains(string(got.Object), `"uid":"04A1B2C3"`) {
			t.Errorf("token read: %+v %s", got, got.Object)
		}
		// Replaced: the same key, now blocked, with the object as sent.
		tok.Valid, tok.Whitelist, tok.VisualNumber, tok.Object = false, "NEVER", "Card 7", json.RawMessage(`{"uid":"04A1B2C3","valid":false}`)
		if err := s.PutOCPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		got, err = s.OCPIToken(ctx, p.ID, "NL", "ABC", "04A1B2C3", "RFID")
		if err != nil {
			t.Fatal(err)
		}
		if got.Valid || got.Whitelist != "NEVER" || got.VisualNumber != "Card 7" || string(got.Object) != `{"uid":"04A1B2C3","valid":false}` {
			t.Errorf("replaced token: %+v %s", got, got.Object)
		}
		if _, err := s.OCPIToken(ctx, p.ID, "NL", "ABC", "04A1B2C3", "APP_USER"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("token of another type: %v", err)
		}

		// By UID: the blocked one while it is the only one; a valid one of
		// another partner first; never another provider's.
		byUID, err := s.OCPITokenByUID(ctx, prov.ID, "04A1B2C3")
		if err != nil || byUID.PartnerID != p.ID || byUID.Valid {
			t.Errorf("blocked by UID: %+v %v", byUID, err)
		}
		mustOCPIToken(t, s, q.ID, "04A1B2C3", true)
		byUID, err = s.OCPITokenByUID(ctx, prov.ID, "04A1B2C3")
		if err != nil || byUID.PartnerID != q.ID || !byUID.Valid {
			t.Errorf("valid by UID: %+v %v", byUID, err)
		}
		mustOCPIToken(t, s, foreign.ID, "FOREIGN1", true)
		if _, err := s.OCPITokenByUID(ctx, prov.ID, "FOREIGN1"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another provider's token: %v", err)
		}
		if _, err := s.OCPITokenByUID(ctx, prov.ID, "NOPE"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown UID: %v", err)
		}

		base := fc.OCPIToken{PartnerID: p.ID, CountryCode: "NL", PartyID: "ABC", UID: "X1", Type: "RFID", ContractID: "NL-ABC-C1",
			Issuer: "ABC", Valid: true, Whitelist: "ALWAYS"}
		for field, change := range map[string]func(*fc.OCPIToken){
			"country_code": func(t *fc.OCPIToken) { t.CountryCode = "nl" },
			"party_id":     func(t *fc.OCPIToken) { t.PartyID = "AB" },
			"uid":          func(t *fc.OCPIToken) { t.UID = strings.Repeat("A", 37) },
			"type":         func(t *fc.OCPIToken) { t.Type = "CARD" },
			"contract_id":  func(t *fc.OCPIToken) { t.ContractID = "" },
			"issuer":       func(t *fc.OCPIToken) { t.Issuer = strings.Repeat("i", 65) },
			"whitelist":    func(t *fc.OCPIToken) { t.Whitelist = "SOMETIMES" },
			"language":     func(t *fc.OCPIToken) { t.Language = "eng" },
			"object":       func(t *fc.OCPIToken) { t.Object = json.RawMessage(`{"uid"`) },
		} {
			bad := base
			change(&bad)
			if err := s.PutOCPIToken(ctx, bad); !hasField(err, field) {
				t.Errorf("token with a bad %s: %v", field, err)
			}
		}
		if err := s.PutOCPIToken(ctx, base); err != nil {
			t.Errorf("valid token: %v", err)
		}
	})
}

// TestOCPIIdentity: a provider's OCPI identity and a charge group's
// roaming flag are stored and read back, and bad identities are refused.
func TestOCPIIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		p := &fc.Provider{Name: "Roaming CPO", OCPICountryCode: "NL", OCPIPartyID: "FC1"}
		if err := s.CreateProvider(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := s.Provider(ctx, p.ID)
		if err != nil || got.OCPICountryCode != "NL" || got.OCPIPartyID != "FC1" {
			t.Errorf("provider read: %+v %v", got, err)
		}
		updated, err := s.UpdateProvider(ctx, p.ID, func(p *fc.Provider) error {
			p.OCPICountryCode, p.OCPIPartyID = "DE", "XYZ"
			return nil
		})
		if err != nil || updated.OCPIPartyID != "XYZ" {
			t.Fatalf("update provider: %+v %v", updated, err)
		}
		all, err := s.Providers(ctx)
		if err != nil || len(all) != 1 || all[0].OCPICountryCode != "DE" || all[0].OCPIPartyID != "XYZ" {
			t.Errorf("providers: %+v %v", all, err)
		}
		for field, c := range map[string][2]string{
			"ocpi_country_code": {"nl", "FC1"},
			"ocpi_party_id":     {"NL", "F-1"},
		} {
			bad := &fc.Provider{Name: "Bad", OCPICountryCode: c[0], OCPIPartyID: c[1]}
			if err := s.CreateProvider(ctx, bad); !hasField(err, field) {
				t.Errorf("provider with a bad %s: %v", field, err)
			}
		}
		if err := s.CreateProvider(ctx, &fc.Provider{Name: "Half", OCPICountryCode: "NL"}); !hasField(err, "ocpi_party_id") {
			t.Errorf("country code without party ID: %v", err)
		}
		if _, err := s.UpdateProvider(ctx, p.ID, func(p *fc.Provider) error {
			p.OCPIPartyID = ""
			return nil
		}); !hasField(err, "ocpi_party_id") {
			t.Errorf("update to half an identity: %v", err)
		}
		if _, err := s.UpdateProvider(ctx, p.ID, func(p *fc.Provider) error {
			p.OCPICountryCode, p.OCPIPartyID = "", ""
			return nil
		}); err != nil {
			t.Errorf("identity cleared: %v", err)
		}

		w := mustWorld(t, s, "ROAM")
		sc := fc.Scope{ProviderID: w.Provider.ID, Reach: fc.Reach{All: true}}
		if w.Group.Roaming {
			t.Fatal("a new group roams")
		}
		g, err := s.UpdateChargeGroup(ctx, sc, w.Group.ID, func(g *fc.ChargeGroup) error {
			g.Roaming = true
			return nil
		})
		if err != nil || !g.Roaming {
			t.Fatalf("update group: %+v %v", g, err)
		}
		if got, err := s.ChargeGroup(ctx, sc, w.Group.ID); err != nil || !got.Roaming {
			t.Errorf("group read: %+v %v", got, err)
		}
		roaming := &fc.ChargeGroup{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Roaming", Kind: fc.GroupOther,
			Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR"}, Roaming: true}
		if err := s.CreateChargeGroup(ctx, roaming); err != nil {
			t.Fatal(err)
		}
		groups, err := s.ChargeGroups(ctx, sc, fc.ChargeGroupFilter{})
		if err != nil || len(groups) != 2 || !groups[0].Roaming || !groups[1].Roaming {
			t.Errorf("groups: %+v %v", groups, err)
		}
	})
}
