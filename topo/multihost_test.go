package topo

import (
	"strings"
	"testing"
)

func TestVXLANPort(t *testing.T) {
	for _, tc := range []struct {
		attr string
		want uint16
		err  string
	}{
		{"", 0, ""},
		{"vxlan_port = 4790", 4790, ""},
		{"vxlan_port = 0", 0, "x.hcl:1:24: error"},
		{"vxlan_port = 70000", 0, "Invalid port"},
	} {
		src := "lab \"x\" {\n" + tc.attr + "\n}\nhost \"a\" {}\n"
		if strings.Contains(tc.err, "x.hcl:1:") {
			src = "lab \"x\" { " + tc.attr + " }\nhost \"a\" {}\n"
		}
		l, err := Parse([]byte(src), "x.hcl")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.attr, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.attr, err)
		}
		if l.VXLANPort != tc.want {
			t.Errorf("%q: VXLANPort = %d, want %d", tc.attr, l.VXLANPort, tc.want)
		}
	}
}
