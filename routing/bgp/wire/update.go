package wire

import (
	"encoding/binary"
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
	MPReach         *MPReach         `json:"mp_reach,omitempty"`
	MPUnreach       *MPUnreach       `json:"mp_unreach,omitempty"`
	Unknown         []RawAttr        `json:"unknown,omitempty"`
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

// Update is the UPDATE message.
type Update struct {
	Withdrawn []netip.Prefix
	// Attrs is nil when the UPDATE carries no path attributes.
	Attrs *PathAttrs
	NLRI  []netip.Prefix
	// Discarded lists the attributes dropped by "attribute discard"
	// (RFC 7606) while decoding; it is not encoded.
	Discarded []*MessageError
}

// Type implements Message.
func (*Update) Type() MsgType { return MsgUpdate }

// AllNLRI returns the reachable prefixes of the NLRI field and of an IPv4
// unicast MP_REACH_NLRI.
func (u *Update) AllNLRI() []netip.Prefix {
	out := slices.Clone(u.NLRI)
	if u.Attrs != nil && u.Attrs.MPReach != nil && u.Attrs.MPReach.IPv4Unicast() {
		out = append(out, u.Attrs.MPReach.NLRI...)
	}
	return out
}

// AllWithdrawn returns the withdrawn prefixes of the withdrawn field and of
// an IPv4 unicast MP_UNREACH_NLRI.
func (u *Update) AllWithdrawn() []netip.Prefix {
	out := slices.Clone(u.Withdrawn)
	if u.Attrs != nil && u.Attrs.MPUnreach != nil && u.Attrs.MPUnreach.IPv4Unicast() {
		out = append(out, u.Attrs.MPUnreach.Withdrawn...)
	}
	return out
}

// IsEndOfRIB reports an empty UPDATE (the IPv4 unicast End-of-RIB marker).
func (u *Update) IsEndOfRIB() bool {
	return len(u.Withdrawn) == 0 && len(u.NLRI) == 0 && u.Attrs == nil
}

// decodePrefixes parses a run of (length, prefix) pairs.
func decodePrefixes(b []byte) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for len(b) > 0 {
		bits := int(b[0])
		if bits > 32 {
			return nil, fmt.Errorf("prefix length %d", bits)
		}
		n := (bits + 7) / 8
		if len(b) < 1+n {
			return nil, fmt.Errorf("prefix /%d truncated", bits)
		}
		var a [4]byte
		copy(a[:], b[1:1+n])
		out = append(out, netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked())
		b = b[1+n:]
	}
	return out, nil
}

func appendPrefixes(b []byte, ps []netip.Prefix) []byte {
	for _, p := range ps {
		p = p.Masked()
		a := p.Addr().As4()
		b = append(b, byte(p.Bits()))
		b = append(b, a[:(p.Bits()+7)/8]...)
	}
	return b
}

func prefixesLen(ps []netip.Prefix) int {
	n := 0
	for _, p := range ps {
		n += 1 + (p.Bits()+7)/8
	}
	return n
}

