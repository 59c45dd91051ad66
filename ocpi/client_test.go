package ocpi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// exchanges collects what a client reports.
type exchanges struct {
	mu  sync.Mutex
	all []fc.OCPIExchange
}

func (e *exchanges) add(x fc.OCPIExchange) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, x)
}

func (e *exchanges) list() []fc.OCPIExchange {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]fc.OCPIExchange(nil), e.all...)
}

const (
	ourToken   = "fc-our-secret-token-B"
	theirToken = "their-secret-token-C"
)

func newClient(ex *exchanges) *Client {
	return &Client{
		Token:      ourToken,
		Routing:    Routing{From: Party{"DE", "FCH"}, To: Party{"NL", "EXA"}},
		PartnerID:  7,
		OnExchange: ex.add,
	}
}

// partner is a fake OCPI platform: versions, details, credentials and a
// paged tokens sender of n tokens.
func partner(t *testing.T, n int) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	var srv *httptest.Server
	auth := func(next func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			functional := strings.Contains(r.URL.Path, "/tokens")
			AnswerHeaders(w, r, functional)
			if tok, _ := ParseAuthorization(r.Header.Get("Authorization")); tok != ourToken || !strings.HasPrefix(r.Header.Get("Authorization"), "Token ") {
				WriteError(w, ErrUnauthorized)
				return
			}
			if r.Header.Get(HeaderRequestID) == "" || r.Header.Get(HeaderCorrelationID) == "" {
				WriteError(w, Errorf(http.StatusOK, StatusClientError, "no request id"))
				return
			}
			rt := RoutingOf(r.Header)
			if functional && (rt.From != Party{"DE", "FCH"} || rt.To != Party{"NL", "EXA"}) {
				WriteError(w, Errorf(http.StatusOK, StatusClientError, "bad routing %+v", rt))
				return
			}
			if !functional && (!rt.From.IsZero() || !rt.To.IsZero()) {
				WriteError(w, Errorf(http.StatusOK, StatusClientError, "routing headers on a configuration module"))
				return
			}
			next(w, r)
		}
	}
	mux.HandleFunc("GET /versions", auth(func(w http.ResponseWriter, r *http.Request) {
		WriteSuccess(w, 200, []Version{{Version: "2.1.1", URL: srv.URL + "/2.1.1"}, {Version: "2.2.1", URL: srv.URL + "/2.2.1"}})
	}))
	mux.HandleFunc("GET /2.2.1", auth(func(w http.ResponseWriter, r *http.Request) {
		WriteSuccess(w, 200, VersionDetails{Version: "2.2.1", Endpoints: []Endpoint{
			{Identifier: ModuleCredentials, Role: RoleReceiver, URL: srv.URL + "/2.2.1/credentials"},
			{Identifier: ModuleTokens, Role: RoleSender, URL: srv.URL + "/2.2.1/tokens"},
		}})
	}))
	credentials := func(w http.ResponseWriter, r *http.Request) {
		var got Credentials
		if err := DecodeValid(r.Body, &got); err != nil {
			WriteError(w, err)
			return
		}
		WriteSuccess(w, 200, Credentials{Token: theirToken, URL: srv.URL + "/versions", Roles: []CredentialsRole{
			{Role: "CPO", PartyID: "EXA", CountryCode: "NL", BusinessDetails: BusinessDetails{Name: "Example"}},
		}})
	}
	mux.HandleFunc("POST /2.2.1/credentials", auth(credentials))
	mux.HandleFunc("PUT /2.2.1/credentials", auth(credentials))
	mux.HandleFunc("DELETE /2.2.1/credentials", auth(func(w http.ResponseWriter, r *http.Request) {
		WriteSuccess(w, 200, nil)
	}))
	mux.HandleFunc("GET /2.2.1/tokens", auth(func(w http.ResponseWriter, r *http.Request) {
		page, err := ParsePage(r.URL.Query())
		if err != nil {
			WriteError(w, err)
			return
		}
		items := []map[string]any{}
		for i := page.Offset; i < n && i < page.Offset+page.Limit; i++ {
			items = append(items, map[string]any{"uid": strconv.Itoa(i)})
		}
		self, _ := url.Parse(srv.URL + r.URL.RequestURI())
		WritePage(w, self, page, n, items)
	}))
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestClientRegistration(t *testing.T) {
	srv := partner(t, 0)
	ex := &exchanges{}
	c := newClient(ex)
	ctx := context.Background()

	vs, err := c.GetVersions(ctx, srv.URL+"/versions")
	if err != nil || len(vs) != 2 || vs[1].Version != "2.2.1" {
		t.Fatalf("GetVersions = %v, %v", vs, err)
	}
	d, err := c.GetVersionDetails(ctx, vs[1].URL)
	if err != nil || len(d.Endpoints) != 2 {
		t.Fatalf("GetVersionDetails = %v, %v", d, err)
	}
	ours := Credentials{Token: "fc-token-for-them", URL: "https://fleetcharge.example/ocpi/versions", Roles: []CredentialsRole{
		{Role: "EMSP", PartyID: "FCH", CountryCode: "DE", BusinessDetails: BusinessDetails{Name: "fleetcharge"}},
	}}
	theirs, err := c.PostCredentials(ctx, d.Endpoints[0].URL, ours)
	if err != nil || theirs.Token != theirToken {
		t.Fatalf("PostCredentials = %v, %v", theirs, err)
	}
	if _, err := c.PutCredentials(ctx, d.Endpoints[0].URL, ours); err != nil {
		t.Fatalf("PutCredentials: %v", err)
	}
	if err := c.DeleteCredentials(ctx, d.Endpoints[0].URL); err != nil {
		t.Fatalf("DeleteCredentials: %v", err)
	}
	got := ex.list()
	if len(got) != 5 {
		t.Fatalf("%d exchanges, want 5", len(got))
	}
	for _, x := range got {
		if !x.OK || x.PartnerID != 7 || x.Direction != "out" || x.HTTPStatus != 200 || x.OCPIStatus != StatusSuccess || x.At.IsZero() {
			t.Errorf("exchange = %+v", x)
		}
	}
	if got[2].Module != ModuleCredentials || got[2].Method != "POST" || got[0].Module != ModuleVersions {
		t.Errorf("exchanges = %+v", got)
	}
}

