package tests

// Issue 21: an instance behaves like EC2 and the VPC provides AWS's
// services. One seed lab, the article replayed through a real terminal,
// then DHCP, DNS, metadata, time and PID isolation, before and after an
// instance stop/start.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// term is a terminal a person types into: a pty whose output is
// collected, read by waiting for what the person would wait for.
type term struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func startTerm(t *testing.T, dir string, argv ...string) *term {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TERM=xterm")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatalf("start %v on a pty: %v", argv, err)
	}
	tm := &term{t: t, cmd: cmd, ptmx: ptmx, done: make(chan struct{})}
	go func() {
		defer close(tm.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			tm.mu.Lock()
			tm.out.Write(buf[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ptmx.Close()
	})
	return tm
}

// expect waits until the output after from matches re; it returns the
// match and the offset after it.
func (tm *term) expect(from int, re *regexp.Regexp, d time.Duration) ([]string, int) {
	tm.t.Helper()
	deadline := time.Now().Add(d)
	for {
		tm.mu.Lock()
		s := tm.out.String()
		tm.mu.Unlock()
		if from > len(s) {
			from = len(s)
		}
		if loc := re.FindStringSubmatchIndex(s[from:]); loc != nil {
			m := re.FindStringSubmatch(s[from:])
			return m, from + loc[1]
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("terminal: no %q after %s; screen since then:\n%s", re, d, s[from:])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tm *term) typeLine(line string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.ptmx, line+"\r"); err != nil {
		tm.t.Fatalf("type %q: %v", line, err)
	}
}

func (tm *term) since(from int) string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()[from:]
}

// waitExit waits for the program on the terminal to end.
func (tm *term) waitExit(d time.Duration) {
	tm.t.Helper()
	select {
	case <-tm.done:
	case <-time.After(d):
		tm.t.Fatalf("terminal program did not end after %s:\n%s", d, tm.since(0))
	}
}

var prompt = regexp.MustCompile(`\[ec2-user@ip-10-0-1-10 ~\]\$ `)

func TestEC2Instance(t *testing.T) {
	labtest.RequireRoot(t)
	for _, p := range []string{svc.SendmailBinary, "/sbin/dhclient", "/usr/sbin/chronyd", "/usr/sbin/dnsmasq", "/usr/bin/sudo", "/usr/bin/dig", "/usr/bin/lsof"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("needs %s (run tests/setup.sh)", p)
		}
	}
	var before unix.Timex
	if _, err := unix.Adjtimex(&before); err != nil {
		t.Fatalf("adjtimex: %v", err)
	}
	src, err := topo.ExampleSource("aws-ssh")
	if err != nil {
		t.Fatal(err)
	}
	lab := labtest.UniqueName("ec2")
	src = labtest.RenameLab(src, lab)
	// The seed with user data on web.
	src = bytes.Replace(src, []byte(`  private_ip      = "10.0.1.10" # hostname ip-10-0-1-10`),
		[]byte("  private_ip      = \"10.0.1.10\"\n  user_data       = \"#!/bin/sh\\necho hello from user data\\n\""), 1)
	file := labtest.WriteFile(t, lab+".hcl", src)
	netemu(t, "up", file)
	t.Cleanup(func() {
		if out, errs, err := runNetemu(t, "down", lab); err != nil {
			t.Errorf("netemu down %s: %v\n%s%s", lab, err, out, errs)
		}
		labtest.AssertGone(t, lab)
	})
	stateDir := labpath.StateDir(lab, "")
	clientHome := svc.ClientHome(stateDir, "mac")
	knownHosts := filepath.Join(t.TempDir(), "known_hosts")
	publicName := func() (string, string) {
		ip := seedPublicIP(t, lab, "web")
		return ip, "ec2-" + strings.ReplaceAll(ip, ".", "-") + ".compute-1.amazonaws.com"
	}
	webIP, webName := publicName()
	sshArgv := func(host string) []string {
		return []string{buildNetemu(t), "--lab", lab, "exec", "mac", "--", "ssh", "-i", "my-key.pem",
			"-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=accept-new",
			"-o", "HostKeyAlias=web", "ec2-user@" + host}
	}

	t.Run("article", func(t *testing.T) {
		// A first login: the motd, the prompt, exit.
		tm := startTerm(t, clientHome, sshArgv(webName)...)
		_, at := tm.expect(0, regexp.MustCompile(`netemu EC2-like instance`), 30*time.Second)
		_, at = tm.expect(at, prompt, 10*time.Second)
		tm.typeLine("exit")
		tm.waitExit(10 * time.Second)

		// The article's session: "Last login", the prompt, sudo lsof.
		tm = startTerm(t, clientHome, sshArgv(webName)...)
		_, at = tm.expect(0, regexp.MustCompile(`Last login: .* from 198\.51\.100\.2`), 30*time.Second)
		_, at = tm.expect(at, prompt, 10*time.Second)
		tm.typeLine("sudo lsof -i -n -P")
		_, end := tm.expect(at, prompt, 20*time.Second)
		screen := tm.since(at)[:end-at]
		t.Logf("sudo lsof -i -n -P:\n%s", screen)
		for _, want := range []string{
			`(?m)^sshd +\d+ +root .* TCP \*:22 \(LISTEN\)`,
			`(?m)^sendmail +\d+ +root .* TCP 127\.0\.0\.1:25 \(LISTEN\)`,
			`(?m)^dhclient +\d+ +root .* UDP \*:68`,
			`(?m)^chronyd +\d+ .* UDP 127\.0\.0\.1:323`,
		} {
			if !regexp.MustCompile(want).MatchString(screen) {
				t.Errorf("sudo lsof lacks %s", want)
			}
		}
		est := regexp.MustCompile(`(?m)^sshd .* TCP 10\.0\.1\.10:22->198\.51\.100\.2:(\d+) \(ESTABLISHED\)`).FindStringSubmatch(screen)
		if est == nil {
			t.Errorf("sudo lsof lacks the session ESTABLISHED from mac")
		} else if port, _ := strconv.Atoi(est[1]); port < 1024 {
			t.Errorf("the client's port %d is not ephemeral", port)
		}
		if regexp.MustCompile(`(\*|0\.0\.0\.0|10\.0\.1\.10):25 `).MatchString(screen) {
			t.Errorf("the MTA must listen on 127.0.0.1:25 only")
		}
		tm.typeLine("exit")
		tm.waitExit(10 * time.Second)
	})

	t.Run("sudo", func(t *testing.T) {
		out := netemu(t, "--lab", lab, "ssh", "web", "--", "id -Gn; sudo -n id -u; sudo -l")
		if !strings.Contains(out, "wheel") || !regexp.MustCompile(`(?m)^0$`).MatchString(out) || !strings.Contains(out, "NOPASSWD") {
			t.Fatalf("ec2-user should be in wheel with passwordless sudo:\n%s", out)
		}
		// The drop-in is the instance's own: the host's sudoers.d is not it.
		if _, err := os.Stat("/etc/sudoers.d/90-cloud-init-users"); err == nil {
			t.Fatalf("the host has the instance's sudoers drop-in")
		}
	})

	t.Run("pid namespace", func(t *testing.T) {
		ps := execIn(t, lab, "web", "ps", "-e", "-o", "pid=,comm=")
		t.Logf("ps in web:\n%s", ps)
		lines := strings.Split(strings.TrimSpace(ps), "\n")
		if len(lines) > 15 {
			t.Errorf("web sees %d processes; want only its own", len(lines))
		}
		if f := strings.Fields(lines[0]); len(f) != 2 || f[0] != "1" || f[1] != "netemu" {
			t.Errorf("PID 1 in web is %q, want netemu's init", lines[0])
		}
		for _, c := range []string{"sshd", "sendmail", "dhclient", "chronyd"} {
			if !regexp.MustCompile(`(?m) ` + c + `$`).MatchString(ps) {
				t.Errorf("web's ps lacks %s", c)
			}
		}
		if strings.Contains(ps, "mariadbd") || strings.Contains(ps, "dnsmasq") || strings.Contains(ps, "ec2.test") {
			t.Errorf("web sees other nodes' or the host's processes")
		}
		// An orphan is reaped by the instance's init, not left a zombie.
		execIn(t, lab, "web", "sh", "-c", "sleep 0.2 & exit 0")
		labtest.Eventually(t, 10*time.Second, func() error {
			if z := execIn(t, lab, "web", "ps", "-e", "-o", "stat=,comm="); regexp.MustCompile(`(?m)^Z`).MatchString(z) {
				return fmt.Errorf("zombies in web:\n%s", z)
			}
			return nil
		})
	})

	checkDHCP := func(t *testing.T) {
		t.Helper()
		addr := execIn(t, lab, "web", "ip", "-4", "addr", "show", "dev", "eth0")
		if !regexp.MustCompile(`inet 10\.0\.1\.10/24 brd 10\.0\.1\.255 scope global dynamic eth0`).MatchString(addr) {
			t.Errorf("eth0 has no DHCP lease:\n%s", addr)
		}
		if r := execIn(t, lab, "web", "ip", "-4", "route", "show", "default"); !strings.Contains(r, "default via 10.0.1.1 dev eth0") {
			t.Errorf("default route: %q", r)
		}
		rc := execIn(t, lab, "web", "cat", "/etc/resolv.conf")
		if !strings.Contains(rc, "search ec2.internal") || !strings.Contains(rc, "nameserver 10.0.0.2") {
			t.Errorf("resolv.conf from DHCP:\n%s", rc)
		}
		leases, err := os.ReadFile(filepath.Join(labpath.NodeDir(stateDir, "web"), "system", "dhclient.leases"))
		if err != nil || !bytes.Contains(leases, []byte("fixed-address 10.0.1.10;")) ||
			!bytes.Contains(leases, []byte("option dhcp-lease-time 3600;")) || !bytes.Contains(leases, []byte(`option domain-name "ec2.internal";`)) {
			t.Errorf("dhclient's lease (%v):\n%s", err, leases)
		}
		// dhclient scheduled the renewal at T1 (half the hour) and rebinding at T2.
		if !regexp.MustCompile(`option dhcp-renewal-time 1800;`).Match(leases) || !regexp.MustCompile(`(?m)^\s*renew \d `).Match(leases) ||
			!regexp.MustCompile(`(?m)^\s*rebind \d `).Match(leases) {
			t.Errorf("the lease has no renewal scheduled:\n%s", leases)
		}
	}
	t.Run("dhcp", checkDHCP)

	checkDNS := func(t *testing.T, ip, name string) {
		t.Helper()
		for _, server := range []string{"10.0.0.2", "169.254.169.253"} {
			if got := strings.TrimSpace(execIn(t, lab, "web", "dig", "+short", "@"+server, "ip-10-0-1-20.ec2.internal")); got != "10.0.1.20" {
				t.Errorf("dig @%s ip-10-0-1-20.ec2.internal = %q", server, got)
			}
			// Inside the VPC a public name answers with the private IP, as AWS's resolver.
			if got := strings.TrimSpace(execIn(t, lab, "web", "dig", "+short", "@"+server, name)); got != "10.0.1.10" {
				t.Errorf("dig @%s %s = %q, want 10.0.1.10", server, name, got)
			}
		}
		if got := strings.TrimSpace(execIn(t, lab, "web", "getent", "hosts", "ip-10-0-1-20")); !strings.HasPrefix(got, "10.0.1.20") {
			t.Errorf("getent hosts ip-10-0-1-20 (search domain) = %q", got)
		}
		if got := strings.TrimSpace(execIn(t, lab, "mac", "getent", "hosts", name)); !strings.HasPrefix(got, ip+" ") {
			t.Errorf("mac: getent hosts %s = %q, want %s", name, got, ip)
		}
	}
	t.Run("dns", func(t *testing.T) { checkDNS(t, webIP, webName) })

	imds := func(t *testing.T, path string, token bool) (string, string) {
		t.Helper()
		script := `T=$(curl -s -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" http://169.254.169.254/latest/api/token)
curl -s -w '\n%{http_code}' -H "X-aws-ec2-metadata-token: $T" http://169.254.169.254` + path
		if !token {
			script = `curl -s -w '\n%{http_code}' http://169.254.169.254` + path
		}
		out := execIn(t, lab, "web", "sh", "-c", script)
		i := strings.LastIndexByte(out, '\n')
		return out[:i], out[i+1:]
	}
	checkIMDS := func(t *testing.T, ip, name string) {
		t.Helper()
		for path, want := range map[string]string{
			"/latest/meta-data/local-ipv4":                  "10.0.1.10",
			"/latest/meta-data/public-ipv4":                 ip,
			"/latest/meta-data/public-hostname":             name,
			"/latest/meta-data/local-hostname":              "ip-10-0-1-10.ec2.internal",
			"/latest/meta-data/mac":                         "0e:00:0a:00:01:0a",
			"/latest/meta-data/security-groups":             "web-sg",
			"/latest/meta-data/placement/availability-zone": "us-east-1a",
			"/latest/meta-data/instance-id":                 topo.InstanceID(lab, "web"),
			"/latest/user-data":                             "#!/bin/sh\necho hello from user data\n",
		} {
			if body, code := imds(t, path, true); code != "200" || body != want {
				t.Errorf("GET %s with a token: %s %q, want 200 %q", path, code, body, want)
			}
		}
		if _, code := imds(t, "/latest/meta-data/instance-id", false); code != "401" {
			t.Errorf("GET without a token (imds v2): %s, want 401", code)
		}
		// The MAC the metadata names is the interface's.
		if l := execIn(t, lab, "web", "cat", "/sys/class/net/eth0/address"); strings.TrimSpace(l) != "0e:00:0a:00:01:0a" {
			t.Errorf("eth0's MAC is %q", l)
		}
	}
	t.Run("imds", func(t *testing.T) { checkIMDS(t, webIP, webName) })

	t.Run("imds hop limit", func(t *testing.T) {
		// A container behind the instance (its own namespace, routed and
		// masqueraded by web as Docker does) reaches the VPC's resolver but
		// gets nothing from the metadata service: its answers leave with
		// TTL 1 and die at web, one hop short.
		ctr := labtest.UniqueName("ctr")
		webNS := labpath.NetnsName(lab, "web")
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ctr).Run() })
		for _, argv := range [][]string{
			{"ip", "netns", "add", ctr},
			{"ip", "-n", ctr, "link", "add", "eth0", "type", "veth", "peer", "name", "ctr0", "netns", webNS},
			{"ip", "-n", ctr, "addr", "add", "172.31.255.2/24", "dev", "eth0"},
			{"ip", "-n", ctr, "link", "set", "eth0", "up"},
			{"ip", "-n", ctr, "link", "set", "lo", "up"},
			{"ip", "-n", ctr, "route", "add", "default", "via", "172.31.255.1"},
			{"ip", "-n", webNS, "addr", "add", "172.31.255.1/24", "dev", "ctr0"},
			{"ip", "-n", webNS, "link", "set", "ctr0", "up"},
		} {
			if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s", argv, err, out)
			}
		}
		execIn(t, lab, "web", "sysctl", "-qw", "net.ipv4.ip_forward=1")
		execIn(t, lab, "web", "iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "172.31.255.0/24", "-o", "eth0", "-j", "MASQUERADE")
		inCtr := func(argv ...string) (string, error) {
			out, err := exec.Command("ip", append([]string{"netns", "exec", ctr}, argv...)...).CombinedOutput()
			return string(out), err
		}
		if out, err := inCtr("dig", "+short", "+time=2", "@10.0.0.2", "ip-10-0-1-20.ec2.internal"); err != nil || strings.TrimSpace(out) != "10.0.1.20" {
			t.Fatalf("the container cannot reach the VPC's resolver through web: %v %q", err, out)
		}
		out, err := inCtr("curl", "-s", "-m", "3", "-X", "PUT", "-H", "X-aws-ec2-metadata-token-ttl-seconds: 60", "http://169.254.169.254/latest/api/token")
		if err == nil {
			t.Fatalf("a container behind web got a metadata token: %q", out)
		}
		// web itself still gets one.
		if body, code := imds(t, "/latest/meta-data/local-ipv4", true); code != "200" || body != "10.0.1.10" {
			t.Fatalf("web after the container's try: %s %q", code, body)
		}
	})

	t.Run("time sync", func(t *testing.T) {
		var tracking string
		labtest.Eventually(t, 30*time.Second, func() error {
			tracking = execIn(t, lab, "web", "chronyc", "-n", "tracking")
			if !strings.Contains(tracking, "(169.254.169.123)") || !strings.Contains(tracking, "Leap status     : Normal") {
				return fmt.Errorf("chronyd not synchronised to 169.254.169.123:\n%s", tracking)
			}
			return nil
		})
		t.Logf("chronyc tracking in web:\n%s", tracking)
		// chronyd can never set the clock: -x, and no CAP_SYS_TIME even
		// in its bounding set, in the instance and in the VPC router.
		for _, node := range []string{"web", "prod-router"} {
			st := execIn(t, lab, node, "sh", "-c", `for p in $(pgrep -x chronyd); do grep -E '^Cap(Bnd|Eff):' /proc/$p/status; tr '\0' ' ' < /proc/$p/cmdline; echo; done`)
			if !strings.Contains(st, " -x ") {
				t.Errorf("%s: chronyd without -x:\n%s", node, st)
			}
			for _, m := range regexp.MustCompile(`Cap(?:Bnd|Eff):\s+([0-9a-f]+)`).FindAllStringSubmatch(st, -1) {
				if v, _ := strconv.ParseUint(m[1], 16, 64); v&(1<<unix.CAP_SYS_TIME) != 0 {
					t.Errorf("%s: chronyd may set the clock (CAP_SYS_TIME):\n%s", node, st)
				}
			}
		}
		var after unix.Timex
		if _, err := unix.Adjtimex(&after); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat("/run/chrony"); err != nil { // no time daemon of the host's own
			if after.Freq != before.Freq || after.Status&^unix.STA_UNSYNC != before.Status&^unix.STA_UNSYNC {
				t.Errorf("the host's clock discipline changed: freq %d→%d status %#x→%#x", before.Freq, after.Freq, before.Status, after.Status)
			}
		}
	})

	t.Run("stop start", func(t *testing.T) {
		start := time.Now()
		netemu(t, "--lab", lab, "instance", "stop", "web")
		stopped := time.Since(start)
		// Stopped: no public name, as on AWS.
		if got := strings.TrimSpace(execIn(t, lab, "mac", "sh", "-c", "getent hosts "+webName+" || true")); got != "" {
			t.Errorf("a stopped instance's public name resolves: %q", got)
		}
		start = time.Now()
		netemu(t, "--lab", lab, "instance", "start", "web")
		t.Logf("instance stop %s, start %s", stopped, time.Since(start))
		ip, name := publicName()
		if ip == webIP {
			t.Fatalf("public IP unchanged across stop/start: %s", ip)
		}
		if got := strings.TrimSpace(execIn(t, lab, "mac", "sh", "-c", "getent hosts "+webName+" || true")); got != "" {
			t.Errorf("the old public name still resolves: %q", got)
		}
		checkDHCP(t)
		checkDNS(t, ip, name)
		checkIMDS(t, ip, name)
		out, errs, err := runNetemu(t, append(sshArgv(name)[1:], "-o", "BatchMode=yes", "hostname; ps -e -o comm= | wc -l")...)
		if err != nil || !strings.HasPrefix(out, "ip-10-0-1-10\n") {
			t.Fatalf("ssh by the new public name: %v\n%s%s", err, out, errs)
		}
	})
}

