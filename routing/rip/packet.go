// Package rip is netemu's RIPv2 (RFC 2453) speaker with plain and keyed
// MD5 authentication (RFC 4822). The codec and the protocol logic are pure
// Go driven by an injected clock and transport; the Linux UDP transport
// and the kernel glue live in the _linux.go files.
package rip

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
)

// Protocol constants (RFC 2453).
const (
	Port     = 520
	Infinity = 16
	// MaxEntries is how many route entries a packet carries (512 octets),
	// the authentication entry included.
	MaxEntries = 25

	headerLen  = 4
	entryLen   = 20
	trailerHdr = 4
	md5Len     = 16

	AFIInet = 2
	AFIAuth = 0xFFFF

	AuthPlain = 2 // simple password
	AuthMD5   = 3 // keyed MD5, RFC 4822
)

// MulticastGroup is RIPv2's group, 224.0.0.9.
var MulticastGroup = netip.AddrFrom4([4]byte{224, 0, 0, 9})

// Command is a packet's command.
type Command uint8

// Commands.
const (
	Request  Command = 1
	Response Command = 2
)

// Reason says why a packet or an entry was dropped; each becomes a
// per-neighbour counter.
type Reason string

// Reasons.
const (
	ReasonShort        Reason = "short"
	ReasonLength       Reason = "bad-length"
	ReasonV1           Reason = "v1-ignored" // a RIP-1 packet with must-be-zero fields set
	ReasonVersion      Reason = "bad-version"
	ReasonCommand      Reason = "bad-command"
	ReasonAFI          Reason = "unknown-afi"
	ReasonMetric       Reason = "bad-metric"
	ReasonMask         Reason = "bad-mask"
	ReasonDest         Reason = "bad-destination"
	ReasonNextHop      Reason = "next-hop-off-link"
	ReasonAuthMissing  Reason = "auth-missing"
	ReasonAuthType     Reason = "auth-type"
	ReasonAuthFail     Reason = "auth-failed"
	ReasonAuthSeq      Reason = "auth-sequence"
	ReasonAuthMalform  Reason = "auth-malformed"
	ReasonSourcePort   Reason = "bad-source-port"
	ReasonSourceOffNet Reason = "source-not-on-link"
	ReasonOwnPacket    Reason = "own-packet"
)

// Error is a decode or validation failure with its Reason.
type Error struct {
	Reason Reason
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("rip: %s: %s", e.Reason, e.Msg) }

func errorf(r Reason, format string, a ...any) *Error {
	return &Error{Reason: r, Msg: fmt.Sprintf(format, a...)}
}

// Entry is a route table entry exactly as on the wire; Check validates it.
type Entry struct {
	AFI     uint16
	Tag     uint16
	Addr    netip.Addr
	Mask    netip.Addr
	NextHop netip.Addr
	Metric  uint32
}

// Prefix is the entry's destination; ok is false when the mask is not
// contiguous.
func (e Entry) Prefix() (netip.Prefix, bool) {
	m := binary.BigEndian.Uint32(e.Mask.AsSlice())
	ones := bits.LeadingZeros32(^m)
	if ones < 32 && m<<ones != 0 {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(e.Addr, ones).Masked(), true
}

// MaskOf is the netmask of a prefix length.
func MaskOf(bitsLen int) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], ^uint32(0)<<(32-bitsLen)&0xFFFFFFFF)
	if bitsLen == 0 {
		b = [4]byte{}
	}
	return netip.AddrFrom4(b)
}

// Check validates an entry of a Response: AFI inet, metric 1..16, a
// contiguous mask.
func (e Entry) Check() *Error {
	if e.AFI != AFIInet {
		return errorf(ReasonAFI, "afi %d", e.AFI)
	}
	if e.Metric < 1 || e.Metric > Infinity {
		return errorf(ReasonMetric, "metric %d", e.Metric)
	}
	p, ok := e.Prefix()
	if !ok {
		return errorf(ReasonMask, "mask %s", e.Mask)
	}
	if !validDest(p) {
		return errorf(ReasonDest, "destination %s", p)
	}
	return nil
}

