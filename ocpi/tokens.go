package ocpi

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
)

// The tokens module (OCPI 2.2.1, 12): as a CPO we receive partners' tokens
// (receiver interface); as an eMSP our cards are tokens (sender interface,
// and pushed to partners through the outbox).

// tokenType is the type a token request names, RFID by default.
func tokenType(r *http.Request) string {
	if t := r.URL.Query().Get("type"); t != "" {
		return t
	}
	return "RFID"
}

// storeError turns a store error into an OCPI answer: invalid values are
// 2001 with their fields, a missing object 404, a conflict 2000.
func storeError(err error) error {
	switch {
	case err == nil:
		return nil
	case fc.IsCode(err, fc.EInvalid):
		if m := fc.ErrorFields(err); len(m) > 0 {
			var fields FieldErrors
			for _, k := range slices.Sorted(maps.Keys(m)) {
				fields = append(fields, FieldError{Path: k, Message: m[k]})
			}
			return Invalid(fields)
		}
		return Errorf(http.StatusOK, StatusInvalidParameters, "invalid: %s", fc.ErrorMessage(err))
	case fc.IsCode(err, fc.ENotFound):
		return Errorf(http.StatusNotFound, StatusClientError, "%s", fc.ErrorMessage(err))
	case fc.IsCode(err, fc.EConflict), fc.IsCode(err, fc.EUnprocessable):
		return Errorf(http.StatusOK, StatusClientError, "%s", fc.ErrorMessage(err))
	}
	return err
}

// received turns a partner's token into what we keep.
func received(partnerID fc.ID, t *Token, raw json.RawMessage) fc.OCPIToken {
	return fc.OCPIToken{PartnerID: partnerID, CountryCode: t.CountryCode, PartyID: t.PartyID, UID: t.UID, Type: t.Type,
		ContractID: t.ContractID, VisualNumber: t.VisualNumber, Issuer: t.Issuer, GroupID: t.GroupID, Valid: t.Valid != nil && *t.Valid,
		Whitelist: t.Whitelist, Language: t.Language, LastUpdated: t.LastUpdated.Time, Object: raw}
}

// checkTokenPath refuses a token whose identity is not the one its URL
// names.
func checkTokenPath(r *http.Request, t *Token) error {
	var fields FieldErrors
	if t.CountryCode != r.PathValue("country_code") {
		fields = append(fields, FieldError{Path: "country_code", Message: "must be the country code of the URL"})
	}
	if t.PartyID != r.PathValue("party_id") {
		fields = append(fields, FieldError{Path: "party_id", Message: "must be the party ID of the URL"})
	}
	if t.UID != r.PathValue("uid") {
		fields = append(fields, FieldError{Path: "uid", Message: "must be the UID of the URL"})
	}
	if t.Type != tokenType(r) {
		fields = append(fields, FieldError{Path: "type", Message: "must be the type of the URL (RFID when it names none)"})
	}
	if len(fields) > 0 {
		return Invalid(fields)
	}
	return nil
}

// putToken stores a partner's token, new or replacing the one it had.
func (s *Server) putToken(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return Errorf(http.StatusBadRequest, StatusInvalidParameters, "the body could not be read")
	}
	var t Token
	if err := DecodeBytes(raw, &t); err != nil {
		return err
	}
	if fe := t.Validate(); len(fe) > 0 {
		return Invalid(fe)
	}
	if err := checkTokenPath(r, &t); err != nil {
		return err
	}
	if err := c.checkParty(t.CountryCode, t.PartyID); err != nil {
		return err
	}
	if err := s.store.PutOCPIToken(ctx, received(c.partner.ID, &t, raw)); err != nil {
		return storeError(err)
	}
	WriteSuccess(w, http.StatusOK, nil)
	return nil
}

// readPatch reads a PATCH's body: a JSON object of the fields to change,
// which must carry last_updated (OCPI 2.2.1, 3.1.2.3).
func readPatch(r *http.Request) (map[string]json.RawMessage, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, Errorf(http.StatusBadRequest, StatusInvalidParameters, "the body could not be read")
	}
	var patch map[string]json.RawMessage
	if err := DecodeBytes(raw, &patch); err != nil {
		return nil, err
	}
	if _, ok := patch["last_updated"]; !ok {
		return nil, Invalid(FieldErrors{{Path: "last_updated", Message: "is required in a PATCH"}})
	}
	return patch, nil
}

