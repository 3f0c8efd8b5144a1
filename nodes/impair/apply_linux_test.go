package impair

import (
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/netemu/netemu/topo"
)

// The netem path maps the file's units onto netem's: microseconds,
// percentages, bytes a second; reorder gets a gap of 1 as tc gives it.
func TestNetemQdisc(t *testing.T) {
	imp := topo.Impairment{Delay: 40 * time.Millisecond, Jitter: 5 * time.Millisecond, Loss: 1, Duplicate: 0.1, Reorder: 2, Corrupt: 0.5, Rate: 10e6}
	got := NetemQdisc(netlink.QdiscAttrs{}, PlanFor(imp, true))
	want := netlink.NewNetem(netlink.QdiscAttrs{}, netlink.NetemQdiscAttrs{
		Latency: 40000, Jitter: 5000, Loss: 1, Duplicate: 0.1, ReorderProb: 2, CorruptProb: 0.5, Gap: 1, Rate64: 1_250_000,
	})
	if *got != *want {
		t.Errorf("netem = %+v\nwant    %+v", *got, *want)
	}
	if got.Gap != 1 || got.Rate64 != 1_250_000 || got.Loss != netlink.Percentage2u32(1) {
		t.Errorf("gap %d rate %d loss %d", got.Gap, got.Rate64, got.Loss)
	}
}

// A tbf keeps 10 ms of burst and at least 64 full frames of queue.
func TestTBF(t *testing.T) {
	for _, tc := range []struct {
		rate         uint64
		burst, limit uint32
	}{
		{1e6, 3200, 3200 + 64*1514},
		{100e6, 125000, 125000 + 625000},
	} {
		q := TBF(netlink.QdiscAttrs{}, tc.rate)
		if q.Rate != tc.rate/8 || q.Limit != tc.limit || q.Buffer != netlink.Xmittime(tc.rate/8, tc.burst) {
			t.Errorf("TBF(%d) = rate %d limit %d buffer %d; want limit %d", tc.rate, q.Rate, q.Limit, q.Buffer, tc.limit)
		}
	}
}
