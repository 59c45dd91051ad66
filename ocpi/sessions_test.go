package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// sessionStation creates a station of a with two connectors in a roaming
// charge group (0.35 EUR per kWh), at a location with coordinates, so that
// its sessions' CDRs can be built.
func sessionStation(t *testing.T, a *platform) *fc.Station {
	t.Helper()
	ctx := context.Background()
	loc := &fc.Location{ProviderID: a.provider.ID, AccountID: a.account.ID, Name: "Stationsplein", Kind: fc.LocationPublic,
		Address: "Stationsplein 1", City: "Utrecht", PostalCode: "3511 ED", Country: "NL", Latitude: "52.08950", Longitude: "5.11000"}
	if err := a.store.CreateLocation(ctx, loc); err != nil {
		t.Fatalf("create location: %v", err)
	}
	g := &fc.ChargeGroup{ProviderID: a.provider.ID, AccountID: a.account.ID, Name: "Roaming", Kind: fc.GroupOther,
		Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 350000}, Roaming: true}
	if err := a.store.CreateChargeGroup(ctx, g); err != nil {
		t.Fatalf("create charge group: %v", err)
	}
	st := &fc.Station{ProviderID: a.provider.ID, AccountID: a.account.ID, LocationID: loc.ID, ChargeGroupID: g.ID,
		Identity: "ALPHA-SESS1", PasswordHash: "hash"}
	if err := a.store.CreateStation(ctx, st, 2); err != nil {
		t.Fatalf("create station: %v", err)
	}
	return st
}

// roamingSetup connects b to a, with a station of a that roams and a card
// of b whose token a holds once b has synced.
func roamingSetup(t *testing.T, a, b *platform) (st *fc.Station, card *fc.Card, bAtA, aAtB *fc.OCPIPartner) {
	t.Helper()
	card = b.card("BETA-0001")
	st = sessionStation(t, a)
	bAtA, aAtB = connect(t, a, b)
	b.drain()
	if _, err := a.store.OCPITokenByUID(context.Background(), a.provider.ID, card.InternalID); err != nil {
		t.Fatalf("A has no token of B's card: %v", err)
	}
	return st, card, bAtA, aAtB
}

// heldSession reads the session b holds of a, as a sent it.
func heldSession(t *testing.T, b *platform, aAtB *fc.OCPIPartner, id fc.ID) *Session {
	t.Helper()
	o, err := b.store.OCPIObject(context.Background(), aAtB.ID, fc.OCPIModuleSessions, "NL", "CPO", id.String())
	if err != nil {
		t.Fatalf("B holds no session %s: %v", id, err)
	}
	var s Session
	if err := json.Unmarshal(o.Object, &s); err != nil {
		t.Fatal(err)
	}
	if fe := s.Validate(); len(fe) > 0 {
		t.Errorf("B holds an invalid session: %v", fe)
	}
	return &s
}

