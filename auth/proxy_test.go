package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestClientAddr checks whose address a request is counted under, with
// proxies trusted and not: a client behind a trusted proxy is the right-most
// address the trusted hops vouch for, whatever the client wrote to the left.
func TestClientAddr(t *testing.T) {
	proxies, err := ParseProxies(" 10.0.0.0/8, 192.0.2.7 ,2001:db8:p::/48")
	if err == nil {
		t.Fatal("a bad network was accepted")
	}
	proxies, err = ParseProxies(" 10.0.0.0/8, 192.0.2.7 ,2001:db8:1::/48")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		proxies Proxies
		remote  string
		xff     []string
		want    string
	}{
		{"no proxy trusted: the peer", nil, "198.51.100.4:5000", []string{"203.0.113.9"}, "198.51.100.4"},
		{"an untrusted peer's header is ignored", proxies, "198.51.100.4:5000", []string{"203.0.113.9"}, "198.51.100.4"},
		{"a trusted peer without header: the peer", proxies, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"a trusted peer: the client it names", proxies, "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a forged entry left of the real client", proxies, "10.1.2.3:5000", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"two trusted hops", proxies, "10.1.2.3:5000", []string{"203.0.113.9, 192.0.2.7"}, "203.0.113.9"},
		{"headers joined in order", proxies, "10.1.2.3:5000", []string{"1.1.1.1", "203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"every hop trusted: the left-most", proxies, "10.1.2.3:5000", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
		{"garbage where the client should be: the last trusted hop", proxies, "10.1.2.3:5000", []string{"203.0.113.9, unknown, 10.0.0.2"}, "10.0.0.2"},
		{"empty entries skipped", proxies, "10.1.2.3:5000", []string{"203.0.113.9,, "}, "203.0.113.9"},
		{"an entry with a port", proxies, "10.1.2.3:5000", []string{"203.0.113.9:4711"}, "203.0.113.9"},
		{"IPv6 client, bracketed", proxies, "[2001:db8:1::5]:443", []string{"[2001:db8:ff::1]"}, "2001:db8:ff::1"},
		{"IPv4-mapped trusted peer", proxies, "[::ffff:10.1.2.3]:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a single trusted address, not its network", proxies, "192.0.2.8:5000", []string{"203.0.113.9"}, "192.0.2.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := tt.proxies.ClientAddr(r); got != tt.want {
				t.Errorf("ClientAddr = %q, want %q", got, tt.want)
			}
			var seen string
			tt.proxies.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = ClientOf(r).Addr
			})).ServeHTTP(httptest.NewRecorder(), r)
			if seen != tt.want {
				t.Errorf("ClientOf behind the middleware = %q, want %q", seen, tt.want)
			}
		})
	}
}
