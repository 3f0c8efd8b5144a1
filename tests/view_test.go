package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/ui/uitest"
)

// viewOSPFLab is a small OSPF lab with BFD (default timers) and a switch:
// a triangle of routers (so OSPF has a way around a cut), two of them and
// a host on a LAN segment (no BFD there: the agent runs none towards a
// segment's many neighbours).
const viewOSPFLab = `
lab "%s" {
  timers = "fast"
}
autonomous_system "core" {
  asn = 65010
  igp = "ospf"
  bfd {}
}
router "r1" { as = "core" }
router "r2" { as = "core" }
router "r3" { as = "core" }
link "r1" "r2" {}
link "r2" "r3" {}
link "r1" "r3" {}
switch "lan" { subnet = "10.77.0.0/29" }
link "r1" "lan" {}
link "r3" "lan" {}
host "h1" {}
link "h1" "lan" {}
`

func writeViewLab(t *testing.T, name string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name+".hcl")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(viewOSPFLab, name)), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// graphEdge finds link id's edge in `netemu graph -o dot` output: its
// label and its class (link-up, link-down, link-silent).
func graphEdge(dot, id string) (label, class string, ok bool) {
	re := regexp.MustCompile(`label="([^"]*)", id="` + regexp.QuoteMeta(id) + `", class="link-(\w+)"`)
	m := re.FindStringSubmatch(dot)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// TestGraphRunningLab: `netemu graph -o dot` of a running lab draws it as
// it is — OSPF and BFD up on the triangle, the switch as a switch; after
// `netemu link down` that link is down (red, DOWN) and its adjacency gone.
func TestGraphRunningLab(t *testing.T) {
	labtest.RequireRoot(t)
	lab := upLab(t, writeViewLab(t, "g2graph"))
	const id = "r1:eth0--r2:eth0"
	graph := func() string { return netemu(t, "--lab", lab, "graph", "-o", "dot") }
	waitEdge := func(what string, ok func(label, class string) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			dot := graph()
			label, class, found := graphEdge(dot, id)
			if !found {
				t.Fatalf("graph has no edge %s:\n%s", id, dot)
			}
			if ok(label, class) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("edge %s never %s: label %q class %s", id, what, label, class)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitEdge("up with OSPF and BFD up", func(label, class string) bool {
		return class == "up" && strings.Contains(label, "OSPF up") && strings.Contains(label, "BFD up")
	})
	dot := graph()
	if !strings.Contains(dot, `"lan" [label="lan\n10.77.0.0/29", shape=box`) {
		t.Errorf("the switch is not drawn as one:\n%s", dot)
	}
	if !strings.Contains(dot, `r1 eth0 `) {
		t.Errorf("interfaces and addresses missing:\n%s", dot)
	}

	netemu(t, "--lab", lab, "link", "down", "r1", "r2")
	waitEdge("down", func(label, class string) bool {
		return class == "down" && strings.Contains(label, "DOWN") && strings.Contains(label, "OSPF down") && strings.Contains(label, "BFD down")
	})
	if _, class, _ := graphEdge(graph(), "r2:eth1--r3:eth0"); class != "up" {
		t.Errorf("r2–r3 drawn %s, want up", class)
	}
	netemu(t, "--lab", lab, "link", "up", "r1", "r2")
	waitEdge("up again", func(label, class string) bool { return class == "up" && strings.Contains(label, "OSPF up") })
}

// TestUIOSPFLab: the page draws OSPF adjacencies and BFD sessions per
// link and the switch as its own kind; a cut link's adjacency goes down.
func TestUIOSPFLab(t *testing.T) {
	labtest.RequireRoot(t)
	ctx := uitest.Browser(t)
	lab := upLab(t, writeViewLab(t, "g2uiospf"))
	srv := startUI(t, lab)
	if _, err := uitest.Open(ctx, srv.url, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	const id = "r1:eth0--r2:eth0"
	link := fmt.Sprintf(`document.querySelector('[data-link=%q]')`, id)
	for _, cond := range []string{
		`document.querySelector('[data-node="lan"][data-kind="switch"]') !== null`,
		link + `.dataset.ospf === "up"`,
		link + `.dataset.bfd === "up"`,
		`document.querySelector('[data-link="r1:eth2--lan:eth0"]').dataset.bfd === undefined`,
		`document.querySelector('[data-link="r1:eth2--lan:eth0"]').dataset.ospf === "up"`,
	} {
		if err := uitest.WaitFor(ctx, cond, 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	netemu(t, "--lab", lab, "link", "down", "r1", "r2")
	for _, cond := range []string{
		link + `.dataset.state === "down"`,
		link + `.dataset.ospf === "down"`,
		link + `.dataset.bfd === "down"`,
	} {
		if err := uitest.WaitFor(ctx, cond, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	// NETEMU_UI_SCREENSHOT=FILE.png keeps a PNG of the page with the
	// cut, to look at how switches and adjacencies are drawn.
	if file := os.Getenv("NETEMU_UI_SCREENSHOT"); file != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	netemu(t, "--lab", lab, "link", "up", "r1", "r2")
	if err := uitest.WaitFor(ctx, link+`.dataset.ospf === "up"`, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}
