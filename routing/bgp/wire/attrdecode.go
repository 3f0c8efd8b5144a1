package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
)

// decodeAttrs parses the path attributes. It returns the attributes
// (possibly partial), the attribute-discard notes, and the most severe
// error (treat-as-withdraw or session-reset).
func decodeAttrs(b []byte, opts Options) (*PathAttrs, []*MessageError, *MessageError) {
	d := &attrDecoder{a: &PathAttrs{}, opts: opts}
	var discarded []*MessageError
	var worst *MessageError
	note := func(e *MessageError) {
		if e.Action == ActionAttributeDiscard {
			discarded = append(discarded, e)
			return
		}
		if worst == nil || e.Action > worst.Action {
			worst = e
		}
	}
	seen := map[uint8]bool{}
	for len(b) > 0 {
		if len(b) < 3 || (b[0]&FlagExtLen != 0 && len(b) < 4) {
			note(&MessageError{Code: ErrUpdate, Subcode: ErrUpdAttrLength, Action: ActionTreatAsWithdraw,
				Reason: fmt.Sprintf("%d octets left, too few for an attribute", len(b))})
			break
		}
		flags, typ := b[0], b[1]
		hdr, l := 3, int(b[2])
		if flags&FlagExtLen != 0 {
			hdr, l = 4, int(binary.BigEndian.Uint16(b[2:4]))
		}
		if len(b) < hdr+l {
			note(&MessageError{Code: ErrUpdate, Subcode: ErrUpdAttrLength, Data: slices.Clone(b[:hdr]), Action: ActionTreatAsWithdraw,
				Reason: fmt.Sprintf("attribute %d of length %d overruns the attributes", typ, l)})
			break
		}
		raw := b[:hdr+l]
		v := b[hdr : hdr+l]
		b = b[hdr+l:]
		if seen[typ] {
			if typ == AttrMPReach || typ == AttrMPUnreach {
				note(ResetError(ErrUpdate, ErrUpdMalformedAttrList, nil, "attribute %d twice", typ))
				return d.a, discarded, worst
			}
			// RFC 7606 §3 g: later duplicates are discarded.
			note(&MessageError{Code: ErrUpdate, Subcode: ErrUpdMalformedAttrList, Action: ActionAttributeDiscard,
				Reason: fmt.Sprintf("duplicate attribute %d discarded", typ)})
			continue
		}
		seen[typ] = true
		if e := d.attr(flags, typ, v, raw); e != nil {
			note(e)
			if e.Action == ActionSessionReset {
				return d.a, discarded, worst
			}
		}
	}
	if !opts.AS4 {
		mergeAS4(d.a, d.as4Path, d.hasAS4Path, d.as4Agg)
	}
	return d.a, discarded, worst
}

func attrErr(sub uint8, raw []byte, act Action, format string, args ...any) *MessageError {
	return &MessageError{Code: ErrUpdate, Subcode: sub, Data: slices.Clone(raw), Action: act, Reason: fmt.Sprintf(format, args...)}
}

// attrDecoder fills one UPDATE's attributes, one method per known
// attribute. An old (2-octet) speaker's AS4_PATH and AS4_AGGREGATOR are
// held apart until every attribute is in, then merged (RFC 6793 §4.2.3).
type attrDecoder struct {
	a          *PathAttrs
	opts       Options
	as4Path    ASPath
	hasAS4Path bool
	as4Agg     *Aggregator
}

// attrSpec is what the decoder knows of one attribute type.
type attrSpec struct {
	// flags are the optional/transitive bits the attribute must carry.
	flags uint8
	// badFlags is RFC 7606's action when they are wrong.
	badFlags Action
	// partial: the Partial bit is kept, to be sent on (RFC 4271 §5).
	partial bool
	decode  func(d *attrDecoder, v, raw []byte) *MessageError
}

const (
	flagsWK  = FlagTransitive                // well-known
	flagsOT  = FlagOptional | FlagTransitive // optional transitive
	flagsONT = FlagOptional                  // optional non-transitive
)

var attrSpecs = map[uint8]attrSpec{
	AttrOrigin:          {flagsWK, ActionTreatAsWithdraw, false, (*attrDecoder).origin},
	AttrASPath:          {flagsWK, ActionTreatAsWithdraw, false, (*attrDecoder).asPath},
	AttrNextHop:         {flagsWK, ActionTreatAsWithdraw, false, (*attrDecoder).nextHop},
	AttrMED:             {flagsONT, ActionTreatAsWithdraw, false, (*attrDecoder).med},
	AttrLocalPref:       {flagsWK, ActionTreatAsWithdraw, false, (*attrDecoder).localPref},
	AttrAtomicAggregate: {flagsWK, ActionAttributeDiscard, false, (*attrDecoder).atomicAggregate},
	AttrAggregator:      {flagsOT, ActionAttributeDiscard, true, (*attrDecoder).aggregator},
	AttrCommunities:     {flagsOT, ActionTreatAsWithdraw, true, (*attrDecoder).communities},
	AttrOriginatorID:    {flagsONT, ActionTreatAsWithdraw, false, (*attrDecoder).originatorID},
	AttrClusterList:     {flagsONT, ActionTreatAsWithdraw, false, (*attrDecoder).clusterList},
	AttrMPReach:         {flagsONT, ActionSessionReset, false, (*attrDecoder).mpReach},
	AttrMPUnreach:       {flagsONT, ActionSessionReset, false, (*attrDecoder).mpUnreach},
	AttrAS4Path:         {flagsOT, ActionAttributeDiscard, false, (*attrDecoder).as4PathAttr},
	AttrAS4Aggregator:   {flagsOT, ActionAttributeDiscard, false, (*attrDecoder).as4Aggregator},
	AttrLargeCommunity:  {flagsOT, ActionTreatAsWithdraw, true, (*attrDecoder).largeCommunities},
}

