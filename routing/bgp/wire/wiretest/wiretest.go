// Package wiretest lays out BGP messages and attributes byte by byte for
// tests of the codec (routing/bgp/wire) and of the speaker (routing/bgp).
// It spells the wire format out independently of the codec on purpose:
// a test input built by the code under test would prove nothing.
package wiretest

import (
	"bytes"
	"encoding/binary"
	"net/netip"
)

// Cat joins byte slices.
func Cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// Prefixes appends prefixes in NLRI encoding (length, then the octets the
// length covers; RFC 4271 §4.3).
func Prefixes(b []byte, ps []netip.Prefix) []byte {
	for _, p := range ps {
		a := p.Addr().As4()
		b = append(b, byte(p.Bits()))
		b = append(b, a[:(p.Bits()+7)/8]...)
	}
	return b
}

// UpdateBody builds an UPDATE body (no header) from raw attribute bytes.
func UpdateBody(withdrawn []netip.Prefix, attrs []byte, nlri []netip.Prefix) []byte {
	w := Prefixes(nil, withdrawn)
	b := binary.BigEndian.AppendUint16(nil, uint16(len(w)))
	b = append(b, w...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(attrs)))
	b = append(b, attrs...)
	return Prefixes(b, nlri)
}

// Well-formed mandatory attributes: ORIGIN IGP, AS_PATH 64500 (2-octet
// ASNs), NEXT_HOP 192.0.2.1.
var (
	Origin  = []byte{0x40, 1, 1, 0}
	ASPath  = []byte{0x40, 2, 4, 2, 1, 0xfb, 0xf4}
	NextHop = []byte{0x40, 3, 4, 192, 0, 2, 1}
)

// Capability TLVs as peers send them.
var (
	CapMPv4   = []byte{1, 4, 0, 1, 0, 1}
	CapMPv6   = []byte{1, 4, 0, 2, 0, 1}
	CapRR     = []byte{2, 0}
	CapAS4    = []byte{65, 4, 0, 0, 0xfd, 0xea}              // 65002
	CapGR     = []byte{64, 6, 0x80, 0x78, 0, 1, 1, 0x80}     // restart time 120, IPv4 unicast, F bit
	CapFQDN   = []byte{73, 7, 2, 'r', '1', 3, 'l', 'a', 'b'} // FRR's hostname capability
	CapAddP   = []byte{69, 4, 0, 1, 1, 1}                    // ADD-PATH receive
	CapExtMsg = []byte{6, 0}                                 // RFC 8654, not announced by us
)

const (
	typeOpen        = 1
	paramCaps       = 2   // optional parameter: capabilities (RFC 5492)
	paramExtended   = 255 // RFC 9072's extended-length marker
	extendedLenByte = 255
)

// RawOpen lays out an OPEN message by hand: params are the optional
// parameters exactly as on the wire; the 1-octet length field is theirs,
// or 255 for RFC 9072's extended format.
func RawOpen(myAS, hold uint16, id string, ext bool, params []byte) []byte {
	plen := byte(len(params))
	if ext {
		plen = extendedLenByte
	}
	b := bytes.Repeat([]byte{0xff}, 16)
	b = append(b, 0, 0, typeOpen, 4)
	b = binary.BigEndian.AppendUint16(b, myAS)
	b = binary.BigEndian.AppendUint16(b, hold)
	a := netip.MustParseAddr(id).As4()
	b = append(b, a[:]...)
	b = append(b, plen)
	b = append(b, params...)
	binary.BigEndian.PutUint16(b[16:18], uint16(len(b)))
	return b
}

// CapParam is one capabilities parameter in the classic format.
func CapParam(caps ...[]byte) []byte {
	v := Cat(caps...)
	return append([]byte{paramCaps, byte(len(v))}, v...)
}

// ExtParams is RFC 9072's extended format: marker type 255, a 2-octet
// total length, and parameters with 2-octet lengths.
func ExtParams(params ...[]byte) []byte {
	var v []byte
	for _, p := range params {
		v = append(v, paramCaps)
		v = binary.BigEndian.AppendUint16(v, uint16(len(p)))
		v = append(v, p...)
	}
	return append(binary.BigEndian.AppendUint16([]byte{paramExtended}, uint16(len(v))), v...)
}
