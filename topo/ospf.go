package topo

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// OSPFArea is an OSPF area ID (RFC 2328 §3): written 1 or "0.0.0.1" in the
// file, shown dotted.
type OSPFArea uint32

// String is the dotted form, as FRR and the RFC show it.
func (a OSPFArea) String() string {
	return fmt.Sprintf("%d.%d.%d.%d", byte(a>>24), byte(a>>16), byte(a>>8), byte(a))
}

// MarshalText writes the dotted form (state.json, -o json).
func (a OSPFArea) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads what MarshalText writes, or a decimal number.
func (a *OSPFArea) UnmarshalText(b []byte) error {
	v, prob := ParseOSPFArea(string(b))
	if prob != "" {
		return fmt.Errorf("ospf area: %s", prob)
	}
	*a = v
	return nil
}

// ParseOSPFArea reads an area ID, a decimal number (0 to 4294967295) or a
// dotted quad; the problem is "" when it is valid.
func ParseOSPFArea(s string) (OSPFArea, string) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, ".") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return 0, fmt.Sprintf("area %q is not an area ID: use a number (1) or a dotted quad (\"0.0.0.1\")", s)
		}
		return OSPFArea(addrToU32(a)), ""
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Sprintf("area %q is not an area ID: use a number from 0 to 4294967295 or a dotted quad (\"0.0.0.1\")", s)
	}
	return OSPFArea(v), ""
}

// OSPF defaults.
const (
	// OSPFDefaultCost is an interface's cost when the file gives none
	// (FRR's for a 100 Mbit/s reference on a veth is 10 too).
	OSPFDefaultCost = 10
	OSPFAuthSimple  = "simple"
	OSPFAuthMD5     = "md5"
	// Redistribution sources of an AS's ospf block.
	RedistributeBGP       = "bgp"
	RedistributeStatic    = "static"
	RedistributeConnected = "connected"
)

// ASOSPF is an AS's ospf block: settings every OSPF router of the AS
// shares.
type ASOSPF struct {
	// StubAreas are areas (never 0) without AS-external LSAs.
	StubAreas []OSPFArea `json:"stub_areas,omitempty"`
	// Auth is RFC 2328 App. D authentication on every OSPF interface of
	// the AS (nil: none).
	Auth *OSPFAuth `json:"auth,omitempty"`
	// Redistribute lists what becomes AS-external (type-5) LSAs:
	// RedistributeBGP, RedistributeStatic, RedistributeConnected.
	Redistribute []string `json:"redistribute,omitempty"`
}

// Stub reports whether area is one of the AS's stub areas.
func (o *ASOSPF) Stub(area OSPFArea) bool {
	if o == nil {
		return false
	}
	for _, s := range o.StubAreas {
		if s == area {
			return true
		}
	}
	return false
}

// Redistributes reports whether what (RedistributeBGP, …) is redistributed.
func (o *ASOSPF) Redistributes(what string) bool {
	if o == nil {
		return false
	}
	for _, r := range o.Redistribute {
		if r == what {
			return true
		}
	}
	return false
}

// OSPFAuth is OSPF authentication: "simple" (a key of up to 8 bytes) or
// "md5" (a key of up to 16 bytes and its key ID).
type OSPFAuth struct {
	Type  string `json:"type"`
	Key   string `json:"key"`
	KeyID uint8  `json:"key_id"`
}

// LinkOSPF is a link's ospf block. On a link to a switch it is the
// member's interface on the segment.
type LinkOSPF struct {
	Area OSPFArea `json:"area"`
	// Cost is 1–65535 (0: OSPFDefaultCost).
	Cost    uint16 `json:"cost,omitempty"`
	Passive bool   `json:"passive,omitempty"`
}

// OSPFOf is what OSPF runs with on link idx: the link's block or the
// defaults (area 0, OSPFDefaultCost, active).
func (l *Lab) OSPFOf(idx int) LinkOSPF {
	o := LinkOSPF{Cost: OSPFDefaultCost}
	if idx < 0 || idx >= len(l.Links) || l.Links[idx].OSPF == nil {
		return o
	}
	o = *l.Links[idx].OSPF
	if o.Cost == 0 {
		o.Cost = OSPFDefaultCost
	}
	return o
}

// OSPFLink reports whether OSPF runs across link idx: between two routers
// of one OSPF AS, on an `igp = true` link with a router of an OSPF AS, or
// between a router of an OSPF AS and a switch (on the segment, towards
// whoever speaks OSPF there).
func (l *Lab) OSPFLink(idx int) bool {
	if idx < 0 || idx >= len(l.Links) {
		return false
	}
	k := l.Links[idx]
	a, b := l.Node(k.A.Node), l.Node(k.B.Node)
	if a == nil || b == nil {
		return false
	}
	ospfRouter := func(n *Node) bool {
		if n.Kind != KindRouter {
			return false
		}
		as := l.AS(n.AS)
		return as != nil && as.IGP == IGPOSPF
	}
	switch {
	case k.Kind == LinkSwitch:
		return ospfRouter(a)
	case k.IGP:
		return ospfRouter(a) || ospfRouter(b)
	default:
		return ospfRouter(a) && ospfRouter(b) && a.AS == b.AS
	}
}
