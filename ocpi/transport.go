// Package ocpi is fleetcharge's OCPI 2.2.1 edge: the transport (the
// response envelope, status codes, the Authorization header, routing and
// correlation headers, pagination), the 2.2.1 objects with their
// validation, and a client for one partner. It does no storage; the
// server, the registration handshake and the outbox worker build on it.
package ocpi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// OCPI status codes (OCPI 2.2.1, Status codes). 1xxx is success, 2xxx a
// client error (the data sent cannot be processed), 3xxx a server error,
// 4xxx an error a hub met while routing.
const (
	StatusSuccess = 1000

	StatusClientError          = 2000 // generic client error
	StatusInvalidParameters    = 2001 // invalid or missing parameters
	StatusNotEnoughInformation = 2002 // e.g. an authorization request with too little information
	StatusUnknownLocation      = 2003
	StatusUnknownToken         = 2004

	StatusServerError         = 3000 // generic server error
	StatusClientAPIError      = 3001 // unable to use the client's API (e.g. its versions during registration)
	StatusUnsupportedVersion  = 3002
	StatusNoMatchingEndpoints = 3003 // no mutual modules or expected endpoints missing

	StatusHubUnknownReceiver   = 4001 // the TO address is unknown to the hub
	StatusHubTimeout           = 4002 // the forwarded request timed out
	StatusHubConnectionProblem = 4003 // the receiving party is not connected
)

// Headers of the OCPI transport (OCPI 2.2.1, Transport and format).
const (
	HeaderRequestID          = "X-Request-ID"
	HeaderCorrelationID      = "X-Correlation-ID"
	HeaderFromCountryCode    = "OCPI-from-country-code"
	HeaderFromPartyID        = "OCPI-from-party-id"
	HeaderToCountryCode      = "OCPI-to-country-code"
	HeaderToPartyID          = "OCPI-to-party-id"
	HeaderTotalCount         = "X-Total-Count"
	HeaderLimit              = "X-Limit"
	HeaderLink               = "Link"
	contentTypeJSON          = "application/json"
	authorizationTokenPrefix = "Token "
)

// Response is the envelope of every OCPI answer (OCPI 2.2.1, Response format):
// Data is the object or list on success, and may be absent or anything on
// an error.
type Response struct {
	Data          json.RawMessage `json:"data,omitempty"`
	StatusCode    int             `json:"status_code"`
	StatusMessage string          `json:"status_message,omitempty"`
	Timestamp     DateTime        `json:"timestamp"`

	httpStatus int // the HTTP status the envelope came with, for the client
}

// response is the envelope as written, with data of any type.
type response struct {
	Data          any      `json:"data,omitempty"`
	StatusCode    int      `json:"status_code"`
	StatusMessage string   `json:"status_message,omitempty"`
	Timestamp     DateTime `json:"timestamp"`
}

// Error is what a handler returns when it refuses a request: the HTTP
// status, the OCPI status code and a message safe to show to the partner,
// with the invalid fields when there are some.
//
// OCPI 2.2.1, Status codes: a request that is valid JSON, addresses an existing
// resource and comes from an authenticated party has reached the OCPI
// layer and MUST NOT get an HTTP error status; its refusal is told by the
// OCPI status code alone (HTTP 200). Invalid JSON is HTTP 400, an unknown
// token 401, a missing resource of a GET 404.
type Error struct {
	HTTPStatus int
	Code       int
	Message    string
	Fields     FieldErrors
}

// Error implements the error interface.
func (e *Error) Error() string {
	s := fmt.Sprintf("ocpi %d (HTTP %d): %s", e.Code, e.HTTPStatus, e.Message)
	if len(e.Fields) > 0 {
		s += ": " + e.Fields.Error()
	}
	return s
}