// attr decodes one attribute of type typ: v is its value, raw the whole
// attribute (the data of the NOTIFICATION it may cause).
func (d *attrDecoder) attr(flags, typ uint8, v, raw []byte) *MessageError {
	spec, known := attrSpecs[typ]
	if !known {
		if flags&FlagOptional == 0 {
			return attrErr(ErrUpdUnrecognizedWKAttr, raw, ActionSessionReset, "unrecognized well-known attribute %d", typ)
		}
		// The low four flag bits are unused: ignored on receipt, zero when
		// sent (RFC 4271 §4.3), so they are not kept for passing on.
		d.a.Unknown = append(d.a.Unknown, RawAttr{Flags: flags & (FlagOptional | FlagTransitive | FlagPartial), Type: typ, Data: slices.Clone(v)})
		return nil
	}
	if typ == AttrLocalPref && d.opts.EBGP {
		// RFC 7606 §7.5: from an external neighbour LOCAL_PREF is
		// discarded, whatever its length or flags (it is ignored anyway).
		return attrErr(0, nil, ActionAttributeDiscard, "LOCAL_PREF of %d octets from an external peer discarded", len(v))
	}
	if flags&(FlagOptional|FlagTransitive) != spec.flags {
		return attrErr(ErrUpdAttrFlags, raw, spec.badFlags, "attribute %d with flags %#x", typ, flags)
	}
	if e := spec.decode(d, v, raw); e != nil {
		return e
	}
	if flags&FlagPartial != 0 && spec.partial {
		d.a.Partial |= 1 << typ
	}
	return nil
}

// u32 reads a 4-octet attribute.
func u32(name string, v, raw []byte) (uint32, *MessageError) {
	if len(v) != 4 {
		return 0, attrErr(ErrUpdAttrLength, raw, ActionTreatAsWithdraw, "%s of %d octets", name, len(v))
	}
	return binary.BigEndian.Uint32(v), nil
}

func (d *attrDecoder) origin(v, raw []byte) *MessageError {
	if len(v) != 1 {
		return attrErr(ErrUpdAttrLength, raw, ActionTreatAsWithdraw, "ORIGIN of %d octets", len(v))
	}
	if v[0] > 2 {
		return attrErr(ErrUpdInvalidOrigin, raw, ActionTreatAsWithdraw, "ORIGIN %d", v[0])
	}
	d.a.HasOrigin, d.a.Origin = true, Origin(v[0])
	return nil
}

func (d *attrDecoder) asPath(v, _ []byte) *MessageError {
	p, err := decodeASPath(v, d.opts.AS4, d.opts.EBGP)
	if err != nil {
		return attrErr(ErrUpdMalformedASPath, nil, ActionTreatAsWithdraw, "AS_PATH: %v", err)
	}
	d.a.HasASPath, d.a.ASPath = true, p
	return nil
}

func (d *attrDecoder) nextHop(v, raw []byte) *MessageError {
	if len(v) != 4 {
		return attrErr(ErrUpdAttrLength, raw, ActionTreatAsWithdraw, "NEXT_HOP of %d octets", len(v))
	}
	nh := netip.AddrFrom4([4]byte(v))
	if !ValidNextHop(nh) {
		return attrErr(ErrUpdInvalidNextHop, raw, ActionTreatAsWithdraw, "NEXT_HOP %v", nh)
	}
	d.a.NextHop = nh
	return nil
}

func (d *attrDecoder) med(v, raw []byte) *MessageError {
	med, e := u32("MULTI_EXIT_DISC", v, raw)
	if e == nil {
		d.a.HasMED, d.a.MED = true, med
	}
	return e
}

func (d *attrDecoder) localPref(v, raw []byte) *MessageError {
	lp, e := u32("LOCAL_PREF", v, raw)
	if e == nil {
		d.a.HasLocalPref, d.a.LocalPref = true, lp
	}
	return e
}

func (d *attrDecoder) atomicAggregate(v, raw []byte) *MessageError {
	if len(v) != 0 {
		return attrErr(ErrUpdAttrLength, raw, ActionAttributeDiscard, "ATOMIC_AGGREGATE of %d octets", len(v))
	}
	d.a.AtomicAggregate = true
	return nil
}

