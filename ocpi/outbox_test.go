package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// outbox returns what waits at p for the partner, oldest first.
func (p *platform) outbox(partner *fc.OCPIPartner) []fc.OCPIMessage {
	p.t.Helper()
	ms, err := p.store.OCPIOutbox(context.Background(), p.provider.ID, partner.ID, 100)
	if err != nil {
		p.t.Fatal(err)
	}
	return ms
}

// drain delivers p's outbox by hand until nothing is due.
func (p *platform) drain() {
	p.t.Helper()
	for range 20 {
		if p.server.deliverDue(context.Background()) == 0 {
			return
		}
	}
	p.t.Fatal("the outbox does not drain")
}

// later moves p's clock on by d.
func (p *platform) later(d time.Duration) { p.skew.Add(int64(d)) }

// TestOutboxPartnerDown: while the partner answers 503, B's pushes stay in
// the outbox, their attempts counted and their next try pushed back
// (doubling), and those of one token wait behind its first; once the
// partner is back they go out in order. A push the partner refuses (2xxx)
// is dropped and does not hold back the next of its token.
func TestOutboxPartnerDown(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		card := b.card("BETA-0001")
		_, aAtB := connect(t, a, b)
		b.drain()
		if ms := b.outbox(aAtB); len(ms) != 0 {
			t.Fatalf("outbox after the first sync: %+v", ms)
		}
		putsTo := func(uid string) []seenRequest {
			var out []seenRequest
			for _, r := range a.requests(cpoTokensPath + "/DE/MSP/" + uid) {
				if r.Method == http.MethodPut {
					out = append(out, r)
				}
			}
			return out
		}
		if n := len(putsTo(card.InternalID)); n != 1 {
			t.Fatalf("PUTs of the card after the sync: %d", n)
		}

		a.down.Store(true)
		b.setCard(card, fc.CardInactive)
		b.setCard(card, fc.CardActive)
		b.setCard(card, fc.CardInactive)
		fresh := b.card("BETA-0002")
		// Pushes with bodies, one of them refused by A (no issuer), for a
		// token B has no card of: each PUT tells its own state.
		at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		var msgs []fc.OCPIMessage
		for i, valid := range []bool{false, true, false, true} {
			tok := bToken("ORDERED", valid, at.Add(time.Duration(i)*time.Minute))
			if i == 2 {
				delete(tok, "issuer")
			}
			body, _ := json.Marshal(tok)
			msgs = append(msgs, fc.OCPIMessage{PartnerID: aAtB.ID, Module: ModuleTokens, Key: "token:ORDERED", Method: http.MethodPut,
				Path: "/DE/MSP/ORDERED", Body: body})
		}
		if err := b.store.EnqueueOCPI(ctx, msgs); err != nil {
			t.Fatal(err)
		}

		before := b.server.now().Truncate(time.Millisecond) // the outbox keeps milliseconds
		b.server.deliverDue(ctx)
		after := b.server.now()
		ms := b.outbox(aAtB)
		if len(ms) != 8 {
			t.Fatalf("outbox while A is down: %d messages, want 8", len(ms))
		}
		firstOf := map[string]bool{}
		for _, m := range ms {
			if !firstOf[m.Key] {
				firstOf[m.Key] = true
				if m.Attempts != 1 || !strings.Contains(m.LastError, "503") || m.NextAt.Before(before.Add(retryFirst)) || m.NextAt.After(after.Add(retryFirst)) {
					t.Errorf("first message of %s after a failed try: attempts %d, next at %v (tried between %v and %v), error %q",
						m.Key, m.Attempts, m.NextAt, before, after, m.LastError)
				}
				continue
			}
			if m.Attempts != 0 {
				t.Errorf("a message of %s behind the first was tried: %+v", m.Key, m)
			}
		}
		if len(firstOf) != 3 {
			t.Errorf("keys waiting: %v", firstOf)
		}
		// Not due yet: nothing is tried.
		b.server.deliverDue(ctx)
		if ms := b.outbox(aAtB); ms[0].Attempts != 1 {
			t.Errorf("tried again before its time: %+v", ms[0])
		}
		// Due again: a second failure waits twice as long.
		b.later(1500 * time.Millisecond)
		// The outbox keeps milliseconds.
		before = b.server.now().Truncate(time.Millisecond)
		b.server.deliverDue(ctx)
		after = b.server.now()
		for _, m := range b.outbox(aAtB) {
			if m.Attempts == 0 {
				continue
			}
			if m.Attempts != 2 || m.NextAt.Before(before.Add(2*retryFirst)) || m.NextAt.After(after.Add(2*retryFirst)) {
				t.Errorf("after the second failure: attempts %d, next at %v, tried between %v and %v", m.Attempts, m.NextAt, before, after)
			}
		}
		if n := len(putsTo(card.InternalID)); n != 1 {
			t.Errorf("PUTs of the card reached A while it was down: %d", n)
		}

		// Back: everything goes out, each token's pushes in order.
		a.down.Store(false)
		b.later(time.Minute)
		b.drain()
		if ms := b.outbox(aAtB); len(ms) != 0 {
			t.Errorf("outbox once A is back: %+v", ms)
		}
		puts := putsTo(card.InternalID)
		if len(puts) != 4 {
			t.Errorf("PUTs of the card: %d, want the sync's and three", len(puts))
		}
		var last Token
		if err := json.Unmarshal(puts[len(puts)-1].Body, &last); err != nil || last.Valid == nil || *last.Valid {
			t.Errorf("last PUT of the card: %s", puts[len(puts)-1].Body)
		}
		if tok, err := a.store.OCPITokenByUID(ctx, a.provider.ID, card.InternalID); err != nil || tok.Valid {
			t.Errorf("the card at A: %+v %v", tok, err)
		}
		if tok, err := a.store.OCPITokenByUID(ctx, a.provider.ID, fresh.InternalID); err != nil || !tok.Valid {
			t.Errorf("the new card at A: %+v %v", tok, err)
		}
		var order []string
		for _, r := range putsTo("ORDERED") {
			var tok map[string]any
			_ = json.Unmarshal(r.Body, &tok)
			order = append(order, tok["last_updated"].(string))
		}
		want := []string{"2026-11-02T10:00:00Z", "2026-11-02T10:01:00Z", "2026-11-02T10:02:00Z", "2026-11-02T10:03:00Z"}
		if strings.Join(order, " ") != strings.Join(want, " ") {
			t.Errorf("pushes of one token reached A as %v, want %v", order, want)
		}
		if tok, err := a.store.OCPITokenByUID(ctx, a.provider.ID, "ORDERED"); err != nil || !tok.Valid || !tok.LastUpdated.Equal(at.Add(3*time.Minute)) {
			t.Errorf("the ordered token at A: %+v %v", tok, err)
		}
	})
}