// validDest is RFC 2453 §3.9.2's check of a destination: not class D or
// E (multicast, reserved, broadcast), not net 127, not net 0 unless it is
// the default route.
func validDest(p netip.Prefix) bool {
	a := p.Addr().As4()
	switch {
	case a[0] >= 224, a[0] == 127:
		return false
	case a[0] == 0:
		return p.Bits() == 0
	}
	return true
}

// AuthEntry is the authentication entry (AFI 0xFFFF) that may lead a
// packet's entries, and for keyed MD5 the trailer after them.
type AuthEntry struct {
	Type uint16
	// Password is the type-2 (plain) field.
	Password [16]byte
	// Keyed MD5 (type 3) fields: PacketLen is the offset of the trailer,
	// AuthLen the authentication data length (16, or 20 from old
	// implementations that count the trailer header too).
	PacketLen uint16
	KeyID     uint8
	AuthLen   uint8
	Seq       uint32
	Reserved  [8]byte
	Digest    [md5Len]byte
}

// Packet is a decoded RIP packet.
type Packet struct {
	Command Command
	Version uint8
	Zero    uint16 // the header's must-be-zero field, kept for re-encoding
	Auth    *AuthEntry
	Entries []Entry
}

func addr4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b[:4])) }

// Decode parses a RIPv2 packet. It checks the structure only (header,
// lengths, authentication layout); entries are checked with Entry.Check
// and authentication with Verify.
func Decode(b []byte) (*Packet, error) {
	if len(b) < headerLen {
		return nil, errorf(ReasonShort, "%d octets", len(b))
	}
	p := &Packet{Command: Command(b[0]), Version: b[1], Zero: binary.BigEndian.Uint16(b[2:4])}
	if p.Version != 1 && p.Version != 2 {
		return nil, errorf(ReasonVersion, "version %d", p.Version)
	}
	if p.Command != Request && p.Command != Response {
		return nil, errorf(ReasonCommand, "command %d", p.Command)
	}
	body := b[headerLen:]
	if p.Version == 1 {
		// RIP-1 (RFC 1058), accepted as FRR and BIRD do by default: no
		// authentication, masks inferred later (InferV1Masks); a packet
		// with a must-be-zero field set is discarded (RFC 2453 §4.1).
		if p.Zero != 0 {
			return nil, errorf(ReasonV1, "must-be-zero header field %#x", p.Zero)
		}
		for e := body; len(e) >= entryLen; e = e[entryLen:] {
			if binary.BigEndian.Uint16(e[2:4]) != 0 || binary.BigEndian.Uint64(e[8:16]) != 0 {
				return nil, errorf(ReasonV1, "must-be-zero entry field set")
			}
		}
	}
	// A keyed MD5 packet carries a trailer after its entries; its length
	// comes from the authentication entry.
	if p.Version == 2 && len(body) >= entryLen && binary.BigEndian.Uint16(body[0:2]) == AFIAuth {
		a := &AuthEntry{Type: binary.BigEndian.Uint16(body[2:4])}
		switch a.Type {
		case AuthPlain:
			copy(a.Password[:], body[4:20])
		case AuthMD5:
			a.PacketLen = binary.BigEndian.Uint16(body[4:6])
			a.KeyID = body[6]
			a.AuthLen = body[7]
			a.Seq = binary.BigEndian.Uint32(body[8:12])
			copy(a.Reserved[:], body[12:20])
			if a.AuthLen != md5Len && a.AuthLen != md5Len+trailerHdr {
				return nil, errorf(ReasonAuthMalform, "md5 auth data length %d", a.AuthLen)
			}
			pl := int(a.PacketLen)
			if pl < headerLen+entryLen || (pl-headerLen)%entryLen != 0 || pl+trailerHdr+md5Len != len(b) {
				return nil, errorf(ReasonAuthMalform, "md5 packet length %d in a %d-octet packet", pl, len(b))
			}
			t := b[pl:]
			if binary.BigEndian.Uint16(t[0:2]) != AFIAuth || binary.BigEndian.Uint16(t[2:4]) != 1 {
				return nil, errorf(ReasonAuthMalform, "bad md5 trailer header % x", t[:4])
			}
			copy(a.Digest[:], t[4:])
			body = b[headerLen:pl]
		default:
			return nil, errorf(ReasonAuthType, "authentication type %d", a.Type)
		}
		p.Auth = a
		body = body[entryLen:]
	}
	if len(body)%entryLen != 0 {
		return nil, errorf(ReasonLength, "%d octets of entries", len(body))
	}
	if n := len(body) / entryLen; n > 0 {
		p.Entries = make([]Entry, 0, n)
	}
	for ; len(body) >= entryLen; body = body[entryLen:] {
		p.Entries = append(p.Entries, Entry{
			AFI:     binary.BigEndian.Uint16(body[0:2]),
			Tag:     binary.BigEndian.Uint16(body[2:4]),
			Addr:    addr4(body[4:8]),
			Mask:    addr4(body[8:12]),
			NextHop: addr4(body[12:16]),
			Metric:  binary.BigEndian.Uint32(body[16:20]),
		})
	}
	return p, nil
}

