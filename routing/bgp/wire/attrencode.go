package wire

import "encoding/binary"

// appendAttr writes one attribute, with the extended length flag when its
// value needs two length octets.
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
	// Towards an old speaker, a 4-octet path travels in AS4_PATH, which
	// the next new speaker ignores unless AGGREGATOR holds AS_TRANS (RFC
	// 6793 §4.2.3): the aggregator then goes in AS4_AGGREGATOR even when
	// its AS would fit in two octets.
	as4Path := !opts.AS4 && a.HasASPath && a.ASPath.has4Octet()
	as4Agg := !opts.AS4 && a.Aggregator != nil && (a.Aggregator.AS > 0xffff || as4Path)
	if g := a.Aggregator; g != nil {
		ip := g.Addr.As4()
		var v []byte
		switch {
		case opts.AS4:
			v = binary.BigEndian.AppendUint32(nil, g.AS)
		case as4Agg:
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
	if a.OriginatorID.Is4() {
		id := a.OriginatorID.As4()
		b = appendAttr(b, FlagOptional, AttrOriginatorID, id[:])
	}
	if len(a.ClusterList) > 0 {
		v := make([]byte, 0, 4*len(a.ClusterList))
		for _, c := range a.ClusterList {
			id := c.As4()
			v = append(v, id[:]...)
		}
		b = appendAttr(b, FlagOptional, AttrClusterList, v)
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
		if as4Path {
			var p ASPath
			for _, s := range a.ASPath {
				if s.Type == SegSet || s.Type == SegSequence {
					p = append(p, s)
				}
			}
			b = appendAttr(b, FlagOptional|FlagTransitive, AttrAS4Path, appendASPath(nil, p, true, false))
		}
		if g := a.Aggregator; as4Agg {
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
