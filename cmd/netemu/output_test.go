package main

import "testing"

func TestOutputFormatFlag(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{{"table", true}, {"json", true}, {"yaml", false}, {"", false}, {"JSON", false}} {
		o := outputTable
		err := o.Set(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("Set(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
		if tc.ok && string(o) != tc.in {
			t.Errorf("Set(%q) left %q", tc.in, o)
		}
		if !tc.ok && o != outputTable {
			t.Errorf("failed Set(%q) changed the value to %q", tc.in, o)
		}
	}
	// Every read command rejects a bad -o before doing anything.
	for _, args := range [][]string{{"status"}, {"rip", "r1"}, {"bgp", "r1"}, {"routes", "r1"}, {"sg", "web"}, {"trace", "a", "b"}, {"events"}, {"placement", "x.hcl"},
		{"wait"}, {"validate", "x.hcl"}, {"logs", "n"}, {"link", "down", "a", "b"}, {"instance", "stop", "web"}, {"node", "stop", "r1"},
		{"down", "x"}, {"up", "x.hcl"}, {"version"}, {"examples"}} {
		root := newRootCmd()
		root.SetArgs(append(args, "-o", "yaml"))
		root.SetOut(new(discard))
		root.SetErr(new(discard))
		if err := root.Execute(); exitCode(err) != exitUsage {
			t.Errorf("netemu %v -o yaml: %v, want a usage error", args, err)
		}
	}
}

type discard struct{}

func (*discard) Write(p []byte) (int, error) { return len(p), nil }
