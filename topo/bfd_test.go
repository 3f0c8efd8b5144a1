package topo

import (
	"strings"
	"testing"
	"time"
)

func TestBFDPrecedence(t *testing.T) {
	l := mustParse(t, `lab "bfd" {
  bfd { interval = "500ms" }
}
autonomous_system "a" {
  asn = 1
  bfd {
    interval = "100ms"
    multiplier = 5
  }
}
autonomous_system "b" { asn = 2 }
router "a1" { as = "a" }
router "a2" { as = "a" }
router "a3" { as = "a" }
router "b1" { as = "b" }
link "a1" "a2" {}
link "a2" "a3" {
  bfd {
    interval = "50ms"
    multiplier = 3
  }
}
link "a1" "b1" {}
`)
	for _, tc := range []struct {
		link     int
		interval time.Duration
		mult     uint8
	}{
		{0, 100 * time.Millisecond, 5},  // inside AS a: the AS's block
		{1, 50 * time.Millisecond, 3},   // the link's own
		{2, 500 * time.Millisecond, 3},  // eBGP: the lab's, default multiplier
		{-1, 500 * time.Millisecond, 3}, // no link: the lab's
		{99, 500 * time.Millisecond, 3}, // unknown link: the lab's
	} {
		b := l.BFDForLink(tc.link)
		if b == nil || b.Interval != tc.interval || b.Multiplier != tc.mult {
			t.Errorf("link %d: %+v, want %v × %d", tc.link, b, tc.interval, tc.mult)
		}
	}
	if b := l.BFDForAS("a"); b == nil || b.Interval != 100*time.Millisecond {
		t.Errorf("AS a: %+v", b)
	}
	if b := l.BFDForAS("b"); b == nil || b.Interval != 500*time.Millisecond {
		t.Errorf("AS b: %+v", b)
	}
	none := mustParse(t, `lab "nobfd" {}
autonomous_system "a" { asn = 1 }
router "a1" { as = "a" }
router "a2" { as = "a" }
link "a1" "a2" {}
`)
	if none.BFDForLink(0) != nil || none.BFDForAS("a") != nil {
		t.Error("BFD without any bfd block")
	}
}

func TestBFDErrors(t *testing.T) {
	for _, tc := range []struct {
		block, want string
	}{
		{`interval = "5ms"`, `test.hcl:2:20: error: Invalid bfd interval: interval 5ms is out of range: use 10ms to 60s.`},
		{`interval = "-100ms"`, `test.hcl:2:20: error: Invalid bfd interval: "-100ms" is not a valid duration`},
		{`interval = "fast"`, `test.hcl:2:20: error: Invalid bfd interval: "fast" is not a valid duration`},
		{`multiplier = 0`, `test.hcl:2:22: error: Invalid bfd multiplier: multiplier 0 is out of range: use 1 to 255.`},
		{`multiplier = 300`, `test.hcl:2:22: error: Invalid bfd multiplier: multiplier 300 is out of range: use 1 to 255.`},
	} {
		_, err := ParseWith([]byte("lab \"x\" {\n  bfd { "+tc.block+" }\n}\n"), "test.hcl", Options{LookPath: testLookPath})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v\nwant %s", tc.block, err, tc.want)
		}
	}
}
