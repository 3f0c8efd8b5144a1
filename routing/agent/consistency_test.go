package agent

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/netemu/netemu/routing/fib"
)

func TestCompareHeld(t *testing.T) {
	r := func(p, gw string, m int) fib.Route {
		return fib.Route{Prefix: netip.MustParsePrefix(p), Gateway: netip.MustParseAddr(gw), Metric: m, Protocol: fib.ProtoRIP}
	}
	h := fib.Held{Protocol: fib.ProtoRIP,
		Routes:     []fib.Route{r("10.1.0.0/24", "10.0.0.2", 2), r("10.2.0.0/24", "10.0.0.2", 2), r("10.3.0.0/24", "10.0.0.2", 3)},
		Refused:    map[netip.Prefix]string{netip.MustParsePrefix("10.4.0.0/24"): "invalid argument"},
		Advertised: []string{"10.9.0.0/24: sent but not held"}}
	kernel := []fib.Route{r("10.1.0.0/24", "10.0.0.2", 2), r("10.3.0.0/24", "10.0.0.6", 3), r("10.5.0.0/24", "10.0.0.2", 2)}
	got := compareHeld(h, kernel)
	want := []string{
		"rip: 10.2.0.0/24 via 10.0.0.2 is best in the RIB but not in the kernel",
		"rip: 10.3.0.0/24: RIB via 10.0.0.2 metric 3, kernel via 10.0.0.6 metric 3",
		"rip: advertised: 10.9.0.0/24: sent but not held",
		"rip: kernel has 10.5.0.0/24 via 10.0.0.2 that the RIB does not hold",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p := compareHeld(fib.Held{Protocol: fib.ProtoRIP, Routes: kernel}, kernel); len(p) != 0 {
		t.Errorf("same tables: %v", p)
	}
}
