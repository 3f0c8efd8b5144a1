package lab

import (
	"testing"
	"time"

	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/topo"
)

func TestWaitResultString(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	down := fault.Record{Time: at, Kind: fault.KindLinkDown, A: "transit-a", B: "aws-edge"}
	for _, tc := range []struct {
		r    WaitResult
		want string
	}{
		{WaitResult{StaticOnly: true}, `routing converged in 0s (daemons = "none": static routes only, nothing to wait for)`},
		{WaitResult{Took: 2104 * time.Millisecond}, "routing converged in 2.1s"},
		{WaitResult{Took: 3 * time.Second, LastChange: at.Add(1900 * time.Millisecond), Fault: &down},
			"routing converged in 3s (last routing change 1.9s after link-down transit-a–aws-edge)"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("String() = %q\nwant        %q", got, tc.want)
		}
	}
}

func TestDefaultWaitTimeout(t *testing.T) {
	for _, tc := range []struct {
		rip, hold, want time.Duration
	}{
		{180 * time.Second, 90 * time.Second, 540 * time.Second},
		{6 * time.Second, 9 * time.Second, time.Minute}, // never under a minute
	} {
		if got := DefaultWaitTimeout(topo.Timers{RIPTimeout: tc.rip, BGPHold: tc.hold}); got != tc.want {
			t.Errorf("rip %v hold %v: %v, want %v", tc.rip, tc.hold, got, tc.want)
		}
	}
}
