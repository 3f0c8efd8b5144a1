package tests

// Services inside namespaces built by this test itself (no builder): real
// sshd, OpenSMTPD and MariaDB in an instance's network + UTS + mount
// namespaces, reached from a client namespace with the real ssh and mysql
// clients.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// svcTestRunner runs processes the way nodes' supervisor does (nsenter into
// the node's namespaces), without restarts, so these tests need only svc.
type svcTestRunner struct {
	t     *testing.T
	mu    sync.Mutex
	procs map[string]*exec.Cmd // node/name
}

func (r *svcTestRunner) nsenter(st *nodes.State, node string) []string {
	args := []string{"nsenter", "--net=" + labpath.NetnsPath(st.Lab, node), "--uts=" + labpath.UTSPath(st.Dir, node)}
	if _, err := os.Stat(labpath.MntPath(st.Dir, node)); err == nil {
		args = append(args, "--mount="+labpath.MntPath(st.Dir, node))
	}
	return append(args, "--")
}

func (r *svcTestRunner) Command(st *nodes.State, node string, argv []string) *exec.Cmd {
	args := append(r.nsenter(st, node), argv...)
	return exec.Command(args[0], args[1:]...)
}

func (r *svcTestRunner) StartProcess(st *nodes.State, node string, spec nodes.ProcessSpec) (nodes.ProcessState, error) {
	logFile := filepath.Join(labpath.NodeDir(st.Dir, node), spec.Name+".log")
	f, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nodes.ProcessState{}, err
	}
	defer f.Close()
	cmd := r.Command(st, node, spec.Command)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nodes.ProcessState{}, err
	}
	r.mu.Lock()
	r.procs[node+"/"+spec.Name] = cmd
	r.mu.Unlock()
	return nodes.ProcessState{Node: node, Spec: spec, PID: cmd.Process.Pid, Started: time.Now(), LogFile: logFile}, nil
}

func (r *svcTestRunner) StopProcess(st *nodes.State, node, name string) error {
	r.mu.Lock()
	cmd := r.procs[node+"/"+name]
	delete(r.procs, node+"/"+name)
	r.mu.Unlock()
	if cmd == nil {
		return nil
	}
	// nsenter execs the program, so the pid is the program's own.
	labtest.Stop(cmd, 10*time.Second)
	return nil
}

// StartInit gives no PID namespace: these tests check the services, and
// TestEC2Instance the instance's init.
func (r *svcTestRunner) StartInit(st *nodes.State, node string) (nodes.ProcessState, error) {
	return nodes.ProcessState{Node: node, Spec: nodes.ProcessSpec{Name: nodes.InitProcess}}, nil
}

func (r *svcTestRunner) stopAll() {
	r.mu.Lock()
	var keys []string
	for k := range r.procs {
		keys = append(keys, k)
	}
	r.mu.Unlock()
	for _, k := range keys {
		node, name, _ := strings.Cut(k, "/")
		_ = r.StopProcess(nil, node, name)
	}
}

func svcNeedRoot(t *testing.T) {
	t.Helper()
	labtest.RequireRoot(t)
	for _, p := range []string{"/usr/sbin/sshd", svc.SendmailBinary, "/usr/sbin/mariadbd", "/usr/bin/ssh", "/usr/bin/mysql", "/usr/bin/lsof", "/usr/bin/unshare"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("needs %s (run tests/setup.sh)", p)
		}
	}
}

// svcLab is a lab of three nodes built by hand:
//
//	mac 10.0.1.2 ── eth0 web 10.0.1.10 eth1 ── 10.0.2.20 db
//
// web and db are instances with their own UTS and mount namespaces.
type svcLab struct {
	st *nodes.State
	r  *svcTestRunner
}

