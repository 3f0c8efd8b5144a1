package ui

import (
	"math"

	"github.com/netemu/netemu/topo"
)

// Point is a node's position on the page, in Cytoscape's model units.
type Point struct{ X, Y float64 }

// spacing is the distance the layout aims for between linked nodes; a
// small lab gets more, so the interface labels at both ends of a link do
// not run into each other.
const (
	spacing      = 110
	spacingSmall = 200
	smallLab     = 60
)

// Layout places every node of the lab, deterministically: the page draws
// these positions as they are (Cytoscape's "preset" layout), so a lab of a
// thousand nodes renders at once instead of running a force simulation in
// the browser. Nodes of one AS or VPC are laid out together first (a
// force-directed layout of their own links), then the groups — and nodes in
// no group, such as hosts — are laid out as discs of that size by the links
// between them, and finally pushed apart until no two discs overlap, so the
// page's group boxes do not cover each other.
func Layout(lab *topo.Lab) map[string]Point {
	sp := float64(spacing)
	if len(lab.Nodes) <= smallLab {
		sp = spacingSmall
	}
	// Units are groups (by AS or VPC) and lone nodes.
	unitOf := map[string]int{}
	var units [][]string
	byKey := map[string]int{}
	for _, n := range lab.Nodes {
		key := ""
		switch {
		case n.VPC != "":
			key = "vpc:" + n.VPC
		case n.AS != "":
			key = "as:" + n.AS
		}
		if key == "" {
			unitOf[n.Name] = len(units)
			units = append(units, []string{n.Name})
			continue
		}
		u, ok := byKey[key]
		if !ok {
			u = len(units)
			byKey[key] = u
			units = append(units, nil)
		}
		unitOf[n.Name] = u
		units[u] = append(units[u], n.Name)
	}

	// Inside each unit.
	local := map[string]Point{}
	radius := make([]float64, len(units))
	for u, members := range units {
		idx := map[string]int{}
		for i, n := range members {
			idx[n] = i
		}
		var edges [][2]int
		for _, l := range lab.Links {
			a, okA := idx[l.A.Node]
			b, okB := idx[l.B.Node]
			if okA && okB && unitOf[l.A.Node] == u && unitOf[l.B.Node] == u && a != b {
				edges = append(edges, [2]int{a, b})
			}
		}
		pts := forceLayout(len(members), edges, nil, sp)
		c := centre(pts)
		r := 0.0
		for i, n := range members {
			p := Point{pts[i].X - c.X, pts[i].Y - c.Y}
			local[n] = p
			r = math.Max(r, math.Hypot(p.X, p.Y))
		}
		// Room for the node's own size and the group's label.
		radius[u] = r + sp*0.5
	}

	// The units among themselves.
	seen := map[[2]int]bool{}
	var edges [][2]int
	for _, l := range lab.Links {
		a, b := unitOf[l.A.Node], unitOf[l.B.Node]
		if a == b {
			continue
		}
		k := [2]int{min(a, b), max(a, b)}
		if !seen[k] {
			seen[k] = true
			edges = append(edges, k)
		}
	}
	// Between groups the discs' radii already keep the room: the gap
	// between two linked discs aims at the base spacing.
	centres := forceLayout(len(units), edges, radius, spacing)
	separate(centres, radius, spacing)

	out := make(map[string]Point, len(lab.Nodes))
	for name, p := range local {
		c := centres[unitOf[name]]
		out[name] = Point{c.X + p.X, c.Y + p.Y}
	}
	landscape(out)
	for name, p := range out {
		out[name] = Point{math.Round(p.X), math.Round(p.Y)}
	}
	return out
}

// landscape turns the drawing so its long axis (the principal axis of the
// positions) is horizontal: screens are wider than tall, and a lab drawn
// along a diagonal or upright would be shown smaller.
func landscape(pos map[string]Point) {
	var c Point
	for _, p := range pos {
		c.X += p.X
		c.Y += p.Y
	}
	n := float64(len(pos))
	if n < 2 {
		return
	}
	c.X, c.Y = c.X/n, c.Y/n
	var xx, yy, xy float64
	for _, p := range pos {
		dx, dy := p.X-c.X, p.Y-c.Y
		xx, yy, xy = xx+dx*dx, yy+dy*dy, xy+dx*dy
	}
	a := -0.5 * math.Atan2(2*xy, xx-yy)
	sin, cos := math.Sin(a), math.Cos(a)
	for k, p := range pos {
		dx, dy := p.X-c.X, p.Y-c.Y
		pos[k] = Point{dx*cos - dy*sin, dx*sin + dy*cos}
	}
}

