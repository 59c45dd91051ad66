package ocpi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// DefaultTimeout bounds one request of a Client without a Timeout.
const DefaultTimeout = 30 * time.Second

// maxExchangeBody is how much of a body an exchange record keeps.
const maxExchangeBody = 4 << 10

// maxPages bounds the pages GetAll follows, against a partner whose next
// link never ends.
const maxPages = 100000

// Client calls one partner. Its zero value is not usable: Token is
// required. A Client is safe for concurrent use once set up.
type Client struct {
	// HTTP sends the requests; http.DefaultClient when nil.
	HTTP *http.Client
	// Token is the credentials token we authenticate with at the partner
	// (its token A during registration, then B or C). Never logged, never
	// recorded.
	Token string
	// Routing is our party (From) and the partner's (To), sent in the
	// routing headers of functional modules.
	Routing Routing
	// Timeout bounds each request; DefaultTimeout when zero.
	Timeout time.Duration
	// PartnerID is copied into the exchanges reported.
	PartnerID fc.ID
	// OnExchange, when set, is told of every request made and its outcome.
	// The bodies (credentials tokens redacted, cut to 4 KiB) are filled in
	// for failures only, as fc.OCPIExchange keeps them.
	OnExchange func(fc.OCPIExchange)
	// Now is the clock of the exchanges; time.Now when nil.
	Now func() time.Time
}

// Outcome classifies a failed call for the outbox.
type Outcome int

const (
	// Delivered: the partner accepted (HTTP 2xx, OCPI 1xxx).
	Delivered Outcome = iota
	// Retry: the failure may pass (network, timeout, HTTP 5xx, 408, 429,
	// 401, 403, OCPI 3xxx and 4xxx, an answer that is not an envelope):
	// send the same message again later.
	Retry
	// Drop: the partner refuses this message (OCPI 2xxx, or an HTTP 4xx
	// other than the above without an envelope saying otherwise): sending
	// it again gives the same answer.
	Drop
)

// String names an outcome.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	default:
		return "drop"
	}
}

// CallError is a failed call to a partner. Its text names the method, URL
// and statuses, never the token.
type CallError struct {
	Method     string
	URL        string
	HTTPStatus int // 0 when no answer came
	OCPIStatus int // 0 when the answer had no envelope
	// Message says what failed: the partner's status message, or ours.
	Message string
	Outcome Outcome
	// Err is the underlying network or decoding error, if any.
	Err error
}

// Error implements the error interface.
func (e *CallError) Error() string {
	s := fmt.Sprintf("ocpi %s %s: ", e.Method, e.URL)
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf("HTTP %d ", e.HTTPStatus)
	}
	if e.OCPIStatus != 0 {
		s += fmt.Sprintf("status %d ", e.OCPIStatus)
	}
	s += e.Message
	if e.Err != nil {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

// Unwrap returns the underlying error.
func (e *CallError) Unwrap() error { return e.Err }

// Classify returns what the outbox does after a call that returned err:
// Delivered for nil, Retry or Drop for a *CallError, Retry for any other
// error (a context cancelled, a bug: nothing says the partner refused).
func Classify(err error) Outcome {
	if err == nil {
		return Delivered
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Outcome
	}
	return Retry
}

// Do sends one request to a module of the partner: body (nil for none)
// as JSON, with the Authorization header, a new X-Request-ID and
// X-Correlation-ID, and for functional modules the routing headers. It
// returns the answer's envelope when the partner accepted (HTTP 2xx, OCPI
// 1xxx), a *CallError otherwise. Every call is reported to OnExchange.
func (c *Client) Do(ctx context.Context, module, method, rawURL string, body any) (*Response, http.Header, error) {
	var reqBody []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, fmt.Errorf("ocpi %s %s: encode body: %w", method, rawURL, err)
		}
		reqBody = b
	}
	ex := fc.OCPIExchange{PartnerID: c.PartnerID, Module: module, Direction: "out", Method: method, URL: rawURL, At: c.now()}
	resp, header, respBody, err := c.send(ctx, module, method, rawURL, reqBody)
	ex.HTTPStatus, ex.OCPIStatus = statusesOf(resp, err)
	if err == nil {
		ex.OK = true
	} else {
		ex.Error = c.redact(err.Error())
		ex.Request = c.cut(reqBody)
		ex.Response = c.cut(respBody)
	}
	if c.OnExchange != nil {
		c.OnExchange(ex)
	}
	return resp, header, err
}

func statusesOf(resp *Response, err error) (int, int) {
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.HTTPStatus, ce.OCPIStatus
	}
	if resp != nil {
		return resp.httpStatus, resp.StatusCode
	}
	return 0, 0
}

