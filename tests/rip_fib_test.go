package tests

import (
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/fib"
	"github.com/netemu/netemu/tests/labtest"
)

// fibIn opens a fib.Writer bound to namespace ns: its netlink socket is
// made inside ns and stays there.
func fibIn(t *testing.T, ns string) *fib.Writer {
	t.Helper()
	w := labtest.MakeIn(t, ns, func() (*fib.Writer, error) { return fib.New(hclog.NewNullLogger(), routing.Discard{}) })
	t.Cleanup(w.Close)
	return w
}

func TestFIBWriter(t *testing.T) {
	l := newRIPLab(t, "ripfib")
	l.node("a")
	l.node("b")
	l.link("a", "eth0", "10.20.0.1/24", "b", "eth0", "10.20.0.2/24")
	w := fibIn(t, l.ns("a"))
	gw := netip.MustParseAddr("10.20.0.2")
	r := fib.Route{Prefix: netip.MustParsePrefix("172.16.5.0/24"), Gateway: gw, Metric: 2, Protocol: fib.ProtoRIP}
	if err := w.Replace([]fib.Route{r}); err != nil {
		t.Fatal(err)
	}
	if got := l.kernelRoute("a", "172.16.5.0/24"); got != "172.16.5.0/24 via 10.20.0.2 dev eth0 proto rip metric 2" {
		t.Fatalf("ip route: %q", got)
	}
	// A new metric moves the route: one route, not two.
	r.Metric = 5
	if err := w.Replace([]fib.Route{r}); err != nil {
		t.Fatal(err)
	}
	if got := l.kernelRoute("a", "172.16.5.0/24"); got != "172.16.5.0/24 via 10.20.0.2 dev eth0 proto rip metric 5" {
		t.Fatalf("after metric change: %q", got)
	}
	// BGP's route to the same prefix lives beside RIP's; deleting RIP's
	// leaves BGP's.
	if err := w.Replace([]fib.Route{{Prefix: r.Prefix, Gateway: gw, Metric: 20, Protocol: fib.ProtoBGP}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Delete([]fib.Route{{Prefix: r.Prefix, Protocol: fib.ProtoRIP}}); err != nil {
		t.Fatal(err)
	}
	if got := l.kernelRoute("a", "172.16.5.0/24"); got != "172.16.5.0/24 via 10.20.0.2 dev eth0 proto bgp metric 20" {
		t.Fatalf("after deleting rip's: %q", got)
	}
	// Deleting what is not there is fine.
	if err := w.Delete([]fib.Route{{Prefix: r.Prefix, Protocol: fib.ProtoRIP}}); err != nil {
		t.Fatalf("second delete: %v", err)
	}

	// A batch, listed back, flushed; the rate is printed, not asserted.
	const n = 2000
	batch := make([]fib.Route, n)
	for i := range batch {
		batch[i] = fib.Route{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 100 + byte(i/256), byte(i), 0}), 24), Gateway: gw, Metric: 3, Protocol: fib.ProtoRIP}
	}
	t0 := time.Now()
	if err := w.Replace(batch); err != nil {
		t.Fatal(err)
	}
	t.Logf("installed %d routes in %v (%.0f routes/s)", n, time.Since(t0), n/time.Since(t0).Seconds())
	rs, err := w.List(fib.ProtoRIP)
	if err != nil || len(rs) != n {
		t.Fatalf("list: %d routes, %v", len(rs), err)
	}
	if err := w.Flush(fib.ProtoRIP); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("ip", "-n", l.ns("a"), "route", "show", "proto", "rip").CombinedOutput()
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Fatalf("after flush:\n%s", s)
	}
	if got := l.kernelRoute("a", "172.16.5.0/24"); !strings.Contains(got, "proto bgp") {
		t.Fatalf("flush of rip took bgp's route: %q", got)
	}
}
