package svc

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// Runner is what svc needs from the nodes package: supervised processes
// and one-off commands inside a node's namespaces. nodes' functions of the
// same names satisfy it through a small adapter; tests pass their own.
type Runner interface {
	StartProcess(st *nodes.State, node string, spec nodes.ProcessSpec) (nodes.ProcessState, error)
	StopProcess(st *nodes.State, node, name string) error
	// StartInit starts an instance's init, the first process of its PID
	// namespace, which every later process of the node enters.
	StartInit(st *nodes.State, node string) (nodes.ProcessState, error)
	// Command runs argv inside the node's namespaces (its mount namespace
	// too, for instances).
	Command(st *nodes.State, node string, argv []string) *exec.Cmd
}

// Result is what Up made that the user needs to know about.
type Result struct {
	// Keys maps each key pair to its private key file.
	Keys map[string]string
	// ClientKeys maps each key pair to its copy in the client host's home.
	ClientKeys map[string]string
	// MariaDBPasswords maps an instance running MariaDB to the file holding
	// the password of its MariaDBUser account.
	MariaDBPasswords map[string]string
}

// ReadyTimeout bounds the wait for a started service to listen.
const ReadyTimeout = 90 * time.Second

// Up runs after the lab's kernel objects and firewall exist: it makes the
// key pairs, gives every local instance its view, starts its services and
// every node's process blocks, and waits until the services listen.
func Up(ctx context.Context, st *nodes.State, r Runner, log hclog.Logger) (*Result, error) {
	log = log.Named("svc")
	lab := st.Model
	res := &Result{Keys: map[string]string{}, ClientKeys: map[string]string{}, MariaDBPasswords: map[string]string{}}
	keys, err := ensureLabKeys(st)
	if err != nil {
		return nil, err
	}
	for name, kf := range keys {
		res.Keys[name] = kf.Private
	}
	if c := lab.ClientHost; c != "" && isLocal(st, c) {
		for _, name := range sortedKeys(keys) {
			dst := filepath.Join(ClientHome(st.Dir, c), name+".pem")
			data, err := os.ReadFile(keys[name].Private)
			if err != nil {
				return nil, fmt.Errorf("key pair %q: %w", name, err)
			}
			if err := writeFileInPlace(dst, data, 0o600); err != nil {
				return nil, fmt.Errorf("key pair %q: copy to client %q: %w", name, c, err)
			}
			res.ClientKeys[name] = dst
		}
	}
	// The VPC's own services first (instances boot by DHCP), then every
	// node at once: each instance boots on its own, as on EC2.
	if _, err := writeVPCFiles(st); err != nil {
		return nil, err
	}
	var infra, rest []*topo.Node
	for _, n := range lab.Nodes {
		if !isLocal(st, n.Name) {
			continue
		}
		if n.Kind == topo.KindVPCRouter || n.Kind == topo.KindIGW {
			infra = append(infra, n)
		} else {
			rest = append(rest, n)
		}
		if hasService(n, "mariadb") {
			res.MariaDBPasswords[n.Name] = filepath.Join(labpath.NodeDir(st.Dir, n.Name), "mariadb", "app-password")
		}
	}
	for _, group := range [][]*topo.Node{infra, rest} {
		errs := make([]error, len(group))
		var wg sync.WaitGroup
		for i, n := range group {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = startNode(ctx, st, r, n, keys, log)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// StartInstance starts an instance's services and processes again after
// StopInstance (`netemu instance start`). Its disk — host keys, datadir,
// home — was kept, as AWS keeps an EBS volume.
func StartInstance(ctx context.Context, st *nodes.State, r Runner, node string, log hclog.Logger) error {
	n := st.Model.Node(node)
	if n == nil {
		return fmt.Errorf("start services: no node %q in lab %q", node, st.Lab)
	}
	keys, err := ensureLabKeys(st)
	if err != nil {
		return err
	}
	// Its public IP changed: the VPC's names and metadata follow.
	if err := RefreshNames(st); err != nil {
		return err
	}
	if err := startNode(ctx, st, r, n, keys, log.Named("svc")); err != nil {
		return err
	}
	// Its VPC router on another machine is up (the lab is): wait for the
	// lease here, as startNode does when the router is local.
	if remoteRouter(st, n) {
		return awaitRemoteLease(ctx, st, r, n, dhclientLog(st, n.Name), log.Named("svc"))
	}
	return nil
}

// StopInstance stops every service and process netemu started in node
// (`netemu instance stop`). Stopping what is not running is not an error.
func StopInstance(st *nodes.State, r Runner, node string) error {
	n := st.Model.Node(node)
	if n == nil {
		return fmt.Errorf("stop services: no node %q in lab %q", node, st.Lab)
	}
	var errs []error
	for _, name := range processNames(n) {
		if err := r.StopProcess(st, node, name); err != nil {
			errs = append(errs, fmt.Errorf("node %q: stop %s: %w", node, name, err))
		}
	}
	// Last, init: the kernel ends whatever else ran in the instance's PID
	// namespace (a user's session) with it.
	if n.Kind == topo.KindInstance {
		if err := r.StopProcess(st, node, nodes.InitProcess); err != nil {
			errs = append(errs, fmt.Errorf("node %q: stop init: %w", node, err))
		}
	}
	return errors.Join(errs...)
}

// processNames lists what netemu runs in n, services first, then the
// instance's system (chronyd, dhclient: the network goes last).
func processNames(n *topo.Node) []string {
	var names []string
	for _, s := range n.Services {
		if k, err := LookupService(s); err == nil {
			names = append(names, k.Process)
		}
	}
	if n.Kind == topo.KindInstance {
		names = append(names, ProcChronyd, ProcDhclient)
	}
	for _, p := range n.Processes {
		names = append(names, p.Name)
	}
	return names
}

// ClientHome is the directory where a host's copy of the lab's keys lives.
func ClientHome(stateDir, host string) string {
	return filepath.Join(labpath.NodeDir(stateDir, host), "home")
}

// KnownHostsPath is the known_hosts file `netemu ssh` uses for the lab; it
// stays valid across instance stop/start because host keys persist.
func KnownHostsPath(stateDir string) string {
	return filepath.Join(stateDir, "known_hosts")
}

func ensureLabKeys(st *nodes.State) (map[string]KeyFiles, error) {
	keys := map[string]KeyFiles{}
	for _, kp := range st.Model.KeyPairs {
		priv, pub := LabKeyPaths(st.Dir, kp.Name)
		gen := func() ([]byte, []byte, error) { return GenerateKey(kp.Name) }
		if len(st.Model.Machines) > 0 {
			// The client host and the instance may be on different
			// machines: both must hold the same pair.
			gen = func() ([]byte, []byte, error) { return DerivedKey(st.Model.Name, kp.Name) }
		}
		kf, err := EnsureKeyWith(priv, pub, kp.Name, gen)
		if err != nil {
			return nil, fmt.Errorf("key pair %q: %w", kp.Name, err)
		}
		keys[kp.Name] = kf
	}
	return keys, nil
}

func isLocal(st *nodes.State, node string) bool {
	for _, n := range st.Nodes {
		if n == node {
			return true
		}
	}
	return false
}

func hasService(n *topo.Node, kind string) bool {
	for _, s := range n.Services {
		if s.Kind == kind {
			return true
		}
	}
	return false
}

// instance is one node being started.
type instance struct {
	st   *nodes.State
	node *topo.Node
	dir  string // node dir
	r    Runner
	log  hclog.Logger
	// accounts of the view (instances only).
	view ViewFiles
	// authorized is the instance key pair's public half ("" when none).
	authorized []byte
}

func (in *instance) path(elem ...string) string {
	return filepath.Join(append([]string{in.dir}, elem...)...)
}

func startNode(ctx context.Context, st *nodes.State, r Runner, n *topo.Node, keys map[string]KeyFiles, log hclog.Logger) error {
	log = log.With("node", n.Name)
	in := &instance{st: st, node: n, dir: labpath.NodeDir(st.Dir, n.Name), r: r, log: log}
	if n.Kind == topo.KindInstance {
		if n.Instance != nil && n.Instance.KeyPair != "" {
			kf, ok := keys[n.Instance.KeyPair]
			if !ok {
				return fmt.Errorf("node %q: unknown key pair %q", n.Name, n.Instance.KeyPair)
			}
			in.authorized = kf.AuthorizedKey
		}
		if err := prepareView(in); err != nil {
			return fmt.Errorf("node %q: prepare view: %w", n.Name, err)
		}
		if err := startInstanceSystem(ctx, in); err != nil {
			return fmt.Errorf("node %q: boot: %w", n.Name, err)
		}
	}
	if n.Kind == topo.KindVPCRouter || n.Kind == topo.KindIGW {
		if err := startVPCServices(ctx, in); err != nil {
			return fmt.Errorf("node %q: VPC services: %w", n.Name, err)
		}
	}
	if n.Kind == topo.KindHost {
		if _, err := os.Stat(labpath.MntPath(st.Dir, n.Name)); err == nil {
			if err := prepareHostView(in); err != nil {
				return fmt.Errorf("node %q: prepare view: %w", n.Name, err)
			}
		}
	}
	type started struct {
		kind Kind
		ps   nodes.ProcessState
	}
	var waits []started
	for _, s := range n.Services {
		k, err := LookupService(s)
		if err != nil {
			return fmt.Errorf("node %q: %w", n.Name, err)
		}
		if err := k.prepare(in); err != nil {
			return fmt.Errorf("node %q: service %s: prepare: %w", n.Name, k.Name, err)
		}
		ps, err := r.StartProcess(st, n.Name, k.spec(in))
		if err != nil {
			return fmt.Errorf("node %q: service %s: start: %w", n.Name, k.Name, err)
		}
		log.Info("service started", "service", k.Name, "supervisor_pid", ps.PID)
		waits = append(waits, started{k, ps})
	}
	for _, p := range n.Processes {
		spec := nodes.ProcessSpec{Name: p.Name, Command: p.Command, User: p.User, Env: p.Env, Restart: true}
		ps, err := r.StartProcess(st, n.Name, spec)
		if err != nil {
			return fmt.Errorf("node %q: process %q: start: %w", n.Name, p.Name, err)
		}
		log.Info("process started", "process", p.Name, "supervisor_pid", ps.PID)
	}
	for _, w := range waits {
		if err := waitListening(ctx, in, w.kind.Ports, w.ps.LogFile); err != nil {
			return fmt.Errorf("node %q: service %s: %w", n.Name, w.kind.Name, err)
		}
	}
	return nil
}

// waitListening polls the node's /proc/net/tcp until every port listens.
func waitListening(ctx context.Context, in *instance, ports []int, logFile string) error {
	deadline := time.Now().Add(ReadyTimeout)
	for {
		out, err := in.r.Command(in.st, in.node.Name, []string{"cat", "/proc/net/tcp"}).Output()
		if err == nil {
			l := ListeningTCPPorts(string(out))
			ok := true
			for _, p := range ports {
				ok = ok && l[p]
			}
			if ok {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening on %v after %s; last log lines:\n%s", ports, ReadyTimeout, tail(logFile, 15))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tail(path string, lines int) string {
	if path == "" {
		return "(no log)"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	ls := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}

// prepareView writes the instance's own account files, home and
// directories under its node dir and mounts them over the real ones in the
// instance's mount namespace.
func prepareView(in *instance) error {
	passwd, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return fmt.Errorf("read host passwd: %w", err)
	}
	group, err := os.ReadFile("/etc/group")
	if err != nil {
		return fmt.Errorf("read host group: %w", err)
	}
	vf, err := BuildAccounts(string(passwd), string(group))
	if err != nil {
		return err
	}
	in.view = vf
	n := in.node
	addr, fqdn := "", ""
	if n.Instance != nil && n.Instance.PrivateIP.IsValid() {
		addr = n.Instance.PrivateIP.String()
		fqdn = topo.PrivateDNSName(in.st.Model.Region, n.Instance.PrivateIP)
	}
	files := []struct {
		name string
		data string
		perm os.FileMode
	}{
		{"passwd", vf.Passwd, 0o644},
		{"group", vf.Group, 0o644},
		{"shadow", vf.Shadow, 0o640},
		{"hostname", n.Hostname + "\n", 0o644},
		{"hosts", Hosts(n.Hostname, fqdn, addr), 0o644},
		{"resolv.conf", ResolvConf(), 0o644},
		{"motd", Motd(), 0o644},
	}
	var binds []bindMount
	for _, f := range files {
		p := in.path("root", "etc", f.name)
		if err := writeFileInPlace(p, []byte(f.data), f.perm); err != nil {
			return err
		}
		binds = append(binds, bindMount{src: p, dst: "/etc/" + f.name, file: true})
	}
	// /home with the login user's home, owned by the user, and the key.
	u := vf.User
	home := in.path("root", "home", u.Name)
	for _, d := range []struct {
		path string
		perm os.FileMode
		own  bool
	}{
		{in.path("root", "home"), 0o755, false},
		{home, 0o700, true},
		{filepath.Join(home, ".ssh"), 0o700, true},
	} {
		if err := mkdirOwned(d.path, d.perm, d.own, u); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		data []byte
		perm os.FileMode
	}{
		{".ssh/authorized_keys", in.authorized, 0o600},
		{".bashrc", []byte(Bashrc()), 0o644},
		{".bash_profile", []byte(BashProfile()), 0o644},
	} {
		p := filepath.Join(home, f.name)
		if err := writeFileInPlace(p, f.data, f.perm); err != nil {
			return err
		}
		if err := os.Lchown(p, u.UID, u.GID); err != nil {
			return fmt.Errorf("chown %s: %w", p, err)
		}
	}
	binds = append(binds, bindMount{src: in.path("root", "home"), dst: viewHome})
	// sudo: the instance's own drop-in directory (the host's stays out).
	sudoers := in.path("root", "etc", "sudoers.d")
	if err := os.MkdirAll(sudoers, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", sudoers, err)
	}
	if err := writeFileInPlace(filepath.Join(sudoers, "90-cloud-init-users"), []byte(Sudoers()), 0o440); err != nil {
		return err
	}
	binds = append(binds, bindMount{src: sudoers, dst: "/etc/sudoers.d"})
	// Own /var/log (sshd's login records stay out of the host's wtmp) and
	// /var/spool (OpenSMTPD's queue lives at a fixed path).
	for _, dst := range []string{viewLog, viewSpool} {
		p := in.path("root", dst)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", p, err)
		}
		binds = append(binds, bindMount{src: p, dst: dst})
	}
	// sshd records logins only in files that exist: lastlog gives the
	// next login its "Last login" line, wtmp feeds `last`.
	for _, f := range []string{"lastlog", "wtmp"} {
		p := in.path("root", viewLog, f)
		fh, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o664)
		if err != nil {
			return fmt.Errorf("create %s: %w", p, err)
		}
		fh.Close()
	}
	for _, s := range n.Services {
		k, err := LookupService(s)
		if err != nil {
			return err
		}
		for _, dst := range sortedKeys(k.ViewBinds) {
			p := in.path(k.ViewBinds[dst])
			if err := os.MkdirAll(p, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", p, err)
			}
			binds = append(binds, bindMount{src: p, dst: dst})
		}
	}
	mysql, _ := LookupAccount(vf.Passwd, "mysql")
	return setupView(viewSpec{
		mntNS:   labpath.MntPath(in.st.Dir, n.Name),
		binds:   binds,
		keepDir: labpath.RunDir(),
		runDirs: []runDir{
			{path: viewSSHDRun, perm: 0o755},
			{path: viewMySQLRun, perm: 0o755, uid: mysql.UID, gid: mysql.GID},
		},
	})
}

// prepareHostView gives a host that has its own mount namespace (a
// laptop like mac) its own root home: the key copy sits there, and what
// ssh writes to ~/.ssh (known_hosts — OpenSSH takes ~ from the account,
// not from $HOME) stays in the lab instead of the host's /root.
func prepareHostView(in *instance) error {
	home := ClientHome(in.st.Dir, in.node.Name)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", home, err)
	}
	if err := os.Chmod(home, 0o700); err != nil {
		return fmt.Errorf("chmod %s: %w", home, err)
	}
	hostname := in.path("root", "etc", "hostname")
	if err := writeFileInPlace(hostname, []byte(in.node.Hostname+"\n"), 0o644); err != nil {
		return err
	}
	binds := []bindMount{
		{src: home, dst: "/root"},
		{src: hostname, dst: "/etc/hostname", file: true},
	}
	// The Internet side resolves the instances' public names (AWS's public
	// DNS, held by each VPC's internet gateway), so `ssh ec2-user@ec2-…`
	// works as AWS's console says; nothing reaches the host's resolvers.
	resolv := in.path("root", "etc", "resolv.conf")
	if err := writeFileInPlace(resolv, []byte(HostResolvConf(in.st.Model)), 0o644); err != nil {
		return err
	}
	binds = append(binds, bindMount{src: resolv, dst: "/etc/resolv.conf", file: true})
	return setupView(viewSpec{
		mntNS:   labpath.MntPath(in.st.Dir, in.node.Name),
		binds:   binds,
		keepDir: labpath.RunDir(),
	})
}

// bindMount puts src at dst inside a view.
type bindMount struct {
	src, dst string
	file     bool
}

// runDir is a directory created in the view's private /run.
type runDir struct {
	path     string
	perm     os.FileMode
	uid, gid int
}

// viewSpec is everything setupView mounts in one mount namespace.
type viewSpec struct {
	mntNS string
	binds []bindMount
	// keepDir (netemu's run directory, with every node dir) must stay
	// reachable at its path after /run is replaced.
	keepDir string
	runDirs []runDir
}

func mkdirOwned(path string, perm os.FileMode, own bool, u Account) error {
	if err := os.MkdirAll(path, perm); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := os.Chmod(path, perm); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if own {
		if err := os.Lchown(path, u.UID, u.GID); err != nil {
			return fmt.Errorf("chown %s: %w", path, err)
		}
	}
	return nil
}

func prepareSSHD(in *instance) error {
	dir := in.path("sshd")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	key := filepath.Join(dir, "ssh_host_ed25519_key")
	if _, err := EnsureKey(key, key+".pub", "root@"+in.node.Hostname); err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	// A stale pid file after a crash is harmless: sshd -D writes it but
	// never reads it (TestStaleSSHDPidFile).
	cfg := SSHDConfig{HostKeys: []string{key}, PidFile: viewSSHDPid, Port: 22}
	return writeFileInPlace(filepath.Join(dir, "sshd_config"), []byte(cfg.Render()), 0o600)
}

func prepareSMTPD(in *instance) error {
	dir := in.path("smtpd")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return writeFileInPlace(filepath.Join(dir, "smtpd.conf"), []byte(SMTPDConf(in.node.Hostname)), 0o644)
}

func prepareMariaDB(in *instance) error {
	dir := in.path("mariadb")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	cnf := filepath.Join(dir, "my.cnf")
	if err := writeFileInPlace(cnf, []byte(MyCnf()), 0o644); err != nil {
		return err
	}
	mysql, ok := LookupAccount(in.view.Passwd, "mysql")
	if !ok {
		return fmt.Errorf("no mysql account on this machine (Debian package mariadb-server creates it)")
	}
	data := in.path("mariadb", "data")
	if err := os.Lchown(data, mysql.UID, mysql.GID); err != nil {
		return fmt.Errorf("chown %s: %w", data, err)
	}
	pwFile := filepath.Join(dir, "app-password")
	pw, err := os.ReadFile(pwFile)
	if errors.Is(err, fs.ErrNotExist) {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("password: %w", err)
		}
		pw = []byte(hex.EncodeToString(b))
		if err := writeFileInPlace(pwFile, pw, 0o600); err != nil {
			return err
		}
	} else if err != nil {
		return fmt.Errorf("read %s: %w", pwFile, err)
	}
	// First start: initialise the datadir, inside the view so the server
	// finds it at /var/lib/mysql with its own accounts.
	if _, err := os.Stat(filepath.Join(data, "mysql")); errors.Is(err, fs.ErrNotExist) {
		cmd := in.r.Command(in.st, in.node.Name, []string{"/usr/bin/mariadb-install-db",
			"--defaults-file=" + cnf, "--user=mysql", "--auth-root-authentication-method=socket",
			"--skip-test-db", "--skip-name-resolve"})
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		in.log.Info("initialising MariaDB datadir", "dir", data)
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("mariadb-install-db: %w\n%s", err, out.String())
		}
	}
	initSQL := filepath.Join(data, filepath.Base(viewMySQLInit))
	if err := writeFileInPlace(initSQL, []byte(MariaDBInitSQL(strings.TrimSpace(string(pw)))), 0o600); err != nil {
		return err
	}
	return os.Lchown(initSQL, mysql.UID, mysql.GID)
}