// TestOutboxSuspended: a suspended partner gets nothing; resumed, what
// waited goes out.
func TestOutboxSuspended(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		_, aAtB := connect(t, a, b)
		b.drain()
		setStatus := func(status string) {
			t.Helper()
			if _, err := b.store.UpdateOCPIPartner(ctx, b.provider.ID, aAtB.ID, "", "", func(p *fc.OCPIPartner) error {
				p.Status = status
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		setStatus(fc.PartnerSuspended)
		card := b.card("BETA-0001")
		b.drain()
		if ms := b.outbox(aAtB); len(ms) != 1 || ms[0].Attempts != 0 {
			t.Errorf("outbox of a suspended partner: %+v", ms)
		}
		if _, err := a.store.OCPITokenByUID(ctx, a.provider.ID, card.InternalID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("a suspended partner got the card: %v", err)
		}
		setStatus(fc.PartnerConnected)
		b.drain()
		if tok, err := a.store.OCPITokenByUID(ctx, a.provider.ID, card.InternalID); err != nil || !tok.Valid {
			t.Errorf("the card once resumed: %+v %v", tok, err)
		}
	})
}

// roamingStation creates a station of a in a roaming charge group.
func roamingStation(t *testing.T, a *platform) *fc.Station {
	t.Helper()
	ctx := context.Background()
	loc := &fc.Location{ProviderID: a.provider.ID, AccountID: a.account.ID, Name: "Stationsplein", Kind: fc.LocationPublic,
		City: "Utrecht", Country: "NL"}
	if err := a.store.CreateLocation(ctx, loc); err != nil {
		t.Fatalf("create location: %v", err)
	}
	g := &fc.ChargeGroup{ProviderID: a.provider.ID, AccountID: a.account.ID, Name: "Roaming", Kind: fc.GroupOther,
		Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 350000}, Roaming: true}
	if err := a.store.CreateChargeGroup(ctx, g); err != nil {
		t.Fatalf("create charge group: %v", err)
	}
	st := &fc.Station{ProviderID: a.provider.ID, AccountID: a.account.ID, LocationID: loc.ID, ChargeGroupID: g.ID,
		Identity: "ALPHA-CP1", PasswordHash: "hash"}
	if err := a.store.CreateStation(ctx, st, 2); err != nil {
		t.Fatalf("create station: %v", err)
	}
	return st
}

