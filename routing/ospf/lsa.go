package ospf

import (
	"fmt"
	"slices"
)

// LSA types (§A.4.1).
const (
	LSARouter      uint8 = 1
	LSANetwork     uint8 = 2
	LSASummary     uint8 = 3
	LSAASBRSummary uint8 = 4
	LSAExternal    uint8 = 5
)

// Architectural constants (App. B).
const (
	MaxAge        = 3600 // seconds
	MaxAgeDiff    = 900
	LSInfinity    = 0xffffff
	InitialSeq    = int32(-0x7fffffff) // 0x80000001
	MaxSeq        = int32(0x7fffffff)
	CheckAge      = 300
	DefaultDest   = ID(0)
	routerLinkLen = 12
)

// LSAHeader is §A.4.1.
type LSAHeader struct {
	Age      uint16
	Options  uint8
	Type     uint8
	ID       ID
	Adv      ID
	Seq      int32
	Checksum uint16
	Length   uint16
}

// Key identifies an LSA in the database: type, link state ID, advertising
// router.
type Key struct {
	Type uint8
	ID   ID
	Adv  ID
}

func (k Key) String() string { return fmt.Sprintf("%d/%s/%s", k.Type, k.ID, k.Adv) }

// Key is h's database key.
func (h LSAHeader) Key() Key { return Key{Type: h.Type, ID: h.ID, Adv: h.Adv} }

func decodeLSAHeader(b []byte) LSAHeader {
	return LSAHeader{Age: be16(b), Options: b[2], Type: b[3], ID: ID(be32(b[4:])), Adv: ID(be32(b[8:])),
		Seq: int32(be32(b[12:])), Checksum: be16(b[16:]), Length: be16(b[18:])}
}

func (h LSAHeader) encode(b []byte) []byte {
	b = put16(b, h.Age)
	b = append(b, h.Options, h.Type)
	b = put32(b, uint32(h.ID))
	b = put32(b, uint32(h.Adv))
	b = put32(b, uint32(h.Seq))
	b = put16(b, h.Checksum)
	return put16(b, h.Length)
}

// LSA is a whole LSA: the header and one of the bodies *RouterLSA,
// *NetworkLSA, *SummaryLSA (types 3 and 4), *ExternalLSA, or *UnknownLSA.
type LSA struct {
	LSAHeader
	Body LSABody
}

// LSABody is the part of an LSA after its header.
type LSABody interface {
	encode(b []byte) []byte
}

// Router-LSA flags (§A.4.2).
const (
	RouterB uint8 = 0x01 // area border router
	RouterE uint8 = 0x02 // AS boundary router
	RouterV uint8 = 0x04 // virtual link endpoint
)

// Router link types (§A.4.2).
const (
	LinkP2P     uint8 = 1
	LinkTransit uint8 = 2
	LinkStub    uint8 = 3
	LinkVirtual uint8 = 4
)

// TOSMetric is one TOS-specific metric (kept for round trips; netemu
// routes on TOS 0 only, as RFC 2328 does).
type TOSMetric struct {
	TOS    uint8
	Metric uint32 // 16 bits in router-LSAs, 24 elsewhere
}

// RouterLink is one link of a router-LSA.
type RouterLink struct {
	ID     ID
	Data   ID
	Type   uint8
	Metric uint16
	TOS    []TOSMetric
}

// RouterLSA is §A.4.2.
type RouterLSA struct {
	Flags uint8
	Links []RouterLink
}

// NetworkLSA is §A.4.3.
type NetworkLSA struct {
	Mask    ID
	Routers []ID
}

// SummaryLSA is §A.4.4 (types 3 and 4).
type SummaryLSA struct {
	Mask   ID
	Metric uint32
	TOS    []TOSMetric
}

// ExternalRoute is one metric block of an AS-external-LSA.
type ExternalRoute struct {
	E       bool // type 2 metric
	TOS     uint8
	Metric  uint32
	Forward ID
	Tag     uint32
}

// ExternalLSA is §A.4.5; Routes[0] is TOS 0.
type ExternalLSA struct {
	Mask   ID
	Routes []ExternalRoute
}

// UnknownLSA keeps the body of an LSA type netemu does not know.
type UnknownLSA struct{ Data []byte }

