package ospf

import (
	"cmp"
	"container/heap"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/netemu/netemu/routing"
)

// vertex is a router or transit network in one area's shortest-path tree.
type vertex struct {
	key    Key
	lsa    *LSA
	dist   uint32
	nh     []NextHop
	idx    int
	done   bool
	direct bool // a network attached to the root
}

type vheap []*vertex

func (h vheap) Len() int { return len(h) }
func (h vheap) Less(i, j int) bool {
	if h[i].dist != h[j].dist {
		return h[i].dist < h[j].dist
	}
	// Networks before routers at equal distance (§16.1 step 3).
	return h[i].key.Type > h[j].key.Type
}
func (h vheap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *vheap) Push(x any)   { v := x.(*vertex); v.idx = len(*h); *h = append(*h, v) }
func (h *vheap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}

func cmpNH(a, b NextHop) int { return cmp.Or(cmp.Compare(a.Iface, b.Iface), a.Addr.Compare(b.Addr)) }

// mergeNH is the union of two next-hop sets, sorted.
func mergeNH(a, b []NextHop) []NextHop {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, cmpNH)
	return out
}

// spfArea is §16.1: Dijkstra over the area's router and network LSAs. It
// fills a.routers and adds the area's intra-area routes to table.
func (e *engine) spfArea(now time.Time, a *area, table map[netip.Prefix]*Route) {
	a.routers = map[ID]*vertex{}
	rk := Key{Type: LSARouter, ID: e.rid, Adv: e.rid}
	ren := a.db[rk]
	if ren == nil || ren.age(now) >= MaxAge {
		return
	}
	nets := map[ID]*dbEntry{}
	for k, en := range a.db {
		if k.Type == LSANetwork && en.age(now) < MaxAge {
			if o := nets[k.ID]; o == nil || Newer(en.lsa.LSAHeader, o.lsa.LSAHeader) > 0 {
				nets[k.ID] = en
			}
		}
	}
	router := func(id ID) *LSA {
		en := a.db[Key{Type: LSARouter, ID: id, Adv: id}]
		if en == nil || en.age(now) >= MaxAge {
			return nil
		}
		if _, ok := en.lsa.Body.(*RouterLSA); !ok {
			return nil
		}
		return en.lsa
	}
	root := &vertex{key: rk, lsa: ren.lsa}
	verts := map[Key]*vertex{rk: root}
	h := &vheap{root}
	var tree []*vertex
	relax := func(v *vertex, w *LSA, cost uint32, nh []NextHop, direct bool) {
		wk := w.Key()
		if w.Type == LSARouter {
			wk = Key{Type: LSARouter, ID: w.ID, Adv: w.ID}
		}
		d := v.dist + cost
		wv := verts[wk]
		switch {
		case wv == nil:
			wv = &vertex{key: wk, lsa: w, dist: d, nh: nh, direct: direct}
			verts[wk] = wv
			heap.Push(h, wv)
		case wv.done:
		case d < wv.dist:
			wv.dist, wv.nh, wv.direct = d, nh, direct
			heap.Fix(h, wv.idx)
		case d == wv.dist:
			wv.nh = mergeNH(wv.nh, nh)
		}
	}
	for h.Len() > 0 {
		v := heap.Pop(h).(*vertex)
		v.done = true
		tree = append(tree, v)
		switch body := v.lsa.Body.(type) {
		case *RouterLSA:
			for _, l := range body.Links {
				switch l.Type {
				case LinkP2P:
					w := router(l.ID)
					if w == nil {
						continue
					}
					back, ok := p2pBack(w, v.lsa.ID, v == root, e.ifaceByAddr(a, l.Data))
					if !ok {
						continue
					}
					nh := v.nh
					if v == root {
						i := e.ifaceByAddr(a, l.Data)
						if i == nil {
							continue
						}
						nh = []NextHop{{Iface: i.cfg.Name, Addr: back.Addr()}}
					}
					relax(v, w, uint32(l.Metric), nh, false)
				case LinkTransit:
					wen := nets[l.ID]
					if wen == nil {
						continue
					}
					nl, ok := wen.lsa.Body.(*NetworkLSA)
					if !ok || !slices.Contains(nl.Routers, v.lsa.ID) {
						continue
					}
					nh, direct := v.nh, false
					if v == root {
						i := e.ifaceByAddr(a, l.Data)
						if i == nil {
							continue
						}
						nh, direct = []NextHop{{Iface: i.cfg.Name}}, true
					}
					relax(v, wen.lsa, uint32(l.Metric), nh, direct)
				}
			}
		case *NetworkLSA:
			for _, rid := range body.Routers {
				w := router(rid)
				if w == nil {
					continue
				}
				var back *RouterLink
				for k, l := range w.Body.(*RouterLSA).Links {
					if l.Type == LinkTransit && l.ID == v.lsa.ID {
						back = &w.Body.(*RouterLSA).Links[k]
						break
					}
				}
				if back == nil {
					continue
				}
				nh := v.nh
				if v.direct && len(v.nh) > 0 {
					nh = []NextHop{{Iface: v.nh[0].Iface, Addr: back.Data.Addr()}}
				}
				relax(v, w, 0, nh, false)
			}
		}
	}
	add := func(p netip.Prefix, kind RouteKind, cost uint32, nh []NextHop) {
		addRoute(table, &Route{Prefix: p, Kind: kind, Area: a.id, Cost: cost, NextHops: nh})
	}
	for _, v := range tree {
		switch body := v.lsa.Body.(type) {
		case *NetworkLSA:
			p, ok := PrefixOf(v.lsa.ID&body.Mask, body.Mask)
			if !ok {
				continue
			}
			kind := KindIntra
			if v.direct {
				kind = KindConnected
			}
			add(p, kind, v.dist, v.nh)
		case *RouterLSA:
			if v != root {
				a.routers[v.lsa.ID] = v
			}
			for _, l := range body.Links {
				if l.Type != LinkStub {
					continue
				}
				p, ok := PrefixOf(l.ID&l.Data, l.Data)
				if !ok {
					continue
				}
				if v == root {
					nh := []NextHop{}
					for _, i := range a.ifaces {
						if i.cfg.Addr.Masked() == p {
							nh = []NextHop{{Iface: i.cfg.Name}}
						}
					}
					add(p, KindConnected, uint32(l.Metric), nh)
					continue
				}
				if len(v.nh) == 0 {
					continue
				}
				add(p, KindIntra, v.dist+uint32(l.Metric), v.nh)
			}
		}
	}
}