func newSvcLab(t *testing.T) *svcLab {
	t.Helper()
	svcNeedRoot(t)
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	labName := "svct" + hex.EncodeToString(b)

	// The run dir lives under /run, as in production, so the view's
	// private /run must hand it back.
	runDir, err := os.MkdirTemp("/run", "netemu-svctest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runDir) })
	t.Setenv("NETEMU_RUN_DIR", runDir)
	stateDir := labpath.StateDir(labName, "")

	web := &topo.Node{Name: "web", Kind: topo.KindInstance, Hostname: "ip-10-0-1-10",
		Instance: &topo.Instance{PrivateIP: netip.MustParseAddr("10.0.1.10"), KeyPair: "my-key"},
		Services: []*topo.Service{{Kind: "sshd"}, {Kind: "smtp"}}}
	db := &topo.Node{Name: "db", Kind: topo.KindInstance, Hostname: "ip-10-0-2-20",
		Instance: &topo.Instance{PrivateIP: netip.MustParseAddr("10.0.2.20"), KeyPair: "my-key"},
		// smtp on both instances: OpenSMTPD's control socket sits at a
		// fixed /run path, so this proves each view has its own /run.
		Services: []*topo.Service{{Kind: "sshd"}, {Kind: "mariadb"}, {Kind: "smtp"}}}
	mac := &topo.Node{Name: "mac", Kind: topo.KindHost, Hostname: "mac"}
	lab := &topo.Lab{Name: labName, ClientHost: "mac", Nodes: []*topo.Node{mac, web, db},
		KeyPairs: []*topo.KeyPair{{Name: "my-key"}}}
	st := &nodes.State{Lab: labName, Dir: stateDir, Model: lab, Nodes: []string{"mac", "web", "db"}}
	r := &svcTestRunner{t: t, procs: map[string]*exec.Cmd{}}
	l := &svcLab{st: st, r: r}

	nsDir := labpath.NsDir(stateDir)
	if err := os.MkdirAll(nsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Cleanup runs in reverse: processes first, then network namespaces
	// (net's), then the UTS and mount namespace files.
	t.Cleanup(func() {
		for _, n := range lab.Nodes {
			for _, p := range []string{labpath.UTSPath(stateDir, n.Name), labpath.MntPath(stateDir, n.Name)} {
				_ = syscall.Unmount(p, syscall.MNT_DETACH)
			}
		}
		_ = syscall.Unmount(nsDir, syscall.MNT_DETACH)
	})
	labtest.Cmd(t, "mount", "--bind", nsDir, nsDir)
	labtest.Cmd(t, "mount", "--make-private", nsDir)
	net := labtest.NewNet(t, labName)
	for _, n := range lab.Nodes {
		net.Node(n.Name, false)
		if err := os.MkdirAll(labpath.NodeDir(stateDir, n.Name), 0o755); err != nil {
			t.Fatal(err)
		}
		args := []string{"--uts=" + labpath.UTSPath(stateDir, n.Name)}
		files := []string{labpath.UTSPath(stateDir, n.Name)}
		// mac gets a mount namespace too, as a client host may.
		if n.Kind == topo.KindInstance || n.Name == "mac" {
			args = append(args, "--mount="+labpath.MntPath(stateDir, n.Name), "--propagation", "slave")
			files = append(files, labpath.MntPath(stateDir, n.Name))
		}
		for _, f := range files {
			if err := os.WriteFile(f, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		labtest.Cmd(t, append(append([]string{"unshare"}, args...), "hostname", n.Hostname)...)
	}
	t.Cleanup(r.stopAll)
	net.Link("mac", "eth0", "10.0.1.2/24", "web", "eth0", "10.0.1.10/24")
	net.Link("web", "eth1", "10.0.2.10/24", "db", "eth0", "10.0.2.20/24")
	return l
}

// in runs argv inside node (all its namespaces) and returns its output.
func (l *svcLab) in(node string, argv ...string) (string, error) {
	out, err := l.r.Command(l.st, node, argv).CombinedOutput()
	return string(out), err
}

// stdout runs argv inside node and returns its standard output only (ssh
// prints host key notices on stderr).
func (l *svcLab) stdout(node string, argv ...string) (string, error) {
	cmd := l.r.Command(l.st, node, argv)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%w: %s", err, stderr.String())
	}
	return string(out), nil
}

func (l *svcLab) sshArgs(key string, extra ...string) []string {
	args := []string{"ssh", "-F", "/dev/null", "-i", key, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile=" + svc.KnownHostsPath(l.st.Dir), "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=10"}
	return append(args, extra...)
}

func svcLogger(t *testing.T) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Info, Output: svcTestWriter{t}})
}

type svcTestWriter struct{ t *testing.T }

func (w svcTestWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestServicesInOwnNamespaces(t *testing.T) {
	l := newSvcLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	hostPasswd, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}

	res, err := svc.Up(ctx, l.st, l.r, svcLogger(t))
	if err != nil {
		t.Fatalf("svc.Up: %v", err)
	}
	key := res.Keys["my-key"]
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key %s: %v %v", key, fi, err)
	}
	if c := res.ClientKeys["my-key"]; filepath.Base(c) != "my-key.pem" {
		t.Fatalf("client copy of the key: %q", c)
	}

	t.Run("ssh with the key", func(t *testing.T) {
		out, err := l.stdout("mac", l.sshArgs(key, "ec2-user@10.0.1.10", "hostname; whoami")...)
		if err != nil {
			t.Fatalf("ssh: %v\n%s", err, out)
		}
		if got := strings.Fields(out); len(got) != 2 || got[0] != "ip-10-0-1-10" || got[1] != "ec2-user" {
			t.Fatalf("hostname; whoami = %q", out)
		}
	})

	t.Run("client known_hosts stays in the lab", func(t *testing.T) {
		before, _ := os.ReadFile("/root/.ssh/known_hosts")
		// No UserKnownHostsFile: ssh writes ~/.ssh/known_hosts, which in
		// mac's view is the lab's copy of a home, not the host's /root.
		out, err := l.stdout("mac", "ssh", "-F", "/dev/null", "-i", key, "-o", "BatchMode=yes",
			"-o", "StrictHostKeyChecking=accept-new", "ec2-user@10.0.1.10", "whoami")
		if err != nil || strings.TrimSpace(out) != "ec2-user" {
			t.Fatalf("ssh: %v %q", err, out)
		}
		after, _ := os.ReadFile("/root/.ssh/known_hosts")
		if !bytes.Equal(before, after) {
			t.Errorf("the host's /root/.ssh/known_hosts changed")
		}
		kh, err := os.ReadFile(filepath.Join(svc.ClientHome(l.st.Dir, "mac"), ".ssh", "known_hosts"))
		if err != nil || !bytes.Contains(kh, []byte("10.0.1.10")) {
			t.Errorf("mac's known_hosts: %q %v", kh, err)
		}
		// The key copy is where a user of mac finds it: ~/my-key.pem.
		if out, err := l.in("mac", "ls", "/root/my-key.pem"); err != nil {
			t.Errorf("~/my-key.pem in mac: %v %s", err, out)
		}
	})

	t.Run("prompt", func(t *testing.T) {
		out, err := l.in("mac", l.sshArgs(key, "ec2-user@10.0.1.10", `bash -ic 'echo "${PS1@P}"' 2>/dev/null`)...)
		if err != nil {
			t.Fatalf("ssh: %v\n%s", err, out)
		}
		if !strings.Contains(out, "[ec2-user@ip-10-0-1-10 ~]$") {
			t.Fatalf("prompt %q", out)
		}
	})

	t.Run("refused", func(t *testing.T) {
		wrong := filepath.Join(t.TempDir(), "wrong.pem")
		if _, err := svc.EnsureKey(wrong, wrong+".pub", "wrong"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			args []string
		}{
			{"wrong key", l.sshArgs(wrong, "ec2-user@10.0.1.10", "true")},
			{"root", l.sshArgs(key, "root@10.0.1.10", "true")},
			{"password", l.sshArgs(key, "-o", "PubkeyAuthentication=no", "-o",
				"PreferredAuthentications=password,keyboard-interactive", "ec2-user@10.0.1.10", "true")},
		} {
			out, err := l.in("mac", c.args...)
			if err == nil {
				t.Errorf("%s: login succeeded:\n%s", c.name, out)
				continue
			}
			// "(publickey)" is the only method sshd offers.
			if !strings.Contains(out, "Permission denied (publickey)") {
				t.Errorf("%s: want Permission denied (publickey), got:\n%s", c.name, out)
			}
		}
	})

	t.Run("lsof", func(t *testing.T) {
		sess := exec.Command(l.r.nsenter(l.st, "mac")[0], append(l.r.nsenter(l.st, "mac")[1:],
			l.sshArgs(key, "ec2-user@10.0.1.10", "sleep 60")...)...)
		if err := sess.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = sess.Process.Kill(); _ = sess.Wait() }()
		want := []string{"TCP *:22 (LISTEN)", "TCP 127.0.0.1:25 (LISTEN)", "TCP 10.0.1.10:22->10.0.1.2:"}
		var out string
		labtest.Eventually(t, 30*time.Second, func() error {
			out, _ = l.in("web", "lsof", "-i", "-n", "-P")
			if svcHasAll(out, want...) && strings.Contains(out, "(ESTABLISHED)") {
				return nil
			}
			return fmt.Errorf("lsof -i -n -P in web lacks %q:\n%s", want, out)
		})
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, ":25 ") && !strings.Contains(line, "127.0.0.1:25") {
				t.Errorf("MTA listens beyond the loopback: %s", line)
			}
			if strings.Contains(line, "->10.0.1.2:") {
				if !strings.HasPrefix(line, "sshd") || !strings.Contains(line, "(ESTABLISHED)") {
					t.Errorf("session line %q", line)
				}
				port := line[strings.Index(line, "->10.0.1.2:")+len("->10.0.1.2:"):]
				port = strings.Fields(port)[0]
				var p int
				fmt.Sscan(port, &p)
				if p < 1024 {
					t.Errorf("client port %d is not ephemeral", p)
				}
			}
		}
		t.Logf("lsof -i -n -P in web:\n%s", out)
	})

	t.Run("smtp banner", func(t *testing.T) {
		for node, host := range map[string]string{"web": "ip-10-0-1-10", "db": "ip-10-0-2-20"} {
			out, err := l.in(node, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/25; head -1 <&3")
			// sendmail, the default MTA, greets with the qualified name.
			if err != nil || !strings.HasPrefix(out, "220 "+host+".ec2.internal ESMTP Sendmail") {
				t.Errorf("smtp banner in %s: %q %v", node, out, err)
			}
		}
	})

	t.Run("mysql from web to db", func(t *testing.T) {
		pw, err := os.ReadFile(res.MariaDBPasswords["db"])
		if err != nil {
			t.Fatal(err)
		}
		out, err := l.in("web", "mysql", "-h", "10.0.2.20", "-u", svc.MariaDBUser, "-p"+strings.TrimSpace(string(pw)),
			"-N", "-e", "select current_user(); select @@hostname")
		if err != nil {
			t.Fatalf("mysql: %v\n%s", err, out)
		}
		if !strings.Contains(out, "app@%") || !strings.Contains(out, "ip-10-0-2-20") {
			t.Fatalf("mysql said %q", out)
		}
		// Root logs in over the socket inside db only.
		out, err = l.in("db", "mysql", "-N", "-e", "select 1")
		if err != nil || strings.TrimSpace(out) != "1" {
			t.Fatalf("root over the socket in db: %v %q", err, out)
		}
	})

	t.Run("host accounts untouched", func(t *testing.T) {
		now, err := os.ReadFile("/etc/passwd")
		if err != nil || !bytes.Equal(now, hostPasswd) {
			t.Fatalf("host /etc/passwd changed")
		}
		out, err := l.in("web", "getent", "passwd", "ec2-user")
		if err != nil || !strings.Contains(out, "/home/ec2-user:/bin/bash") {
			t.Fatalf("getent in web: %q %v", out, err)
		}
		if _, err := os.Stat("/home/ec2-user"); err == nil && !strings.Contains(string(hostPasswd), "\nec2-user:") {
			t.Fatalf("/home/ec2-user appeared on the host")
		}
		if _, err := os.Stat("/run/sshd.pid"); err == nil {
			t.Fatalf("sshd's pid file landed in the host's /run")
		}
	})

	t.Run("stop start keeps host key", func(t *testing.T) {
		if err := svc.StopInstance(l.st, l.r, "web"); err != nil {
			t.Fatal(err)
		}
		if out, _ := l.in("web", "cat", "/proc/net/tcp"); svc.ListeningTCPPorts(out)[22] {
			t.Fatal("sshd still listens after StopInstance")
		}
		if err := svc.StartInstance(ctx, l.st, l.r, "web", svcLogger(t)); err != nil {
			t.Fatal(err)
		}
		args := l.sshArgs(key, "-o", "StrictHostKeyChecking=yes", "ec2-user@10.0.1.10", "whoami")
		out, err := l.stdout("mac", args...)
		if err != nil || strings.TrimSpace(out) != "ec2-user" {
			t.Fatalf("ssh after stop/start (known_hosts must still match): %v\n%s", err, out)
		}
	})
}

func svcHasAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// TestInstanceProcessRunsInItsView: a `process` block with user =
// "ec2-user" runs as the instance's own login user (an account the host
// does not have), with its env, inside the instance's view; the host's
// files are untouched.
func TestInstanceProcessRunsInItsView(t *testing.T) {
	svcNeedRoot(t)
	lab := labtest.UniqueName("svcproc")
	src := fmt.Sprintf(`lab %q {
  daemons = "none"
}
autonomous_system "aws" {
  asn = 16509
  igp = "static"
}
router "edge" {
  as = "aws"
}
vpc "v" {
  cidr           = "10.0.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.0/28"
}
subnet "s" {
  vpc    = "v"
  cidr   = "10.0.1.0/24"
  public = true
}
instance "app" {
  subnet     = "s"
  private_ip = "10.0.1.10"
  public_ip  = "none"
  process "sleeper" {
    command = ["sleep", "1000"]
    user    = "ec2-user"
    env     = { GREETING = "hi" }
  }
}
`, lab)
	hostFiles := map[string][]byte{}
	for _, f := range []string{"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/hostname", "/etc/hosts"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		hostFiles[f] = data
	}
	upLab(t, labtest.WriteFile(t, lab+".hcl", []byte(src)))

	var ps string
	labtest.Eventually(t, 30*time.Second, labtest.Until("sleeper to run", func() bool {
		ps, _ = execErr(t, lab, "app", "ps", "-C", "sleep", "-o", "pid=,user=,args=")
		return strings.Contains(ps, "ec2-user") && strings.Contains(ps, "sleep 1000")
	}))
	// The instance has its own PID namespace: read its /proc from inside.
	pid := ""
	for _, line := range strings.Split(ps, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[1] == "ec2-user" && strings.Contains(line, "sleep 1000") {
			pid = f[0]
		}
	}
	envOut, err := execErr(t, lab, "app", "cat", "/proc/"+pid+"/environ")
	env := []byte(envOut)
	if err != nil || !bytes.Contains(env, []byte("GREETING=hi\x00")) {
		t.Errorf("sleeper's environment lacks GREETING=hi: %q %v", env, err)
	}
	if out := execIn(t, lab, "app", "cat", "/etc/hostname"); strings.TrimSpace(out) != "ip-10-0-1-10" {
		t.Errorf("/etc/hostname in app = %q", out)
	}
	if out := execIn(t, lab, "app", "stat", "-c", "%U %a", "/home/ec2-user"); strings.TrimSpace(out) != "ec2-user 700" {
		t.Errorf("/home/ec2-user in app: %q", out)
	}
	for f, data := range hostFiles {
		now, err := os.ReadFile(f)
		if err != nil || !bytes.Equal(now, data) {
			t.Errorf("host %s changed", f)
		}
	}
}