// Errorf returns an *Error with a formatted message.
func Errorf(httpStatus, code int, format string, args ...any) *Error {
	return &Error{HTTPStatus: httpStatus, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns the 2001 refusal of an object or parameters with field
// errors (HTTP 200: the request reached the OCPI layer).
func Invalid(fields FieldErrors) *Error {
	return &Error{HTTPStatus: http.StatusOK, Code: StatusInvalidParameters, Message: "invalid or missing parameters: " + fields.Error(), Fields: fields}
}

// ErrUnauthorized is the answer to a missing, unknown or suspended token,
// and to token A outside versions and credentials (OCPI 2.2.1, Authorization header).
var ErrUnauthorized = &Error{HTTPStatus: http.StatusUnauthorized, Code: StatusClientError, Message: "unauthorized"}

// WriteSuccess writes a 1000 envelope with data and the HTTP status (200,
// or 201 when the object was created).
func WriteSuccess(w http.ResponseWriter, httpStatus int, data any) {
	writeEnvelope(w, httpStatus, response{Data: data, StatusCode: StatusSuccess})
}

// WritePage writes one page of a list: the pagination headers for page and
// total (see SetPageHeaders), then items in a 1000 envelope. self is the
// absolute URL the request was made to, as the partner sees it.
func WritePage(w http.ResponseWriter, self *url.URL, page Page, total int, items any) {
	SetPageHeaders(w.Header(), self, page, total)
	WriteSuccess(w, http.StatusOK, items)
}

// WriteError writes err as an envelope. An *Error in err's chain gives the
// HTTP status, code and message; a FieldErrors gives 2001; anything else is
// an internal failure answered with HTTP 500, 3000 and a generic message, so
// that no internal detail reaches the partner (the caller logs it).
func WriteError(w http.ResponseWriter, err error) {
	e := AsError(err)
	writeEnvelope(w, e.HTTPStatus, response{StatusCode: e.Code, StatusMessage: e.Message})
}

// AsError returns the *Error WriteError would write for err.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var fe FieldErrors
	if errors.As(err, &fe) {
		return Invalid(fe)
	}
	return &Error{HTTPStatus: http.StatusInternalServerError, Code: StatusServerError, Message: "internal error"}
}

func writeEnvelope(w http.ResponseWriter, httpStatus int, r response) {
	r.Timestamp = DateTime{Time: time.Now()}
	b, err := json.Marshal(r)
	if err != nil {
		httpStatus = http.StatusInternalServerError
		b, _ = json.Marshal(response{StatusCode: StatusServerError, StatusMessage: "internal error", Timestamp: r.Timestamp})
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(httpStatus)
	w.Write(b)
}

// AuthorizationHeader returns the value of the Authorization header for a
// credentials token: "Token " and the Base64 of its UTF-8 octets (OCPI
// 2.2.1, 4.1.2).
func AuthorizationHeader(token string) string {
	return authorizationTokenPrefix + base64.StdEncoding.EncodeToString([]byte(token))
}

// ParseAuthorization returns the credentials token of an Authorization
// header, false when the header is not "Token <x>". 2.2.1 sends x as the
// Base64 of the token; many 2.1.1 and 2.2 implementations send the token
// itself. x is decoded when it is valid Base64 of a printable,
// whitespace-free token (a trailing line break, as in the specification's
// own example, is dropped); otherwise x is taken as it is.
//
// A raw token that happens to be valid Base64 of printable text is
// ambiguous; TokenCandidates gives both readings for a lookup.
func ParseAuthorization(header string) (string, bool) {
	c := TokenCandidates(header)
	if len(c) == 0 {
		return "", false
	}
	return c[0], true
}

// TokenCandidates returns the tokens an Authorization header may carry, the
// most likely first: the Base64-decoded token when x decodes to a
// printable token, then x itself. Empty when the header is not
// "Token <x>" with a printable x.
func TokenCandidates(header string) []string {
	if len(header) < len(authorizationTokenPrefix) || !strings.EqualFold(header[:len(authorizationTokenPrefix)], authorizationTokenPrefix) {
		return nil
	}
	x := strings.TrimSpace(header[len(authorizationTokenPrefix):])
	if !printableToken(x) {
		return nil
	}
	var out []string
	if b, err := base64.StdEncoding.DecodeString(x); err == nil {
		d := strings.TrimRight(string(b), "\r\n")
		if printableToken(d) && d != x {
			out = append(out, d)
		}
	}
	return append(out, x)
}

// printableToken reports whether s is a non-empty string of printable,
// non-whitespace characters, as a credentials token must be.
func printableToken(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// TokenHash returns the hex SHA-256 of a credentials token: how tokens are
// stored and compared (fc.OCPIStore's incoming hash).
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Redact returns a stand-in for a token that is safe to log: the first
// eight hex digits of its hash, enough to tell two tokens apart.
func Redact(token string) string {
	if token == "" {
		return "[no token]"
	}
	return "[token " + TokenHash(token)[:8] + "]"
}

// RedactHeader returns a copy of h with the Authorization header replaced
// by a redacted stand-in, for logging requests.
func RedactHeader(h http.Header) http.Header {
	c := h.Clone()
	if v := c.Get("Authorization"); v != "" {
		t, _ := ParseAuthorization(v)
		c.Set("Authorization", "Token "+Redact(t))
	}
	return c
}

// NewToken returns a new random credentials token: 32 random bytes in
// URL-safe Base64 with a "fc-" prefix. The "-" cannot occur in standard
// Base64, so the token is never mistaken for an encoded one when a partner
// sends it raw.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "fc-" + base64.RawURLEncoding.EncodeToString(b)
}

// NewRequestID returns a random UUID (version 4), as OCPI advises for
// X-Request-ID and X-Correlation-ID.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Party is one party's OCPI identity: its country code and party ID.
type Party struct {
	CountryCode string
	PartyID     string
}

// IsZero reports whether p is empty.
func (p Party) IsZero() bool { return p.CountryCode == "" && p.PartyID == "" }

// Routing is the party a message comes from and the one it goes to
// (OCPI 2.2.1, Message Routing Headers).
type Routing struct {
	From Party
	To   Party
}

// Swap returns the routing of the answer to a message routed as r.
func (r Routing) Swap() Routing { return Routing{From: r.To, To: r.From} }

// RoutingOf reads the routing headers of h.
func RoutingOf(h http.Header) Routing {
	return Routing{
		From: Party{CountryCode: h.Get(HeaderFromCountryCode), PartyID: h.Get(HeaderFromPartyID)},
		To:   Party{CountryCode: h.Get(HeaderToCountryCode), PartyID: h.Get(HeaderToPartyID)},
	}
}

// SetRouting sets the routing headers of r on h; an empty party's headers
// are removed (an Open Routing Request has no "to").
func SetRouting(h http.Header, r Routing) {
	set := func(k, v string) {
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
	}
	set(HeaderFromCountryCode, r.From.CountryCode)
	set(HeaderFromPartyID, r.From.PartyID)
	set(HeaderToCountryCode, r.To.CountryCode)
	set(HeaderToPartyID, r.To.PartyID)
}

// AnswerHeaders sets the headers every answer to req carries: its
// X-Request-ID and X-Correlation-ID (made when the request has none), and
// for a functional module its routing headers swapped. Configuration
// modules (versions, credentials, hubclientinfo) carry no routing headers
// (OCPI 2.2.1, Message Routing Headers).
func AnswerHeaders(w http.ResponseWriter, req *http.Request, functional bool) {
	h := w.Header()
	id := req.Header.Get(HeaderRequestID)
	if id == "" {
		id = NewRequestID()
	}
	h.Set(HeaderRequestID, id)
	cid := req.Header.Get(HeaderCorrelationID)
	if cid == "" {
		cid = NewRequestID()
	}
	h.Set(HeaderCorrelationID, cid)
	if functional {
		SetRouting(h, RoutingOf(req.Header).Swap())
	}
}

// Pagination bounds: a list answers DefaultLimit objects unless asked for
// fewer, never more than MaxLimit.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Page is a list request's window (OCPI 2.2.1, Paginated Request): objects from
// Offset, at most Limit, last updated in [DateFrom, DateTo) where set.
type Page struct {
	Offset   int
	Limit    int
	DateFrom time.Time // zero: no lower bound
	DateTo   time.Time // zero: no upper bound
}

// ParsePage reads offset, limit, date_from and date_to from a list
// request's query. A limit above MaxLimit is lowered to it (the answer's
// X-Limit tells); a malformed or negative value, a zero limit, or date_from
// after date_to is a 2001 error naming the parameter.
func ParsePage(q url.Values) (Page, error) {
	p := Page{Limit: DefaultLimit}
	var fe FieldErrors
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fe.add("offset", "must be a whole number of at least 0")
		} else {
			p.Offset = n
		}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || n < 1:
			fe.add("limit", "must be a whole number of at least 1")
		case n > MaxLimit:
			p.Limit = MaxLimit
		default:
			p.Limit = n
		}
	}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"date_from", &p.DateFrom}, {"date_to", &p.DateTo}} {
		if s := q.Get(d.name); s != "" {
			t, err := ParseDateTime(s)
			if err != nil {
				fe.add(d.name, "must be an OCPI DateTime (e.g. 2015-06-29T20:39:09Z)")
			} else {
				*d.to = t
			}
		}
	}
	if !p.DateFrom.IsZero() && !p.DateTo.IsZero() && p.DateFrom.After(p.DateTo) {
		fe.add("date_from", "must not be after date_to")
	}
	if len(fe) > 0 {
		return Page{}, Invalid(fe)
	}
	return p, nil
}

