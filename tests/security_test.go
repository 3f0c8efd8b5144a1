package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/netemu/netemu/routing/agent"
)

// TestAgentSocketRootOnly: the agent's control socket (routes, keys,
// profiles) and its config are root's alone — even with every directory
// above them open, another user cannot connect (README "Security").
func TestAgentSocketRootOnly(t *testing.T) {
	l := newRIPLab(t, "secs")
	l.node("n1", "10.255.8.1/32")
	l.agent("n1", ripAgentConfig("10.255.8.1/32", nil))
	dir := filepath.Join(l.dir, "n1")
	sock := filepath.Join(dir, agent.SocketName)
	for _, f := range []string{sock, filepath.Join(dir, agent.ConfigName)} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 || fi.Sys().(*syscall.Stat_t).Uid != 0 {
			t.Errorf("%s: mode %v uid %d, want root's alone", f, fi.Mode(), fi.Sys().(*syscall.Stat_t).Uid)
		}
	}
	// Open the path to the socket, so only the socket's own mode stands
	// in the way.
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	run := func(uid uint32) error {
		cmd := exec.Command(curl, "-sSf", "--max-time", "5", "--unix-socket", sock, "http://agent/status")
		if uid != 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: 65534}}
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("uid %d: %v: %s", uid, err, out)
		}
		return err
	}
	if err := run(0); err != nil {
		t.Fatalf("root cannot reach the agent: %v", err)
	}
	if err := run(65534); err == nil {
		t.Fatal("user nobody reached the agent's control socket")
	}
}