// DecodeLSA parses the LSA at the start of b and returns how many octets
// it took. It checks the structure; Valid checks the checksum and age.
func DecodeLSA(b []byte) (*LSA, int, error) {
	if len(b) < lsaHdrLen {
		return nil, 0, errorf(ReasonLSALength, "%d octets, an LSA header needs %d", len(b), lsaHdrLen)
	}
	h := decodeLSAHeader(b)
	n := int(h.Length)
	if n < lsaHdrLen || n > len(b) {
		return nil, 0, errorf(ReasonLSALength, "LSA %s claims %d octets, have %d", h.Key(), n, len(b))
	}
	body := b[lsaHdrLen:n]
	l := &LSA{LSAHeader: h}
	var err error
	switch h.Type {
	case LSARouter:
		l.Body, err = decodeRouterLSA(body)
	case LSANetwork:
		if len(body) < 4 || len(body)%4 != 0 {
			return nil, 0, errorf(ReasonLSALength, "network-LSA body of %d octets", len(body))
		}
		nl := &NetworkLSA{Mask: ID(be32(body))}
		for o := 4; o+4 <= len(body); o += 4 {
			nl.Routers = append(nl.Routers, ID(be32(body[o:])))
		}
		l.Body = nl
	case LSASummary, LSAASBRSummary:
		if len(body) < 8 || len(body)%4 != 0 {
			return nil, 0, errorf(ReasonLSALength, "summary-LSA body of %d octets", len(body))
		}
		s := &SummaryLSA{Mask: ID(be32(body)), Metric: be32(body[4:]) & LSInfinity}
		for o := 8; o+4 <= len(body); o += 4 {
			s.TOS = append(s.TOS, TOSMetric{TOS: body[o], Metric: be32(body[o:]) & LSInfinity})
		}
		l.Body = s
	case LSAExternal:
		if len(body) < 16 || (len(body)-4)%12 != 0 {
			return nil, 0, errorf(ReasonLSALength, "AS-external-LSA body of %d octets", len(body))
		}
		x := &ExternalLSA{Mask: ID(be32(body))}
		for o := 4; o+12 <= len(body); o += 12 {
			x.Routes = append(x.Routes, ExternalRoute{E: body[o]&0x80 != 0, TOS: body[o] & 0x7f,
				Metric: be32(body[o:]) & LSInfinity, Forward: ID(be32(body[o+4:])), Tag: be32(body[o+8:])})
		}
		l.Body = x
	default:
		l.Body = &UnknownLSA{Data: append([]byte(nil), body...)}
	}
	if err != nil {
		return nil, 0, err
	}
	return l, n, nil
}

func decodeRouterLSA(b []byte) (*RouterLSA, error) {
	if len(b) < 4 {
		return nil, errorf(ReasonLSALength, "router-LSA body of %d octets", len(b))
	}
	r := &RouterLSA{Flags: b[0]}
	n := int(be16(b[2:]))
	o := 4
	for i := 0; i < n; i++ {
		if len(b)-o < routerLinkLen {
			return nil, errorf(ReasonLSALength, "router-LSA link %d of %d truncated", i+1, n)
		}
		l := RouterLink{ID: ID(be32(b[o:])), Data: ID(be32(b[o+4:])), Type: b[o+8], Metric: be16(b[o+10:])}
		tos := int(b[o+9])
		o += routerLinkLen
		if len(b)-o < 4*tos {
			return nil, errorf(ReasonLSALength, "router-LSA link %d: %d TOS metrics truncated", i+1, tos)
		}
		for j := 0; j < tos; j++ {
			l.TOS = append(l.TOS, TOSMetric{TOS: b[o], Metric: uint32(be16(b[o+2:]))})
			o += 4
		}
		r.Links = append(r.Links, l)
	}
	if o != len(b) {
		return nil, errorf(ReasonLSALength, "router-LSA: %d octets after %d links", len(b)-o, n)
	}
	return r, nil
}

func (r *RouterLSA) encode(b []byte) []byte {
	b = append(b, r.Flags, 0)
	b = put16(b, uint16(len(r.Links)))
	for _, l := range r.Links {
		b = put32(b, uint32(l.ID))
		b = put32(b, uint32(l.Data))
		b = append(b, l.Type, uint8(len(l.TOS)))
		b = put16(b, l.Metric)
		for _, t := range l.TOS {
			b = append(b, t.TOS, 0)
			b = put16(b, uint16(t.Metric))
		}
	}
	return b
}