// SetPageHeaders sets the headers of a list answer (OCPI 2.2.1, Paginated Response):
// X-Total-Count (objects matching the query, all pages), X-Limit (the
// limit applied) and, unless this is the last page, Link to the next page:
// self with offset and limit moved on, its other parameters (filters)
// kept.
func SetPageHeaders(h http.Header, self *url.URL, page Page, total int) {
	h.Set(HeaderTotalCount, strconv.Itoa(total))
	h.Set(HeaderLimit, strconv.Itoa(page.Limit))
	if page.Offset+page.Limit >= total || self == nil {
		return
	}
	next := *self
	q := next.Query()
	q.Set("offset", strconv.Itoa(page.Offset+page.Limit))
	q.Set("limit", strconv.Itoa(page.Limit))
	next.RawQuery = q.Encode()
	h.Set(HeaderLink, "<"+next.String()+`>; rel="next"`)
}

// NextLink returns the URL of the rel="next" link of a Link header (RFC
// 8288), "" when there is none. URLs are read between < and >, so commas
// inside them do no harm.
func NextLink(header string) string {
	s := header
	for {
		i := strings.Index(s, "<")
		if i < 0 {
			return ""
		}
		j := strings.Index(s[i:], ">")
		if j < 0 {
			return ""
		}
		target := s[i+1 : i+j]
		s = s[i+j+1:]
		params := s
		if k := strings.Index(s, "<"); k >= 0 {
			params = s[:k]
		}
		for _, param := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.Trim(param, " \t,"), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
				continue
			}
			for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
				if strings.EqualFold(rel, "next") {
					return target
				}
			}
		}
	}
}
