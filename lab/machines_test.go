package lab

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

// parseLab parses an HCL lab for a test.
func parseLab(t *testing.T, src string) *topo.Lab {
	t.Helper()
	l, err := topo.Parse([]byte(src), "test.hcl")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// twoMachines is a lab named name with hosts a on m1 and b on m2 (at
// documentation addresses nobody's test box has), extra appended.
func twoMachines(t *testing.T, name, extra string) *topo.Lab {
	return parseLab(t, `lab "`+name+`" {}
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
`+extra)
}

func TestResolveMachine(t *testing.T) {
	lab := twoMachines(t, "rm", "")
	plain := parseLab(t, "lab \"p\" {}\nhost \"a\" {}\n")
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
		got, err := ResolveMachine(tc.lab, tc.machine)
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
	line := RemoteCommand("up", "lab1", "m'1", nil)
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
	if got := RemoteCommand("down", "lab1", "m2", nil); got != "netemu down --machine 'm2' 'lab1'" {
		t.Errorf("down = %q", got)
	}
}

func writeExec(path, body string) error {
	return os.WriteFile(path, []byte(body), 0o755)
}

func TestShareCommand(t *testing.T) {
	got := ShareCommand("lab1", "m2", []string{"link", "down", "--fanned-out", "a:eth1", "it's"})
	if want := `netemu --lab 'lab1@m2' 'link' 'down' '--fanned-out' 'a:eth1' 'it'\''s'`; got != want {
		t.Errorf("ShareCommand = %s\nwant %s", got, want)
	}
}

// TestResolveMachineByAddress: without --machine, the machine whose
// address this host has is the one.
func TestResolveMachineByAddress(t *testing.T) {
	l := twoMachines(t, "rm", "")
	has := func(addrs ...string) func() (map[netip.Addr]bool, error) {
		return func() (map[netip.Addr]bool, error) {
			m := map[netip.Addr]bool{netip.MustParseAddr("127.0.0.1"): true}
			for _, a := range addrs {
				m[netip.MustParseAddr(a)] = true
			}
			return m, nil
		}
	}
	for _, tc := range []struct {
		local   func() (map[netip.Addr]bool, error)
		machine string
		want    string
		err     string
	}{
		{has("192.0.2.202"), "", "m2", ""},
		{has("192.0.2.201"), "m2", "m2", ""}, // --machine wins over the address
		{has("192.0.2.201", "192.0.2.202"), "", "", "has the address of 2 of them"},
		{has(), "", "", "has the address of 0 of them"},
		{func() (map[netip.Addr]bool, error) { return nil, errors.New("no netlink") }, "", "", "say which one this is with --machine (no netlink)"},
	} {
		got, err := resolveMachine(l, tc.machine, tc.local)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.machine, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q = %q, %v; want %q", tc.machine, got, err, tc.want)
		}
	}
}

// TestOnMachines runs a stand-in ssh (sh -c) on three machines: results
// come back in order with each machine's output, stdin reaches every
// command, and the error names only the machine that failed.
func TestOnMachines(t *testing.T) {
	l := &topo.Lab{Name: "fan", Machines: []*topo.Machine{
		{Name: "m1", Address: netip.MustParseAddr("192.0.2.1")},
		{Name: "m2", Address: netip.MustParseAddr("192.0.2.2")},
		{Name: "m3", Address: netip.MustParseAddr("192.0.2.3")},
	}}
	// sh -c SCRIPT ADDRESS REMOTE: $0 is the address, $1 the command.
	ssh := []string{"sh", "-c", `echo "at $0"; eval "$1"`}
	rs, err := OnMachines(context.Background(), FanOut{
		Lab: l, Machines: []string{"m3", "m1", "m2"}, What: "test fan", Stdin: []byte("hello\n"), SSH: ssh,
		Remote: func(m string) string {
			if m == "m2" {
				return "exit 3"
			}
			return "echo " + ShellQuote(m) + "; cat"
		},
	})
	if err == nil || err.Error() != "test fan failed on machine(s) m2" {
		t.Errorf("err = %v", err)
	}
	want := []struct{ machine, out string }{{"m3", "at 192.0.2.3\nm3\nhello\n"}, {"m1", "at 192.0.2.1\nm1\nhello\n"}, {"m2", "at 192.0.2.2\n"}}
	if len(rs) != len(want) {
		t.Fatalf("got %d results, want %d", len(rs), len(want))
	}
	for i, w := range want {
		if rs[i].Machine != w.machine || string(rs[i].Output) != w.out || (rs[i].Err != nil) != (w.machine == "m2") {
			t.Errorf("result %d = %s %q %v; want %s %q", i, rs[i].Machine, rs[i].Output, rs[i].Err, w.machine, w.out)
		}
	}
	if _, err := OnMachines(context.Background(), FanOut{Lab: l, Machines: []string{"m9"}, SSH: ssh}); err == nil || !strings.Contains(err.Error(), "no machine m9") {
		t.Errorf("unknown machine: err = %v", err)
	}
}
