// Package labtest holds helpers for root tests that build real labs: a
// netemu binary built once, unique lab names, generated topologies, labs
// built in-process or through the CLI, all removed by t.Cleanup.
package labtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// RequireRoot skips a test that needs root when not root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: builds network namespaces")
	}
}

// UniqueName is a fresh lab name: prefix plus random hex, valid in the
// language (lowercase, ≤ 24 characters).
func UniqueName(prefix string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	if len(name) > 24 {
		name = name[len(name)-24:]
	}
	return name
}

// BuildNetemu compiles cmd/netemu into dir and returns the binary's path.
// Call it once, from TestMain.
func BuildNetemu(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "netemu")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/netemu")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build netemu: %w\n%s", err, out)
	}
	return bin, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the netemu module")
	}
	return filepath.Dir(mod), nil
}

var labLine = regexp.MustCompile(`(?m)^lab\s+"[^"]*"`)

// RenameLab returns an HCL source with its lab block renamed, so tests can
// run an example under a unique name.
func RenameLab(src []byte, name string) []byte {
	return labLine.ReplaceAll(src, []byte(`lab "`+name+`"`))
}

// ExampleFile writes the embedded example under a unique lab name into a
// temp dir and returns the file and the lab name.
func ExampleFile(t testing.TB, example, prefix string) (file, lab string) {
	t.Helper()
	src, err := topo.ExampleSource(example)
	if err != nil {
		t.Fatal(err)
	}
	lab = UniqueName(prefix)
	return WriteFile(t, lab+".hcl", RenameLab(src, lab)), lab
}

// WriteFile writes data to a file in a temp dir.
func WriteFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ChainHCL is a lab of n routers in a line (r1 – r2 – … – rn), one AS,
// static routing, no daemons; link subnets come from the pool.
func ChainHCL(lab string, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "lab %q {\n  daemons = \"none\"\n  link_pool = \"10.128.0.0/10\"\n  loopback_pool = \"10.64.0.0/12\"\n}\n", lab)
	b.WriteString("autonomous_system \"core\" {\n  asn = 64512\n  igp = \"static\"\n}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "router \"r%d\" {\n  as = \"core\"\n}\n", i)
	}
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "link \"r%d\" \"r%d\" {}\n", i, i+1)
	}
	return b.Bytes()
}

// GridHCL is a lab of rows×cols routers, each linked to its right and
// lower neighbour; one AS, static routing, no daemons.
func GridHCL(lab string, rows, cols int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "lab %q {\n  daemons = \"none\"\n  link_pool = \"10.128.0.0/10\"\n  loopback_pool = \"10.64.0.0/12\"\n}\n", lab)
	b.WriteString("autonomous_system \"core\" {\n  asn = 64512\n  igp = \"static\"\n}\n")
	name := func(r, c int) string { return fmt.Sprintf("g%d-%d", r, c) }
	for r := range rows {
		for c := range cols {
			fmt.Fprintf(&b, "router %q {\n  as = \"core\"\n}\n", name(r, c))
		}
	}
	for r := range rows {
		for c := range cols {
			if c+1 < cols {
				fmt.Fprintf(&b, "link %q %q {}\n", name(r, c), name(r, c+1))
			}
			if r+1 < rows {
				fmt.Fprintf(&b, "link %q %q {}\n", name(r, c), name(r+1, c))
			}
		}
	}
	return b.Bytes()
}

// Logger is an hclog logger writing to t.Log.
func Logger(t testing.TB) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: t.Name(), Level: hclog.Info, Output: testWriter{t}})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Build builds lab in-process with nodes.Build and removes it at cleanup.
// supervisor is the netemu binary StartProcess runs (from BuildNetemu; ""
// when the test starts no process).
func Build(t testing.TB, lab *topo.Lab, supervisor string) *nodes.State {
	t.Helper()
	RequireRoot(t)
	log := Logger(t)
	t.Cleanup(func() {
		if err := nodes.Down(context.Background(), lab.Name, "", log); err != nil {
			t.Errorf("down %s: %v", lab.Name, err)
		}
		AssertGone(t, lab.Name)
	})
	st, err := nodes.Build(context.Background(), lab, nodes.BuildOptions{Log: log, Supervisor: supervisor})
	if err != nil {
		t.Fatalf("build %s: %v", lab.Name, err)
	}
	return st
}

// AssertGone fails the test when anything of lab remains: a namespace, its
// state directory, a supervisor.
func AssertGone(t testing.TB, lab string) {
	t.Helper()
	if left := Namespaces(lab); len(left) > 0 {
		t.Errorf("lab %s: namespaces left: %v", lab, left)
	}
	if _, err := os.Stat(labpath.StateDir(lab, "")); err == nil {
		t.Errorf("lab %s: state dir %s left", lab, labpath.StateDir(lab, ""))
	}
	if p := Supervisors(lab); len(p) > 0 {
		t.Errorf("lab %s: supervisors left: %v", lab, p)
	}
	if p := ProcessesNaming(labpath.StateDir(lab, "") + "/"); len(p) > 0 {
		t.Errorf("lab %s: processes naming its state dir left: %v", lab, p)
	}
}

// ProcessesNaming lists pids whose command line contains s (e.g. a lab's
// state dir: sshd -f <nodedir>/sshd/sshd_config).
func ProcessesNaming(s string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid == os.Getpid() {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(data), s) {
			out = append(out, pid)
		}
	}
	return out
}

// Namespaces lists the lab's network namespaces in /run/netns.
func Namespaces(lab string) []string {
	m, _ := filepath.Glob(labpath.NetnsGlob(lab))
	return m
}

// Supervisors lists pids of `netemu supervise` processes of the lab.
func Supervisors(lab string) []int {
	dir := labpath.StateDir(lab, "") + "/"
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		s := string(data)
		if strings.Contains(s, "supervise\x00") && strings.Contains(s, dir) {
			out = append(out, pid)
		}
	}
	return out
}
