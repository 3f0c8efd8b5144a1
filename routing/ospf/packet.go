// Package ospf is netemu's OSPFv2 (RFC 2328): the packet and LSA codecs,
// authentication (RFC 2328 App. D), and the protocol engine — interface and
// neighbour state machines, flooding, the link-state database, SPF with
// equal-cost multipath, inter-area and external routes. Everything here is
// pure Go driven by an injected clock, transport and kernel table; the raw
// IP socket lives in the _linux.go files.
package ospf

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Protocol constants (RFC 2328 App. A and B).
const (
	IPProto    = 89
	Version    = 2
	HeaderLen  = 24
	lsaHdrLen  = 20
	helloLen   = 20 // fixed part of a Hello body
	ddLen      = 8  // fixed part of a Database Description body
	lsrEntry   = 12
	md5Len     = 16
	authOffset = 16 // the 64-bit authentication field in the header
)

// Multicast groups of RFC 2328 §A.1.
var (
	AllSPFRouters = netip.AddrFrom4([4]byte{224, 0, 0, 5})
	AllDRouters   = netip.AddrFrom4([4]byte{224, 0, 0, 6})
)

// ID is a 32-bit dotted quantity: a router ID, area ID, link state ID, or
// an address or mask as OSPF carries them.
type ID uint32

func (i ID) String() string {
	return fmt.Sprintf("%d.%d.%d.%d", byte(i>>24), byte(i>>16), byte(i>>8), byte(i))
}

// Addr is i as an IPv4 address.
func (i ID) Addr() netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(i))
	return netip.AddrFrom4(b)
}

// IDOf is the ID of an IPv4 address (0 for anything else).
func IDOf(a netip.Addr) ID {
	if !a.Is4() && !a.Is4In6() {
		return 0
	}
	b := a.Unmap().As4()
	return ID(binary.BigEndian.Uint32(b[:]))
}

// MaskOf is the ID form of a prefix length's mask.
func MaskOf(bits int) ID {
	if bits <= 0 {
		return 0
	}
	return ID(^uint32(0) << (32 - min(bits, 32)))
}

// MaskBits is the prefix length of a contiguous mask, ok false otherwise.
func MaskBits(m ID) (int, bool) {
	n := 0
	for n < 32 && m&(1<<(31-n)) != 0 {
		n++
	}
	return n, MaskOf(n) == m
}

// PrefixOf builds a prefix from an address and a mask (ok false for a
// non-contiguous mask).
func PrefixOf(a, mask ID) (netip.Prefix, bool) {
	bits, ok := MaskBits(mask)
	if !ok {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a.Addr(), bits).Masked(), true
}

// Type is a packet type.
type Type uint8

// Packet types.
const (
	TypeHello Type = 1
	TypeDD    Type = 2
	TypeLSR   Type = 3
	TypeLSU   Type = 4
	TypeLSAck Type = 5
)

func (t Type) String() string {
	switch t {
	case TypeHello:
		return "hello"
	case TypeDD:
		return "dd"
	case TypeLSR:
		return "ls-request"
	case TypeLSU:
		return "ls-update"
	case TypeLSAck:
		return "ls-ack"
	}
	return fmt.Sprintf("type-%d", uint8(t))
}

// Authentication types (App. D).
const (
	AuthNull   uint16 = 0
	AuthSimple uint16 = 1
	AuthCrypto uint16 = 2
)

// Options bits (§A.2).
const (
	OptE  uint8 = 0x02 // AS-external LSAs flooded (not a stub area)
	OptMC uint8 = 0x04
	OptNP uint8 = 0x08
	OptDC uint8 = 0x20
	OptO  uint8 = 0x40
)

// DD flags (§A.3.3).
const (
	FlagMS uint8 = 0x01
	FlagM  uint8 = 0x02
	FlagI  uint8 = 0x04
)

// Reason says why a packet or an LSA was dropped; each becomes a counter.
type Reason string

// Reasons.
const (
	ReasonShort      Reason = "short"
	ReasonLength     Reason = "bad-length"
	ReasonVersion    Reason = "bad-version"
	ReasonType       Reason = "bad-type"
	ReasonChecksum   Reason = "bad-checksum"
	ReasonArea       Reason = "wrong-area"
	ReasonAuthType   Reason = "auth-type"
	ReasonAuthFail   Reason = "auth-failed"
	ReasonAuthSeq    Reason = "auth-sequence"
	ReasonMask       Reason = "hello-mask-mismatch"
	ReasonTimers     Reason = "hello-timer-mismatch"
	ReasonOptions    Reason = "options-mismatch"
	ReasonOwn        Reason = "own-router-id"
	ReasonNoNeighbor Reason = "unknown-neighbour"
	ReasonDest       Reason = "bad-destination"
	ReasonLSAChecks  Reason = "lsa-bad-checksum"
	ReasonLSAType    Reason = "lsa-bad-type"
	ReasonLSAAge     Reason = "lsa-bad-age"
	ReasonLSALength  Reason = "lsa-bad-length"
	ReasonLSAScope   Reason = "lsa-wrong-area-type" // type 5 in a stub area
	ReasonMTU        Reason = "mtu-mismatch"
)

