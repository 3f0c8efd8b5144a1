package lab

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
)

// TestDownTargets: which shares `down` removes for a name, a machine, or
// nothing (the only lab up). --all and "no lab up" also read /run/netns,
// which other labs on this machine share, so they are left to the root
// tests.
func TestDownTargets(t *testing.T) {
	t.Setenv("NETEMU_RUN_DIR", t.TempDir())
	save := func(lab, machine string) {
		if err := nodes.SaveState(&nodes.State{Lab: lab, Machine: machine, Dir: labpath.StateDir(lab, machine)}); err != nil {
			t.Fatal(err)
		}
	}
	targets := func(o DownOptions) (string, error) {
		ts, err := downTargets(o, hclog.NewNullLogger())
		var s []string
		for _, x := range ts {
			s = append(s, labpath.ShareName(x.lab, x.machine))
		}
		return strings.Join(s, " "), err
	}
	save("one", "")
	if got, err := targets(DownOptions{}); err != nil || got != "one" {
		t.Errorf("the only lab: %q %v", got, err)
	}
	save("two", "m1")
	save("two", "m2")
	for _, tc := range []struct {
		o    DownOptions
		want string
	}{
		{DownOptions{Name: "two"}, "two@m1 two@m2"}, // every share here
		{DownOptions{Name: "two@m2"}, "two@m2"},
		{DownOptions{Name: "two", Machine: "m1"}, "two@m1"},
		{DownOptions{Name: "gone"}, "gone"}, // idempotent: not up is reported, not an error
		{DownOptions{Name: "gone", Machine: "m3"}, "gone@m3"},
	} {
		if got, err := targets(tc.o); err != nil || got != tc.want {
			t.Errorf("%+v: %q %v, want %q", tc.o, got, err, tc.want)
		}
	}
	if _, err := targets(DownOptions{}); err == nil || !strings.Contains(err.Error(), "several labs are up (one, two@m1, two@m2): name one, or use --all") {
		t.Errorf("several labs: %v", err)
	}
	if got := fmt.Sprint(DownReport{Share: "x@m1", WasUp: true}, "; ", DownReport{Share: "x"}); got != "lab x@m1 is down; lab x is not up" {
		t.Errorf("reports: %q", got)
	}
}
