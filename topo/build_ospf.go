package topo

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"
)

// asOSPF checks an AS's ospf block.
func (b *builder) asOSPF(as *AS, r *asHCL) {
	o := r.OSPF
	if o == nil {
		return
	}
	if as.IGP != IGPOSPF {
		b.errf(&o.DefRange, "OSPF settings on a non-OSPF AS", "autonomous_system %q runs igp %q; an ospf block needs igp = \"ospf\".", as.Name, as.IGP)
	}
	out := &ASOSPF{}
	seen := map[OSPFArea]bool{}
	for i, s := range o.StubAreas {
		subj := elem(o.Body, "stub_areas", i, o.DefRange)
		a, prob := ParseOSPFArea(s)
		switch {
		case prob != "":
			b.errf(subj, "Invalid area", "stub_areas: %s", prob)
		case a == 0:
			b.errf(subj, "Stub area 0", "the backbone (area 0) cannot be a stub area: it carries the AS-external routes.")
		case seen[a]:
			b.errf(subj, "Duplicate area", "stub area %s is listed twice.", a)
		default:
			seen[a] = true
			out.StubAreas = append(out.StubAreas, a)
		}
	}
	dup := map[string]bool{}
	for i, s := range o.Redistribute {
		subj := elem(o.Body, "redistribute", i, o.DefRange)
		if p := oneOf("redistribute", s, RedistributeBGP, RedistributeStatic, RedistributeConnected); p != "" {
			b.errf(subj, "Invalid redistribute", "%s", p)
			continue
		}
		if dup[s] {
			b.errf(subj, "Duplicate redistribute", "%q is listed twice.", s)
			continue
		}
		// netemu's agent feeds static and connected routes to OSPF, not yet
		// what BGP learned: refuse rather than accept it and do nothing.
		if s == RedistributeBGP && b.lab.Daemons == DaemonsNetemu {
			b.errf(subj, "BGP redistribution needs FRR", "netemu's own OSPF does not redistribute BGP routes yet; use daemons = \"frr\" in the lab block (FRR's ospfd does), or redistribute \"static\"/\"connected\".")
			continue
		}
		dup[s] = true
		out.Redistribute = append(out.Redistribute, s)
	}
	out.Auth = b.ospfAuth(o)
	as.OSPF = out
}

// ospfAuth checks auth = { type, key, key_id }.
func (b *builder) ospfAuth(o *asOSPFHCL) *OSPFAuth {
	if o.Auth == nil || o.Auth.Range().Empty() {
		return nil
	}
	subj := o.Auth.Range()
	v, diags := o.Auth.Value(nil)
	if diags.HasErrors() {
		b.diags = append(b.diags, diags...)
		return nil
	}
	if v.IsNull() {
		return nil
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		b.errf(&subj, "Invalid auth", "auth is an object: auth = { type = \"md5\", key = \"…\", key_id = 1 }.")
		return nil
	}
	a := &OSPFAuth{KeyID: 1}
	get := func(name string) (cty.Value, bool) {
		if v.Type().IsObjectType() && !v.Type().HasAttribute(name) {
			return cty.NilVal, false
		}
		x := v.GetAttr(name)
		return x, !x.IsNull()
	}
	for name := range v.Type().AttributeTypes() {
		if name != "type" && name != "key" && name != "key_id" {
			b.errf(&subj, "Invalid auth", "auth has no %q: it takes type, key and key_id.", name)
		}
	}
	str := func(name string) string {
		x, ok := get(name)
		if !ok {
			return ""
		}
		if x.Type() != cty.String {
			b.errf(&subj, "Invalid auth", "auth %s must be a string.", name)
			return ""
		}
		return x.AsString()
	}
	a.Type = str("type")
	if p := oneOf("auth type", a.Type, OSPFAuthSimple, OSPFAuthMD5); p != "" {
		b.errf(&subj, "Invalid auth type", "%s", p)
		return nil
	}
	a.Key = str("key")
	max := 16
	if a.Type == OSPFAuthSimple {
		max = 8 // RFC 2328 D.3: the key fills the 64-bit field
	}
	if a.Key == "" || len(a.Key) > max {
		b.errf(&subj, "Invalid auth key", "%s authentication needs a key of 1 to %d bytes.", a.Type, max)
	}
	if x, ok := get("key_id"); ok {
		if x.Type() != cty.Number {
			b.errf(&subj, "Invalid auth key_id", "key_id must be a number from 0 to 255.")
		} else if bf := x.AsBigFloat(); !bf.IsInt() || bf.Sign() < 0 || bf.Cmp(cty.NumberIntVal(255).AsBigFloat()) > 0 {
			b.errf(&subj, "Invalid auth key_id", "key_id %s is out of range: use 0 to 255.", bf.Text('f', -1))
		} else {
			k, _ := bf.Int64()
			a.KeyID = uint8(k)
		}
	}
	return a
}

