package rip

import (
	"net/netip"
	"time"
)

// Config is one router's RIP configuration, derived from the model.
type Config struct {
	// Interfaces are the interfaces RIP speaks on.
	Interfaces []Interface `json:"interfaces"`
	// Originate are the router's own routes, advertised with metric 1 (its
	// connected subnets and its loopback, as FRR's redistribute connected).
	Originate []netip.Prefix `json:"originate"`
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
