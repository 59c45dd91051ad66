package ocpi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func decodeRecorder(t *testing.T, rec *httptest.ResponseRecorder) Response {
	t.Helper()
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	var r Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("answer is not an envelope: %v: %s", err, rec.Body)
	}
	return r
}

var timestampPattern = regexp.MustCompile(`"timestamp":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z"`)

func TestEnvelopeRoundTrip(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteSuccess(rec, http.StatusCreated, []Version{{Version: "2.2.1", URL: "https://example.com/ocpi/2.2.1"}})
	if rec.Code != http.StatusCreated {
		t.Errorf("HTTP %d, want 201", rec.Code)
	}
	if !timestampPattern.Match(rec.Body.Bytes()) {
		t.Errorf("timestamp not an OCPI DateTime: %s", rec.Body)
	}
	r := decodeRecorder(t, rec)
	if r.StatusCode != StatusSuccess {
		t.Errorf("status_code = %d, want 1000", r.StatusCode)
	}
	if !r.Timestamp.Valid() || time.Since(r.Timestamp.Time) > time.Hour {
		t.Errorf("timestamp = %v", r.Timestamp)
	}
	var vs []Version
	if err := json.Unmarshal(r.Data, &vs); err != nil || len(vs) != 1 || vs[0].Version != "2.2.1" {
		t.Errorf("data = %s (%v)", r.Data, err)
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantHTTP   int
		wantCode   int
		wantInMsg  string
		wantNotMsg string
	}{
		{"ocpi error", Errorf(http.StatusOK, StatusUnknownToken, "unknown token"), 200, 2004, "unknown token", ""},
		{"wrapped", fmt.Errorf("handler: %w", ErrUnauthorized), 401, 2000, "unauthorized", ""},
		{"field errors", FieldErrors{{Path: "cdr_token.uid", Message: "required"}}, 200, 2001, "cdr_token.uid: required", ""},
		{"internal", errors.New("pq: relation ocpi_secret does not exist"), 500, 3000, "internal error", "pq"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tt.err)
			if rec.Code != tt.wantHTTP {
				t.Errorf("HTTP %d, want %d", rec.Code, tt.wantHTTP)
			}
			r := decodeRecorder(t, rec)
			if r.StatusCode != tt.wantCode {
				t.Errorf("status_code = %d, want %d", r.StatusCode, tt.wantCode)
			}
			if !strings.Contains(r.StatusMessage, tt.wantInMsg) {
				t.Errorf("status_message = %q, want it to hold %q", r.StatusMessage, tt.wantInMsg)
			}
			if tt.wantNotMsg != "" && strings.Contains(rec.Body.String(), tt.wantNotMsg) {
				t.Errorf("answer leaks %q: %s", tt.wantNotMsg, rec.Body)
			}
			if strings.Contains(rec.Body.String(), `"data"`) {
				t.Errorf("error answer has data: %s", rec.Body)
			}
		})
	}
}

