package tests

// The seed's story end to end, through the CLI as a user drives it: a
// laptop SSHes with a downloaded key into an EC2-like instance on a public
// IP; lsof inside the instance shows who listens where; MariaDB answers
// the web instance and not the Internet; stop/start changes the public IP
// but not the host key; down leaves nothing.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	labrep "github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/tests/labtest"
)

// seedPublicIP reads an instance's public IP from `netemu status -o json`
// through the AWS state file the status reads.
func seedPublicIP(t *testing.T, lab, node string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(labpath.StateDir(lab, ""), "aws.json"))
	if err != nil {
		t.Fatalf("aws state: %v", err)
	}
	var st struct {
		Instances map[string]struct {
			PublicIP string `json:"public_ip"`
			Running  bool   `json:"running"`
		} `json:"instances"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	ip := st.Instances[node].PublicIP
	if ip == "" {
		t.Fatalf("%s has no public IP in %s", node, data)
	}
	return ip
}

// seedSSH runs ssh inside mac as a user of the seed would, with the lab's
// key and a known_hosts of the test's own that files the host key under
// the instance's name, so a changed host key fails the login.
func seedSSH(t *testing.T, lab, knownHosts, key, target string, opts []string, remote ...string) (stdout, stderr string, err error) {
	t.Helper()
	args := []string{"--lab", lab, "exec", "mac", "--", "ssh", "-F", "/dev/null", "-i", key,
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10",
		"-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "HostKeyAlias=web"}
	args = append(args, opts...)
	args = append(args, target)
	args = append(args, remote...)
	return runNetemu(t, args...)
}

// labPrograms lists pids of programs configured from the lab's state dir
// (sshd -f, smtpd -f, mariadbd --defaults-file …), whatever their parent.
func labPrograms(lab string) []string {
	dir := labpath.StateDir(lab, "") + "/"
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(data, []byte(dir)) {
			continue
		}
		out = append(out, e.Name()+": "+strings.ReplaceAll(string(bytes.TrimRight(data, "\x00")), "\x00", " "))
	}
	return out
}

func TestSeedStory(t *testing.T) {
	labtest.RequireRoot(t)
	for _, p := range []string{"/usr/sbin/sshd", svc.SendmailBinary, "/usr/sbin/mariadbd", "/usr/bin/ssh", "/usr/bin/mysql", "/usr/bin/lsof"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("needs %s (run tests/setup.sh)", p)
		}
	}
	file, lab := labtest.ExampleFile(t, "aws-ssh-static", "seed")
	upOut := netemu(t, "up", file)
	t.Cleanup(func() {
		if out, errs, err := runNetemu(t, "down", "--missing-ok", lab); err != nil {
			t.Errorf("netemu down %s: %v\n%s%s", lab, err, out, errs)
		}
		labtest.AssertGone(t, lab)
	})

	// `up` says where the key is; it is the lab's, mode 0600.
	key, _ := svc.LabKeyPaths(labpath.StateDir(lab, ""), "my-key")
	if !strings.Contains(upOut, key) {
		t.Fatalf("up does not say where my-key.pem is (%s):\n%s", key, upOut)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", key, fi, err)
	}
	knownHosts := filepath.Join(t.TempDir(), "known_hosts")
	webIP := seedPublicIP(t, lab, "web")
	target := "ec2-user@" + webIP

	// As in the seed: in the directory where the key was "downloaded"
	// (up prints it), `netemu exec mac -- ssh -i my-key.pem ec2-user@IP`.
	clientHome := svc.ClientHome(labpath.StateDir(lab, ""), "mac")
	if !strings.Contains(upOut, filepath.Join(clientHome, "my-key.pem")) {
		t.Errorf("up does not print the client's copy of the key:\n%s", upOut)
	}
	cmd := exec.Command(buildNetemu(t), "--lab", lab, "exec", "mac", "--", "ssh", "-i", "my-key.pem",
		"-o", "BatchMode=yes", "-o", "UserKnownHostsFile="+knownHosts, "-o", "HostKeyAlias=web",
		"-o", "StrictHostKeyChecking=accept-new", target, "hostname; whoami")
	cmd.Dir = clientHome
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ssh -i my-key.pem %s: %v\n%s%s", target, err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if got := strings.Fields(out); len(got) != 2 || got[0] != "ip-10-0-1-10" || got[1] != "ec2-user" {
		t.Fatalf("hostname; whoami = %q", out)
	}
	macAddr := "198.51.100.2"

	t.Run("lsof in web", func(t *testing.T) {
		sess := exec.Command(buildNetemu(t), "--lab", lab, "exec", "mac", "--", "ssh", "-F", "/dev/null", "-i", key,
			"-o", "BatchMode=yes", "-o", "UserKnownHostsFile="+knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
			"-o", "HostKeyAlias=web", "-o", "StrictHostKeyChecking=yes", target, "sleep 120")
		if err := sess.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = sess.Process.Kill(); _ = sess.Wait() }()
		listen22 := regexp.MustCompile(`(?m)^sshd .* TCP \*:22 \(LISTEN\)$`)
		listen25 := regexp.MustCompile(`(?m)^sendmail .* TCP 127\.0\.0\.1:25 \(LISTEN\)$`)
		session := regexp.MustCompile(`(?m)^sshd .* TCP 10\.0\.1\.10:22->` + regexp.QuoteMeta(macAddr) + `:(\d+) \(ESTABLISHED\)$`)
		var lsof string
		labtest.Eventually(t, 30*time.Second, labtest.Until("lsof to show sshd, the MTA and the session", func() bool {
			lsof, _ = execErr(t, lab, "web", "lsof", "-i", "-n", "-P")
			return listen22.MatchString(lsof) && listen25.MatchString(lsof) && session.MatchString(lsof)
		}))
		t.Logf("netemu exec web -- lsof -i -n -P:\n%s", lsof)
		port, _ := strconv.Atoi(session.FindStringSubmatch(lsof)[1])
		if port < 1024 {
			t.Errorf("client port %d is not ephemeral", port)
		}
		if regexp.MustCompile(`:25 \(LISTEN\)`).FindAllStringIndex(lsof, -1) == nil ||
			regexp.MustCompile(`(\*|0\.0\.0\.0|10\.0\.1\.10):25 `).MatchString(lsof) {
			t.Errorf("the MTA must listen on 127.0.0.1:25 only:\n%s", lsof)
		}
	})

	t.Run("refused", func(t *testing.T) {
		wrong := filepath.Join(labpath.StateDir(lab, ""), "wrong-key.pem")
		if _, err := svc.EnsureKey(wrong, wrong+".pub", "wrong"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			key  string
			user string
			opts []string
		}{
			{"wrong key", wrong, "ec2-user", nil},
			{"root", key, "root", nil},
			{"password", key, "ec2-user", []string{"-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive"}},
		} {
			opts := append([]string{"-o", "StrictHostKeyChecking=yes"}, c.opts...)
			out, errs, err := seedSSH(t, lab, knownHosts, c.key, c.user+"@"+webIP, opts, "true")
			if err == nil {
				t.Errorf("%s: login succeeded:\n%s", c.name, out)
			} else if !strings.Contains(errs, "Permission denied (publickey)") {
				t.Errorf("%s: want Permission denied (publickey), got:\n%s%s", c.name, out, errs)
			}
		}
	})

	t.Run("mysql", func(t *testing.T) {
		pw, err := os.ReadFile(filepath.Join(labpath.NodeDir(labpath.StateDir(lab, ""), "db"), "mariadb", "app-password"))
		if err != nil {
			t.Fatal(err)
		}
		out := execIn(t, lab, "web", "mysql", "-h", "10.0.1.20", "-u", svc.MariaDBUser, "-p"+strings.TrimSpace(string(pw)),
			"-N", "-e", "select @@hostname, current_user()")
		if !strings.Contains(out, "ip-10-0-1-20") || !strings.Contains(out, "app@%") {
			t.Fatalf("mysql from web: %q", out)
		}
		// From the Internet, db's public IP:3306 is dropped by db-sg: the
		// connection times out rather than being refused.
		dbIP := seedPublicIP(t, lab, "db")
		out, err = execErr(t, lab, "mac", "bash", "-c",
			fmt.Sprintf("timeout 4 bash -c 'exec 3<>/dev/tcp/%s/3306' 2>&1; echo rc=$?", dbIP))
		if err != nil || !strings.Contains(out, "rc=124") {
			t.Fatalf("mac → %s:3306 should time out (dropped), got %q (%v)", dbIP, out, err)
		}
	})

	t.Run("stop start", func(t *testing.T) {
		netemu(t, "--lab", lab, "instance", "stop", "web")
		netemu(t, "--lab", lab, "instance", "start", "web")
		newIP := seedPublicIP(t, lab, "web")
		if newIP == webIP {
			t.Fatalf("public IP unchanged across stop/start: %s", newIP)
		}
		// StrictHostKeyChecking=yes: the known_hosts entry from before the
		// stop must still match, i.e. the host key was kept.
		out, errs, err := seedSSH(t, lab, knownHosts, key, "ec2-user@"+newIP, []string{"-o", "StrictHostKeyChecking=yes"}, "hostname")
		if err != nil || strings.TrimSpace(out) != "ip-10-0-1-10" {
			t.Fatalf("ssh after stop/start: %v\n%s%s", err, out, errs)
		}
		// netemu ssh finds the new address by itself.
		out = netemu(t, "--lab", lab, "ssh", "web", "--", "whoami")
		if strings.TrimSpace(out) != "ec2-user" {
			t.Fatalf("netemu ssh web -- whoami = %q", out)
		}
	})

	t.Run("interactive prompt", func(t *testing.T) {
		if _, err := exec.LookPath("script"); err != nil {
			t.Skip("needs script(1) for a terminal (package bsdutils)")
		}
		// `netemu ssh web` on a terminal: a login shell with the
		// instance's prompt; what is typed reaches it.
		cmd := exec.Command("script", "-qec", buildNetemu(t)+" --lab "+lab+" ssh web", "/dev/null")
		cmd.Stdin = strings.NewReader("echo marker-$((6*7))\nexit\n")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("interactive netemu ssh web: %v\n%s", err, out)
		}
		if !bytes.Contains(out, []byte("[ec2-user@ip-10-0-1-10 ~]$ ")) || !bytes.Contains(out, []byte("marker-42")) {
			t.Fatalf("interactive session lacks the prompt or the command's output:\n%s", out)
		}
	})

	t.Run("logs", func(t *testing.T) {
		out := netemu(t, "--lab", lab, "logs", "web", "sshd")
		if !strings.Contains(out, "Accepted publickey for ec2-user from "+macAddr) {
			t.Fatalf("sshd's log lacks the login from mac:\n%s", out)
		}
	})

	netemu(t, "down", lab)
	if left := labPrograms(lab); len(left) > 0 {
		t.Fatalf("programs of the lab still run after down:\n%s", strings.Join(left, "\n"))
	}
	labtest.AssertGone(t, lab)
}

func TestProcessCrashLoopBacksOff(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("crash")
	src := processLab(lab, "192.168.77.0/30", `process "crash" {
  command = ["/bin/sh", "-c", "echo crashing; exit 3"]
}`)
	file := labtest.WriteFile(t, lab+".hcl", []byte(src))
	start := time.Now()
	upLab(t, file)

	status := func() labrep.ProcessReport {
		out := netemu(t, "--lab", lab, "status", "-o", "json")
		var one labrep.LabReport
		decodeStrict(t, "status", out, &one)
		for _, l := range []labrep.LabReport{one} {
			for _, n := range l.Nodes {
				for _, p := range n.Processes {
					if n.Name == "a" && p.Name == "crash" {
						return p
					}
				}
			}
		}
		t.Fatalf("status lacks process crash on a:\n%s", out)
		return labrep.ProcessReport{}
	}
	var ps labrep.ProcessReport
	labtest.Eventually(t, 30*time.Second, labtest.Until("the crashing process to be restarted twice", func() bool {
		ps = status()
		return ps.Restarts >= 2
	}))
	elapsed := time.Since(start)
	// Back-off doubles from 1 s: n restarts need at least 2^(n-1)-1 s, so
	// within `elapsed` there can be at most about log2(elapsed)+2.
	limit := 2
	for s := time.Second; s < elapsed; s *= 2 {
		limit++
	}
	if ps.Restarts > limit {
		t.Fatalf("%d restarts in %s: not backing off", ps.Restarts, elapsed)
	}
	if ps.LastExit == "" {
		t.Errorf("status does not report the last exit: %+v", ps)
	}
	// The supervisor sleeps between attempts: it used little CPU.
	if ps.SupervisorPID > 0 {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", ps.SupervisorPID))
		if err == nil {
			f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
			utime, _ := strconv.Atoi(f[11])
			stime, _ := strconv.Atoi(f[12])
			if ticks := utime + stime; ticks > 100 { // 100 ticks = 1 s of CPU
				t.Errorf("supervisor used %d ticks of CPU in %s: spinning", ticks, elapsed)
			}
		}
	}
	out := netemu(t, "--lab", lab, "logs", "a", "crash")
	if !strings.Contains(out, "crashing") {
		t.Errorf("logs a crash: %q", out)
	}
}

// processLab is hosts a and b on one subnet, a with one process block
// (process, unindented).
func processLab(lab, subnet, process string) string {
	return fmt.Sprintf(`lab %q {
  daemons = "none"
}
host "a" {
  %s
}
host "b" {}
link "a" "b" {
  subnet = %q
}
`, lab, process, subnet)
}

// TestHostProcessAsUser: a host's process with a user starts in /, not in
// the host's home (root's alone, it holds the lab's keys), so programs
// that read their working directory (python -m http.server) work.
func TestHostProcessAsUser(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("puser")
	src := processLab(lab, "192.168.77.0/30", `process "who" {
  command = ["/bin/sh", "-c", "echo user=$(id -un) cwd=$(/bin/pwd -P 2>&1); exec sleep 1000"]
  user    = "nobody"
}`)
	upLab(t, labtest.WriteFile(t, lab+".hcl", []byte(src)))
	var out string
	labtest.Eventually(t, 10*time.Second, labtest.Until("who's log", func() bool {
		out = netemu(t, "--lab", lab, "logs", "a", "who")
		return strings.Contains(out, "user=")
	}))
	if !strings.Contains(out, "user=nobody cwd=/\n") {
		t.Errorf("logs a who: %q, want user=nobody cwd=/", out)
	}
}

func TestProcessWithoutBinaryRejectedBeforeBuild(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("nobin")
	src := processLab(lab, "192.168.78.0/30", `process "ghost" {
  command = ["/nonexistent/netemu-ghost", "--serve"]
}`)
	file := labtest.WriteFile(t, lab+".hcl", []byte(src))
	out, errs, err := runNetemu(t, "up", file)
	t.Cleanup(func() { _, _, _ = runNetemu(t, "down", lab) })
	if err == nil {
		t.Fatalf("up succeeded:\n%s", out)
	}
	if !strings.Contains(errs, "/nonexistent/netemu-ghost") {
		t.Errorf("error does not name the program:\n%s", errs)
	}
	if left := labtest.Namespaces(lab); len(left) > 0 {
		t.Errorf("namespaces were built before the check: %v", left)
	}
}