// p2pBack finds w's point-to-point link back to router id, returning its
// interface address (§16.1 step 2b: links are used only if both ends list
// them). From the root, the link must be on the interface's subnet, so
// parallel links each get their own next hop.
func p2pBack(w *LSA, id ID, fromRoot bool, i *iface) (ID, bool) {
	found, any := ID(0), false
	for _, l := range w.Body.(*RouterLSA).Links {
		if (l.Type != LinkP2P && l.Type != LinkVirtual) || l.ID != id {
			continue
		}
		if !fromRoot {
			return l.Data, true
		}
		if i != nil && i.cfg.Addr.Masked().Contains(l.Data.Addr()) {
			return l.Data, true
		}
		if !any {
			found, any = l.Data, true
		}
	}
	return found, any
}

func (e *engine) ifaceByAddr(a *area, addr ID) *iface {
	for _, i := range a.ifaces {
		if i.addr == addr && i.up {
			return i
		}
	}
	return nil
}

// better reports whether r is preferred over o (§11, §16.4).
func better(r, o *Route) int {
	if r.Kind != o.Kind {
		return cmp.Compare(o.Kind, r.Kind)
	}
	if r.Kind == KindExt2 && r.Cost2 != o.Cost2 {
		return cmp.Compare(o.Cost2, r.Cost2)
	}
	return cmp.Compare(o.Cost, r.Cost)
}

// addRoute keeps the best route per prefix, merging next hops of equal
// ones (ECMP).
func addRoute(table map[netip.Prefix]*Route, r *Route) {
	o := table[r.Prefix]
	switch {
	case o == nil:
	case better(r, o) > 0:
	case better(r, o) == 0:
		if o.Kind != KindConnected {
			o.NextHops = mergeNH(o.NextHops, r.NextHops)
		}
		return
	default:
		return
	}
	r.NextHops = slices.Clone(r.NextHops)
	slices.SortFunc(r.NextHops, cmpNH)
	table[r.Prefix] = r
}

// asbrRoute is the best path to an AS boundary router.
type asbrRoute struct {
	cost uint32
	nh   []NextHop
	area ID
}

