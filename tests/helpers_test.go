package tests

// Shared helpers for integration tests: the netemu binary, built once in
// TestMain, and the CLI driven as a user drives it.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// netemuBin is the netemu binary under test, built once by TestMain.
var netemuBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "netemu-tests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	netemuBin, err = labtest.BuildNetemu(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildNetemu returns the binary TestMain built.
func buildNetemu(t testing.TB) string {
	t.Helper()
	if netemuBin == "" {
		t.Fatal("netemu binary not built (TestMain did not run)")
	}
	return netemuBin
}

// runNetemu runs the CLI and returns its stdout, stderr and error.
func runNetemu(t testing.TB, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(buildNetemu(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// netemu runs the CLI and fails the test when it fails.
func netemu(t testing.TB, args ...string) string {
	t.Helper()
	out, errs, err := runNetemu(t, args...)
	if err != nil {
		t.Fatalf("netemu %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errs)
	}
	return out
}

// upLab runs `netemu up file` and registers `netemu down LAB` (and a check
// that nothing remains) as cleanup. It returns the lab's name.
func upLab(t testing.TB, file string) string {
	t.Helper()
	labtest.RequireRoot(t)
	lab, err := topo.Load(file)
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	t.Cleanup(func() {
		if out, errs, err := runNetemu(t, "down", "--missing-ok", lab.Name); err != nil {
			t.Errorf("netemu down %s: %v\n%s%s", lab.Name, err, out, errs)
		}
		labtest.AssertGone(t, lab.Name)
	})
	netemu(t, "up", file)
	return lab.Name
}

// execIn runs argv inside node of lab through `netemu exec` and returns
// its stdout; it fails the test when the command fails.
func execIn(t testing.TB, lab, node string, argv ...string) string {
	t.Helper()
	return netemu(t, append([]string{"--lab", lab, "exec", node, "--"}, argv...)...)
}

// execErr is execIn that returns the error instead of failing.
func execErr(t testing.TB, lab, node string, argv ...string) (string, error) {
	t.Helper()
	out, _, err := runNetemu(t, append([]string{"--lab", lab, "exec", node, "--"}, argv...)...)
	return out, err
}
