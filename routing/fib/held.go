package fib

import "net/netip"

// Held is what a daemon holds as best and means the kernel to have: the
// agent compares it with the kernel's table (agent/consistency) so that
// the RIB, the kernel and what peers hear never silently disagree.
type Held struct {
	Protocol int
	// Routes are the best routes the daemon believes are in the kernel.
	Routes []Route
	// Refused are best routes the kernel refused, with its answer: not in
	// the kernel, and not advertised as reachable.
	Refused map[netip.Prefix]string
	// Advertised lists disagreements between what peers were sent and
	// what the RIB holds ("" entries never appear).
	Advertised []string
}

// Holder is a daemon that can say what it holds.
type Holder interface {
	Held() Held
}