// DecodeUpdate decodes an UPDATE body. Errors are *MessageError. With a
// treat-as-withdraw error the returned Update is still set (Attrs nil) so
// the caller withdraws its prefixes; with a session-reset error it is nil.
func DecodeUpdate(b []byte, opts Options) (*Update, error) {
	if len(b) < 4 {
		return nil, ResetError(ErrUpdate, ErrUpdMalformedAttrList, nil, "UPDATE body of %d octets", len(b))
	}
	wlen := int(binary.BigEndian.Uint16(b))
	if 2+wlen+2 > len(b) {
		return nil, ResetError(ErrUpdate, ErrUpdMalformedAttrList, nil, "withdrawn routes length %d overruns", wlen)
	}
	u := &Update{}
	var err error
	if u.Withdrawn, err = decodePrefixes(b[2 : 2+wlen]); err != nil {
		return nil, ResetError(ErrUpdate, ErrUpdInvalidNetworkField, nil, "withdrawn routes: %v", err)
	}
	rest := b[2+wlen:]
	alen := int(binary.BigEndian.Uint16(rest))
	if 2+alen > len(rest) {
		return nil, ResetError(ErrUpdate, ErrUpdMalformedAttrList, nil, "total path attribute length %d overruns", alen)
	}
	attrBytes := rest[2 : 2+alen]
	if u.NLRI, err = decodePrefixes(rest[2+alen:]); err != nil {
		return nil, ResetError(ErrUpdate, ErrUpdInvalidNetworkField, nil, "NLRI: %v", err)
	}
	if alen == 0 {
		if len(u.NLRI) > 0 {
			u.Withdrawn, u.NLRI = append(u.Withdrawn, u.NLRI...), nil
			return u, &MessageError{Code: ErrUpdate, Subcode: ErrUpdMissingWKAttr, Data: []byte{AttrOrigin},
				Action: ActionTreatAsWithdraw, Reason: "NLRI without path attributes"}
		}
		return u, nil
	}
	attrs, discarded, aerr := decodeAttrs(attrBytes, opts)
	u.Discarded = discarded
	if aerr != nil && aerr.Action == ActionSessionReset {
		return nil, aerr
	}
	if aerr == nil {
		aerr = checkMandatory(attrs, len(u.NLRI) > 0)
	}
	if aerr != nil {
		// treat-as-withdraw: every prefix the UPDATE names, reachable or
		// not, becomes a withdrawal.
		if attrs.MPReach != nil && attrs.MPReach.IPv4Unicast() {
			u.NLRI = append(u.NLRI, attrs.MPReach.NLRI...)
		}
		if attrs.MPUnreach != nil && attrs.MPUnreach.IPv4Unicast() {
			u.Withdrawn = append(u.Withdrawn, attrs.MPUnreach.Withdrawn...)
		}
		u.Withdrawn = append(u.Withdrawn, u.NLRI...)
		u.NLRI = nil
		return u, aerr
	}
	if !attrs.empty() {
		u.Attrs = attrs
	}
	return u, nil
}

// empty reports attributes that encode to nothing (every one discarded).
func (a *PathAttrs) empty() bool {
	return !a.HasOrigin && !a.HasASPath && !a.NextHop.IsValid() && !a.HasMED && !a.HasLocalPref &&
		!a.AtomicAggregate && a.Aggregator == nil && len(a.Communities) == 0 && len(a.LargeComms) == 0 &&
		a.MPReach == nil && a.MPUnreach == nil && len(a.Unknown) == 0
}

// checkMandatory applies RFC 4271 §5: ORIGIN and AS_PATH with any
// reachable prefix, NEXT_HOP with NLRI-field prefixes. Missing ones are
// treat-as-withdraw (RFC 7606 §3 d).
func checkMandatory(a *PathAttrs, nlri bool) *MessageError {
	reach := nlri || (a.MPReach != nil)
	missing := func(t uint8) *MessageError {
		return &MessageError{Code: ErrUpdate, Subcode: ErrUpdMissingWKAttr, Data: []byte{t},
			Action: ActionTreatAsWithdraw, Reason: fmt.Sprintf("missing well-known attribute %d", t)}
	}
	switch {
	case !reach:
		return nil
	case !a.HasOrigin:
		return missing(AttrOrigin)
	case !a.HasASPath:
		return missing(AttrASPath)
	case nlri && !a.NextHop.IsValid():
		return missing(AttrNextHop)
	}
	return nil
}

// ValidNextHop rejects next hops no router can be: 0.0.0.0, loopback,
// multicast and the limited broadcast (RFC 4271 §6.3).
func ValidNextHop(nh netip.Addr) bool {
	return !(nh.IsUnspecified() || nh.IsMulticast() || nh == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || nh.IsLoopback())
}