// Error is a decode or validation failure with its Reason.
type Error struct {
	Reason Reason
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("ospf: %s: %s", e.Reason, e.Msg) }

func errorf(r Reason, format string, a ...any) *Error {
	return &Error{Reason: r, Msg: fmt.Sprintf(format, a...)}
}

// Header is the common OSPF packet header (§A.3.1). Length and Checksum
// are what the wire said on decode; Encode computes Length, Sign fills
// Checksum and the authentication.
type Header struct {
	Version  uint8
	Type     Type
	Length   uint16
	RouterID ID
	AreaID   ID
	Checksum uint16
	AuType   uint16
	Auth     [8]byte
}

// Body is one of *Hello, *DD, *LSR, *LSU, *LSAck.
type Body interface {
	packetType() Type
	encode(b []byte) []byte
}

// Packet is a whole OSPF packet. Trailer holds the message digest of
// cryptographic authentication (after Length octets), nil otherwise.
type Packet struct {
	Header
	Body    Body
	Trailer []byte
}

// Hello is §A.3.2.
type Hello struct {
	Mask      ID
	Interval  uint16
	Options   uint8
	Priority  uint8
	Dead      uint32
	DR        ID
	BDR       ID
	Neighbors []ID
}

// DD is a Database Description packet, §A.3.3.
type DD struct {
	MTU     uint16
	Options uint8
	Flags   uint8
	Seq     uint32
	Headers []LSAHeader
}

// LSRKey names one requested LSA (§A.3.4).
type LSRKey struct {
	Type uint32
	ID   ID
	Adv  ID
}

// LSR is a Link State Request packet.
type LSR struct{ Keys []LSRKey }

// LSU is a Link State Update packet (§A.3.5).
type LSU struct{ LSAs []*LSA }

// LSAck is a Link State Acknowledgment packet (§A.3.6).
type LSAck struct{ Headers []LSAHeader }

func (*Hello) packetType() Type { return TypeHello }
func (*DD) packetType() Type    { return TypeDD }
func (*LSR) packetType() Type   { return TypeLSR }
func (*LSU) packetType() Type   { return TypeLSU }
func (*LSAck) packetType() Type { return TypeLSAck }

func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

func put32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func put16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }

