package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

func TestResolveMachine(t *testing.T) {
	src := `lab "rm" {}
host "a" {
  machine = "m1"
}
host "b" {
  machine = "m2"
}
link "a" "b" {}
machine "m1" {
  address = "192.0.2.201"
}
machine "m2" {
  address = "192.0.2.202"
}
`
	lab, err := topo.Parse([]byte(src), "rm.hcl")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := topo.Parse([]byte("lab \"p\" {}\nhost \"a\" {}\n"), "p.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lab     *topo.Lab
		machine string
		want    string
		err     string
	}{
		{lab, "m2", "m2", ""},
		{lab, "m9", "", "no such machine (its machines: m1, m2)"},
		// Nobody's test box has these documentation addresses.
		{lab, "", "", "spans machines m1, m2"},
		{plain, "", "", ""},
		{plain, "m1", "", "has no machine blocks"},
	} {
		got, err := resolveMachine(tc.lab, tc.machine)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s/%q: err = %v, want %q", tc.lab.Name, tc.machine, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s/%q = %q, %v; want %q", tc.lab.Name, tc.machine, got, err, tc.want)
		}
	}
}

// TestRemoteCommand runs the remote shell line with a stand-in netemu to
// check quoting and that the file arrives on stdin.
func TestRemoteCommand(t *testing.T) {
	dir := t.TempDir()
	fake := "#!/bin/sh\necho \"args: $*\"\ncat \"$4\"\n"
	if err := writeExec(dir+"/netemu", fake); err != nil {
		t.Fatal(err)
	}
	line := remoteCommand("up", "lab1", "m'1", nil)
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	cmd.Stdin = strings.NewReader("lab \"lab1\" {}\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	if !strings.Contains(string(out), "args: up --machine m'1 ") || !strings.Contains(string(out), `lab "lab1" {}`) {
		t.Errorf("remote up ran as:\n%s", out)
	}
	if got := remoteCommand("down", "lab1", "m2", nil); got != "netemu down --machine 'm2' 'lab1'" {
		t.Errorf("down = %q", got)
	}
}

func writeExec(path, body string) error {
	return os.WriteFile(path, []byte(body), 0o755)
}