func decodeASPath(v []byte, as4, noConfed bool) (ASPath, error) {
	size := 2
	if as4 {
		size = 4
	}
	var p ASPath
	for len(v) > 0 {
		if len(v) < 2 {
			return nil, fmt.Errorf("truncated segment header")
		}
		t, n := v[0], int(v[1])
		if t < SegSet || t > SegConfedSet {
			return nil, fmt.Errorf("segment type %d", t)
		}
		if noConfed && (t == SegConfedSeq || t == SegConfedSet) {
			return nil, fmt.Errorf("confederation segment")
		}
		if n == 0 {
			return nil, fmt.Errorf("empty segment")
		}
		if len(v) < 2+n*size {
			return nil, fmt.Errorf("segment of %d ASNs overruns", n)
		}
		s := ASSegment{Type: t, ASNs: make([]uint32, n)}
		for i := range n {
			if as4 {
				s.ASNs[i] = binary.BigEndian.Uint32(v[2+4*i:])
			} else {
				s.ASNs[i] = uint32(binary.BigEndian.Uint16(v[2+2*i:]))
			}
			if s.ASNs[i] == 0 {
				// RFC 7607: AS 0 makes AS_PATH and AS4_PATH malformed.
				return nil, fmt.Errorf("AS 0")
			}
		}
		p = append(p, s)
		v = v[2+n*size:]
	}
	return p, nil
}

// mergeAS4 rebuilds the 4-octet path from a 2-octet speaker's AS_PATH and
// AS4_PATH (RFC 6793 §4.2.3).
func mergeAS4(a *PathAttrs, as4Path ASPath, has bool, as4Agg *Aggregator) {
	if a.Aggregator != nil && a.Aggregator.AS != ASTrans {
		// The aggregating speaker was old: whatever AS4 information follows
		// predates the aggregation and must be ignored.
		return
	}
	if a.Aggregator != nil && as4Agg != nil {
		a.Aggregator = as4Agg
	}
	if !has || !a.HasASPath {
		return
	}
	n2, n4 := a.ASPath.Len(), as4Path.Len()
	if n2 < n4 {
		return
	}
	need := n2 - n4
	var out ASPath
	for _, s := range a.ASPath {
		if s.Type == SegConfedSeq || s.Type == SegConfedSet {
			out = append(out, s)
			continue
		}
		if need == 0 {
			break
		}
		if s.Type == SegSet {
			out = append(out, s)
			need--
			continue
		}
		k := min(need, len(s.ASNs))
		out = append(out, ASSegment{Type: s.Type, ASNs: s.ASNs[:k]})
		need -= k
	}
	// A SEQUENCE split across AS_PATH and AS4_PATH is one sequence.
	if len(out) > 0 && len(as4Path) > 0 && out[len(out)-1].Type == SegSequence && as4Path[0].Type == SegSequence &&
		len(out[len(out)-1].ASNs)+len(as4Path[0].ASNs) <= maxSegmentLen {
		last := &out[len(out)-1]
		last.ASNs = append(slices.Clone(last.ASNs), as4Path[0].ASNs...)
		as4Path = as4Path[1:]
	}
	out = append(out, as4Path...)
	if len(out) == 0 {
		out = nil
	}
	a.ASPath = out
}

func decodeMPReach(v []byte) (*MPReach, error) {
	if len(v) < 5 {
		return nil, fmt.Errorf("%d octets", len(v))
	}
	m := &MPReach{AFI: binary.BigEndian.Uint16(v), SAFI: v[2]}
	nhl := int(v[3])
	if len(v) < 4+nhl+1 {
		return nil, fmt.Errorf("next hop of %d octets overruns", nhl)
	}
	m.NextHop = slices.Clone(v[4 : 4+nhl])
	nlri := v[4+nhl+1:]
	if !m.IPv4Unicast() {
		m.Raw = slices.Clone(nlri)
		return m, nil
	}
	if nhl != 4 {
		return nil, fmt.Errorf("IPv4 next hop of %d octets", nhl)
	}
	var err error
	if m.NLRI, err = decodePrefixes(nlri); err != nil {
		return nil, err
	}
	return m, nil
}

