package topo

import "sort"

// Place assigns a machine to every node the file left unplaced, when the lab
// has machines. Every machine computes the same answer from the same file:
// the input is walked in file order, ties break on that order, and nothing
// depends on map iteration or randomness.
//
// A VPC's implicit nodes and its unpinned instances travel with the VPC's
// edge router (their links are the busiest and the IGW's NAT wants them
// close). The rest is partitioned in the spirit of METIS: regions grow by
// breadth-first search from pinned nodes (or from far-apart seeds), keeping
// node counts balanced, then Kernighan–Lin style moves and swaps cut fewer
// links without unbalancing the machines.
func Place(l *Lab) {
	if len(l.Machines) == 0 {
		return
	}
	p := newPlacer(l)
	p.grow()
	p.refine()
	for _, u := range p.units {
		for _, n := range u.nodes {
			if n.Machine == "" {
				n.Machine = l.Machines[p.mach[u.id]].Name
				n.Placed = true
			}
		}
	}
}

// CutLinks counts the links whose ends sit on different machines.
func CutLinks(l *Lab) int {
	cut := 0
	for _, k := range l.Links {
		a, b := l.Node(k.A.Node), l.Node(k.B.Node)
		if a != nil && b != nil && a.Machine != b.Machine {
			cut++
		}
	}
	return cut
}

// unit is a group of nodes placed together.
type unit struct {
	id     int
	nodes  []*Node
	weight int
	pinned int // machine index, or -1
}

type edge struct {
	to, w int
}

type placer struct {
	nm    int // number of machines
	units []*unit
	adj   [][]edge // sorted by neighbour id
	mach  []int    // unit → machine (-1 unassigned)
	load  []int    // machine → total weight
	conn  [][]int  // unit → machine → link weight into that machine
	cap   int
}

func newPlacer(l *Lab) *placer {
	p := &placer{nm: len(l.Machines)}
	machIdx := map[string]int{}
	for i, m := range l.Machines {
		machIdx[m.Name] = i
	}
	unitOf := map[string]int{}
	newUnit := func(n *Node) {
		u := &unit{id: len(p.units), nodes: []*Node{n}, weight: 1, pinned: -1}
		if i, ok := machIdx[n.Machine]; ok && n.Machine != "" {
			u.pinned = i
		}
		unitOf[n.Name] = u.id
		p.units = append(p.units, u)
	}
	for _, n := range l.Nodes {
		if n.Kind == KindRouter || n.Kind == KindHost || (n.Kind == KindInstance && n.Machine != "") {
			newUnit(n)
		}
	}
	for _, v := range l.VPCs {
		ui, ok := unitOf[v.Edge]
		if !ok {
			continue
		}
		u := p.units[ui]
		for _, n := range l.Nodes {
			if _, done := unitOf[n.Name]; done || n.VPC != v.Name {
				continue
			}
			u.nodes = append(u.nodes, n)
			u.weight++
			unitOf[n.Name] = ui
		}
	}
	for _, n := range l.Nodes {
		if _, done := unitOf[n.Name]; !done {
			newUnit(n)
		}
	}
	// Adjacency: link counts between units, in id order.
	w := make([]map[int]int, len(p.units))
	for i := range w {
		w[i] = map[int]int{}
	}
	for _, k := range l.Links {
		a, okA := unitOf[k.A.Node]
		b, okB := unitOf[k.B.Node]
		if !okA || !okB || a == b {
			continue
		}
		w[a][b]++
		w[b][a]++
	}
	p.adj = make([][]edge, len(p.units))
	for i, m := range w {
		for to, c := range m {
			p.adj[i] = append(p.adj[i], edge{to, c})
		}
		sort.Slice(p.adj[i], func(x, y int) bool { return p.adj[i][x].to < p.adj[i][y].to })
	}
	p.mach = make([]int, len(p.units))
	p.load = make([]int, p.nm)
	p.conn = make([][]int, len(p.units))
	total := 0
	for i, u := range p.units {
		p.mach[i] = -1
		p.conn[i] = make([]int, p.nm)
		total += u.weight
	}
	p.cap = (total + p.nm - 1) / p.nm
	for _, u := range p.units {
		if u.pinned >= 0 {
			p.assign(u.id, u.pinned)
		}
	}
	return p
}

// assign puts unit u on machine m (u unassigned or moving).
func (p *placer) assign(u, m int) {
	if old := p.mach[u]; old >= 0 {
		p.load[old] -= p.units[u].weight
		for _, e := range p.adj[u] {
			p.conn[e.to][old] -= e.w
		}
	}
	p.mach[u] = m
	p.load[m] += p.units[u].weight
	for _, e := range p.adj[u] {
		p.conn[e.to][m] += e.w
	}
}

// farthest returns the unit of set farthest (in hops, inside set) from the
// units of from, or from set's first unit when from is empty; units that
// cannot be reached count as farthest. Ties go to the lowest id. skip marks
// units that may not be returned.
func (p *placer) farthest(set []bool, from []int, skip func(int) bool) int {
	dist := make([]int, len(p.units))
	for i := range dist {
		dist[i] = -1
	}
	queue := append([]int(nil), from...)
	if len(queue) == 0 {
		for u, in := range set {
			if in {
				queue = append(queue, u)
				break
			}
		}
	}
	for _, u := range queue {
		dist[u] = 0
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range p.adj[u] {
			if set[e.to] && dist[e.to] < 0 {
				dist[e.to] = dist[u] + 1
				queue = append(queue, e.to)
			}
		}
	}
	best, bestD := -1, -1
	for u, in := range set {
		if !in || skip(u) {
			continue
		}
		d := dist[u]
		if d < 0 {
			d = len(p.units) + 1
		}
		if d > bestD {
			best, bestD = u, d
		}
	}
	return best
}