// TestNoTokenInRecords runs failing calls whose bodies carry credentials
// tokens and checks that neither the token we send nor the tokens in the
// bodies appear in the exchanges or the errors.
func TestNoTokenInRecords(t *testing.T) {
	leak := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		// A refusal that echoes the request's credentials and our header.
		fmt.Fprintf(w, `{"status_code":2001,"status_message":"bad credentials %s","data":{"token":%q},"timestamp":"2026-01-01T00:00:00Z"}`,
			r.Header.Get("Authorization"), theirToken)
	}
	srv := httptest.NewServer(http.HandlerFunc(leak))
	defer srv.Close()
	ex := &exchanges{}
	c := newClient(ex)
	_, err := c.PostCredentials(context.Background(), srv.URL+"/credentials", Credentials{Token: "fc-token-for-them", URL: "https://x.example/v", Roles: []CredentialsRole{{Role: "EMSP", PartyID: "FCH", CountryCode: "DE", BusinessDetails: BusinessDetails{Name: "f"}}}})
	if err == nil {
		t.Fatal("refusal accepted")
	}
	if Classify(err) != Drop {
		t.Errorf("2001 classified %v, want drop", Classify(err))
	}
	// A network failure.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, _, err2 := c.Do(context.Background(), ModuleTokens, "PUT", closed.URL+"/tokens/DE/FCH/1", Token{UID: "1"})
	if Classify(err2) != Retry {
		t.Errorf("network failure classified %v, want retry", Classify(err2))
	}

	secrets := []string{ourToken, AuthorizationHeader(ourToken)[len("Token "):], theirToken, "fc-token-for-them"}
	records := []string{err.Error(), err2.Error()}
	for _, x := range ex.list() {
		b, _ := json.Marshal(x)
		records = append(records, string(b))
		if x.OK || x.Error == "" {
			t.Errorf("failed exchange recorded as %+v", x)
		}
	}
	if len(ex.list()) != 2 || ex.list()[0].Request == "" || ex.list()[0].Response == "" {
		t.Errorf("exchanges = %+v", ex.list())
	}
	for _, rec := range records {
		for _, s := range secrets {
			if strings.Contains(rec, s) {
				t.Errorf("record holds a token %q: %s", s, rec)
			}
		}
	}
}