// patchToken changes some fields of a token the partner sent before; the
// patch must carry last_updated.
func (s *Server) patchToken(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	patch, err := readPatch(r)
	if err != nil {
		return err
	}
	old, err := s.store.OCPIToken(ctx, c.partner.ID, r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue("uid"), tokenType(r))
	if fc.IsCode(err, fc.ENotFound) {
		return Errorf(http.StatusNotFound, StatusUnknownToken, "unknown token: PUT it first")
	}
	if err != nil {
		return err
	}
	var merged map[string]json.RawMessage
	if err := json.Unmarshal(old.Object, &merged); err != nil {
		return err
	}
	for k, v := range patch {
		merged[k] = v
	}
	body, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	var t Token
	if err := DecodeBytes(body, &t); err != nil {
		return err
	}
	if fe := t.Validate(); len(fe) > 0 {
		return Invalid(fe)
	}
	if err := checkTokenPath(r, &t); err != nil {
		return err
	}
	if err := s.store.PutOCPIToken(ctx, received(c.partner.ID, &t, body)); err != nil {
		return storeError(err)
	}
	WriteSuccess(w, http.StatusOK, nil)
	return nil
}

// getToken answers a token the partner sent, as we hold it.
func (s *Server) getToken(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.OCPIToken(ctx, c.partner.ID, r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue("uid"), tokenType(r))
	if fc.IsCode(err, fc.ENotFound) {
		return Errorf(http.StatusNotFound, StatusUnknownToken, "unknown token")
	}
	if err != nil {
		return err
	}
	WriteSuccess(w, http.StatusOK, t.Object)
	return nil
}

// ContractID is the eMA ID of a card of the provider: its country code,
// party ID, "C" and the card's internal ID in upper-case letters and
// digits, within the 36 characters OCPI allows.
func ContractID(us Party, internalID string) string {
	var b strings.Builder
	b.WriteString(us.CountryCode + "-" + us.PartyID + "-C")
	for _, r := range strings.ToUpper(internalID) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) && b.Len() < 36 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cardToken is a card of the provider as an OCPI token at now: valid while
// active and not past its validity end. card nil is a UID no card has any
// more: an invalid token, so that partners stop admitting it.
func cardToken(us Party, issuer, uid string, card *fc.Card, now time.Time) Token {
	if len(issuer) > 64 {
		issuer = strings.ToValidUTF8(issuer[:64], "")
	}
	valid := card != nil && card.Status == fc.CardActive && !card.Expired(now)
	t := Token{CountryCode: us.CountryCode, PartyID: us.PartyID, UID: uid, Type: "RFID", ContractID: ContractID(us, uid),
		Issuer: issuer, Valid: &valid, Whitelist: "ALLOWED"}
	if card != nil {
		t.VisualNumber = card.ExternalID
		t.LastUpdated = NewDateTime(card.UpdatedAt)
	}
	return t
}

// listTokens pages our cards as tokens (the sender interface).
func (s *Server) listTokens(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	page, err := ParsePage(r.URL.Query())
	if err != nil {
		return err
	}
	us, issuer, err := s.ourParty(ctx, c.partner.ProviderID)
	if err != nil {
		return err
	}
	cards, total, err := s.store.OCPICards(ctx, c.partner.ProviderID, page.DateFrom, page.DateTo, page.Offset, page.Limit)
	if err != nil {
		return err
	}
	out := make([]Token, len(cards))
	for i := range cards {
		out[i] = cardToken(us, issuer, cards[i].InternalID, &cards[i], s.now())
	}
	WritePage(w, s.selfURL(r), page, total, out)
	return nil
}

// authorizeToken answers a CPO's real-time authorization of one of our
// cards: allowed while active, blocked while inactive, expired once
// deactivated.
func (s *Server) authorizeToken(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	uid := r.PathValue("uid")
	if tokenType(r) != "RFID" {
		return Errorf(http.StatusNotFound, StatusUnknownToken, "unknown token")
	}
	var loc *LocationReferences
	if b, err := io.ReadAll(r.Body); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		loc = &LocationReferences{}
		if err := DecodeBytes(b, loc); err != nil {
			return err
		}
	}
	card, err := s.store.OCPICard(ctx, c.partner.ProviderID, uid)
	if fc.IsCode(err, fc.ENotFound) {
		return Errorf(http.StatusNotFound, StatusUnknownToken, "unknown token")
	}
	if err != nil {
		return err
	}
	us, issuer, err := s.ourParty(ctx, c.partner.ProviderID)
	if err != nil {
		return err
	}
	allowed := "ALLOWED"
	switch card.Status {
	case fc.CardInactive:
		allowed = "BLOCKED"
	case fc.CardDeactivated:
		allowed = "EXPIRED"
	}
	if allowed == "ALLOWED" && card.Expired(s.now()) {
		allowed = "EXPIRED"
	}
	WriteSuccess(w, http.StatusOK, AuthorizationInfo{Allowed: allowed, Token: cardToken(us, issuer, uid, card, s.now()), Location: loc,
		AuthorizationReference: secret.Password(20)})
	return nil
}
