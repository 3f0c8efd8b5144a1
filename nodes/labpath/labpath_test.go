package labpath

import (
	"path/filepath"
	"testing"
)

func TestPaths(t *testing.T) {
	t.Setenv("NETEMU_RUN_DIR", "/tmp/rd")
	tests := []struct {
		name, got, want string
	}{
		{"run dir", RunDir(), "/tmp/rd"},
		{"state dir", StateDir("seed", ""), "/tmp/rd/seed"},
		{"state dir of a machine", StateDir("seed", "m1"), "/tmp/rd/seed@m1"},
		{"state file", StatePath("/tmp/rd/seed"), "/tmp/rd/seed/state.json"},
		{"lock", LockPath("seed", "m1"), "/tmp/rd/seed@m1.lock"},
		{"node dir", NodeDir("/tmp/rd/seed", "web"), "/tmp/rd/seed/nodes/web"},
		{"uts", UTSPath("/tmp/rd/seed", "web"), "/tmp/rd/seed/ns/web.uts"},
		{"mnt", MntPath("/tmp/rd/seed", "web"), "/tmp/rd/seed/ns/web.mnt"},
		{"netns name", NetnsName("seed", "web"), "ne.seed.web"},
		{"netns path", NetnsPath("seed", "web"), "/run/netns/ne.seed.web"},
		{"glob of a lab", NetnsGlob("se*d"), `/run/netns/ne.se\*d.*`},
		{"glob of all labs", NetnsGlob(""), "/run/netns/ne.*"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestDefaultRunDir(t *testing.T) {
	t.Setenv("NETEMU_RUN_DIR", "")
	if got := RunDir(); got != DefaultRunDir {
		t.Errorf("RunDir() = %q, want %q", got, DefaultRunDir)
	}
}

func TestShareNameRoundTrip(t *testing.T) {
	tests := []struct{ lab, machine, share string }{
		{"seed", "", "seed"},
		{"seed", "m1", "seed@m1"},
	}
	for _, tc := range tests {
		if got := ShareName(tc.lab, tc.machine); got != tc.share {
			t.Errorf("ShareName(%q, %q) = %q, want %q", tc.lab, tc.machine, got, tc.share)
		}
		lab, machine := SplitShareName(tc.share)
		if lab != tc.lab || machine != tc.machine {
			t.Errorf("SplitShareName(%q) = %q, %q", tc.share, lab, machine)
		}
	}
}

func TestSplitNetnsName(t *testing.T) {
	tests := []struct {
		name      string
		lab, node string
		ok        bool
	}{
		{"ne.seed.web", "seed", "web", true},
		{"ne.big-lab.r1", "big-lab", "r1", true},
		{"ne.seed", "", "", false},
		{"ne.seed.", "", "", false},
		{"cni-1234", "", "", false},
	}
	for _, tc := range tests {
		lab, node, ok := SplitNetnsName(tc.name)
		if lab != tc.lab || node != tc.node || ok != tc.ok {
			t.Errorf("SplitNetnsName(%q) = %q, %q, %v; want %q, %q, %v", tc.name, lab, node, ok, tc.lab, tc.node, tc.ok)
		}
		if ok && NetnsName(lab, node) != tc.name {
			t.Errorf("NetnsName(SplitNetnsName(%q)) = %q", tc.name, NetnsName(lab, node))
		}
	}
}

func TestGlobMatchesOnlyItsLab(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{NetnsPath("seed", "web"), true},
		{NetnsPath("seed2", "web"), false},
		{NetnsPath("see", "d"), false},
	} {
		ok, err := filepath.Match(NetnsGlob("seed"), tc.path)
		if err != nil || ok != tc.want {
			t.Errorf("Match(%q) = %v, %v; want %v", tc.path, ok, err, tc.want)
		}
	}
}