// runSPF recomputes the whole routing table (§16): intra-area routes per
// area, inter-area routes from summaries, external routes; then the
// summaries we originate as an ABR, and the kernel.
func (e *engine) runSPF(now time.Time) {
	e.spfRuns++
	e.lastSPF = now
	t0 := e.wall()
	table := map[netip.Prefix]*Route{}
	for _, a := range e.areas {
		e.spfArea(now, a, table)
	}
	abr := e.isABR()
	asbrs := map[ID]*asbrRoute{}
	intraASBR := map[ID]*asbrRoute{}
	for _, a := range e.areas {
		if a.cfg.Stub {
			continue
		}
		for rid, v := range a.routers {
			if v.lsa.Body.(*RouterLSA).Flags&RouterE == 0 || len(v.nh) == 0 {
				continue
			}
			if o := intraASBR[rid]; o == nil || v.dist < o.cost {
				intraASBR[rid] = &asbrRoute{cost: v.dist, nh: v.nh, area: a.id}
			}
		}
	}
	for k, v := range intraASBR {
		asbrs[k] = v
	}
	// §16.2: an ABR looks at the backbone's summaries only.
	for _, a := range e.areas {
		if abr && a.id != 0 {
			continue
		}
		for _, k := range sortedKeys(a.db) {
			if k.Type != LSASummary && k.Type != LSAASBRSummary || k.Adv == e.rid {
				continue
			}
			en := a.db[k]
			s, ok := en.lsa.Body.(*SummaryLSA)
			if !ok || en.age(now) >= MaxAge || s.Metric >= LSInfinity {
				continue
			}
			br := a.routers[k.Adv]
			if br == nil || len(br.nh) == 0 {
				continue
			}
			cost := br.dist + s.Metric
			if k.Type == LSAASBRSummary {
				if _, ok := intraASBR[k.ID]; ok {
					continue
				}
				if o := asbrs[k.ID]; o == nil || cost < o.cost {
					asbrs[k.ID] = &asbrRoute{cost: cost, nh: br.nh, area: a.id}
				} else if cost == o.cost {
					o.nh = mergeNH(o.nh, br.nh)
				}
				continue
			}
			p, ok := PrefixOf(k.ID&s.Mask, s.Mask)
			if !ok {
				continue
			}
			if o := table[p]; o != nil && o.Kind <= KindIntra {
				continue
			}
			addRoute(table, &Route{Prefix: p, Kind: KindInter, Area: a.id, Cost: cost, NextHops: br.nh})
		}
	}
	// §16.4: AS-external routes.
	for _, k := range sortedKeys(e.ext) {
		en := e.ext[k]
		x, ok := en.lsa.Body.(*ExternalLSA)
		if !ok || len(x.Routes) == 0 || k.Adv == e.rid || en.age(now) >= MaxAge || x.Routes[0].Metric >= LSInfinity {
			continue
		}
		ar := asbrs[k.Adv]
		if ar == nil {
			continue
		}
		p, ok := PrefixOf(k.ID&x.Mask, x.Mask)
		if !ok {
			continue
		}
		if o := table[p]; o != nil && o.Kind <= KindInter {
			continue
		}
		xr := x.Routes[0]
		base, nh := ar.cost, ar.nh
		if xr.Forward != 0 {
			fr := lookupLPM(table, xr.Forward.Addr())
			if fr == nil || fr.Kind > KindInter {
				continue
			}
			base, nh = fr.Cost, fr.NextHops
			if fr.Kind == KindConnected {
				nh = []NextHop{{Iface: firstIface(fr), Addr: xr.Forward.Addr()}}
			}
		}
		r := &Route{Prefix: p, Kind: KindExt2, Area: ar.area, Cost: base, Cost2: xr.Metric, NextHops: nh}
		if !xr.E {
			r.Kind, r.Cost, r.Cost2 = KindExt1, base+xr.Metric, 0
		}
		addRoute(table, r)
	}
	e.routes = table
	e.summarise(abr, intraASBR)
	e.origDirty = true
	e.syncKernel(now)
	e.events.Emit(routing.Event{Daemon: "ospf", Kind: "spf", Detail: fmt.Sprintf("run %d: %d routes in %s", e.spfRuns, len(table), e.wall().Sub(t0).Round(time.Microsecond))})
}

func firstIface(r *Route) string {
	if len(r.NextHops) > 0 {
		return r.NextHops[0].Iface
	}
	return ""
}