// linkOSPF checks a link's ospf block, once the ends are known.
func (b *builder) linkOSPF(idx int, r *linkHCL) {
	o := r.OSPF
	if o == nil {
		return
	}
	k := b.lab.Links[idx]
	if !b.lab.OSPFLink(idx) && !b.ospfStub(k) {
		b.errf(&o.DefRange, "OSPF settings on a link without OSPF", "link %s–%s runs no OSPF: ospf applies to links between routers of one autonomous_system with igp = \"ospf\" (or to a switch, igp = true, or a host's link to such a router), %s.", k.A.Node, k.B.Node, b.whyNoOSPF(k))
		return
	}
	out := &LinkOSPF{}
	if o.Area != nil {
		a, prob := ParseOSPFArea(*o.Area)
		if prob != "" {
			b.errf(attr(o.Body, "area", o.DefRange), "Invalid area", "%s", prob)
		}
		out.Area = a
	}
	if o.Cost != nil {
		if *o.Cost < 1 || *o.Cost > 65535 {
			b.errf(attr(o.Body, "cost", o.DefRange), "Cost out of range", "cost %d is out of range: use 1 to 65535.", *o.Cost)
		} else {
			out.Cost = uint16(*o.Cost)
		}
	}
	out.Passive = o.Passive != nil && *o.Passive
	k.OSPF = out
}

// ospfStub reports whether link k is a stub network of one OSPF router:
// a router of an OSPF AS towards a host, whose subnet it announces (area,
// cost) without speaking OSPF there.
func (b *builder) ospfStub(k *Link) bool {
	a, bb := b.lab.Node(k.A.Node), b.lab.Node(k.B.Node)
	if a == nil || bb == nil || k.Kind != LinkP2P {
		return false
	}
	if a.Kind != KindRouter {
		a, bb = bb, a
	}
	as := b.lab.AS(a.AS)
	return a.Kind == KindRouter && bb.Kind == KindHost && as != nil && as.IGP == IGPOSPF
}

// whyNoOSPF names what keeps OSPF off link k.
func (b *builder) whyNoOSPF(k *Link) string {
	for _, e := range []Endpoint{k.A, k.B} {
		n := b.lab.Node(e.Node)
		if n == nil || n.Kind != KindRouter {
			continue
		}
		if as := b.lab.AS(n.AS); as != nil && as.IGP != IGPOSPF {
			return fmt.Sprintf("but router %q is in autonomous_system %q, whose igp is %q", n.Name, as.Name, as.IGP)
		}
	}
	a, bb := b.lab.Node(k.A.Node), b.lab.Node(k.B.Node)
	if a != nil && bb != nil && a.Kind == KindRouter && bb.Kind == KindRouter && a.AS != bb.AS {
		return fmt.Sprintf("but %q (AS %q) and %q (AS %q) speak eBGP", a.Name, a.AS, bb.Name, bb.AS)
	}
	return "but no end is a router of such an AS"
}

// checkOSPFSegments refuses a switch whose OSPF members are in different
// areas (RFC 2328 §10.5: a Hello from another area is dropped, so they
// would never be neighbours).
func (b *builder) checkOSPFSegments() {
	for _, n := range b.lab.Nodes {
		if n.Kind != KindSwitch {
			continue
		}
		var first *pendingLink
		for i, pl := range b.links {
			if pl.sw != n.Name || !b.lab.OSPFLink(i) {
				continue
			}
			if first == nil {
				first = pl
				continue
			}
			fa, pa := b.lab.OSPFOf(b.linkIndex(first)).Area, b.lab.OSPFOf(i).Area
			if fa != pa {
				subj := &pl.raw.DefRange
				if pl.raw.OSPF != nil {
					subj = attr(pl.raw.OSPF.Body, "area", pl.raw.OSPF.DefRange)
				}
				b.errf(subj, "Areas differ on a switch", "switch %q: %q is in area %s but %q (%s) is in area %s; one segment is one area.", n.Name, pl.link.A.Node, pa, first.link.A.Node, where(first.raw.DefRange), fa)
			}
		}
	}
}

func (b *builder) linkIndex(pl *pendingLink) int {
	for i, o := range b.links {
		if o == pl {
			return i
		}
	}
	return -1
}

// buildOSPF checks the links' ospf blocks and the segments.
func (b *builder) buildOSPF() {
	for i, pl := range b.links {
		if i < len(b.lab.Links) {
			b.linkOSPF(i, pl.raw)
		}
	}
	b.checkOSPFSegments()
}