// TestTokenUpdateRacesAuthorization: while B's PUTs flip a token's
// validity at A (and another token changes too), A's stations look the
// token up without error, always finding it; in the end it is as the last
// PUT left it.
func TestTokenUpdateRacesAuthorization(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		st := roamingStation(t, a)
		_, aAtB := connect(t, a, b)
		auth := AuthorizationHeader(aAtB.OutgoingToken)
		base := aAtB.EndpointURL(ModuleTokens, RoleReceiver)
		at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		put := func(uid string, valid bool, i int) error {
			got, err := tryCall(http.MethodPut, base+"/DE/MSP/"+uid, auth, bToken(uid, valid, at.Add(time.Duration(i)*time.Second)))
			if err == nil && (got.HTTP != http.StatusOK || got.Env.StatusCode != StatusSuccess) {
				t.Errorf("PUT %s #%d: HTTP %d, %s", uid, i, got.HTTP, got.Raw)
			}
			return err
		}
		if err := put("RACE", true, 0); err != nil {
			t.Fatal(err)
		}

		const puts = 25
		lastValid := puts%2 == 0
		done := make(chan struct{})
		var writers, readers sync.WaitGroup
		writers.Go(func() {
			for i := 1; i <= puts; i++ {
				if err := put("RACE", i%2 == 0, i); err != nil {
					t.Error(err)
					return
				}
			}
		})
		writers.Go(func() {
			for i := 1; i <= puts; i++ {
				if err := put("OTHER", i%2 == 1, i); err != nil {
					t.Error(err)
					return
				}
			}
		})
		lookups := make([]int, 3)
		for r := range lookups {
			readers.Go(func() {
				for {
					ca, err := a.store.CardAuth(ctx, st.ID, "RACE")
					if err != nil {
						t.Errorf("CardAuth: %v", err)
						return
					}
					if ca.Card != nil || ca.Roaming == nil || ca.Roaming.UID != "RACE" || ca.Roaming.PartyID != "MSP" {
						t.Errorf("CardAuth found %+v", ca)
						return
					}
					lookups[r]++
					select {
					case <-done:
						return
					default:
					}
				}
			})
		}
		writers.Wait()
		close(done)
		readers.Wait()
		for r, n := range lookups {
			if n == 0 {
				t.Errorf("reader %d made no lookup", r)
			}
		}
		ca, err := a.store.CardAuth(ctx, st.ID, "RACE")
		if err != nil || ca.Roaming == nil || ca.Roaming.Valid != lastValid || !ca.Roaming.LastUpdated.Equal(at.Add(puts*time.Second)) {
			t.Errorf("the token after the race: %+v %v, want valid %v", ca.Roaming, err, lastValid)
		}
		if tok, err := a.store.OCPITokenByUID(ctx, a.provider.ID, "OTHER"); err != nil || tok.Valid != (puts%2 == 1) {
			t.Errorf("the other token after the race: %+v %v", tok, err)
		}
	})
}

// TestOutboxUnreachable: a partner that does not answer at all keeps the
// pushes waiting, their attempts counted.
func TestOutboxUnreachable(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		_, aAtB := connect(t, a, b)
		b.drain()
		a.http.Close()
		card := b.card("BETA-0001")
		b.drain()
		b.later(2 * time.Second)
		b.drain()
		ms := b.outbox(aAtB)
		if len(ms) != 1 || ms[0].Key != "token:"+card.InternalID || ms[0].Attempts != 2 || !strings.Contains(ms[0].LastError, "no answer") {
			t.Errorf("outbox with the partner unreachable: %+v", ms)
		}
	})
}
