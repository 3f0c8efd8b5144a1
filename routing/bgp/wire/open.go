package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Capability codes (RFC 5492 registry).
const (
	CapMultiprotocol = 1
	CapRouteRefresh  = 2
	CapFourOctetAS   = 65
	CapEnhancedRR    = 70
	CapCiscoRR       = 128 // the pre-standard route refresh some speakers still send
)

// Optional parameter types: capabilities (RFC 5492), and the type that
// marks RFC 9072's extended optional parameters length.
const (
	optParamCapabilities = 2
	optParamExtended     = 255
)

// Capability is one capability TLV. The value stays raw so unknown
// capabilities survive a round trip; the accessors on Open interpret the
// known ones.
type Capability struct {
	Code  uint8
	Value []byte
}

// OptParam is an optional parameter other than capabilities (kept so the
// FSM can refuse it with "unsupported optional parameter").
type OptParam struct {
	Type  uint8
	Value []byte
}

// Open is the OPEN message.
type Open struct {
	Version  uint8
	MyAS     uint16
	HoldTime uint16
	BGPID    netip.Addr
	// Capabilities from every capabilities parameter, in order.
	Capabilities []Capability
	// OtherParams are optional parameters that are not capabilities.
	OtherParams []OptParam
}

// Type implements Message.
func (*Open) Type() MsgType { return MsgOpen }

// NewOpen builds the OPEN netemu sends: 4-octet AS, route refresh and IPv4
// unicast multiprotocol capabilities, AS_TRANS in My AS when asn does not fit.
func NewOpen(asn uint32, hold uint16, id netip.Addr) *Open {
	my := uint16(ASTrans)
	if asn <= 0xffff {
		my = uint16(asn)
	}
	return &Open{
		Version:  4,
		MyAS:     my,
		HoldTime: hold,
		BGPID:    id,
		Capabilities: []Capability{
			{Code: CapMultiprotocol, Value: []byte{0, AFIIPv4, 0, SAFIUnicast}},
			{Code: CapRouteRefresh, Value: []byte{}},
			{Code: CapFourOctetAS, Value: binary.BigEndian.AppendUint32(nil, asn)},
		},
	}
}

// Cap returns the first capability with code, if any.
func (o *Open) Cap(code uint8) (Capability, bool) {
	for _, c := range o.Capabilities {
		if c.Code == code {
			return c, true
		}
	}
	return Capability{}, false
}

// FourOctetAS returns the ASN of the 4-octet AS capability. ok is false
// when the capability is absent; err is set when it is malformed.
func (o *Open) FourOctetAS() (asn uint32, ok bool, err error) {
	c, ok := o.Cap(CapFourOctetAS)
	if !ok {
		return 0, false, nil
	}
	if len(c.Value) != 4 {
		return 0, true, fmt.Errorf("4-octet AS capability of %d octets", len(c.Value))
	}
	return binary.BigEndian.Uint32(c.Value), true, nil
}

// ASN is the speaker's AS: from the 4-octet capability when present,
// else My AS.
func (o *Open) ASN() uint32 {
	if asn, ok, err := o.FourOctetAS(); ok && err == nil {
		return asn
	}
	return uint32(o.MyAS)
}

// RouteRefresh reports whether the speaker supports ROUTE-REFRESH.
func (o *Open) RouteRefresh() bool {
	_, a := o.Cap(CapRouteRefresh)
	_, b := o.Cap(CapCiscoRR)
	return a || b
}

// Multiprotocol reports whether the speaker announced afi/safi.
func (o *Open) Multiprotocol(afi uint16, safi uint8) bool {
	for _, c := range o.Capabilities {
		if c.Code == CapMultiprotocol && len(c.Value) == 4 &&
			binary.BigEndian.Uint16(c.Value) == afi && c.Value[3] == safi {
			return true
		}
	}
	return false
}

// IPv4Unicast reports whether the speaker takes IPv4 unicast routes: it
// announced the family, or no multiprotocol capability at all (a speaker
// without RFC 4760 speaks IPv4 unicast only). A peer announcing only
// IPv6 unicast must get no IPv4 routes from us, and no NOTIFICATION
// either: the session stays up with nothing to exchange (RFC 4760 §6).
func (o *Open) IPv4Unicast() bool {
	if _, mp := o.Cap(CapMultiprotocol); !mp {
		return true
	}
	return o.Multiprotocol(AFIIPv4, SAFIUnicast)
}