// sessionPuts lists the sessions a sent b with PUT for session id, as
// sent, in order.
func sessionPuts(t *testing.T, b *platform, id fc.ID) []Session {
	t.Helper()
	var out []Session
	for _, r := range b.requests(emspSessionsPath + "/NL/CPO/" + id.String()) {
		if r.Method != http.MethodPut {
			continue
		}
		var s Session
		if err := json.Unmarshal(r.Body, &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func kwhOf(s Session) float64 {
	if s.Kwh == nil {
		return -1
	}
	return *s.Kwh
}

// TestSessionLifecycle: a session charged at A with B's card is pushed to
// B as it starts (ACTIVE, no energy yet), as its meter is read (the
// energy so far, the cost so far) and as it stops (COMPLETED with its end,
// energy and cost without VAT); its CDR follows. B lists nothing of it
// but what A pushed, and A's list of B's sessions has it.
func TestSessionLifecycle(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		st, card, _, aAtB := roamingSetup(t, a, b)
		start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		sess, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 2, IDTag: card.InternalID,
			MeterStart: 10000, Timestamp: start})
		if err != nil {
			t.Fatal(err)
		}
		a.drain()
		if running, total, err := b.store.PartnerSessions(ctx, b.provider.ID, true, 0, 10); err != nil || total != 1 || running[0].ObjectID != sess.ID.String() {
			t.Errorf("B's running partner sessions: %d %+v %v", total, running, err)
		}
		got := heldSession(t, b, aAtB, sess.ID)
		if got.Status != SessionActive || kwhOf(*got) != 0 || !got.StartDateTime.Equal(start) || got.EndDateTime != nil ||
			got.CdrToken.UID != card.InternalID || got.CdrToken.CountryCode != "DE" || got.CdrToken.PartyID != "MSP" ||
			got.CdrToken.ContractID != ContractID(Party{CountryCode: "DE", PartyID: "MSP"}, card.InternalID) ||
			got.AuthMethod != "WHITELIST" || got.LocationID != st.LocationID.String() || got.EVSEUID != EVSEUID(st.ID, 2) ||
			got.ConnectorID != "2" || got.Currency != "EUR" || got.ID != sess.ID.String() {
			t.Errorf("B's session once started: %+v", got)
		}

		if err := a.store.RecordMeter(ctx, st.ID, sess.ID, 12500, start.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		a.drain()
		got = heldSession(t, b, aAtB, sess.ID)
		if got.Status != SessionActive || kwhOf(*got) != 2.5 || got.TotalCost == nil || got.TotalCost.ExclVAT <= 0 ||
			got.LastUpdated.Before(start.Add(30*time.Minute)) {
			t.Errorf("B's session after a reading: %+v", got)
		}

		if _, err := a.store.StopTransaction(ctx, fc.StopTransaction{StationID: st.ID, TransactionID: sess.ID, MeterStop: 14000,
			Timestamp: start.Add(50 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		a.drain()
		got = heldSession(t, b, aAtB, sess.ID)
		if got.Status != SessionCompleted || kwhOf(*got) != 4 || got.EndDateTime == nil || !got.EndDateTime.Equal(start.Add(50*time.Minute)) ||
			got.TotalCost == nil || got.TotalCost.ExclVAT != 1.4 {
			t.Errorf("B's session once stopped: %+v", got)
		}
		if running, total, err := b.store.PartnerSessions(ctx, b.provider.ID, true, 0, 10); err != nil || total != 0 {
			t.Errorf("B's running partner sessions once stopped: %d %+v %v", total, running, err)
		}
		puts := sessionPuts(t, b, sess.ID)
		if len(puts) != 3 || puts[0].Status != SessionActive || kwhOf(puts[1]) != 2.5 || puts[2].Status != SessionCompleted {
			t.Errorf("PUTs B received: %+v", puts)
		}
		ss := cardSessions(t, b, card)
		if len(ss) != 1 || ss[0].ExternalRef != sess.ID.String() || ss[0].ExternalParty != "NL*CPO" || ss[0].EnergyWh != 4000 || ss[0].CostMinor != 140 {
			t.Errorf("B's sessions from the CDR: %+v", ss)
		}

		// A's list of B's sessions (the sender interface).
		list := call(t, http.MethodGet, aAtB.EndpointURL(ModuleSessions, RoleSender), AuthorizationHeader(aAtB.OutgoingToken), nil)
		list.want(t, "A's sessions of B", http.StatusOK, StatusSuccess)
		var listed []Session
		if err := json.Unmarshal(list.Env.Data, &listed); err != nil {
			t.Fatal(err)
		}
		if len(listed) != 1 || listed[0].ID != sess.ID.String() || listed[0].Status != SessionCompleted || list.Header.Get("X-Total-Count") != "1" {
			t.Errorf("A's list: %s", list.Raw)
		}
		later := withQuery(aAtB.EndpointURL(ModuleSessions, RoleSender), "date_from", FormatDateTime(time.Now().Add(time.Hour)))
		list = call(t, http.MethodGet, later, AuthorizationHeader(aAtB.OutgoingToken), nil)
		if list.Env.StatusCode != StatusSuccess || list.Header.Get("X-Total-Count") != "0" {
			t.Errorf("A's list of sessions changed in the future: %s", list.Raw)
		}
	})
}

// withQuery adds a query parameter to u.
func withQuery(u, k, v string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + k + "=" + v
}

// sessionOutbox returns the session pushes waiting at p for the partner,
// oldest first.
func sessionOutbox(p *platform, partner *fc.OCPIPartner) []fc.OCPIMessage {
	var out []fc.OCPIMessage
	for _, m := range p.outbox(partner) {
		if m.Module == ModuleSessions {
			out = append(out, m)
		}
	}
	return out
}

// TestSessionPushPartnerDown: while B is down, A's pushes of a session
// wait, retried, behind the first; once B is back they go out in order,
// each built as the session is then, and the last one B holds is the
// stopped session.
func TestSessionPushPartnerDown(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		st, card, bAtA, aAtB := roamingSetup(t, a, b)
		a.drain()
		b.down.Store(true)
		start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		sess, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 1, IDTag: card.InternalID,
			MeterStart: 0, Timestamp: start})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if err := a.store.RecordMeter(ctx, st.ID, sess.ID, int64(i+1)*1000, start.Add(time.Duration(i+1)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		a.drain()
		waiting := sessionOutbox(a, bAtA)
		if len(waiting) != 2 || waiting[0].Attempts != 1 || waiting[1].Attempts != 0 {
			t.Fatalf("session pushes while B is down: %+v", waiting)
		}
		a.later(2 * time.Second)
		a.drain()
		if m := sessionOutbox(a, bAtA); len(m) != 2 || m[0].Attempts != 2 {
			t.Errorf("session pushes after a second try: %+v", m)
		}

		b.down.Store(false)
		if _, err := a.store.StopTransaction(ctx, fc.StopTransaction{StationID: st.ID, TransactionID: sess.ID, MeterStop: 6000,
			Timestamp: start.Add(10 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		a.later(10 * time.Second)
		a.drain()
		if m := sessionOutbox(a, bAtA); len(m) != 0 {
			t.Errorf("session pushes once B is back: %+v", m)
		}
		got := heldSession(t, b, aAtB, sess.ID)
		if got.Status != SessionCompleted || kwhOf(*got) != 6 {
			t.Errorf("B's session: %+v", got)
		}
		puts := sessionPuts(t, b, sess.ID)
		if len(puts) == 0 || len(puts) > 3 {
			t.Fatalf("PUTs B received: %+v", puts)
		}
		for i := 1; i < len(puts); i++ {
			if kwhOf(puts[i]) < kwhOf(puts[i-1]) || puts[i-1].Status == SessionCompleted && puts[i].Status != SessionCompleted {
				t.Errorf("PUTs out of order: %+v", puts)
			}
		}
		if ss := cardSessions(t, b, card); len(ss) != 1 || ss[0].EnergyWh != 6000 {
			t.Errorf("B's sessions from the CDR: %+v", ss)
		}
	})
}

// aSession is a valid 2.2.1 Session of A (NL CPO) for the token uid of B
// (DE MSP), changed by a test as it needs.
func aSession(id, uid string, start time.Time) map[string]any {
	return map[string]any{
		"country_code": "NL", "party_id": "CPO", "id": id,
		"start_date_time": FormatDateTime(start), "kwh": 0,
		"cdr_token":   map[string]any{"country_code": "DE", "party_id": "MSP", "uid": uid, "type": "RFID", "contract_id": "DE-MSP-C" + uid},
		"auth_method": "WHITELIST", "location_id": "LOC1", "evse_uid": "EVSE1", "connector_id": "1",
		"currency": "EUR", "status": "ACTIVE", "last_updated": FormatDateTime(start),
	}
}

// TestSessionReceiver: B keeps A's sessions of B's cards (PUT, GET), merges
// a PATCH (charging periods added), and refuses invalid sessions (2001
// naming the field), another party's (2000), a token not B's (2004) and a
// PATCH without last_updated or of an unknown session.
func TestSessionReceiver(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		card := b.card("BETA-0001")
		bAtA, aAtB := connect(t, a, b)
		base := bAtA.EndpointURL(ModuleSessions, RoleReceiver)
		if base != b.http.URL+emspSessionsPath {
			t.Fatalf("B's sessions receiver %q", base)
		}
		auth := AuthorizationHeader(bAtA.OutgoingToken)
		start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		s1 := aSession("S1", card.InternalID, start)
		call(t, http.MethodPut, base+"/NL/CPO/S1", auth, s1).want(t, "PUT", http.StatusOK, StatusSuccess)
		got := call(t, http.MethodGet, base+"/NL/CPO/S1", auth, nil)
		got.want(t, "GET", http.StatusOK, StatusSuccess)
		var held Session
		if err := json.Unmarshal(got.Env.Data, &held); err != nil || held.ID != "S1" || held.Status != SessionActive {
			t.Errorf("GET: %s %v", got.Raw, err)
		}
		call(t, http.MethodGet, base+"/NL/CPO/S2", auth, nil).want(t, "GET of an unknown session", http.StatusNotFound, StatusClientError)

		patch := map[string]any{"kwh": 3.5, "last_updated": FormatDateTime(start.Add(10 * time.Minute)),
			"charging_periods": []any{map[string]any{"start_date_time": FormatDateTime(start), "dimensions": []any{map[string]any{"type": "ENERGY", "volume": 3.5}}}}}
		call(t, http.MethodPatch, base+"/NL/CPO/S1", auth, patch).want(t, "PATCH", http.StatusOK, StatusSuccess)
		patch["charging_periods"] = []any{map[string]any{"start_date_time": FormatDateTime(start.Add(10 * time.Minute)),
			"dimensions": []any{map[string]any{"type": "ENERGY", "volume": 1.5}}}}
		patch["kwh"] = 5
		call(t, http.MethodPatch, base+"/NL/CPO/S1", auth, patch).want(t, "second PATCH", http.StatusOK, StatusSuccess)
		call(t, http.MethodPatch, base+"/NL/CPO/S1", auth, map[string]any{"status": "DONE", "last_updated": FormatDateTime(start)}).
			want(t, "PATCH to an invalid status", http.StatusOK, StatusInvalidParameters)
		call(t, http.MethodPatch, base+"/NL/CPO/S1", auth, map[string]any{"kwh": 9}).
			want(t, "PATCH without last_updated", http.StatusOK, StatusInvalidParameters)
		call(t, http.MethodPatch, base+"/NL/CPO/S9", auth, map[string]any{"kwh": 9, "last_updated": FormatDateTime(start)}).
			want(t, "PATCH of an unknown session", http.StatusNotFound, StatusClientError)
		call(t, http.MethodPatch, base+"/NL/CPO/S1", auth, map[string]any{"last_updated": FormatDateTime(start),
			"cdr_token": map[string]any{"country_code": "DE", "party_id": "MSP", "uid": "NOPE", "type": "RFID", "contract_id": "X"}}).
			want(t, "PATCH to a token not B's", http.StatusOK, StatusUnknownToken)
		o, err := b.store.OCPIObject(context.Background(), aAtB.ID, fc.OCPIModuleSessions, "NL", "CPO", "S1")
		if err != nil {
			t.Fatal(err)
		}
		var merged Session
		if err := json.Unmarshal(o.Object, &merged); err != nil {
			t.Fatal(err)
		}
		if kwhOf(merged) != 5 || len(merged.ChargingPeriods) != 2 || merged.Status != SessionActive ||
			!o.LastUpdated.Equal(start.Add(10*time.Minute)) || merged.CdrToken.UID != card.InternalID {
			t.Errorf("the patched session: %+v (%s)", merged, o.Object)
		}
		running, total, err := b.store.PartnerSessions(context.Background(), b.provider.ID, true, 0, 10)
		if err != nil || total != 1 || len(running) != 1 {
			t.Fatalf("B's running partner sessions: %d %+v %v", total, running, err)
		}
		ps, err := fc.PartnerSessionOf(running[0])
		if err != nil || ps.CardUID != card.InternalID || ps.Kwh != 5 || !ps.Running() || ps.PartnerID != aAtB.ID ||
			!ps.StartedAt.Equal(start) || ps.EndedAt != nil || ps.ID != "S1" || ps.PartyID != "CPO" {
			t.Errorf("B's running partner session: %+v %v", ps, err)
		}
		call(t, http.MethodPatch, base+"/NL/CPO/S1", auth, map[string]any{"status": "COMPLETED", "end_date_time": FormatDateTime(start.Add(20 * time.Minute)),
			"total_cost": map[string]any{"excl_vat": 1.75}, "last_updated": FormatDateTime(start.Add(20 * time.Minute))}).
			want(t, "PATCH to completed", http.StatusOK, StatusSuccess)
		if running, total, err := b.store.PartnerSessions(context.Background(), b.provider.ID, true, 0, 10); err != nil || total != 0 || len(running) != 0 {
			t.Errorf("B's running partner sessions once completed: %d %+v %v", total, running, err)
		}
		all, total, err := b.store.PartnerSessions(context.Background(), b.provider.ID, false, 0, 10)
		if err != nil || total != 1 || len(all) != 1 {
			t.Fatalf("B's partner sessions: %d %+v %v", total, all, err)
		}
		if ps, err := fc.PartnerSessionOf(all[0]); err != nil || ps.Running() || ps.EndedAt == nil || ps.CostExclVAT == nil || *ps.CostExclVAT != 1.75 {
			t.Errorf("B's completed partner session: %+v %v", ps, err)
		}

		for _, c := range []struct {
			name, field string
			change      func(m map[string]any)
		}{
			{"no kwh", "kwh", func(m map[string]any) { delete(m, "kwh") }},
			{"negative kwh", "kwh", func(m map[string]any) { m["kwh"] = -1 }},
			{"bad status", "status", func(m map[string]any) { m["status"] = "RUNNING" }},
			{"no cdr_token", "cdr_token", func(m map[string]any) { delete(m, "cdr_token") }},
			{"bad token type", "cdr_token.type", func(m map[string]any) { m["cdr_token"].(map[string]any)["type"] = "CARD" }},
			{"bad auth method", "auth_method", func(m map[string]any) { m["auth_method"] = "MAGIC" }},
			{"end before start", "end_date_time", func(m map[string]any) { m["end_date_time"] = FormatDateTime(start.Add(-time.Hour)) }},
			{"long location_id", "location_id", func(m map[string]any) { m["location_id"] = strings.Repeat("L", 37) }},
			{"no evse_uid", "evse_uid", func(m map[string]any) { delete(m, "evse_uid") }},
			{"bad currency", "currency", func(m map[string]any) { m["currency"] = "EURO" }},
			{"bad last_updated", "last_updated", func(m map[string]any) { m["last_updated"] = "yesterday" }},
			{"bad dimension", "charging_periods[0].dimensions[0].type", func(m map[string]any) {
				m["charging_periods"] = []any{map[string]any{"start_date_time": FormatDateTime(start), "dimensions": []any{map[string]any{"type": "VOLTAGE", "volume": 1}}}}
			}},
			{"price without excl_vat", "total_cost.excl_vat", func(m map[string]any) { m["total_cost"] = map[string]any{"incl_vat": 1} }},
			{"another ID than the URL's", "id", func(m map[string]any) { m["id"] = "S3" }},
		} {
			m := aSession("S2", card.InternalID, start)
			c.change(m)
			got := call(t, http.MethodPut, base+"/NL/CPO/S2", auth, m)
			got.want(t, c.name, http.StatusOK, StatusInvalidParameters)
			if !strings.Contains(got.Env.StatusMessage, c.field) {
				t.Errorf("%s: message %q does not name %s", c.name, got.Env.StatusMessage, c.field)
			}
		}

		other := aSession("S4", card.InternalID, start)
		other["party_id"] = "XYZ"
		call(t, http.MethodPut, base+"/NL/XYZ/S4", auth, other).want(t, "another party's session", http.StatusOK, StatusClientError)
		unknown := aSession("S5", "NO-SUCH-CARD", start)
		call(t, http.MethodPut, base+"/NL/CPO/S5", auth, unknown).want(t, "a token B does not have", http.StatusOK, StatusUnknownToken)
		foreign := aSession("S6", card.InternalID, start)
		foreign["cdr_token"].(map[string]any)["party_id"] = "XYZ"
		call(t, http.MethodPut, base+"/NL/CPO/S6", auth, foreign).want(t, "another eMSP's token", http.StatusOK, StatusUnknownToken)
		if list, total, err := b.store.OCPIObjects(context.Background(), b.provider.ID, 0, fc.OCPIModuleSessions, 0, 10); err != nil || total != 1 || len(list) != 1 {
			t.Errorf("B's sessions after the refusals: %d %+v %v", total, list, err)
		}
		call(t, http.MethodPut, base+"/NL/CPO/S1", AuthorizationHeader(NewToken()), s1).want(t, "PUT with a wrong token", http.StatusUnauthorized, StatusClientError)
	})
}

// TestSessionChargingPreferences: A takes no charging preferences: a
// partner's valid preferences for its session are answered 404 as OCPI
// asks for EVSEs without the capability, invalid ones 2001, and another
// partner's or an unknown session 404.
func TestSessionChargingPreferences(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		st, card, _, aAtB := roamingSetup(t, a, b)
		sess, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 1, IDTag: card.InternalID})
		if err != nil {
			t.Fatal(err)
		}
		base := aAtB.EndpointURL(ModuleSessions, RoleSender)
		auth := AuthorizationHeader(aAtB.OutgoingToken)
		prefs := map[string]any{"profile_type": "FAST", "energy_need": 20, "departure_time": FormatDateTime(time.Now().Add(3 * time.Hour))}
		got := call(t, http.MethodPut, base+"/"+sess.ID.String()+"/charging_preferences", auth, prefs)
		got.want(t, "valid preferences", http.StatusNotFound, StatusClientError)
		if !strings.Contains(got.Env.StatusMessage, "CHARGING_PREFERENCES_CAPABLE") {
			t.Errorf("answer to valid preferences: %s", got.Raw)
		}
		call(t, http.MethodPut, base+"/"+sess.ID.String()+"/charging_preferences", auth, map[string]any{"profile_type": "CHEAPEST"}).
			want(t, "a profile type of the tokens module", http.StatusOK, StatusInvalidParameters)
		call(t, http.MethodPut, base+"/"+strconv.FormatInt(int64(sess.ID)+1000, 10)+"/charging_preferences", auth, prefs).
			want(t, "an unknown session", http.StatusNotFound, StatusClientError)
		own := a.card("ALPHA-0001")
		mine, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 2, IDTag: own.InternalID})
		if err != nil {
			t.Fatal(err)
		}
		got = call(t, http.MethodPut, base+"/"+mine.ID.String()+"/charging_preferences", auth, prefs)
		got.want(t, "a session of A's own card", http.StatusNotFound, StatusClientError)
		if strings.Contains(got.Env.StatusMessage, "CAPABLE") {
			t.Errorf("a session of A's own card is not unknown to B: %s", got.Raw)
		}
	})
}