// TestEC2OpenSMTPDSelectable: service "smtp" { mta = "opensmtpd" } runs
// OpenSMTPD instead of sendmail, on 127.0.0.1:25 only.
func TestEC2OpenSMTPDSelectable(t *testing.T) {
	labtest.RequireRoot(t)
	if _, err := os.Stat("/usr/sbin/smtpd"); err != nil {
		t.Skip("needs /usr/sbin/smtpd (run tests/setup.sh)")
	}
	src, err := topo.ExampleSource("aws-ssh")
	if err != nil {
		t.Fatal(err)
	}
	lab := labtest.UniqueName("smtpd")
	src = bytes.Replace(labtest.RenameLab(src, lab), []byte(`service "smtp" {}`), []byte(`service "smtp" { mta = "opensmtpd" }`), 1)
	upLab(t, labtest.WriteFile(t, lab+".hcl", src))
	var lsof string
	labtest.Eventually(t, 30*time.Second, func() error {
		lsof = execIn(t, lab, "web", "lsof", "-i", "-n", "-P")
		if !regexp.MustCompile(`(?m)^smtpd .* TCP 127\.0\.0\.1:25 \(LISTEN\)`).MatchString(lsof) {
			return fmt.Errorf("no smtpd on 127.0.0.1:25:\n%s", lsof)
		}
		return nil
	})
	if strings.Contains(lsof, "sendmail") {
		t.Errorf("sendmail runs though the file chose opensmtpd:\n%s", lsof)
	}
}