// grow partitions every unit by recursive bisection.
func (p *placer) grow() {
	set := make([]bool, len(p.units))
	for i := range set {
		set[i] = true
	}
	machines := make([]int, p.nm)
	for i := range machines {
		machines[i] = i
	}
	p.bisect(set, machines)
}

// bisect splits the units of set between two halves of machines: a region
// grown from the first half's pinned units (or a far seed) until it holds
// its share of the weight, the rest to the second half; then recurses.
func (p *placer) bisect(set []bool, machines []int) {
	if len(machines) == 1 {
		for u, in := range set {
			if in && p.mach[u] != machines[0] {
				p.assign(u, machines[0])
			}
		}
		return
	}
	k := len(machines) / 2
	half := map[int]bool{}
	for _, m := range machines[:k] {
		half[m] = true
	}
	total := 0
	for u, in := range set {
		if in {
			total += p.units[u].weight
		}
	}
	target := (total*k + len(machines)/2) / len(machines)
	inA := make([]bool, len(p.units))
	connA := make([]int, len(p.units))
	load := 0
	add := func(u int) {
		inA[u] = true
		load += p.units[u].weight
		for _, e := range p.adj[u] {
			connA[e.to] += e.w
		}
	}
	var pinnedB []int
	for u, in := range set {
		if !in || p.units[u].pinned < 0 {
			continue
		}
		if half[p.units[u].pinned] {
			add(u)
		} else {
			pinnedB = append(pinnedB, u)
		}
	}
	free := func(u int) bool { return set[u] && !inA[u] && (p.units[u].pinned < 0) }
	fits := func(u int) bool {
		w := p.units[u].weight
		return load+w <= target || load+w-target < target-load
	}
	if load == 0 {
		if s := p.farthest(set, pinnedB, func(u int) bool { return !free(u) }); s >= 0 && fits(s) {
			add(s)
		}
	}
	for load < target {
		best, bestGain, bestConn := -1, 0, 0
		for u := range p.units {
			if !free(u) || connA[u] == 0 || !fits(u) {
				continue
			}
			out := 0
			for _, e := range p.adj[u] {
				if set[e.to] && !inA[e.to] {
					out += e.w
				}
			}
			if g := connA[u] - out; best < 0 || g > bestGain || (g == bestGain && connA[u] > bestConn) {
				best, bestGain, bestConn = u, g, connA[u]
			}
		}
		if best < 0 {
			// Nothing borders the region: start a new piece of it far
			// from the other half.
			var fromB []int
			for u, in := range set {
				if in && !inA[u] && p.units[u].pinned >= 0 {
					fromB = append(fromB, u)
				}
			}
			best = p.farthest(set, fromB, func(u int) bool { return !free(u) || !fits(u) })
		}
		if best < 0 {
			break
		}
		add(best)
	}
	a, b := make([]bool, len(p.units)), make([]bool, len(p.units))
	for u, in := range set {
		if in {
			a[u], b[u] = inA[u], !inA[u]
		}
	}
	p.bisect(a, machines[:k])
	p.bisect(b, machines[k:])
}

// refine moves single units to the machine they are most tied to, and swaps
// pairs of equal weight, while the move lowers the cut and keeps every
// machine within its share.
func (p *placer) refine() {
	for pass := 0; pass < 100; pass++ {
		improved := false
		for u, un := range p.units {
			if un.pinned >= 0 {
				continue
			}
			cur := p.mach[u]
			bestM, bestGain := -1, 0
			for m := 0; m < p.nm; m++ {
				if m == cur || p.load[m]+un.weight > p.cap {
					continue
				}
				if g := p.conn[u][m] - p.conn[u][cur]; g > bestGain {
					bestM, bestGain = m, g
				}
			}
			if bestM >= 0 {
				p.assign(u, bestM)
				improved = true
				continue
			}
			if p.trySwap(u) {
				improved = true
			}
		}
		if !improved {
			return
		}
	}
}

func (p *placer) trySwap(u int) bool {
	cur := p.mach[u]
	bestV, bestGain := -1, 0
	for v, vn := range p.units {
		m := p.mach[v]
		if v == u || vn.pinned >= 0 || m == cur || vn.weight != p.units[u].weight {
			continue
		}
		g := p.conn[u][m] - p.conn[u][cur] + p.conn[v][cur] - p.conn[v][m] - 2*p.between(u, v)
		if g > bestGain {
			bestV, bestGain = v, g
		}
	}
	if bestV < 0 {
		return false
	}
	m := p.mach[bestV]
	p.assign(u, m)
	p.assign(bestV, cur)
	return true
}

// between is the link weight joining units u and v.
func (p *placer) between(u, v int) int {
	a := p.adj[u]
	i := sort.Search(len(a), func(i int) bool { return a[i].to >= v })
	if i < len(a) && a[i].to == v {
		return a[i].w
	}
	return 0
}