func TestAuthorizationHeader(t *testing.T) {
	if got, want := AuthorizationHeader("example-token"), "Token ZXhhbXBsZS10b2tlbg=="; got != want {
		t.Errorf("AuthorizationHeader = %q, want %q", got, want)
	}
	tests := []struct {
		header string
		want   string
		ok     bool
	}{
		{AuthorizationHeader("example-token"), "example-token", true},
		// The specification's own example encodes a trailing line break.
		{"Token ZXhhbXBsZS10b2tlbgo=", "example-token", true},
		{"token ZXhhbXBsZS10b2tlbg==", "example-token", true},
		// Raw tokens (2.1.1 habits): not Base64, or Base64 of binary.
		{"Token fc-Zm9v_YmFy", "fc-Zm9v_YmFy", true},
		{"Token 0ab6e4f5-61c7-4e2d-8b1f-6f0c2d2a9e11", "0ab6e4f5-61c7-4e2d-8b1f-6f0c2d2a9e11", true},
		{"Token abcd", "abcd", true},
		{"Token IpbJOXxkxOAuKR92z0nEcmVF3Qw09VG7I7d/WCg0koM=", "IpbJOXxkxOAuKR92z0nEcmVF3Qw09VG7I7d/WCg0koM=", true},
		{"Bearer ZXhhbXBsZS10b2tlbg==", "", false},
		{"Token ", "", false},
		{"Token a b", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseAuthorization(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseAuthorization(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
	for range 20 {
		tok := NewToken()
		if got, ok := ParseAuthorization("Token " + tok); !ok || got != tok {
			t.Errorf("a raw new token %q reads as %q", tok, got)
		}
		if got, ok := ParseAuthorization(AuthorizationHeader(tok)); !ok || got != tok {
			t.Errorf("an encoded new token %q reads as %q", tok, got)
		}
	}
	c := TokenCandidates("Token ZXhhbXBsZS10b2tlbg==")
	if len(c) != 2 || c[0] != "example-token" || c[1] != "ZXhhbXBsZS10b2tlbg==" {
		t.Errorf("TokenCandidates = %q", c)
	}
}

func TestTokenHashAndRedact(t *testing.T) {
	if got, want := TokenHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("TokenHash = %s, want %s", got, want)
	}
	tok := "secret-token-123"
	if r := Redact(tok); strings.Contains(r, tok) || r != Redact(tok) || r == Redact("other") {
		t.Errorf("Redact = %q", r)
	}
	h := http.Header{}
	h.Set("Authorization", AuthorizationHeader(tok))
	r := RedactHeader(h)
	if got := r.Get("Authorization"); strings.Contains(got, tok) || strings.Contains(got, AuthorizationHeader(tok)[6:]) {
		t.Errorf("RedactHeader left the token: %q", got)
	}
	if h.Get("Authorization") != AuthorizationHeader(tok) {
		t.Error("RedactHeader changed its argument")
	}
}

func TestAnswerHeaders(t *testing.T) {
	req := httptest.NewRequest("GET", "/ocpi/2.2.1/tokens", nil)
	req.Header.Set(HeaderRequestID, "req-1")
	req.Header.Set(HeaderCorrelationID, "cor-1")
	SetRouting(req.Header, Routing{From: Party{"NL", "ABC"}, To: Party{"DE", "FCH"}})
	rec := httptest.NewRecorder()
	AnswerHeaders(rec, req, true)
	h := rec.Header()
	if h.Get(HeaderRequestID) != "req-1" || h.Get(HeaderCorrelationID) != "cor-1" {
		t.Errorf("ids not answered back: %v", h)
	}
	if got, want := RoutingOf(h), (Routing{From: Party{"DE", "FCH"}, To: Party{"NL", "ABC"}}); got != want {
		t.Errorf("routing = %+v, want %+v", got, want)
	}

	req = httptest.NewRequest("GET", "/ocpi/versions", nil)
	SetRouting(req.Header, Routing{From: Party{"NL", "ABC"}, To: Party{"DE", "FCH"}})
	rec = httptest.NewRecorder()
	AnswerHeaders(rec, req, false)
	h = rec.Header()
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !uuid.MatchString(h.Get(HeaderRequestID)) || !uuid.MatchString(h.Get(HeaderCorrelationID)) {
		t.Errorf("ids not made: %v", h)
	}
	if !RoutingOf(h).From.IsZero() || !RoutingOf(h).To.IsZero() {
		t.Errorf("configuration module answered with routing headers: %v", h)
	}
}

func TestParsePage(t *testing.T) {
	from, _ := ParseDateTime("2016-01-01T00:00:00Z")
	to, _ := ParseDateTime("2016-12-31T23:59:59Z")
	ok := []struct {
		query string
		want  Page
	}{
		{"", Page{Limit: DefaultLimit}},
		{"offset=150&limit=50", Page{Offset: 150, Limit: 50}},
		{"limit=2000", Page{Limit: MaxLimit}},
		{"date_from=2016-01-01T00:00:00Z&date_to=2016-12-31T23:59:59Z", Page{Limit: DefaultLimit, DateFrom: from, DateTo: to}},
		{"date_from=2016-01-01T00:00:00", Page{Limit: DefaultLimit, DateFrom: from}},
	}
	for _, tt := range ok {
		q, _ := url.ParseQuery(tt.query)
		got, err := ParsePage(q)
		if err != nil || got != tt.want {
			t.Errorf("ParsePage(%q) = %+v, %v; want %+v", tt.query, got, err, tt.want)
		}
	}
	bad := []struct{ query, field string }{
		{"offset=-1", "offset"},
		{"offset=x", "offset"},
		{"limit=0", "limit"},
		{"limit=1.5", "limit"},
		{"date_from=2016-01-01", "date_from"},
		{"date_to=2016-01-01T00:00:00%2B01:00", "date_to"},
		{"date_from=2017-01-01T00:00:00Z&date_to=2016-01-01T00:00:00Z", "date_from"},
	}
	for _, tt := range bad {
		q, _ := url.ParseQuery(tt.query)
		_, err := ParsePage(q)
		e := AsError(err)
		if err == nil || e.Code != StatusInvalidParameters || e.HTTPStatus != http.StatusOK {
			t.Errorf("ParsePage(%q) = %v, want a 2001", tt.query, err)
			continue
		}
		if _, ok := e.Fields.Map()[tt.field]; !ok {
			t.Errorf("ParsePage(%q) fields = %v, want %s", tt.query, e.Fields, tt.field)
		}
	}
}

func TestSetPageHeaders(t *testing.T) {
	self, _ := url.Parse("https://www.server.com/ocpi/cpo/2.2.1/cdrs/?date_from=2016-01-01T00:00:00Z&limit=2000")
	q, _ := url.ParseQuery(self.RawQuery)
	page, err := ParsePage(q)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	SetPageHeaders(h, self, page, 2500)
	if h.Get(HeaderTotalCount) != "2500" || h.Get(HeaderLimit) != "1000" {
		t.Errorf("headers = %v", h)
	}
	next := NextLink(h.Get(HeaderLink))
	u, err := url.Parse(next)
	if err != nil || !strings.HasSuffix(h.Get(HeaderLink), `>; rel="next"`) {
		t.Fatalf("Link = %q", h.Get(HeaderLink))
	}
	nq := u.Query()
	if nq.Get("offset") != "1000" || nq.Get("limit") != "1000" || nq.Get("date_from") != "2016-01-01T00:00:00Z" || u.Host != "www.server.com" {
		t.Errorf("next = %s", next)
	}

	h = http.Header{}
	SetPageHeaders(h, self, Page{Offset: 2000, Limit: 1000}, 2500)
	if h.Get(HeaderLink) != "" {
		t.Errorf("last page has a Link: %q", h.Get(HeaderLink))
	}
}

func TestNextLink(t *testing.T) {
	tests := map[string]string{
		`<https://a.example/x?offset=10&limit=10>; rel="next"`:               "https://a.example/x?offset=10&limit=10",
		`<https://a.example/p>; rel="prev", <https://a.example/n>; rel=next`: "https://a.example/n",
		`<https://a.example/p>; rel="prev"`:                                  "",
		``:                                                                   "",
		`<https://a.example/x?ids=1,2&offset=10>; rel="next"`:                "https://a.example/x?ids=1,2&offset=10",
		`<https://a.example/first>; rel="first", <https://a.example/n>; rel="last next"`: "https://a.example/n",
		`<https://a.example/x?offset=10>;rel="next"`:                                     "https://a.example/x?offset=10",
	}
	for in, want := range tests {
		if got := NextLink(in); got != want {
			t.Errorf("NextLink(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDateTime(t *testing.T) {
	good := map[string]string{
		"2015-06-29T20:39:09Z":     "2015-06-29T20:39:09Z",
		"2015-06-29T20:39:09":      "2015-06-29T20:39:09Z",
		"2016-12-29T17:45:09.2Z":   "2016-12-29T17:45:09.2Z",
		"2016-12-29T17:45:09.2":    "2016-12-29T17:45:09.2Z",
		"2018-01-01T01:08:01.123Z": "2018-01-01T01:08:01.123Z",
	}
	for in, want := range good {
		tm, err := ParseDateTime(in)
		if err != nil {
			t.Errorf("ParseDateTime(%q): %v", in, err)
			continue
		}
		if got := FormatDateTime(tm); got != want {
			t.Errorf("FormatDateTime(ParseDateTime(%q)) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"2015-06-29T20:39:09+00:00", "2015-06-29 20:39:09Z", "2015-06-29", "2015-13-29T20:39:09Z", "", "yesterday"} {
		if _, err := ParseDateTime(in); err == nil {
			t.Errorf("ParseDateTime(%q) accepted", in)
		}
	}
	var d DateTime
	if err := json.Unmarshal([]byte(`"2015-06-29T20:39:09+02:00"`), &d); err != nil || d.Valid() {
		t.Errorf("a bad DateTime decodes to %v, %v; want kept as invalid", d, err)
	}
	if err := json.Unmarshal([]byte(`12`), &d); err == nil {
		t.Error("a number decodes as a DateTime")
	}
	b, _ := json.Marshal(NewDateTime(time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))))
	if string(b) != `"2020-01-02T02:04:05Z"` {
		t.Errorf("Marshal = %s", b)
	}
}