// Decode parses one OSPF packet (the IP payload). It checks structure only:
// Verify checks the checksum and authentication.
func Decode(b []byte) (*Packet, error) {
	if len(b) < HeaderLen {
		return nil, errorf(ReasonShort, "%d octets, header needs %d", len(b), HeaderLen)
	}
	p := &Packet{}
	h := &p.Header
	h.Version, h.Type, h.Length = b[0], Type(b[1]), be16(b[2:])
	h.RouterID, h.AreaID = ID(be32(b[4:])), ID(be32(b[8:]))
	h.Checksum, h.AuType = be16(b[12:]), be16(b[14:])
	copy(h.Auth[:], b[16:24])
	if h.Version != Version {
		return nil, errorf(ReasonVersion, "version %d", h.Version)
	}
	if int(h.Length) < HeaderLen || int(h.Length) > len(b) {
		return nil, errorf(ReasonLength, "packet length %d, have %d octets", h.Length, len(b))
	}
	body := b[HeaderLen:h.Length]
	if h.AuType == AuthCrypto {
		if int(h.Auth[3]) != md5Len {
			return nil, errorf(ReasonAuthType, "digest length %d, only keyed MD5 (16) is known", h.Auth[3])
		}
		if len(b)-int(h.Length) < md5Len {
			return nil, errorf(ReasonShort, "no room for the %d-octet digest", md5Len)
		}
		p.Trailer = append([]byte(nil), b[h.Length:int(h.Length)+md5Len]...)
	}
	var err error
	switch h.Type {
	case TypeHello:
		p.Body, err = decodeHello(body)
	case TypeDD:
		p.Body, err = decodeDD(body)
	case TypeLSR:
		p.Body, err = decodeLSR(body)
	case TypeLSU:
		p.Body, err = decodeLSU(body)
	case TypeLSAck:
		var hs []LSAHeader
		hs, err = decodeHeaders(body)
		p.Body = &LSAck{Headers: hs}
	default:
		return nil, errorf(ReasonType, "packet type %d", h.Type)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func decodeHello(b []byte) (*Hello, error) {
	if len(b) < helloLen || (len(b)-helloLen)%4 != 0 {
		return nil, errorf(ReasonLength, "hello body of %d octets", len(b))
	}
	h := &Hello{Mask: ID(be32(b)), Interval: be16(b[4:]), Options: b[6], Priority: b[7], Dead: be32(b[8:]),
		DR: ID(be32(b[12:])), BDR: ID(be32(b[16:]))}
	for o := helloLen; o+4 <= len(b); o += 4 {
		h.Neighbors = append(h.Neighbors, ID(be32(b[o:])))
	}
	return h, nil
}

func decodeDD(b []byte) (*DD, error) {
	if len(b) < ddLen {
		return nil, errorf(ReasonLength, "database description body of %d octets", len(b))
	}
	d := &DD{MTU: be16(b), Options: b[2], Flags: b[3] & (FlagI | FlagM | FlagMS), Seq: be32(b[4:])}
	hs, err := decodeHeaders(b[ddLen:])
	if err != nil {
		return nil, err
	}
	d.Headers = hs
	return d, nil
}

func decodeHeaders(b []byte) ([]LSAHeader, error) {
	if len(b)%lsaHdrLen != 0 {
		return nil, errorf(ReasonLength, "%d octets of LSA headers", len(b))
	}
	var hs []LSAHeader
	for o := 0; o+lsaHdrLen <= len(b); o += lsaHdrLen {
		hs = append(hs, decodeLSAHeader(b[o:]))
	}
	return hs, nil
}

func decodeLSR(b []byte) (*LSR, error) {
	if len(b)%lsrEntry != 0 {
		return nil, errorf(ReasonLength, "ls-request body of %d octets", len(b))
	}
	r := &LSR{}
	for o := 0; o+lsrEntry <= len(b); o += lsrEntry {
		r.Keys = append(r.Keys, LSRKey{Type: be32(b[o:]), ID: ID(be32(b[o+4:])), Adv: ID(be32(b[o+8:]))})
	}
	return r, nil
}

// maxLSAs bounds what one update claims to carry, against a hostile count.
const maxLSAs = 1 << 14

func decodeLSU(b []byte) (*LSU, error) {
	if len(b) < 4 {
		return nil, errorf(ReasonLength, "ls-update body of %d octets", len(b))
	}
	n := be32(b)
	if n > maxLSAs {
		return nil, errorf(ReasonLength, "ls-update claims %d LSAs", n)
	}
	u := &LSU{}
	rest := b[4:]
	for i := uint32(0); i < n; i++ {
		l, used, err := DecodeLSA(rest)
		if err != nil {
			return nil, fmt.Errorf("lsa %d of %d: %w", i+1, n, err)
		}
		u.LSAs = append(u.LSAs, l)
		rest = rest[used:]
	}
	if len(rest) != 0 {
		return nil, errorf(ReasonLength, "%d octets after the last LSA", len(rest))
	}
	return u, nil
}

func (h *Hello) encode(b []byte) []byte {
	b = put32(b, uint32(h.Mask))
	b = put16(b, h.Interval)
	b = append(b, h.Options, h.Priority)
	b = put32(b, h.Dead)
	b = put32(b, uint32(h.DR))
	b = put32(b, uint32(h.BDR))
	for _, n := range h.Neighbors {
		b = put32(b, uint32(n))
	}
	return b
}

func (d *DD) encode(b []byte) []byte {
	b = put16(b, d.MTU)
	b = append(b, d.Options, d.Flags)
	b = put32(b, d.Seq)
	for _, h := range d.Headers {
		b = h.encode(b)
	}
	return b
}

func (r *LSR) encode(b []byte) []byte {
	for _, k := range r.Keys {
		b = put32(b, k.Type)
		b = put32(b, uint32(k.ID))
		b = put32(b, uint32(k.Adv))
	}
	return b
}

func (u *LSU) encode(b []byte) []byte {
	b = put32(b, uint32(len(u.LSAs)))
	for _, l := range u.LSAs {
		b = l.Encode(b)
	}
	return b
}

func (a *LSAck) encode(b []byte) []byte {
	for _, h := range a.Headers {
		b = h.encode(b)
	}
	return b
}

// Encode writes p: the header with Length computed from the body, the
// Checksum and authentication fields as they are in p (Sign fills them),
// then the Trailer if any.
func Encode(p *Packet) []byte {
	b := make([]byte, HeaderLen, 256)
	b[0], b[1] = p.Version, byte(p.Type)
	if p.Body != nil {
		b[1] = byte(p.Body.packetType())
		b = p.Body.encode(b)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	binary.BigEndian.PutUint32(b[4:], uint32(p.RouterID))
	binary.BigEndian.PutUint32(b[8:], uint32(p.AreaID))
	binary.BigEndian.PutUint16(b[12:], p.Checksum)
	binary.BigEndian.PutUint16(b[14:], p.AuType)
	copy(b[16:24], p.Auth[:])
	return append(b, p.Trailer...)
}

// ipChecksum is the Internet checksum (RFC 1071) of b.
func ipChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// packetChecksum is the header checksum of §D.4.1/D.4.2: the whole packet
// (Length octets) with the checksum and the 64-bit authentication field
// taken as zero.
func packetChecksum(b []byte) uint16 {
	n := int(be16(b[2:]))
	c := make([]byte, n)
	copy(c, b[:n])
	c[12], c[13] = 0, 0
	clear(c[authOffset:HeaderLen])
	return ipChecksum(c)
}
