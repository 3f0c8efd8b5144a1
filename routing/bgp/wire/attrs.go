package wire

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Path attribute type codes.
const (
	AttrOrigin          = 1
	AttrASPath          = 2
	AttrNextHop         = 3
	AttrMED             = 4
	AttrLocalPref       = 5
	AttrAtomicAggregate = 6
	AttrAggregator      = 7
	AttrCommunities     = 8
	AttrOriginatorID    = 9  // RFC 4456
	AttrClusterList     = 10 // RFC 4456
	AttrMPReach         = 14
	AttrMPUnreach       = 15
	AttrAS4Path         = 17
	AttrAS4Aggregator   = 18
	AttrLargeCommunity  = 32
)

// Attribute flag bits.
const (
	FlagOptional   = 0x80
	FlagTransitive = 0x40
	FlagPartial    = 0x20
	FlagExtLen     = 0x10
)

// Origin values.
type Origin uint8

// ORIGIN values, lowest preferred.
const (
	OriginIGP        Origin = 0
	OriginEGP        Origin = 1
	OriginIncomplete Origin = 2
)

func (o Origin) String() string {
	switch o {
	case OriginIGP:
		return "i"
	case OriginEGP:
		return "e"
	case OriginIncomplete:
		return "?"
	}
	return strconv.Itoa(int(o))
}

// AS_PATH segment types.
const (
	SegSet        = 1
	SegSequence   = 2
	SegConfedSeq  = 3
	SegConfedSet  = 4
	maxSegmentLen = 255
)

// Well-known communities (RFC 1997, RFC 8326, RFC 7999, RFC 3765).
const (
	CommNoExport          = 0xFFFFFF01
	CommNoAdvertise       = 0xFFFFFF02
	CommNoExportSubconfed = 0xFFFFFF03
	CommNoPeer            = 0xFFFFFF04
	CommGracefulShutdown  = 0xFFFF0000
	CommBlackhole         = 0xFFFF029A
)

// wellKnownComms are the names FormatCommunity and ParseCommunity use.
var wellKnownComms = map[uint32]string{
	CommNoExport: "no-export", CommNoAdvertise: "no-advertise", CommNoExportSubconfed: "no-export-subconfed",
	CommNoPeer: "no-peer", CommGracefulShutdown: "graceful-shutdown", CommBlackhole: "blackhole",
}

// ASSegment is one AS_PATH segment.
type ASSegment struct {
	Type uint8    `json:"type"`
	ASNs []uint32 `json:"asns"`
}

// ASPath is a sequence of segments.
type ASPath []ASSegment

// Len is the path length for best-path selection: a SET counts one,
// confederation segments count nothing (RFC 4271 §9.1.2.2, RFC 5065).
func (p ASPath) Len() int {
	n := 0
	for _, s := range p {
		switch s.Type {
		case SegSequence:
			n += len(s.ASNs)
		case SegSet:
			n++
		}
	}
	return n
}

// Contains reports whether asn appears anywhere in the path.
func (p ASPath) Contains(asn uint32) bool {
	for _, s := range p {
		if slices.Contains(s.ASNs, asn) {
			return true
		}
	}
	return false
}

// First is the neighbouring AS: the first ASN of a leading SEQUENCE
// (0 for an empty path or one starting with a SET).
func (p ASPath) First() uint32 {
	for _, s := range p {
		if s.Type == SegConfedSeq || s.Type == SegConfedSet {
			continue
		}
		if s.Type == SegSequence && len(s.ASNs) > 0 {
			return s.ASNs[0]
		}
		return 0
	}
	return 0
}

// Prepend returns a new path with asn prepended n times.
func (p ASPath) Prepend(asn uint32, n int) ASPath {
	if n <= 0 {
		return p
	}
	out := make(ASPath, 0, len(p)+1)
	add := slices.Repeat([]uint32{asn}, n)
	rest := p
	if len(p) > 0 && p[0].Type == SegSequence {
		add = append(add, p[0].ASNs...)
		rest = p[1:]
	}
	for len(add) > 0 {
		k := min(len(add), maxSegmentLen)
		out = append(out, ASSegment{Type: SegSequence, ASNs: slices.Clone(add[:k])})
		add = add[k:]
	}
	for _, s := range rest {
		out = append(out, ASSegment{Type: s.Type, ASNs: slices.Clone(s.ASNs)})
	}
	return out
}

// String writes the path as "64500 64510 {1 2}" (policy regexps match it).
func (p ASPath) String() string {
	var parts []string
	for _, s := range p {
		asns := make([]string, len(s.ASNs))
		for i, a := range s.ASNs {
			asns[i] = strconv.FormatUint(uint64(a), 10)
		}
		j := strings.Join(asns, " ")
		switch s.Type {
		case SegSet:
			j = "{" + j + "}"
		case SegConfedSeq:
			j = "(" + j + ")"
		case SegConfedSet:
			j = "[" + j + "]"
		}
		parts = append(parts, j)
	}
	return strings.Join(parts, " ")
}

// Aggregator is the AGGREGATOR attribute.
type Aggregator struct {
	AS   uint32     `json:"as"`
	Addr netip.Addr `json:"addr"`
}

// LargeCommunity is an RFC 8092 community.
type LargeCommunity struct {
	Global uint32 `json:"global"`
	Local1 uint32 `json:"local1"`
	Local2 uint32 `json:"local2"`
}

func (c LargeCommunity) String() string {
	return fmt.Sprintf("%d:%d:%d", c.Global, c.Local1, c.Local2)
}