// forceLayout is Fruchterman–Reingold on n points from a deterministic
// start (a spiral), with an ideal edge length of spacing plus the two
// discs' radii when radii are given. Its cost is O(n²) per round; the
// rounds shrink as n grows so a thousand nodes take well under a second.
func forceLayout(n int, edges [][2]int, radius []float64, spacing float64) []Point {
	pts := make([]Point, n)
	if n == 0 {
		return pts
	}
	r := func(i int) float64 {
		if radius == nil {
			return 0
		}
		return radius[i]
	}
	// A golden-angle spiral: no two points start together, and the
	// result is the same on every run.
	for i := range pts {
		a := float64(i) * 2.399963229728653
		d := spacing * math.Sqrt(float64(i)+0.5) * 0.8
		pts[i] = Point{d * math.Cos(a), d * math.Sin(a)}
	}
	if n == 1 {
		pts[0] = Point{}
		return pts
	}
	rounds := 300
	switch {
	case n > 600:
		rounds = 60
	case n > 200:
		rounds = 100
	case n > 60:
		rounds = 180
	}
	k := spacing
	temp := spacing * math.Sqrt(float64(n))
	disp := make([]Point, n)
	for round := 0; round < rounds; round++ {
		clear(disp)
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				dx, dy := pts[i].X-pts[j].X, pts[i].Y-pts[j].Y
				d := math.Hypot(dx, dy)
				if d < 0.01 {
					dx, dy, d = 0.01*float64(i-j), 0.01, 0.01
				}
				gap := math.Max(d-r(i)-r(j), 1)
				f := k * k / gap
				disp[i].X += dx / d * f
				disp[i].Y += dy / d * f
				disp[j].X -= dx / d * f
				disp[j].Y -= dy / d * f
			}
		}
		for _, e := range edges {
			i, j := e[0], e[1]
			dx, dy := pts[i].X-pts[j].X, pts[i].Y-pts[j].Y
			d := math.Max(math.Hypot(dx, dy), 0.01)
			gap := math.Max(d-r(i)-r(j), 1)
			f := gap * gap / k
			disp[i].X -= dx / d * f
			disp[i].Y -= dy / d * f
			disp[j].X += dx / d * f
			disp[j].Y += dy / d * f
		}
		// A weak pull to the centre keeps parts without links near the rest.
		for i := range pts {
			disp[i].X -= pts[i].X * 0.02
			disp[i].Y -= pts[i].Y * 0.02
			d := math.Hypot(disp[i].X, disp[i].Y)
			if d > 0 {
				step := math.Min(d, temp)
				pts[i].X += disp[i].X / d * step
				pts[i].Y += disp[i].Y / d * step
			}
		}
		temp = math.Max(temp*0.95, 1)
	}
	return pts
}

// separate pushes discs apart until none overlap (or a bound on rounds).
func separate(pts []Point, radius []float64, spacing float64) {
	for round := 0; round < 200; round++ {
		moved := false
		for i := range pts {
			for j := i + 1; j < len(pts); j++ {
				dx, dy := pts[j].X-pts[i].X, pts[j].Y-pts[i].Y
				d := math.Hypot(dx, dy)
				need := radius[i] + radius[j] + spacing*0.3
				if d >= need {
					continue
				}
				if d < 0.01 {
					dx, dy, d = 1, 0, 1
				}
				push := (need - d) / 2
				pts[i].X -= dx / d * push
				pts[i].Y -= dy / d * push
				pts[j].X += dx / d * push
				pts[j].Y += dy / d * push
				moved = true
			}
		}
		if !moved {
			return
		}
	}
}

func centre(pts []Point) Point {
	var c Point
	for _, p := range pts {
		c.X += p.X
		c.Y += p.Y
	}
	if len(pts) > 0 {
		c.X /= float64(len(pts))
		c.Y /= float64(len(pts))
	}
	return c
}

func bounds(pos map[string]Point) [4]float64 {
	first := true
	var b [4]float64
	for _, p := range pos {
		if first {
			b = [4]float64{p.X, p.Y, p.X, p.Y}
			first = false
			continue
		}
		b[0], b[1] = math.Min(b[0], p.X), math.Min(b[1], p.Y)
		b[2], b[3] = math.Max(b[2], p.X), math.Max(b[3], p.Y)
	}
	return b
}