// InferV1Masks fills in the masks a RIP-1 packet does not carry, as
// RFC 1058 §3.2 infers them for a packet received on ifc: a subnet of
// ifc's own classful network has ifc's mask, another network its class's;
// an address with bits beyond that mask is a host route, 0.0.0.0 the
// default route.
//
// In a RIP-2 packet a zero mask on any destination but 0.0.0.0 means "no
// subnet mask included" (RFC 2453 §4.3): the mask is inferred the same
// way. Taken literally it would make 10.76.5.1 a default route, and one
// packet from a neighbour would take over every router's default route.
func (p *Packet) InferV1Masks(ifc netip.Prefix) {
	for i := range p.Entries {
		e := &p.Entries[i]
		if p.Version != 1 && (!e.Mask.IsValid() || !e.Mask.IsUnspecified() || e.Addr.IsUnspecified()) {
			continue
		}
		if !e.Addr.Is4() || e.Addr.IsUnspecified() {
			e.Mask = MaskOf(0)
			continue
		}
		bits := classBits(e.Addr)
		if c := classBits(ifc.Addr()); c == bits && ifc.Bits() >= bits &&
			netip.PrefixFrom(ifc.Addr(), bits).Masked().Contains(e.Addr) {
			bits = ifc.Bits()
		}
		if netip.PrefixFrom(e.Addr, bits).Masked().Addr() != e.Addr {
			bits = 32
		}
		e.Mask = MaskOf(bits)
	}
}

// classBits is the prefix length of an address's classful network (32
// for class D and E, which are not networks).
func classBits(a netip.Addr) int {
	switch b := a.As4()[0]; {
	case b < 128:
		return 8
	case b < 192:
		return 16
	case b < 224:
		return 24
	}
	return 32
}

func put4(b []byte, a netip.Addr) {
	if a.Is4() {
		v := a.As4()
		copy(b, v[:])
	}
}

