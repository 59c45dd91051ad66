package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// lastCDR reads the last CDR a sent b.
func lastCDR(t *testing.T, b *platform) *CDR {
	t.Helper()
	posts := b.requests(emspCDRsPath)
	if len(posts) == 0 {
		t.Fatal("no CDR reached B")
	}
	var d CDR
	if err := json.Unmarshal(posts[len(posts)-1].Body, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// TestAuthorizationInSessionAndCDR: B's real-time authorization of its
// token at A's station is kept with B's authorization_reference; the
// session that follows there reaches B as AUTH_REQUEST with that reference,
// and so does its CDR. The token's next session at the station, which no
// new authorization preceded, is WHITELIST without a reference.
func TestAuthorizationInSessionAndCDR(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		st, card, bAtA, aAtB := roamingSetup(t, a, b)
		tok, err := receivedToken(a, bAtA, b, card.InternalID)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := a.server.AuthorizeRoaming(ctx, st, 2, tok); err != nil || got != "ALLOWED" {
			t.Fatalf("real-time authorization: %q %v", got, err)
		}
		var ref string
		if err := a.store.DB().QueryRowContext(ctx, `SELECT reference FROM ocpi_authorizations WHERE station_id = $1 AND uid = $2`,
			int64(st.ID), card.InternalID).Scan(&ref); err != nil || ref == "" {
			t.Fatalf("the authorization A kept: %q %v", ref, err)
		}

		start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		sess, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 2, IDTag: card.InternalID,
			MeterStart: 1000, Timestamp: start})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.store.StopTransaction(ctx, fc.StopTransaction{StationID: st.ID, TransactionID: sess.ID, MeterStop: 5000,
			Timestamp: start.Add(20 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		a.drain()
		got := heldSession(t, b, aAtB, sess.ID)
		if got.AuthMethod != "AUTH_REQUEST" || got.AuthorizationReference != ref || got.Status != SessionCompleted {
			t.Errorf("the session at B: auth %q, reference %q (want %q), status %s", got.AuthMethod, got.AuthorizationReference, ref, got.Status)
		}
		if d := lastCDR(t, b); d.SessionID != sess.ID.String() || d.AuthMethod != "AUTH_REQUEST" || d.AuthorizationReference != ref {
			t.Errorf("the CDR at B: session %s, auth %q, reference %q", d.SessionID, d.AuthMethod, d.AuthorizationReference)
		}

		again, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 1, IDTag: card.InternalID,
			MeterStart: 0, Timestamp: time.Now().UTC().Truncate(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		a.drain()
		if got := heldSession(t, b, aAtB, again.ID); got.AuthMethod != "WHITELIST" || got.AuthorizationReference != "" {
			t.Errorf("the next session at B: auth %q, reference %q", got.AuthMethod, got.AuthorizationReference)
		}
	})
}

// TestCommandAuthorizesSession: after B's START_SESSION (with an
// authorization_reference) at A's station, A admits the token there
// without asking B, even while B is down; the session that follows reaches
// B as COMMAND with B's reference. Once CommandGrace has passed, A asks
// again.
func TestCommandAuthorizesSession(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		w := newCommandsWorld(t, a, b)
		sink := newResultSink(t)
		token := betaToken(w.card.InternalID, true)
		token["type"], token["whitelist"] = "RFID", "NEVER"
		call(t, http.MethodPost, w.receiver+"/START_SESSION", w.auth, map[string]any{"response_url": sink.srv.URL + "/ok",
			"token": token, "location_id": w.station.LocationID.String(), "evse_uid": EVSEUID(w.station.ID, 1),
			"authorization_reference": "CMD-REF-1"}).want(t, "START_SESSION", http.StatusOK, StatusSuccess)
		if res := sink.result(t, "/ok"); res.Result != ResultAccepted {
			t.Fatalf("the command's result: %+v", res)
		}
		tok, err := a.store.OCPIToken(ctx, w.bAtA.ID, "DE", "MSP", w.card.InternalID, "RFID")
		if err != nil {
			t.Fatal(err)
		}
		b.down.Store(true)
		if got, err := a.server.AuthorizeRoaming(ctx, w.station, 1, tok); err != nil || got != "ALLOWED" {
			t.Errorf("the commanded token with B down: %q %v, want ALLOWED without asking", got, err)
		}
		b.down.Store(false)

		sess, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: w.station.ID, ConnectorID: 1,
			IDTag: w.card.InternalID, Timestamp: time.Now().UTC().Truncate(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		var got *Session
		eventually(t, "the session at B", func() bool {
			o, err := b.store.OCPIObject(ctx, w.aAtB.ID, fc.OCPIModuleSessions, "NL", "CPO", sess.ID.String())
			return err == nil && json.Unmarshal(o.Object, &got) == nil
		})
		if got.AuthMethod != "COMMAND" || got.AuthorizationReference != "CMD-REF-1" || got.CdrToken.UID != w.card.InternalID {
			t.Errorf("the session at B: auth %q, reference %q, token %+v", got.AuthMethod, got.AuthorizationReference, got.CdrToken)
		}

		a.later(CommandGrace + time.Minute)
		b.down.Store(true)
		if got, err := a.server.AuthorizeRoaming(ctx, w.station, 1, tok); err == nil {
			t.Errorf("after the grace with B down: %q without an error (B was not asked)", got)
		}
	})
}

// TestSessionOfTheAuthorizingPartner: B and C both hold a card with the
// same internal ID, so A holds a token of that UID from each. C authorizes
// its token in real time at A's station: the session that follows is
// C's, pushed to C with C's token, and B neither receives it nor reads it
// nor may stop it.
func TestSessionOfTheAuthorizingPartner(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		c := newPlatform(t, storetest.Open(t, a.store.Engine()), "Gamma Mobility", "BE", "GMS")
		st, card, bAtA, _ := roamingSetup(t, a, b)
		c.card(card.InternalID)
		cAtA, aAtC := connect(t, a, c)
		c.drain()
		tok, err := receivedToken(a, cAtA, c, card.InternalID)
		if err != nil {
			t.Fatal(err)
		}
		// B's token is the newer one: without the authorization, B would
		// take the session.
		b.setCard(card, fc.CardInactive)
		b.setCard(card, fc.CardActive)
		b.drain()
		if got, err := a.server.AuthorizeRoaming(ctx, st, 2, tok); err != nil || got != "ALLOWED" {
			t.Fatalf("C's authorization: %q %v", got, err)
		}
		sess, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 2, IDTag: card.InternalID,
			Timestamp: time.Now().UTC().Truncate(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		a.drain()
		got := heldSession(t, c, aAtC, sess.ID)
		if got.CdrToken.CountryCode != "BE" || got.CdrToken.PartyID != "GMS" || got.AuthMethod != "AUTH_REQUEST" {
			t.Errorf("the session at C: token %+v, auth %q", got.CdrToken, got.AuthMethod)
		}
		if reqs := b.requests(emspSessionsPath); len(reqs) != 0 {
			t.Errorf("B received %d session pushes of C's session", len(reqs))
		}
		if _, err := a.store.RoamingSession(ctx, bAtA.ID, sess.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("B reads C's session: %v", err)
		}
		if rs, err := a.store.RoamingSession(ctx, cAtA.ID, sess.ID); err != nil || rs.Token.PartnerID != cAtA.ID || rs.Token.PartyID != "GMS" {
			t.Errorf("C's session: %+v %v", rs, err)
		}
	})
}