// TestStaleSSHDPidFile: a pid file left by a crashed sshd (pointing at a
// live, unrelated pid) does not stop the next start.
func TestStaleSSHDPidFile(t *testing.T) {
	l := newSvcLab(t)
	l.st.Model.Nodes[2].Services = nil // db: no MariaDB needed here
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := svc.Up(ctx, l.st, l.r, svcLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	// Crash: kill sshd hard, so its pid file stays, then point the file at
	// pid 1.
	l.r.mu.Lock()
	cmd := l.r.procs["web/sshd"]
	delete(l.r.procs, "web/sshd")
	l.r.mu.Unlock()
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if out, err := l.in("web", "sh", "-c", "echo 1 > /run/sshd.pid && cat /run/sshd.pid"); err != nil || strings.TrimSpace(out) != "1" {
		t.Fatalf("write stale pid file: %v %q", err, out)
	}
	if err := svc.StopInstance(l.st, l.r, "web"); err != nil {
		t.Fatal(err)
	}
	if err := svc.StartInstance(ctx, l.st, l.r, "web", svcLogger(t)); err != nil {
		t.Fatalf("start after a stale pid file: %v", err)
	}
	out, err := l.stdout("mac", l.sshArgs(res.Keys["my-key"], "ec2-user@10.0.1.10", "whoami")...)
	if err != nil || strings.TrimSpace(out) != "ec2-user" {
		t.Fatalf("ssh after restart: %v %q", err, out)
	}
}