// TestSessionOCPP201: a session of an OCPP 2.0.1 station's transaction
// reaches B the same way: started, updated with a reading, ended.
func TestSessionOCPP201(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		st, card, _, aAtB := roamingSetup(t, a, b)
		start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		wh := func(v int64) *int64 { return &v }
		var id fc.ID
		for i, c := range []struct {
			e      fc.TransactionEvent
			status string
			kwh    float64
		}{
			{fc.TransactionEvent{EventType: fc.TxStarted, ConnectorID: 1, IDTag: card.InternalID, MeterWh: wh(500)}, SessionActive, 0},
			{fc.TransactionEvent{EventType: fc.TxUpdated, MeterWh: wh(2500)}, SessionActive, 2},
			{fc.TransactionEvent{EventType: fc.TxEnded, MeterWh: wh(7500), StoppedReason: "EVDisconnected"}, SessionCompleted, 7},
		} {
			c.e.StationID, c.e.TransactionID, c.e.SeqNo, c.e.Timestamp = st.ID, "TX-1", int64(i), start.Add(time.Duration(i)*10*time.Minute)
			res, err := a.store.TransactionEvent(ctx, c.e)
			if err != nil {
				t.Fatal(err)
			}
			id = res.Session.ID
			a.drain()
			if got := heldSession(t, b, aAtB, id); got.Status != c.status || kwhOf(*got) != c.kwh || got.EVSEUID != EVSEUID(st.ID, 1) {
				t.Errorf("B's session after %s: %+v", c.e.EventType, got)
			}
		}
		if ss := cardSessions(t, b, card); len(ss) != 1 || ss[0].EnergyWh != 7000 {
			t.Errorf("B's sessions from the CDR: %+v", ss)
		}
	})
}