func (d *attrDecoder) aggregator(v, raw []byte) *MessageError {
	n := 6
	if d.opts.AS4 {
		n = 8
	}
	if len(v) != n {
		return attrErr(ErrUpdAttrLength, raw, ActionAttributeDiscard, "AGGREGATOR of %d octets", len(v))
	}
	g := &Aggregator{}
	if d.opts.AS4 {
		g.AS, g.Addr = binary.BigEndian.Uint32(v), netip.AddrFrom4([4]byte(v[4:8]))
	} else {
		g.AS, g.Addr = uint32(binary.BigEndian.Uint16(v)), netip.AddrFrom4([4]byte(v[2:6]))
	}
	if g.AS == 0 {
		// RFC 7607 §2: logged and discarded, never passed on.
		return attrErr(0, nil, ActionAttributeDiscard, "AGGREGATOR with AS 0 discarded")
	}
	d.a.Aggregator = g
	return nil
}

func (d *attrDecoder) communities(v, raw []byte) *MessageError {
	if len(v) == 0 || len(v)%4 != 0 {
		return attrErr(ErrUpdOptionalAttr, raw, ActionTreatAsWithdraw, "COMMUNITIES of %d octets", len(v))
	}
	d.a.Communities = make([]uint32, 0, len(v)/4)
	for i := 0; i < len(v); i += 4 {
		d.a.Communities = append(d.a.Communities, binary.BigEndian.Uint32(v[i:]))
	}
	return nil
}

// originatorID and clusterList: RFC 7606 §7.9 and §7.10 treat a
// malformed one as a withdrawal.
func (d *attrDecoder) originatorID(v, raw []byte) *MessageError {
	if len(v) != 4 {
		return attrErr(ErrUpdAttrLength, raw, ActionTreatAsWithdraw, "ORIGINATOR_ID of %d octets", len(v))
	}
	d.a.OriginatorID = netip.AddrFrom4([4]byte(v))
	return nil
}

func (d *attrDecoder) clusterList(v, raw []byte) *MessageError {
	if len(v) == 0 || len(v)%4 != 0 {
		return attrErr(ErrUpdAttrLength, raw, ActionTreatAsWithdraw, "CLUSTER_LIST of %d octets", len(v))
	}
	d.a.ClusterList = make([]netip.Addr, 0, len(v)/4)
	for i := 0; i < len(v); i += 4 {
		d.a.ClusterList = append(d.a.ClusterList, netip.AddrFrom4([4]byte(v[i:i+4])))
	}
	return nil
}

func (d *attrDecoder) largeCommunities(v, raw []byte) *MessageError {
	if len(v) == 0 || len(v)%12 != 0 {
		return attrErr(ErrUpdOptionalAttr, raw, ActionTreatAsWithdraw, "LARGE_COMMUNITY of %d octets", len(v))
	}
	d.a.LargeComms = make([]LargeCommunity, 0, len(v)/12)
	for i := 0; i < len(v); i += 12 {
		d.a.LargeComms = append(d.a.LargeComms, LargeCommunity{Global: binary.BigEndian.Uint32(v[i:]),
			Local1: binary.BigEndian.Uint32(v[i+4:]), Local2: binary.BigEndian.Uint32(v[i+8:])})
	}
	return nil
}

func (d *attrDecoder) mpReach(v, _ []byte) *MessageError {
	m, err := decodeMPReach(v)
	if err != nil {
		return attrErr(ErrUpdOptionalAttr, nil, ActionSessionReset, "MP_REACH_NLRI: %v", err)
	}
	d.a.MPReach = m
	return nil
}

func (d *attrDecoder) mpUnreach(v, _ []byte) *MessageError {
	m, err := decodeMPUnreach(v)
	if err != nil {
		return attrErr(ErrUpdOptionalAttr, nil, ActionSessionReset, "MP_UNREACH_NLRI: %v", err)
	}
	d.a.MPUnreach = m
	return nil
}

func (d *attrDecoder) as4PathAttr(v, _ []byte) *MessageError {
	if d.opts.AS4 {
		// RFC 6793 §6: a NEW speaker ignores AS4_PATH from a NEW speaker.
		return attrErr(0, nil, ActionAttributeDiscard, "AS4_PATH from a 4-octet speaker ignored")
	}
	p, err := decodeASPath(v, true, true)
	if err != nil {
		return attrErr(ErrUpdMalformedASPath, nil, ActionAttributeDiscard, "AS4_PATH: %v", err)
	}
	d.as4Path, d.hasAS4Path = p, true
	return nil
}

func (d *attrDecoder) as4Aggregator(v, raw []byte) *MessageError {
	if d.opts.AS4 {
		return attrErr(0, nil, ActionAttributeDiscard, "AS4_AGGREGATOR from a 4-octet speaker ignored")
	}
	if len(v) != 8 {
		return attrErr(ErrUpdAttrLength, raw, ActionAttributeDiscard, "AS4_AGGREGATOR of %d octets", len(v))
	}
	if binary.BigEndian.Uint32(v) == 0 {
		return attrErr(0, nil, ActionAttributeDiscard, "AS4_AGGREGATOR with AS 0 discarded")
	}
	d.as4Agg = &Aggregator{AS: binary.BigEndian.Uint32(v), Addr: netip.AddrFrom4([4]byte(v[4:8]))}
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