// Encode lays p out as on the wire. For keyed MD5 the digest is copied
// from p.Auth.Digest; Sign computes it. PacketLen is derived.
func Encode(p *Packet) []byte {
	n := headerLen + entryLen*len(p.Entries)
	if p.Auth != nil {
		n += entryLen
		if p.Auth.Type == AuthMD5 {
			n += trailerHdr + md5Len
		}
	}
	b := make([]byte, n)
	b[0], b[1] = byte(p.Command), p.Version
	binary.BigEndian.PutUint16(b[2:4], p.Zero)
	o := headerLen
	if a := p.Auth; a != nil {
		binary.BigEndian.PutUint16(b[o:], AFIAuth)
		binary.BigEndian.PutUint16(b[o+2:], a.Type)
		if a.Type == AuthMD5 {
			binary.BigEndian.PutUint16(b[o+4:], uint16(n-trailerHdr-md5Len))
			b[o+6], b[o+7] = a.KeyID, a.AuthLen
			binary.BigEndian.PutUint32(b[o+8:], a.Seq)
			copy(b[o+12:o+20], a.Reserved[:])
			t := n - trailerHdr - md5Len
			binary.BigEndian.PutUint16(b[t:], AFIAuth)
			binary.BigEndian.PutUint16(b[t+2:], 1)
			copy(b[t+4:], a.Digest[:])
		} else {
			copy(b[o+4:o+20], a.Password[:])
		}
		o += entryLen
	}
	for _, e := range p.Entries {
		binary.BigEndian.PutUint16(b[o:], e.AFI)
		binary.BigEndian.PutUint16(b[o+2:], e.Tag)
		put4(b[o+4:], e.Addr)
		put4(b[o+8:], e.Mask)
		put4(b[o+12:], e.NextHop)
		binary.BigEndian.PutUint32(b[o+16:], e.Metric)
		o += entryLen
	}
	return b
}

func padKey(key string) [16]byte {
	var k [16]byte
	copy(k[:], key)
	return k
}

// md5Digest is RFC 4822's keyed MD5: the digest of the packet up to and
// including the trailer header, followed by the key padded to 16 octets.
func md5Digest(b []byte, key string) [md5Len]byte {
	k := padKey(key)
	h := md5.New()
	h.Write(b[:len(b)-md5Len])
	h.Write(k[:])
	var d [md5Len]byte
	copy(d[:], h.Sum(nil))
	return d
}

// Sign fills in the authentication of an encoded packet in place: nothing
// for plain (the password is in the entry), the digest for keyed MD5.
func Sign(b []byte, a *Auth) {
	if a == nil || a.Type != "md5" || len(b) < md5Len {
		return
	}
	d := md5Digest(b, a.Key)
	copy(b[len(b)-md5Len:], d[:])
}

// NewAuthEntry is the authentication entry for a packet sent with a.
func NewAuthEntry(a *Auth, seq uint32) *AuthEntry {
	if a == nil {
		return nil
	}
	if a.Type == "md5" {
		return &AuthEntry{Type: AuthMD5, KeyID: a.KeyID, AuthLen: md5Len, Seq: seq}
	}
	return &AuthEntry{Type: AuthPlain, Password: padKey(a.Key)}
}

// Verify checks a decoded packet's authentication against what this side
// requires (a nil a accepts only packets without authentication). raw is
// the packet as received.
func Verify(raw []byte, p *Packet, a *Auth) *Error {
	if a == nil {
		if p.Auth != nil {
			return errorf(ReasonAuthType, "unexpected authentication type %d", p.Auth.Type)
		}
		return nil
	}
	if p.Auth == nil {
		return errorf(ReasonAuthMissing, "packet without authentication")
	}
	switch a.Type {
	case "plain":
		if p.Auth.Type != AuthPlain {
			return errorf(ReasonAuthType, "authentication type %d, want plain", p.Auth.Type)
		}
		k := padKey(a.Key)
		if subtle.ConstantTimeCompare(k[:], p.Auth.Password[:]) != 1 {
			return errorf(ReasonAuthFail, "wrong password")
		}
	case "md5":
		if p.Auth.Type != AuthMD5 {
			return errorf(ReasonAuthType, "authentication type %d, want md5", p.Auth.Type)
		}
		if p.Auth.KeyID != a.KeyID {
			return errorf(ReasonAuthFail, "key id %d, want %d", p.Auth.KeyID, a.KeyID)
		}
		d := md5Digest(raw, a.Key)
		if subtle.ConstantTimeCompare(d[:], p.Auth.Digest[:]) != 1 {
			return errorf(ReasonAuthFail, "md5 digest mismatch")
		}
	default:
		return errorf(ReasonAuthType, "unknown configured type %q", a.Type)
	}
	return nil
}
