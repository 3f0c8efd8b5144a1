package topo

import (
	"cmp"
	"slices"
)

// FullMeshMax is the largest AS that runs an iBGP full mesh by default:
// 10 routers are 45 sessions, still what operators run meshed. Above
// it, as an operator would, the AS gets DefaultReflectors route
// reflectors (RFC 4456) and every other router is their client: a
// 100-router AS then has 197 iBGP sessions instead of 4,950.
const (
	FullMeshMax       = 10
	DefaultReflectors = 2
)

// buildReflectors resolves every AS's route_reflectors: named routers
// must be routers of the AS with a loopback (iBGP runs between
// loopbacks); an AS without the attribute and above FullMeshMax routers
// gets its reflectors picked (pickReflectors).
func (b *builder) buildReflectors(f *fileHCL) {
	raw := map[string]*asHCL{}
	for _, r := range f.ASes {
		raw[r.Name] = r
	}
	members := map[string][]*Node{}
	for _, n := range b.lab.Nodes {
		if n.Kind == KindRouter {
			members[n.AS] = append(members[n.AS], n)
		}
	}
	for _, as := range b.lab.ASes {
		r := raw[as.Name]
		if r == nil {
			continue
		}
		if r.RouteReflectors == nil {
			if len(members[as.Name]) > FullMeshMax {
				as.RouteReflectors = pickReflectors(b.lab, members[as.Name], DefaultReflectors)
				as.ReflectorsPicked = len(as.RouteReflectors) > 0
			}
			continue
		}
		seen := map[string]bool{}
		for i, name := range *r.RouteReflectors {
			n := b.lab.Node(name)
			switch {
			case n == nil || n.Kind != KindRouter:
				b.errf(elem(r.Body, "route_reflectors", i, r.DefRange), "Unknown route reflector",
					"route_reflectors: %q is not a router of this lab.", name)
			case n.AS != as.Name:
				b.errf(elem(r.Body, "route_reflectors", i, r.DefRange), "Route reflector in another AS",
					"route_reflectors: router %q belongs to autonomous_system %q, not %q.", name, n.AS, as.Name)
			case !n.Loopback.IsValid():
				b.errf(elem(r.Body, "route_reflectors", i, r.DefRange), "Route reflector without loopback",
					"route_reflectors: router %q has no loopback address, and iBGP runs between loopbacks.", name)
			case seen[name]:
				b.errf(elem(r.Body, "route_reflectors", i, r.DefRange), "Duplicate route reflector",
					"route_reflectors: %q is listed twice.", name)
			default:
				seen[name] = true
				as.RouteReflectors = append(as.RouteReflectors, name)
			}
		}
	}
}

// pickReflectors chooses k routers of an AS deterministically: those
// with the most links to routers of the same AS (a fabric's spines, a
// backbone's core), ties broken by name. Routers without a loopback
// cannot run iBGP and are never picked.
func pickReflectors(l *Lab, routers []*Node, k int) []string {
	as := map[string]string{}
	for _, n := range routers {
		as[n.Name] = n.AS
	}
	degree := map[string]int{}
	for _, k := range l.Links {
		a, b := as[k.A.Node], as[k.B.Node]
		if a != "" && a == b {
			degree[k.A.Node]++
			degree[k.B.Node]++
		}
	}
	var cand []*Node
	for _, n := range routers {
		if n.Loopback.IsValid() {
			cand = append(cand, n)
		}
	}
	slices.SortFunc(cand, func(x, y *Node) int {
		if c := cmp.Compare(degree[y.Name], degree[x.Name]); c != 0 {
			return c
		}
		return cmp.Compare(x.Name, y.Name)
	})
	var out []string
	for _, n := range cand[:min(k, len(cand))] {
		out = append(out, n.Name)
	}
	return out
}