// TestSessionListPages: A's list of B's sessions pages by last change,
// oldest first, with a link to the next page, and holds no session of
// A's own cards.
func TestSessionListPages(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		st, card, _, aAtB := roamingSetup(t, a, b)
		own := a.card("ALPHA-0001")
		start := time.Now().UTC().Add(-5 * time.Hour).Truncate(time.Second)
		var ids []string
		for i := range 3 {
			at := start.Add(time.Duration(i) * time.Hour)
			sess, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 1, IDTag: card.InternalID, Timestamp: at})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.store.StopTransaction(ctx, fc.StopTransaction{StationID: st.ID, TransactionID: sess.ID, MeterStop: 1000, Timestamp: at.Add(30 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, sess.ID.String())
		}
		if _, _, err := a.store.StartTransaction(ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 2, IDTag: own.InternalID}); err != nil {
			t.Fatal(err)
		}
		auth := AuthorizationHeader(aAtB.OutgoingToken)
		var got []string
		next := withQuery(aAtB.EndpointURL(ModuleSessions, RoleSender), "limit", "2")
		for pages := 0; next != ""; pages++ {
			if pages == 3 {
				t.Fatal("the pages do not end")
			}
			page := call(t, http.MethodGet, next, auth, nil)
			page.want(t, "a page of sessions", http.StatusOK, StatusSuccess)
			if page.Header.Get("X-Total-Count") != "3" {
				t.Errorf("X-Total-Count %q", page.Header.Get("X-Total-Count"))
			}
			var list []Session
			if err := json.Unmarshal(page.Env.Data, &list); err != nil || len(list) > 2 {
				t.Fatalf("page: %s %v", page.Raw, err)
			}
			for _, s := range list {
				got = append(got, s.ID)
			}
			next = NextLink(page.Header.Get("Link"))
		}
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Errorf("sessions listed %v, want %v", got, ids)
		}
	})
}
