package events

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"

	fc "github.com/fleetcharge/fleetcharge"
)

// Server-side request forgery: a webhook's URL must not make the back
// office post to itself or to its network. CheckURL refuses, when the
// webhook is created or changed, a URL whose host is or resolves to a
// loopback, link-local, private, unspecified or otherwise special address
// unless the provider allows private ones; the deliverer's dialer checks
// every address it connects to again (a name may resolve elsewhere by
// then), and follows no redirect.

// Refused reports why an address may not be reached, "" when it may.
func Refused(a netip.Addr, allowPrivate bool) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "not an address"
	case a.IsUnspecified():
		return "unspecified address"
	case a.IsMulticast() || a.IsInterfaceLocalMulticast() || a.IsLinkLocalMulticast():
		return "multicast address"
	case a.Is4() && a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast address"
	case allowPrivate:
		return ""
	case a.IsLoopback():
		return "loopback address"
	case a.IsLinkLocalUnicast():
		return "link-local address"
	case a.IsPrivate():
		return "private address"
	}
	for _, p := range special {
		if p.Contains(a) {
			return "reserved address"
		}
	}
	return ""
}

// special are the ranges that are neither public nor covered by netip's
// predicates: "this network", carrier-grade NAT, benchmarking, IPv4
// mapped into NAT64, and the documentation ranges.
var special = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "192.0.2.0/24",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "64:ff9b::/96", "2001:db8::/32"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Resolver resolves a host name; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckURL checks a webhook URL: http or https, no user information, and
// a host whose every address may be reached. A refusal is invalid input
// on the field url.
func CheckURL(ctx context.Context, r Resolver, raw string, allowPrivate bool) error {
	invalid := func(format string, args ...any) error {
		return fc.Invalid(map[string]string{"url": fmt.Sprintf(format, args...)})
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return invalid("must be an http or https URL")
	}
	if u.User != nil {
		return invalid("must not carry a user name or password")
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if why := Refused(a, allowPrivate); why != "" {
			return invalid("%s is a %s: refused (the provider may allow private addresses)", host, why)
		}
		return nil
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		if !allowPrivate {
			return invalid("%s is a loopback name: refused", host)
		}
		return nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return invalid("the host %s does not resolve", host)
	}
	for _, a := range addrs {
		if why := Refused(a, allowPrivate); why != "" {
			return invalid("%s resolves to %s, a %s: refused", host, a, why)
		}
	}
	return nil
}

// guard is a net.Dialer Control function refusing addresses that may not
// be reached: it runs for every connection, after name resolution.
func guard(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("webhook address %q: %w", address, err)
		}
		if why := Refused(ap.Addr(), allowPrivate); why != "" {
			return fmt.Errorf("webhook address %s is a %s: refused", ap.Addr(), why)
		}
		return nil
	}
}
