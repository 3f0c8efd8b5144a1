package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
)

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

// AttrsFit reports whether path attributes of n octets leave room for
// at least one prefix in a 4,096-octet UPDATE. A path that does not fit
// is withdrawn instead (RFC 4271 §9.2).
func AttrsFit(n int) bool { return n+5 <= MaxMsgLen-HeaderLen-4 }

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
	if !AttrsFit(alen) {
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