func (c *Client) send(ctx context.Context, module, method, rawURL string, reqBody []byte) (*Response, http.Header, []byte, error) {
	fail := func(httpStatus, ocpiStatus int, o Outcome, msg string, err error) *CallError {
		// The partner's message may echo what we sent, the token included.
		msg = c.redact(msg)
		return &CallError{Method: method, URL: rawURL, HTTPStatus: httpStatus, OCPIStatus: ocpiStatus, Message: msg, Outcome: o, Err: err}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var rd io.Reader
	if reqBody != nil {
		rd = bytes.NewReader(reqBody)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		// A URL we cannot even build will not get better.
		return nil, nil, nil, fail(0, 0, Drop, "bad request URL", nil)
	}
	if reqBody != nil {
		req.Header.Set("Content-Type", contentTypeJSON)
	}
	req.Header.Set("Accept", contentTypeJSON)
	req.Header.Set("Authorization", AuthorizationHeader(c.Token))
	id := NewRequestID()
	req.Header.Set(HeaderRequestID, id)
	req.Header.Set(HeaderCorrelationID, id)
	if !ConfigurationModule(module) {
		SetRouting(req.Header, c.Routing)
	}

	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		// The *url.Error text holds the URL and the cause, not the headers.
		msg := "no answer"
		if errors.Is(err, context.DeadlineExceeded) {
			msg = "no answer in time"
		}
		return nil, nil, nil, fail(0, 0, Retry, msg, err)
	}
	defer res.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(res.Body, MaxBodySize))
	if err != nil {
		return nil, res.Header, respBody, fail(res.StatusCode, 0, Retry, "the answer could not be read", err)
	}

	var env Response
	envErr := json.Unmarshal(respBody, &env)
	hasEnv := envErr == nil && env.StatusCode != 0
	env.httpStatus = res.StatusCode

	switch res.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return nil, res.Header, respBody, fail(res.StatusCode, env.StatusCode, Retry, statusMessage(env, "refused at the transport"), nil)
	}
	if res.StatusCode >= 500 {
		return nil, res.Header, respBody, fail(res.StatusCode, env.StatusCode, Retry, statusMessage(env, "server error"), nil)
	}
	if !hasEnv {
		if res.StatusCode >= 400 {
			return nil, res.Header, respBody, fail(res.StatusCode, 0, Drop, "refused without an OCPI answer", envErr)
		}
		return nil, res.Header, respBody, fail(res.StatusCode, 0, Retry, "the answer is not an OCPI envelope", envErr)
	}
	switch {
	case env.StatusCode >= 1000 && env.StatusCode < 2000 && res.StatusCode < 300:
		return &env, res.Header, respBody, nil
	case env.StatusCode >= 2000 && env.StatusCode < 3000:
		return nil, res.Header, respBody, fail(res.StatusCode, env.StatusCode, Drop, statusMessage(env, "refused"), nil)
	case env.StatusCode >= 1000 && env.StatusCode < 2000:
		// Success in the envelope but an HTTP 4xx around it: the transport
		// refused; trust the transport.
		return nil, res.Header, respBody, fail(res.StatusCode, env.StatusCode, Drop, statusMessage(env, "refused at the transport"), nil)
	default:
		return nil, res.Header, respBody, fail(res.StatusCode, env.StatusCode, Retry, statusMessage(env, "partner or hub error"), nil)
	}
}

