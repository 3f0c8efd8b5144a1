package topo

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Limits on names: a node becomes the namespace "ne.LAB.NODE" and a
// hostname, so names are short and use only characters both accept.
const (
	MaxLabName  = 24
	MaxNodeName = 32
	MaxName     = 64 // other objects (groups, policies, …)
	MaxIfName   = 15 // IFNAMSIZ - 1
	MinASN      = 1
	MaxASN      = 4294967294 // 4294967295 is reserved (RFC 7300)
)

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// checkName says what is wrong with a name, or "" when it is fine.
func checkName(name string, max int) string {
	if !nameRE.MatchString(name) {
		return fmt.Sprintf("%q is not a valid name: use lowercase letters, digits and '-', starting with a letter", name)
	}
	if len(name) > max {
		return fmt.Sprintf("name %q is %d characters long; the limit is %d", name, len(name), max)
	}
	return ""
}

// checkIfName says what is wrong with an interface name, or "".
func checkIfName(name string) string {
	switch {
	case name == "":
		return "empty interface name"
	case len(name) > MaxIfName:
		return fmt.Sprintf("interface name %q is %d bytes long; Linux allows at most %d", name, len(name), MaxIfName)
	case name == "lo" || name == "." || name == "..":
		return fmt.Sprintf("interface name %q is reserved", name)
	case strings.ContainsAny(name, "/: \t\n\r\x00"):
		return fmt.Sprintf("interface name %q contains a character Linux does not allow ('/', ':' or white space)", name)
	}
	return ""
}

// parsePrefix parses a CIDR that must be canonical (no host bits set).
func parsePrefix(s string) (netip.Prefix, string) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Sprintf("%q is not a valid IPv4 CIDR (like 10.0.0.0/16)", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Sprintf("%q has host bits set; did you mean %s?", s, p.Masked())
	}
	return p, ""
}

// parseAddr parses an IPv4 address.
func parseAddr(s string) (netip.Addr, string) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Sprintf("%q is not a valid IPv4 address", s)
	}
	return a, ""
}

// parseDuration parses a non-negative Go duration ("10ms", "1.5s").
func parseDuration(s string) (time.Duration, string) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Sprintf("%q is not a valid duration (like \"10ms\" or \"1.5s\")", s)
	}
	return d, ""
}

var bandwidthUnits = []struct {
	suffix string
	mult   float64
}{
	{"tbit", 1e12}, {"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1},
}

// parseBandwidth parses a rate in bits per second, as tc writes it:
// "100mbit", "1gbit", "500kbit", "64000bit" or a bare number of bits/s.
func parseBandwidth(s string) (uint64, string) {
	bad := fmt.Sprintf("%q is not a valid bandwidth (like \"100mbit\", \"1gbit\" or \"500kbit\")", s)
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range bandwidthUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.mult
			break
		}
	}
	if t == "" || strings.ContainsAny(t, "eE+-") {
		return 0, bad
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, bad
	}
	bps := v * mult
	if bps < 1 || bps > 1e15 {
		return 0, fmt.Sprintf("bandwidth %q is out of range (1bit to 1000tbit)", s)
	}
	return uint64(math.Round(bps)), ""
}

// parsePorts parses "22" or "1024-65535".
func parsePorts(s string) (from, to uint16, problem string) {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Sprintf("ports %q: write a port (\"22\") or a range (\"1024-65535\")", s)
	}
	if a < 1 || a > 65535 || b < 1 || b > 65535 {
		return 0, 0, fmt.Sprintf("ports %q: a port must be between 1 and 65535", s)
	}
	if a > b {
		return 0, 0, fmt.Sprintf("ports %q: the range is reversed", s)
	}
	return uint16(a), uint16(b), ""
}

// WellKnownCommunities are the community names a policy may use instead of
// "ASN:VALUE" (RFC 1997).
var wellKnownCommunities = []string{"no-export", "no-advertise", "no-export-subconfed"}

// checkCommunity accepts "ASN:VALUE" (16 bits each, RFC 1997), a large
// community "A:B:C" (32 bits each, RFC 8092) or a well-known name.
func checkCommunity(s string) string {
	for _, w := range wellKnownCommunities {
		if s == w {
			return ""
		}
	}
	parts := strings.Split(s, ":")
	bits := 16
	if len(parts) == 3 {
		bits = 32
	}
	if len(parts) == 2 || len(parts) == 3 {
		ok := true
		for _, p := range parts {
			if _, err := strconv.ParseUint(p, 10, bits); err != nil {
				ok = false
			}
		}
		if ok {
			return ""
		}
	}
	return fmt.Sprintf("community %q: write \"ASN:VALUE\" (0-65535 each), a large community \"A:B:C\", or one of %s",
		s, strings.Join(wellKnownCommunities, ", "))
}

// oneOf says what is wrong when v is not one of allowed, or "".
func oneOf(what, v string, allowed ...string) string {
	for _, a := range allowed {
		if v == a {
			return ""
		}
	}
	q := make([]string, len(allowed))
	for i, a := range allowed {
		q[i] = strconv.Quote(a)
	}
	return fmt.Sprintf("%s %q is not valid: use %s", what, v, strings.Join(q, ", "))
}

// hostname is an instance's AWS-style hostname, "ip-10-0-1-10".
func instanceHostname(a netip.Addr) string {
	return "ip-" + strings.ReplaceAll(a.String(), ".", "-")
}
