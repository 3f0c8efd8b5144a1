package view

import (
	"html"
	"os"

	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

func seed(t *testing.T) *topo.Lab {
	t.Helper()
	l, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestDOTGolden pins the seed lab's drawing: `go test -update` rewrites
// testdata/seed.dot after a deliberate change (look at it rendered).
func TestDOTGolden(t *testing.T) {
	g := New(seed(t), nil)
	got := g.DOT()
	if got != New(seed(t), nil).DOT() {
		t.Fatal("DOT is not deterministic")
	}
	const file = "testdata/seed.dot"
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (UPDATE_GOLDEN=1 writes it)", err)
	}
	if got != string(want) {
		t.Errorf("DOT differs from %s (UPDATE_GOLDEN=1 rewrites it):\n%s", file, got)
	}
}

var edgeRE = regexp.MustCompile(`(?m)^  "([^"]+)" -- "([^"]+)" \[label="([^"]*)", id="([^"]+)", class="link-(\w+)"(.*)\];$`)

// TestDOTStructure checks what the drawing must say, link by link.
func TestDOTStructure(t *testing.T) {
	l := seed(t)
	g := New(l, nil)
	g.Links[0].State = LinkDown
	g.Links[1].State = LinkSilent
	for i := range g.Nodes {
		if g.Nodes[i].Name == "web" {
			g.Nodes[i].PublicIP = "54.240.1.7"
		}
		if g.Nodes[i].Name == "db" {
			g.Nodes[i].Running = false
		}
	}
	dot := g.DOT()
	edges := edgeRE.FindAllStringSubmatch(dot, -1)
	if len(edges) != len(l.Links) {
		t.Fatalf("%d edges parsed, want %d:\n%s", len(edges), len(l.Links), dot)
	}
	for i, e := range edges {
		k := l.Links[i]
		if e[4] != LinkID(k) || e[1] != k.A.Node || e[2] != k.B.Node {
			t.Errorf("edge %d is %s, want %s", i, e[4], LinkID(k))
		}
		// Both ends' interfaces and addresses are in the (overlap-free)
		// main label; no head or tail labels.
		if !strings.Contains(e[3], k.A.Node+" "+k.A.Iface+" "+k.A.Addr.String()) {
			t.Errorf("edge %s label %q lacks its A end", e[4], e[3])
		}
		if k.Kind != topo.LinkSwitch && !strings.Contains(e[3], k.B.Node+" "+k.B.Iface+" "+k.B.Addr.String()) {
			t.Errorf("edge %s label %q lacks its B end", e[4], e[3])
		}
		want := LinkUp
		switch i {
		case 0:
			want = LinkDown
		case 1:
			want = LinkSilent
		}
		if e[5] != want {
			t.Errorf("edge %s class link-%s, want link-%s", e[4], e[5], want)
		}
		if want == LinkDown && (!strings.Contains(e[3], "DOWN") || !strings.Contains(e[6], "style=dashed")) {
			t.Errorf("cut edge %s not drawn as down: %s", e[4], e[0])
		}
		if want == LinkSilent && !strings.Contains(e[3], "SILENT") {
			t.Errorf("silent edge %s not labelled: %s", e[4], e[0])
		}
		if g.Links[i].BGP != "" && !strings.Contains(e[6], "penwidth=2.5") {
			t.Errorf("eBGP edge %s not bold", e[4])
		}
	}
	if strings.Contains(dot, "taillabel") || strings.Contains(dot, "headlabel") {
		t.Error("head/tail labels overlap at busy nodes; the main label carries the ends")
	}
	for _, want := range []string{
		`label="web\n10.0.1.10\npublic 54.240.1.7"`,
		`label="db\n10.0.1.20\n(stopped)"`,
		`label="home-isp (AS 64500, rip)"`,
		`label="VPC prod 10.0.0.0/16"`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %s", want)
		}
	}
}

// TestDOTSwitch: a switch is a node of its own kind carrying its segment,
// its members' links are ports.
func TestDOTSwitch(t *testing.T) {
	src := `
lab "sw" {}
autonomous_system "a" {
  asn = 65001
  igp = "ospf"
}
router "r1" { as = "a" }
router "r2" { as = "a" }
router "r3" { as = "a" }
switch "lan" { subnet = "10.9.0.0/24" }
link "r1" "lan" {}
link "r2" "lan" {}
link "r3" "lan" {}
`
	l, err := topo.Parse([]byte(src), "sw.hcl")
	if err != nil {
		t.Fatal(err)
	}
	g := New(l, nil)
	dot := g.DOT()
	if !strings.Contains(dot, `"lan" [label="lan\n10.9.0.0/24", shape=box`) {
		t.Errorf("switch not drawn as a switch:\n%s", dot)
	}
	for _, k := range g.Links {
		if k.Kind != "switch" || k.OSPF != Unknown {
			t.Errorf("link %s: kind %s ospf %q, want a switch port running OSPF", k.ID, k.Kind, k.OSPF)
		}
	}
	if n := strings.Count(dot, "port eth"); n != 3 {
		t.Errorf("%d ports labelled, want 3:\n%s", n, dot)
	}
}

// TestDOTRendersWithoutOverlap runs Graphviz (when installed) on the seed
// lab and checks that no two text boxes of the SVG overlap.
func TestDOTRendersWithoutOverlap(t *testing.T) {
	bin, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz's dot is not installed")
	}
	c := exec.Command(bin, "-Tsvg")
	c.Stdin = strings.NewReader(New(seed(t), nil).DOT())
	svg, err := c.Output()
	if err != nil {
		t.Fatal(err)
	}
	if boxes := textBoxes(string(svg)); len(boxes) < 20 {
		t.Fatalf("only %d texts in the SVG", len(boxes))
	} else if a, b, ok := overlap(boxes); ok {
		t.Errorf("texts overlap: %+v and %+v", a, b)
	}
}

// box is a text's extent in the SVG, its width estimated from the
// character count (Helvetica averages about 0.55 em).
type box struct {
	Text           string
	X0, Y0, X1, Y1 float64
}

var textRE = regexp.MustCompile(`<text text-anchor="(\w+)" x="([-\d.]+)" y="([-\d.]+)" font-family="[^"]*" font-size="([\d.]+)"[^>]*>([^<]*)</text>`)

func textBoxes(svg string) []box {
	var out []box
	for _, m := range textRE.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[2], 64)
		y, _ := strconv.ParseFloat(m[3], 64)
		size, _ := strconv.ParseFloat(m[4], 64)
		w := float64(len([]rune(html.UnescapeString(m[5])))) * size * 0.55
		x0 := x
		switch m[1] {
		case "middle":
			x0 = x - w/2
		case "end":
			x0 = x - w
		}
		// y is the baseline: the glyphs stand about 0.75 em above it.
		out = append(out, box{Text: m[5], X0: x0, Y0: y - 0.75*size, X1: x0 + w, Y1: y + 0.1*size})
	}
	return out
}

func overlap(bs []box) (box, box, bool) {
	for i := range bs {
		for j := i + 1; j < len(bs); j++ {
			a, b := bs[i], bs[j]
			if a.X0 < b.X1 && b.X0 < a.X1 && a.Y0 < b.Y1 && b.Y0 < a.Y1 {
				return a, b, true
			}
		}
	}
	return box{}, box{}, false
}
