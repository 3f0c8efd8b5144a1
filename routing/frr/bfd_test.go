package frr

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

func TestBFDConfig(t *testing.T) {
	lab, err := topo.Parse([]byte(`lab "bfd" {
  timers = "fast"
  daemons = "frr"
  bfd {
    interval = "100ms"
    multiplier = 3
  }
}
autonomous_system "a" {
  asn = 64501
  bfd { interval = "250ms" }
}
autonomous_system "b" { asn = 64502 }
router "a1" {
  as = "a"
  loopback = "192.0.2.1/32"
}
router "a2" {
  as = "a"
  loopback = "192.0.2.2/32"
}
router "b1" { as = "b" }
link "a1" "a2" { subnet = "10.0.12.0/30" }
link "a1" "b1" { subnet = "10.0.13.0/30" }
`), "bfd.hcl")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ConfigFor(lab, "a1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"bfd\n profile netemu-100ms-x3\n  transmit-interval 100\n  receive-interval 100\n  detect-multiplier 3\n exit\n",
		" profile netemu-250ms-x3\n  transmit-interval 250\n",
	} {
		if !strings.Contains(c.BFDd, want) {
			t.Errorf("bfdd.conf lacks %q:\n%s", want, c.BFDd)
		}
	}
	for _, want := range []string{
		"router bgp 64501\n neighbor 10.0.13.2 bfd\n neighbor 10.0.13.2 bfd profile netemu-100ms-x3\n",
		" neighbor 192.0.2.2 bfd\n neighbor 192.0.2.2 bfd profile netemu-250ms-x3\n",
	} {
		if !strings.Contains(c.BGPd, want) {
			t.Errorf("bgpd.conf lacks %q:\n%s", want, c.BGPd)
		}
	}
	// FRR itself accepts both files (dry run), where installed.
	for _, d := range []struct{ name, conf string }{{"bfdd", c.BFDd}, {"bgpd", c.BGPd}} {
		bin := filepath.Join("/usr/lib/frr", d.name)
		if _, err := os.Stat(bin); err != nil {
			t.Logf("%s not installed: not checked by FRR", d.name)
			continue
		}
		f := filepath.Join(t.TempDir(), d.name+".conf")
		if err := os.WriteFile(f, []byte(d.conf), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "-C", "-f", f, "--log", "stdout").CombinedOutput(); err != nil {
			t.Errorf("%s -C: %v\n%s\n%s", d.name, err, out, d.conf)
		}
	}
	// A lab without bfd blocks runs no bfdd.
	plain, _ := topo.Parse([]byte(`lab "p" {
  daemons = "frr"
}
autonomous_system "a" { asn = 64501 }
autonomous_system "b" { asn = 64502 }
router "a1" { as = "a" }
router "b1" { as = "b" }
link "a1" "b1" {}
`), "p.hcl")
	if c, err := ConfigFor(plain, "a1"); err != nil || c.BFDd != "" || strings.Contains(c.BGPd, " bfd") {
		t.Fatalf("plain lab: %v %q", err, c.BFDd)
	}
}