func TestStatusMapping(t *testing.T) {
	tests := []struct {
		name     string
		http     int
		body     string
		want     Outcome
		wantOCPI int
	}{
		{"success", 200, `{"status_code":1000,"timestamp":"2026-01-01T00:00:00Z"}`, Delivered, 1000},
		{"created", 201, `{"status_code":1000,"timestamp":"2026-01-01T00:00:00Z"}`, Delivered, 1000},
		{"client error", 200, `{"status_code":2001,"status_message":"missing uid","timestamp":"2026-01-01T00:00:00Z"}`, Drop, 2001},
		{"unknown token", 200, `{"status_code":2004,"timestamp":"2026-01-01T00:00:00Z"}`, Drop, 2004},
		{"server error", 200, `{"status_code":3000,"timestamp":"2026-01-01T00:00:00Z"}`, Retry, 3000},
		{"hub timeout", 200, `{"status_code":4002,"timestamp":"2026-01-01T00:00:00Z"}`, Retry, 4002},
		{"http 500 with envelope", 500, `{"status_code":3000,"timestamp":"2026-01-01T00:00:00Z"}`, Retry, 3000},
		{"http 503 without envelope", 503, `upstream down`, Retry, 0},
		{"http 401", 401, `{"status_code":2000,"timestamp":"2026-01-01T00:00:00Z"}`, Retry, 2000},
		{"http 429", 429, ``, Retry, 0},
		{"http 400 with 2001", 400, `{"status_code":2001,"timestamp":"2026-01-01T00:00:00Z"}`, Drop, 2001},
		{"http 404 without envelope", 404, `not found`, Drop, 0},
		{"http 200 not json", 200, `<html>maintenance</html>`, Retry, 0},
		{"http 200 without status", 200, `{"data":[]}`, Retry, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.http)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			ex := &exchanges{}
			c := newClient(ex)
			_, _, err := c.Do(context.Background(), ModuleTokens, "PUT", srv.URL+"/tokens/DE/FCH/1", map[string]string{"uid": "1"})
			if got := Classify(err); got != tt.want {
				t.Errorf("Classify = %v (%v), want %v", got, err, tt.want)
			}
			x := ex.list()
			if len(x) != 1 || x[0].HTTPStatus != tt.http || x[0].OCPIStatus != tt.wantOCPI || x[0].OK != (tt.want == Delivered) {
				t.Errorf("exchange = %+v", x)
			}
			var ce *CallError
			if err != nil && (!errors.As(err, &ce) || ce.HTTPStatus != tt.http) {
				t.Errorf("error = %#v", err)
			}
		})
	}
}

func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newClient(&exchanges{})
	c.Timeout = 20 * time.Millisecond
	_, _, err := c.Do(context.Background(), ModuleTokens, "GET", srv.URL+"/tokens", nil)
	if err == nil || Classify(err) != Retry || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a retryable deadline", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.Timeout = 0
	if _, _, err := c.Do(ctx, ModuleTokens, "GET", srv.URL+"/tokens", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

func TestGetAllFollowsLinks(t *testing.T) {
	for _, n := range []int{0, 1, 100, 250} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			srv := partner(t, n)
			ex := &exchanges{}
			c := newClient(ex)
			var uids []string
			err := c.GetAll(context.Background(), ModuleTokens, srv.URL+"/2.2.1/tokens?limit=40&date_from=2016-01-01T00:00:00Z", func(raw json.RawMessage) error {
				var tok struct{ UID string }
				if err := json.Unmarshal(raw, &tok); err != nil {
					return err
				}
				uids = append(uids, tok.UID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(uids) != n {
				t.Fatalf("got %d objects, want %d", len(uids), n)
			}
			for i, u := range uids {
				if u != strconv.Itoa(i) {
					t.Fatalf("object %d is %s", i, u)
				}
			}
			pages := max(1, (n+39)/40)
			x := ex.list()
			if len(x) != pages {
				t.Errorf("%d requests, want %d", len(x), pages)
			}
			for _, e := range x[1:] {
				q, _ := url.Parse(e.URL)
				if q.Query().Get("date_from") != "2016-01-01T00:00:00Z" || q.Query().Get("limit") != "40" {
					t.Errorf("next page lost the filters: %s", e.URL)
				}
			}
		})
	}
}

func TestGetAllStops(t *testing.T) {
	// A partner whose next link points back at itself.
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</tokens?offset=0>; rel=\"next\"")
		WriteSuccess(w, 200, []int{1})
	}))
	defer srv.Close()
	c := newClient(&exchanges{})
	calls := 0
	err := c.GetAll(context.Background(), ModuleTokens, srv.URL+"/tokens?offset=0", func(json.RawMessage) error { calls++; return nil })
	if err == nil || calls != 1 {
		t.Errorf("a looping link: err = %v after %d objects", err, calls)
	}
	// each's error stops the walk.
	stop := errors.New("stop")
	srv2 := partner(t, 100)
	err = c.GetAll(context.Background(), ModuleTokens, srv2.URL+"/2.2.1/tokens?limit=10", func(json.RawMessage) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want stop", err)
	}
}

func TestUnauthorizedAtPartner(t *testing.T) {
	srv := partner(t, 0)
	ex := &exchanges{}
	c := newClient(ex)
	c.Token = "wrong-token"
	_, err := c.GetVersions(context.Background(), srv.URL+"/versions")
	var ce *CallError
	if !errors.As(err, &ce) || ce.HTTPStatus != 401 || ce.OCPIStatus != 2000 {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-token") || strings.Contains(fmt.Sprint(ex.list()), "wrong-token") {
		t.Error("the token leaked")
	}
}