// lookupLPM is the longest-prefix match of a in table.
func lookupLPM(table map[netip.Prefix]*Route, a netip.Addr) *Route {
	for bits := 32; bits >= 0; bits-- {
		p, _ := a.Prefix(bits)
		if r := table[p]; r != nil {
			return r
		}
	}
	return nil
}

// summarise computes the summary-LSAs an ABR originates into each area
// (§12.4.3); a router that is no ABR originates none.
func (e *engine) summarise(abr bool, intraASBR map[ID]*asbrRoute) {
	for _, b := range e.areas {
		b.sums = map[Key]LSABody{}
		if !abr || !b.attached() {
			continue
		}
		if b.cfg.Stub {
			b.sums[Key{Type: LSASummary, ID: 0, Adv: e.rid}] = &SummaryLSA{Mask: 0, Metric: b.cfg.DefaultCost}
			if b.cfg.NoSummary {
				continue
			}
		}
		for p, r := range e.routes {
			switch {
			case r.Area == b.id:
				continue
			case r.Kind == KindConnected, r.Kind == KindIntra:
			case r.Kind == KindInter && b.id != 0 && r.Area == 0 && p.Bits() > 0:
			default:
				continue
			}
			if e.viaArea(r, b) {
				continue
			}
			k := Key{Type: LSASummary, ID: IDOf(p.Addr()), Adv: e.rid}
			if o, ok := b.sums[k].(*SummaryLSA); ok && o.Mask != MaskOf(p.Bits()) {
				// Two prefixes with one address (App. E): keep the
				// shorter; the longer is reached through it.
				if int(p.Bits()) > maskLen(o.Mask) {
					continue
				}
			}
			b.sums[k] = &SummaryLSA{Mask: MaskOf(p.Bits()), Metric: min(r.Cost, LSInfinity-1)}
		}
		if b.cfg.Stub {
			continue
		}
		for rid, ar := range intraASBR {
			if ar.area != b.id {
				b.sums[Key{Type: LSAASBRSummary, ID: rid, Adv: e.rid}] = &SummaryLSA{Metric: min(ar.cost, LSInfinity-1)}
			}
		}
	}
}

func maskLen(m ID) int { n, _ := MaskBits(m); return n }

// viaArea reports whether r leaves through an interface of area b (split
// horizon for summaries).
func (e *engine) viaArea(r *Route, b *area) bool {
	for _, nh := range r.NextHops {
		if i := e.byName[nh.Iface]; i != nil && i.area == b && r.Kind != KindConnected {
			return true
		}
	}
	return false
}

// syncKernel writes the difference between the table and what is
// installed.
func (e *engine) syncKernel(now time.Time) {
	var add []Route
	var del []netip.Prefix
	keepStale := now.Before(e.staleUntil)
	for p, r := range e.installed {
		if n := e.routes[p]; n == nil || n.Kind == KindConnected || len(n.NextHops) == 0 {
			if r.stale && keepStale {
				continue
			}
			del = append(del, p)
			delete(e.installed, p)
			e.events.Emit(routing.Event{Daemon: "ospf", Kind: routing.EventRouteWithdraw, Prefix: p, Detail: r.Kind.String()})
		}
	}
	for p, r := range e.routes {
		if r.Kind == KindConnected || len(r.NextHops) == 0 {
			continue
		}
		o := e.installed[p]
		if o != nil && !o.stale && o.Cost == r.Cost && o.Cost2 == r.Cost2 && slices.Equal(o.NextHops, r.NextHops) {
			continue
		}
		kind := routing.EventRouteAdd
		if o != nil && !o.stale {
			kind = routing.EventBestChange
		}
		c := *r
		e.installed[p] = &kernelRoute{Route: c}
		add = append(add, c)
		e.events.Emit(routing.Event{Daemon: "ospf", Kind: kind, Prefix: p,
			Detail: fmt.Sprintf("%s cost %d via %d paths", r.Kind, r.Cost, len(r.NextHops))})
	}
	if e.kernel == nil {
		return
	}
	slices.SortFunc(del, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	if len(del) > 0 {
		if err := e.kernel.Delete(del); err != nil {
			e.log.Warn("kernel route delete", "error", err)
		}
	}
	if len(add) > 0 {
		if err := e.kernel.Replace(add); err != nil {
			e.log.Warn("kernel route install", "error", err)
		}
	}
}