// FormatCommunity writes a community as "ASN:VALUE" or its well-known name.
func FormatCommunity(c uint32) string {
	if n, ok := wellKnownComms[c]; ok {
		return n
	}
	return fmt.Sprintf("%d:%d", c>>16, c&0xffff)
}

// ParseCommunity parses "ASN:VALUE" or a well-known name.
func ParseCommunity(s string) (uint32, error) {
	for c, n := range wellKnownComms {
		if n == s {
			return c, nil
		}
	}
	a, v, ok := strings.Cut(s, ":")
	if !ok {
		return 0, fmt.Errorf("community %q: want ASN:VALUE", s)
	}
	hi, err1 := strconv.ParseUint(a, 10, 16)
	lo, err2 := strconv.ParseUint(v, 10, 16)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("community %q: want two numbers 0-65535", s)
	}
	return uint32(hi)<<16 | uint32(lo), nil
}

// MPReach is MP_REACH_NLRI (RFC 4760). NLRI is decoded for IPv4 unicast;
// other address families keep their NLRI octets in Raw.
type MPReach struct {
	AFI     uint16         `json:"afi"`
	SAFI    uint8          `json:"safi"`
	NextHop []byte         `json:"next_hop"`
	NLRI    []netip.Prefix `json:"nlri,omitempty"`
	Raw     []byte         `json:"raw,omitempty"`
}

// MPUnreach is MP_UNREACH_NLRI.
type MPUnreach struct {
	AFI       uint16         `json:"afi"`
	SAFI      uint8          `json:"safi"`
	Withdrawn []netip.Prefix `json:"withdrawn,omitempty"`
	Raw       []byte         `json:"raw,omitempty"`
}

// IPv4Unicast reports whether the attribute carries IPv4 unicast.
func (m *MPReach) IPv4Unicast() bool { return m.AFI == AFIIPv4 && m.SAFI == SAFIUnicast }

// IPv4Unicast reports whether the attribute carries IPv4 unicast.
func (m *MPUnreach) IPv4Unicast() bool { return m.AFI == AFIIPv4 && m.SAFI == SAFIUnicast }

// RawAttr is an attribute netemu does not interpret; optional transitive
// ones are passed on with the partial bit set.
type RawAttr struct {
	Flags uint8  `json:"flags"`
	Type  uint8  `json:"type"`
	Data  []byte `json:"data"`
}

// PathAttrs are an UPDATE's path attributes. The Has* flags say which
// scalar attributes were present.
type PathAttrs struct {
	HasOrigin       bool             `json:"-"`
	Origin          Origin           `json:"origin"`
	HasASPath       bool             `json:"-"`
	ASPath          ASPath           `json:"as_path,omitempty"`
	NextHop         netip.Addr       `json:"next_hop,omitzero"`
	HasMED          bool             `json:"has_med,omitempty"`
	MED             uint32           `json:"med,omitempty"`
	HasLocalPref    bool             `json:"has_local_pref,omitempty"`
	LocalPref       uint32           `json:"local_pref,omitempty"`
	AtomicAggregate bool             `json:"atomic_aggregate,omitempty"`
	Aggregator      *Aggregator      `json:"aggregator,omitempty"`
	Communities     []uint32         `json:"communities,omitempty"`
	LargeComms      []LargeCommunity `json:"large_communities,omitempty"`
	// OriginatorID (RFC 4456) is the router ID of the route's originator
	// in the AS, set by the first route reflector; invalid when absent.
	OriginatorID netip.Addr `json:"originator_id,omitzero"`
	// ClusterList (RFC 4456) is the clusters the route was reflected
	// through, the last reflector's first.
	ClusterList []netip.Addr `json:"cluster_list,omitempty"`
	MPReach     *MPReach     `json:"mp_reach,omitempty"`
	MPUnreach   *MPUnreach   `json:"mp_unreach,omitempty"`
	Unknown     []RawAttr    `json:"unknown,omitempty"`
	// Partial holds, as bits 1<<type, the recognized optional transitive
	// attributes (AGGREGATOR, COMMUNITIES, LARGE_COMMUNITY) that arrived
	// with the Partial bit: RFC 4271 §5 forbids clearing it on the way on.
	Partial uint64 `json:"-"`
}

// Clone returns a deep copy.
func (a *PathAttrs) Clone() *PathAttrs {
	c := *a
	c.ASPath = make(ASPath, len(a.ASPath))
	for i, s := range a.ASPath {
		c.ASPath[i] = ASSegment{Type: s.Type, ASNs: slices.Clone(s.ASNs)}
	}
	if len(a.ASPath) == 0 {
		c.ASPath = nil
	}
	if a.Aggregator != nil {
		g := *a.Aggregator
		c.Aggregator = &g
	}
	c.Communities = slices.Clone(a.Communities)
	c.LargeComms = slices.Clone(a.LargeComms)
	c.ClusterList = slices.Clone(a.ClusterList)
	c.MPReach, c.MPUnreach = nil, nil
	c.Unknown = make([]RawAttr, len(a.Unknown))
	for i, u := range a.Unknown {
		c.Unknown[i] = RawAttr{Flags: u.Flags, Type: u.Type, Data: slices.Clone(u.Data)}
	}
	if len(a.Unknown) == 0 {
		c.Unknown = nil
	}
	return &c
}

// HasCommunity reports whether c is attached.
func (a *PathAttrs) HasCommunity(c uint32) bool { return slices.Contains(a.Communities, c) }