func decodeMPUnreach(v []byte) (*MPUnreach, error) {
	if len(v) < 3 {
		return nil, fmt.Errorf("%d octets", len(v))
	}
	m := &MPUnreach{AFI: binary.BigEndian.Uint16(v), SAFI: v[2]}
	if !m.IPv4Unicast() {
		m.Raw = slices.Clone(v[3:])
		return m, nil
	}
	var err error
	if m.Withdrawn, err = decodePrefixes(v[3:]); err != nil {
		return nil, err
	}
	return m, nil
}

func appendAttr(b []byte, flags, typ uint8, v []byte) []byte {
	if len(v) > 255 {
		b = append(b, flags|FlagExtLen, typ)
		b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	} else {
		b = append(b, flags&^FlagExtLen, typ, byte(len(v)))
	}
	return append(b, v...)
}

func appendASPath(b []byte, p ASPath, as4 bool, trans bool) []byte {
	for _, s := range p {
		asns := s.ASNs
		for len(asns) > 0 {
			k := min(len(asns), maxSegmentLen)
			b = append(b, s.Type, byte(k))
			for _, asn := range asns[:k] {
				switch {
				case as4:
					b = binary.BigEndian.AppendUint32(b, asn)
				case trans && asn > 0xffff:
					b = binary.BigEndian.AppendUint16(b, ASTrans)
				default:
					b = binary.BigEndian.AppendUint16(b, uint16(asn))
				}
			}
			asns = asns[k:]
		}
	}
	return b
}

func (p ASPath) has4Octet() bool {
	for _, s := range p {
		for _, a := range s.ASNs {
			if a > 0xffff {
				return true
			}
		}
	}
	return false
}

// Encode writes the attributes in type-code order (without the UPDATE
// around them: the Adj-RIB-Out compares these bytes).
func (a *PathAttrs) Encode(opts Options) []byte {
	var b []byte
	// optTrans are the flags of a recognized optional transitive
	// attribute, Partial kept as received.
	optTrans := func(typ uint8) uint8 {
		if a.Partial&(1<<typ) != 0 {
			return FlagOptional | FlagTransitive | FlagPartial
		}
		return FlagOptional | FlagTransitive
	}
	if a.HasOrigin {
		b = appendAttr(b, FlagTransitive, AttrOrigin, []byte{byte(a.Origin)})
	}
	if a.HasASPath {
		b = appendAttr(b, FlagTransitive, AttrASPath, appendASPath(nil, a.ASPath, opts.AS4, true))
	}
	if a.NextHop.Is4() {
		nh := a.NextHop.As4()
		b = appendAttr(b, FlagTransitive, AttrNextHop, nh[:])
	}
	if a.HasMED {
		b = appendAttr(b, FlagOptional, AttrMED, binary.BigEndian.AppendUint32(nil, a.MED))
	}
	if a.HasLocalPref {
		b = appendAttr(b, FlagTransitive, AttrLocalPref, binary.BigEndian.AppendUint32(nil, a.LocalPref))
	}
	if a.AtomicAggregate {
		b = appendAttr(b, FlagTransitive, AttrAtomicAggregate, nil)
	}
	if g := a.Aggregator; g != nil {
		ip := g.Addr.As4()
		var v []byte
		switch {
		case opts.AS4:
			v = binary.BigEndian.AppendUint32(nil, g.AS)
		case g.AS > 0xffff:
			v = binary.BigEndian.AppendUint16(nil, ASTrans)
		default:
			v = binary.BigEndian.AppendUint16(nil, uint16(g.AS))
		}
		b = appendAttr(b, optTrans(AttrAggregator), AttrAggregator, append(v, ip[:]...))
	}
	if len(a.Communities) > 0 {
		v := make([]byte, 0, 4*len(a.Communities))
		for _, c := range a.Communities {
			v = binary.BigEndian.AppendUint32(v, c)
		}
		b = appendAttr(b, optTrans(AttrCommunities), AttrCommunities, v)
	}
	if m := a.MPReach; m != nil {
		v := binary.BigEndian.AppendUint16(nil, m.AFI)
		v = append(v, m.SAFI, byte(len(m.NextHop)))
		v = append(v, m.NextHop...)
		v = append(v, 0)
		if m.IPv4Unicast() {
			v = appendPrefixes(v, m.NLRI)
		} else {
			v = append(v, m.Raw...)
		}
		b = appendAttr(b, FlagOptional, AttrMPReach, v)
	}
	if m := a.MPUnreach; m != nil {
		v := binary.BigEndian.AppendUint16(nil, m.AFI)
		v = append(v, m.SAFI)
		if m.IPv4Unicast() {
			v = appendPrefixes(v, m.Withdrawn)
		} else {
			v = append(v, m.Raw...)
		}
		b = appendAttr(b, FlagOptional, AttrMPUnreach, v)
	}
	if !opts.AS4 {
		// Towards an old speaker the 4-octet truth travels in AS4_PATH and
		// AS4_AGGREGATOR (RFC 6793 §4.2.2); confederation segments stay out.
		if a.HasASPath && a.ASPath.has4Octet() {
			var p ASPath
			for _, s := range a.ASPath {
				if s.Type == SegSet || s.Type == SegSequence {
					p = append(p, s)
				}
			}
			b = appendAttr(b, FlagOptional|FlagTransitive, AttrAS4Path, appendASPath(nil, p, true, false))
		}
		if g := a.Aggregator; g != nil && g.AS > 0xffff {
			ip := g.Addr.As4()
			b = appendAttr(b, FlagOptional|FlagTransitive, AttrAS4Aggregator, append(binary.BigEndian.AppendUint32(nil, g.AS), ip[:]...))
		}
	}
	if len(a.LargeComms) > 0 {
		v := make([]byte, 0, 12*len(a.LargeComms))
		for _, c := range a.LargeComms {
			v = binary.BigEndian.AppendUint32(v, c.Global)
			v = binary.BigEndian.AppendUint32(v, c.Local1)
			v = binary.BigEndian.AppendUint32(v, c.Local2)
		}
		b = appendAttr(b, optTrans(AttrLargeCommunity), AttrLargeCommunity, v)
	}
	for _, u := range a.Unknown {
		b = appendAttr(b, u.Flags, u.Type, u.Data)
	}
	return b
}