func statusMessage(env Response, fallback string) string {
	if env.StatusMessage != "" {
		return cutString(env.StatusMessage, 200)
	}
	return fallback
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// redact replaces our token, as sent and Base64-encoded, by its redacted
// stand-in, in anything recorded or returned.
func (c *Client) redact(s string) string {
	if c.Token == "" {
		return s
	}
	for _, t := range []string{c.Token, base64.StdEncoding.EncodeToString([]byte(c.Token))} {
		s = strings.ReplaceAll(s, t, Redact(c.Token))
	}
	return s
}

// cut returns a body for an exchange record: credentials tokens replaced
// by their redacted stand-ins, our token removed, cut to 4 KiB.
func (c *Client) cut(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := c.redact(redactCredentials(b))
	return cutString(s, maxExchangeBody)
}

// redactCredentials replaces the token of a Credentials object, alone or
// as the data of an envelope, by its redacted stand-in.
func redactCredentials(b []byte) string {
	s := string(b)
	var probe struct {
		Token string `json:"token"`
		Data  *struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return s
	}
	for _, t := range []string{probe.Token, dataToken(probe.Data)} {
		if t != "" {
			enc, _ := json.Marshal(t)
			s = strings.ReplaceAll(s, string(enc[1:len(enc)-1]), Redact(t))
		}
	}
	return s
}

func dataToken(d *struct {
	Token string `json:"token"`
}) string {
	if d == nil {
		return ""
	}
	return d.Token
}

func cutString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// GetVersions fetches the partner's versions endpoint.
func (c *Client) GetVersions(ctx context.Context, versionsURL string) ([]Version, error) {
	var vs []Version
	if err := c.getData(ctx, ModuleVersions, versionsURL, &vs); err != nil {
		return nil, err
	}
	if fe := ValidateVersions(vs); len(fe) > 0 {
		return nil, &CallError{Method: http.MethodGet, URL: versionsURL, Message: "invalid versions: " + fe.Error(), Outcome: Retry}
	}
	return vs, nil
}

// GetVersionDetails fetches the details (endpoints) of one of the
// partner's versions.
func (c *Client) GetVersionDetails(ctx context.Context, detailsURL string) (*VersionDetails, error) {
	var d VersionDetails
	if err := c.getData(ctx, ModuleVersions, detailsURL, &d); err != nil {
		return nil, err
	}
	if fe := d.Validate(); len(fe) > 0 {
		return nil, &CallError{Method: http.MethodGet, URL: detailsURL, Message: "invalid version details: " + fe.Error(), Outcome: Retry}
	}
	return &d, nil
}

// PostCredentials registers with the partner (its credentials endpoint,
// authenticated with its token A): ours are the credentials it is to use;
// the answer holds the partner's, with the token we are to use from now.
func (c *Client) PostCredentials(ctx context.Context, credentialsURL string, ours Credentials) (*Credentials, error) {
	return c.credentials(ctx, http.MethodPost, credentialsURL, ours)
}

// PutCredentials updates the registration: new credentials of ours (a new
// token, endpoints); the answer holds the partner's.
func (c *Client) PutCredentials(ctx context.Context, credentialsURL string, ours Credentials) (*Credentials, error) {
	return c.credentials(ctx, http.MethodPut, credentialsURL, ours)
}

// DeleteCredentials unregisters from the partner.
func (c *Client) DeleteCredentials(ctx context.Context, credentialsURL string) error {
	_, _, err := c.Do(ctx, ModuleCredentials, http.MethodDelete, credentialsURL, nil)
	return err
}

func (c *Client) credentials(ctx context.Context, method, credentialsURL string, ours Credentials) (*Credentials, error) {
	resp, _, err := c.Do(ctx, ModuleCredentials, method, credentialsURL, ours)
	if err != nil {
		return nil, err
	}
	var theirs Credentials
	if err := decodeData(resp, &theirs); err != nil {
		return nil, &CallError{Method: method, URL: credentialsURL, HTTPStatus: resp.httpStatus, OCPIStatus: resp.StatusCode, Message: "the answer holds no credentials", Outcome: Retry, Err: err}
	}
	if fe := theirs.Validate(); len(fe) > 0 {
		// Field messages name fields, never values: the token stays out.
		return nil, &CallError{Method: method, URL: credentialsURL, HTTPStatus: resp.httpStatus, OCPIStatus: resp.StatusCode, Message: "invalid credentials: " + fe.Error(), Outcome: Retry}
	}
	return &theirs, nil
}

func (c *Client) getData(ctx context.Context, module, rawURL string, v any) error {
	resp, _, err := c.Do(ctx, module, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	if err := decodeData(resp, v); err != nil {
		return &CallError{Method: http.MethodGet, URL: rawURL, HTTPStatus: resp.httpStatus, OCPIStatus: resp.StatusCode, Message: "unexpected data", Outcome: Retry, Err: err}
	}
	return nil
}

func decodeData(resp *Response, v any) error {
	if len(resp.Data) == 0 || string(resp.Data) == "null" {
		return errors.New("no data")
	}
	return json.Unmarshal(resp.Data, v)
}

// GetAll fetches a list from a module's sender interface, following the
// partner's Link rel="next" from page to page, and calls each with every
// object as received, in order. each's error stops the walk and is
// returned. A page whose data is not a list fails the walk.
func (c *Client) GetAll(ctx context.Context, module, listURL string, each func(json.RawMessage) error) error {
	next := listURL
	seen := map[string]bool{}
	for page := 0; next != ""; page++ {
		if page >= maxPages || seen[next] {
			return &CallError{Method: http.MethodGet, URL: next, Message: "the pages do not end", Outcome: Retry}
		}
		seen[next] = true
		resp, header, err := c.Do(ctx, module, http.MethodGet, next, nil)
		if err != nil {
			return err
		}
		var items []json.RawMessage
		if len(resp.Data) > 0 && string(resp.Data) != "null" {
			if err := json.Unmarshal(resp.Data, &items); err != nil {
				return &CallError{Method: http.MethodGet, URL: next, HTTPStatus: resp.httpStatus, OCPIStatus: resp.StatusCode, Message: "the page is not a list", Outcome: Retry, Err: err}
			}
		}
		for _, it := range items {
			if err := each(it); err != nil {
				return err
			}
		}
		link := NextLink(header.Get(HeaderLink))
		if link == "" {
			return nil
		}
		base, err := url.Parse(next)
		if err != nil {
			return &CallError{Method: http.MethodGet, URL: next, Message: "bad next link", Outcome: Drop, Err: err}
		}
		ref, err := url.Parse(link)
		if err != nil {
			return &CallError{Method: http.MethodGet, URL: next, Message: "bad next link", Outcome: Drop, Err: err}
		}
		next = base.ResolveReference(ref).String()
	}
	return nil
}
