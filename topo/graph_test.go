package topo

import (
	"strings"
	"testing"
)

func TestDOTSeed(t *testing.T) {
	l, err := LoadExample(Seed)
	if err != nil {
		t.Fatal(err)
	}
	dot := l.DOT()
	if dot != l.DOT() {
		t.Fatal("DOT is not deterministic")
	}
	for _, want := range []string{
		`graph "aws-ssh" {`,
		`label="home-isp (AS 64500, rip)"`,
		`label="VPC prod 10.0.0.0/16"`,
		`"web" [label="web\n10.0.1.10", shape=box3d`,
		`"mac" -- "home-gw"`,
	} {
		if !strings.Contains(dot, want) && !strings.Contains(dot, strings.Replace(want, `"mac" -- "home-gw"`, `"home-gw" -- "mac"`, 1)) {
			t.Errorf("DOT lacks %s:\n%s", want, dot)
		}
	}
	// Every link is drawn once; eBGP links are bold, VPC plumbing dashed.
	if got, want := strings.Count(dot, " -- "), len(l.Links); got != want {
		t.Errorf("%d edges, want %d", got, want)
	}
	ebgp := 0
	for _, k := range l.Links {
		if l.ebgp(k) {
			ebgp++
		}
	}
	if got := strings.Count(dot, "penwidth=2.5"); got != ebgp || ebgp != 4 {
		t.Errorf("%d bold edges, want %d (seed has 4 eBGP links)", got, ebgp)
	}
	if !strings.Contains(dot, "style=dashed") {
		t.Error("implicit VPC links are not dashed")
	}
}