func (n *NetworkLSA) encode(b []byte) []byte {
	b = put32(b, uint32(n.Mask))
	for _, r := range n.Routers {
		b = put32(b, uint32(r))
	}
	return b
}

func (s *SummaryLSA) encode(b []byte) []byte {
	b = put32(b, uint32(s.Mask))
	b = put32(b, s.Metric&LSInfinity)
	for _, t := range s.TOS {
		b = put32(b, uint32(t.TOS)<<24|t.Metric&LSInfinity)
	}
	return b
}

func (x *ExternalLSA) encode(b []byte) []byte {
	b = put32(b, uint32(x.Mask))
	for _, r := range x.Routes {
		v := uint32(r.TOS&0x7f)<<24 | r.Metric&LSInfinity
		if r.E {
			v |= 1 << 31
		}
		b = put32(b, v)
		b = put32(b, uint32(r.Forward))
		b = put32(b, r.Tag)
	}
	return b
}

func (u *UnknownLSA) encode(b []byte) []byte { return append(b, u.Data...) }

// Encode appends l as it stands (header fields as in l, Length included).
// Seal computes Length and the checksum.
func (l *LSA) Encode(b []byte) []byte {
	b = l.LSAHeader.encode(b)
	if l.Body != nil {
		b = l.Body.encode(b)
	}
	return b
}

// Seal sets l's Length and Fletcher checksum from its contents, as an
// originating router does.
func (l *LSA) Seal() {
	b := l.Encode(nil)
	l.Length = uint16(len(b))
	b[18], b[19] = byte(l.Length>>8), byte(l.Length)
	l.Checksum = fletcher(b[2:], 14)
}

// ChecksumOK reports whether the encoded LSA b (age first) carries a valid
// Fletcher checksum (§12.1.7): both sums over the LSA minus its age are
// zero modulo 255.
func ChecksumOK(b []byte) bool {
	if len(b) < lsaHdrLen {
		return false
	}
	if be16(b[16:]) == 0 {
		return false // 0 means "no checksum" in ISO 8473, never valid in OSPF
	}
	var c0, c1 int
	for _, v := range b[2:] {
		c0 = (c0 + int(v)) % 255
		c1 = (c1 + c0) % 255
	}
	return c0 == 0 && c1 == 0
}

// fletcher computes the ISO 8473 / RFC 905 Annex B checksum of data with
// the two checksum octets at off, so that data verifies.
func fletcher(data []byte, off int) uint16 {
	d := slices.Clone(data)
	d[off], d[off+1] = 0, 0
	var c0, c1 int
	for _, v := range d {
		c0 = (c0 + int(v)) % 255
		c1 = (c1 + c0) % 255
	}
	x := ((len(d)-off-1)*c0 - c1) % 255
	if x <= 0 {
		x += 255
	}
	y := 510 - c0 - x
	if y > 255 {
		y -= 255
	}
	return uint16(x)<<8 | uint16(y)
}

// Newer compares two instances of one LSA (§13.1): +1 when a is more
// recent, -1 when b is, 0 when they are the same instance.
func Newer(a, b LSAHeader) int {
	switch {
	case a.Seq != b.Seq:
		if a.Seq > b.Seq {
			return 1
		}
		return -1
	case a.Checksum != b.Checksum:
		if a.Checksum > b.Checksum {
			return 1
		}
		return -1
	}
	am, bm := a.Age >= MaxAge, b.Age >= MaxAge
	switch {
	case am && !bm:
		return 1
	case bm && !am:
		return -1
	}
	d := int(a.Age) - int(b.Age)
	if d > MaxAgeDiff {
		return -1
	}
	if d < -MaxAgeDiff {
		return 1
	}
	return 0
}

// Check validates a received LSA (§13 steps 1 and 2 in part): its Fletcher
// checksum over its canonical encoding, an age no greater than MaxAge, a
// known type, and a body that fits its type.
func (l *LSA) Check() *Error {
	if l.Age > MaxAge {
		return errorf(ReasonLSAAge, "LSA %s has age %d", l.Key(), l.Age)
	}
	if l.Type < LSARouter || l.Type > LSAExternal {
		return errorf(ReasonLSAType, "LSA type %d", l.Type)
	}
	if !ChecksumOK(l.Encode(nil)) {
		return errorf(ReasonLSAChecks, "LSA %s: bad Fletcher checksum", l.Key())
	}
	return nil
}