func decodeOpen(b []byte) (*Open, error) {
	if len(b) < 10 {
		return nil, ResetError(ErrHeader, ErrHdrBadLength, nil, "OPEN body of %d octets", len(b))
	}
	o := &Open{
		Version:  b[0],
		MyAS:     binary.BigEndian.Uint16(b[1:3]),
		HoldTime: binary.BigEndian.Uint16(b[3:5]),
		BGPID:    netip.AddrFrom4([4]byte(b[5:9])),
	}
	plen := int(b[9])
	params := b[10:]
	// RFC 9072: a non-zero length followed by type 255 announces the
	// extended format, a 2-octet total length and 2-octet parameter
	// lengths (FRR sends it with "extended-optional-parameters", or when
	// its capabilities outgrow 255 octets). The 1-octet length is then
	// only a marker (255 by the sender) and is not checked.
	ext := plen != 0 && len(params) > 0 && params[0] == optParamExtended
	hdr := 2
	if ext {
		if len(params) < 3 {
			return nil, ResetError(ErrOpen, 0, nil, "truncated extended optional parameters length")
		}
		plen, params, hdr = int(binary.BigEndian.Uint16(params[1:3])), params[3:], 3
	}
	if plen != len(params) {
		return nil, ResetError(ErrOpen, 0, nil, "optional parameters length %d but %d octets follow", plen, len(params))
	}
	for len(params) > 0 {
		if len(params) < hdr {
			return nil, ResetError(ErrOpen, 0, nil, "truncated optional parameter")
		}
		t, l := params[0], int(params[1])
		if ext {
			l = int(binary.BigEndian.Uint16(params[1:3]))
		}
		if len(params) < hdr+l {
			return nil, ResetError(ErrOpen, 0, nil, "optional parameter %d of length %d overruns", t, l)
		}
		v := params[hdr : hdr+l]
		params = params[hdr+l:]
		if t == optParamExtended {
			// Type 255 is RFC 9072's marker, never a parameter: kept, it
			// would re-encode as the marker of a different OPEN.
			return nil, ResetError(ErrOpen, ErrOpenUnsupportedOptParam, nil, "optional parameter of type 255")
		}
		if t != optParamCapabilities {
			o.OtherParams = append(o.OtherParams, OptParam{Type: t, Value: append([]byte{}, v...)})
			continue
		}
		for len(v) > 0 {
			if len(v) < 2 {
				return nil, ResetError(ErrOpen, 0, nil, "truncated capability")
			}
			code, cl := v[0], int(v[1])
			if len(v) < 2+cl {
				return nil, ResetError(ErrOpen, 0, nil, "capability %d of length %d overruns", code, cl)
			}
			o.Capabilities = append(o.Capabilities, Capability{Code: code, Value: append([]byte{}, v[2:2+cl]...)})
			v = v[2+cl:]
		}
	}
	return o, nil
}

func (o *Open) appendTo(b []byte) ([]byte, error) {
	if !o.BGPID.Is4() {
		return nil, fmt.Errorf("encode OPEN: BGP identifier %v is not IPv4", o.BGPID)
	}
	b = append(b, o.Version)
	b = binary.BigEndian.AppendUint16(b, o.MyAS)
	b = binary.BigEndian.AppendUint16(b, o.HoldTime)
	id := o.BGPID.As4()
	b = append(b, id[:]...)
	lenAt := len(b)
	b = append(b, 0)
	// One capability per parameter, as most speakers send them: it keeps
	// every parameter short whatever the capability count.
	for _, c := range o.Capabilities {
		if len(c.Value) > 253 {
			return nil, fmt.Errorf("encode OPEN: capability %d of %d octets", c.Code, len(c.Value))
		}
		b = append(b, optParamCapabilities, byte(2+len(c.Value)), c.Code, byte(len(c.Value)))
		b = append(b, c.Value...)
	}
	for _, p := range o.OtherParams {
		if len(p.Value) > 255 {
			return nil, fmt.Errorf("encode OPEN: parameter %d of %d octets", p.Type, len(p.Value))
		}
		b = append(b, p.Type, byte(len(p.Value)))
		b = append(b, p.Value...)
	}
	plen := len(b) - lenAt - 1
	if plen > 255 {
		return nil, fmt.Errorf("encode OPEN: %d octets of optional parameters", plen)
	}
	b[lenAt] = byte(plen)
	return b, nil
}