func (u *Update) appendTo(b []byte, opts Options) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(prefixesLen(u.Withdrawn)))
	b = appendPrefixes(b, u.Withdrawn)
	var attrs []byte
	if u.Attrs != nil {
		attrs = u.Attrs.Encode(opts)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(attrs)))
	b = append(b, attrs...)
	return appendPrefixes(b, u.NLRI)
}

// SplitUpdate encodes withdrawals and announcements sharing attrs as as
// few UPDATE messages as fit in 4096 octets each.
func SplitUpdate(withdrawn []netip.Prefix, attrs *PathAttrs, nlri []netip.Prefix, opts Options) ([][]byte, error) {
	var out [][]byte
	emit := func(u *Update) error {
		m, err := EncodeMessage(u, opts)
		if err != nil {
			return err
		}
		out = append(out, m)
		return nil
	}
	const room = MaxMsgLen - HeaderLen - 4
	for len(withdrawn) > 0 {
		n, size := 0, 0
		for n < len(withdrawn) && size+1+(withdrawn[n].Bits()+7)/8 <= room {
			size += 1 + (withdrawn[n].Bits()+7)/8
			n++
		}
		if err := emit(&Update{Withdrawn: withdrawn[:n]}); err != nil {
			return nil, err
		}
		withdrawn = withdrawn[n:]
	}
	if len(nlri) == 0 || attrs == nil {
		return out, nil
	}
	alen := len(attrs.Encode(opts))
	if alen+5 > room {
		return nil, fmt.Errorf("path attributes of %d octets leave no room for NLRI", alen)
	}
	for len(nlri) > 0 {
		n, size := 0, alen
		for n < len(nlri) && size+1+(nlri[n].Bits()+7)/8 <= room {
			size += 1 + (nlri[n].Bits()+7)/8
			n++
		}
		if err := emit(&Update{Attrs: attrs, NLRI: nlri[:n]}); err != nil {
			return nil, err
		}
		nlri = nlri[n:]
	}
	return out, nil
}
