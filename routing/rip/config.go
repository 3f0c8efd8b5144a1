package rip

import (
	"net/netip"
	"time"
)

// Config is one router's RIP configuration, derived from the model.
type Config struct {
	// Interfaces are the interfaces RIP speaks on.
	Interfaces []Interface `json:"interfaces"`
	// Connected are all the router's interfaces: their subnets are
	// originated with metric 1 while the interface is up (as FRR's
	// redistribute connected).
	Connected []Interface `json:"connected"`
	// Originate are routes originated with metric 1 whatever the links do
	// (the loopback /32).
	Originate []netip.Prefix `json:"originate,omitempty"`
	Update    time.Duration  `json:"update"`
	Timeout   time.Duration  `json:"timeout"`
	Garbage   time.Duration  `json:"garbage"`
	// Auth is nil when packets carry no authentication.
	Auth *Auth `json:"auth,omitempty"`
}

// Interface is an interface RIP runs on.
type Interface struct {
	Name string       `json:"name"`
	Addr netip.Prefix `json:"addr"`
}

// Auth is RIPv2 authentication: Type "plain" (RFC 2453 §5.2) or "md5"
// (keyed MD5, RFC 4822).
type Auth struct {
	Type  string `json:"type"`
	Key   string `json:"key"`
	KeyID uint8  `json:"key_id"`
}
