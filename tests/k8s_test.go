package tests

// Labs on Kubernetes (issue 17), against a real control plane: etcd
// (Debian's etcd-server), kube-apiserver, kube-controller-manager (its
// DaemonSet controller) and kube-scheduler built from k8s.io/kubernetes by
// tests/k8s/build.sh, all inside the switch namespace of three simulated
// machines, the API server on the underlay's 192.0.2.1. No kubelet runs:
// the test registers the Nodes as kubelets would, applies the real
// manifest (the API server validates it, the DaemonSet controller makes
// the pods, the scheduler binds them), then runs the process each bound
// pod would run — `netemu k8s agent --node-name M` — inside machine M's
// underlay, with the agent ServiceAccount's own token (so the manifest's
// RBAC is what is tested).

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/lab/k8s"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/vxlan"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

const apiAddr = "192.0.2.1"

// k8sCluster is the control plane running in the simulated machines'
// switch namespace.
type k8sCluster struct {
	s       *simMachines
	bin     string // the control plane's binaries
	dir     string
	admin   string // the admin's kubeconfig
	kubectl string
}

// controlPlane returns the directory of the control-plane binaries,
// building them when the cache is empty (CI builds them beforehand).
func controlPlane(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("bash", "k8s/build.sh")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("tests/k8s/build.sh: %v\n%s", err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

func writeKubeconfig(t *testing.T, path, token string) {
	t.Helper()
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://%s:6443
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    token: %s
contexts:
- name: test
  context: {cluster: test, user: u}
current-context: test
`, apiAddr, token)
	if err := os.WriteFile(path, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startCluster runs etcd and the control plane in s's switch namespace.
func startCluster(t *testing.T, s *simMachines) *k8sCluster {
	t.Helper()
	if _, err := os.Stat("/usr/bin/etcd"); err != nil {
		t.Fatalf("no /usr/bin/etcd: run tests/setup.sh (Debian's etcd-server)")
	}
	c := &k8sCluster{s: s, bin: controlPlane(t), dir: t.TempDir()}
	c.kubectl = filepath.Join(c.bin, "kubectl")
	s.net.IP("sw", "addr", "add", apiAddr+"/24", "dev", "br0")

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	saKey, saPub := filepath.Join(c.dir, "sa.key"), filepath.Join(c.dir, "sa.pub")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(saKey, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600))
	must(os.WriteFile(saPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644))
	tokenBytes := make([]byte, 16)
	_, _ = rand.Read(tokenBytes)
	token := fmt.Sprintf("%x", tokenBytes)
	must(os.WriteFile(filepath.Join(c.dir, "tokens.csv"), []byte(token+",admin,admin,system:masters\n"), 0o600))
	c.admin = filepath.Join(c.dir, "admin.kubeconfig")
	writeKubeconfig(t, c.admin, token)

	s.net.Start("sw", filepath.Join(c.dir, "etcd.log"), "/usr/bin/etcd", "--name", "test",
		"--data-dir", filepath.Join(c.dir, "etcd"),
		"--listen-client-urls", "http://127.0.0.1:2379", "--advertise-client-urls", "http://127.0.0.1:2379",
		"--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
		"--initial-cluster", "test=http://127.0.0.1:2380")
	s.net.Start("sw", filepath.Join(c.dir, "apiserver.log"), filepath.Join(c.bin, "kube-apiserver"),
		"--etcd-servers", "http://127.0.0.1:2379",
		"--bind-address", apiAddr, "--advertise-address", apiAddr, "--secure-port", "6443",
		"--cert-dir", filepath.Join(c.dir, "certs"),
		"--token-auth-file", filepath.Join(c.dir, "tokens.csv"),
		"--authorization-mode", "RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", saPub, "--service-account-signing-key-file", saKey,
		"--service-cluster-ip-range", "10.96.0.0/24",
		// A loopback API server is no Service endpoint for pods.
		"--endpoint-reconciler-type", "none",
		// The agent's DaemonSet is privileged.
		"--allow-privileged",
		"--profiling=false")
	labtest.Eventually(t, 3*time.Minute, labtest.Until("the API server ready", func() bool {
		_, err := c.run("get", "--raw", "/readyz")
		return err == nil
	}))
	s.net.Start("sw", filepath.Join(c.dir, "controller-manager.log"), filepath.Join(c.bin, "kube-controller-manager"),
		"--kubeconfig", c.admin, "--controllers", "daemonset", "--leader-elect=false",
		"--bind-address", "127.0.0.1", "--secure-port", "10257")
	s.net.Start("sw", filepath.Join(c.dir, "scheduler.log"), filepath.Join(c.bin, "kube-scheduler"),
		"--kubeconfig", c.admin, "--leader-elect=false", "--bind-address", "127.0.0.1", "--secure-port", "10259")
	return c
}

// run runs kubectl as the admin, from the switch namespace.
func (c *k8sCluster) run(args ...string) (string, error) {
	return c.runIn(nil, args...)
}

func (c *k8sCluster) runIn(stdin []byte, args ...string) (string, error) {
	cmd := c.s.net.Command("sw", append([]string{c.kubectl, "--kubeconfig", c.admin}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *k8sCluster) must(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	out, err := c.runIn(stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// registerNode creates a Node as a kubelet registers it: ready, with its
// InternalIP and room for pods.
func (c *k8sCluster) registerNode(t *testing.T, name, addr string, labelled bool) {
	t.Helper()
	now := time.Now().UTC().Format(time.RFC3339)
	labels := map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
	if labelled {
		labels["netemu.dev/machine"] = "true"
	}
	res := map[string]string{"cpu": "2", "memory": "4Gi", "pods": "110"}
	node := map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{"name": name, "labels": labels},
		"status": map[string]any{
			"addresses":   []any{map[string]string{"type": "InternalIP", "address": addr}, map[string]string{"type": "Hostname", "address": name}},
			"capacity":    res,
			"allocatable": res,
			"conditions": []any{map[string]string{"type": "Ready", "status": "True", "reason": "KubeletReady",
				"message": "registered by the test", "lastHeartbeatTime": now, "lastTransitionTime": now}},
		},
	}
	data, _ := json.Marshal(node)
	c.must(t, data, "create", "-f", "-")
	// As a kubelet does, the status goes through its subresource too.
	status, _ := json.Marshal(map[string]any{"status": node["status"]})
	c.must(t, nil, "patch", "node", name, "--subresource=status", "--type=merge", "-p", string(status))
}

// netemuIn runs the netemu CLI on machine m (any machine reaches the API).
func (s *simMachines) netemuIn(t *testing.T, m string, args ...string) (string, error) {
	t.Helper()
	out, err := s.net.Command(m, append([]string{netemuBin}, args...)...).CombinedOutput()
	return string(out), err
}

// getLab reads the Lab object as JSON.
func (c *k8sCluster) getLab(t *testing.T, name string) *struct {
	Metadata struct {
		Finalizers []string `json:"finalizers"`
	} `json:"metadata"`
	Spec   k8s.Spec   `json:"spec"`
	Status k8s.Status `json:"status"`
} {
	t.Helper()
	out, err := c.run("get", "lab", name, "-o", "json")
	if err != nil {
		return nil
	}
	v := &struct {
		Metadata struct {
			Finalizers []string `json:"finalizers"`
		} `json:"metadata"`
		Spec   k8s.Spec   `json:"spec"`
		Status k8s.Status `json:"status"`
	}{}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("lab %s: %v\n%s", name, err, out)
	}
	return v
}

func TestK8sLab(t *testing.T) {
	labtest.RequireRoot(t)
	lab := labtest.UniqueName("k8s")
	s := newSimMachines(t, lab, 3)
	s.downOnCleanup(t) // after the agents stop: nothing may be left anyway
	c := startCluster(t, s)

	// The machines, and one Node without the label: no agent, no share.
	for i, m := range s.names {
		c.registerNode(t, m, s.addr(i), true)
	}
	c.registerNode(t, "elsewhere", "192.0.2.99", false)
	// Every machine reaches the API server across the underlay.
	for _, m := range s.names {
		labtest.Eventually(t, 30*time.Second, labtest.Until(m+" reaching the API server", func() bool {
			return s.net.Command(m, "ping", "-c1", "-W1", apiAddr).Run() == nil
		}))
	}
	out, err := s.netemuIn(t, "m1", "k8s", "manifest")
	if err != nil {
		t.Fatalf("k8s manifest: %v\n%s", err, out)
	}
	c.must(t, []byte(out), "apply", "-f", "-")
	if out, err := s.netemuIn(t, "m1", "--kubeconfig", c.admin, "k8s", "install"); err != nil || !strings.Contains(out, "daemonset/netemu-agent applied") {
		t.Fatalf("k8s install (again, idempotent): %v\n%s", err, out)
	}

	// The scheduler binds one agent pod to each labelled Node.
	var pods struct {
		Items []struct {
			Spec struct {
				NodeName   string `json:"nodeName"`
				Containers []struct {
					Command []string `json:"command"`
				} `json:"containers"`
				HostNetwork bool `json:"hostNetwork"`
			} `json:"spec"`
		} `json:"items"`
	}
	labtest.Eventually(t, 2*time.Minute, labtest.Until("an agent pod bound to each machine", func() bool {
		out, err := c.run("-n", k8s.DefaultNamespace, "get", "pods", "-o", "json")
		if err != nil || json.Unmarshal([]byte(out), &pods) != nil {
			return false
		}
		bound := map[string]bool{}
		for _, p := range pods.Items {
			bound[p.Spec.NodeName] = true
		}
		return len(pods.Items) == 3 && bound["m1"] && bound["m2"] && bound["m3"]
	}))
	for _, p := range pods.Items {
		cmd := strings.Join(p.Spec.Containers[0].Command, " ")
		if !p.Spec.HostNetwork || !strings.Contains(cmd, `k8s agent --node-name "$NODE_NAME"`) {
			t.Fatalf("agent pod on %s: hostNetwork %v, command %q", p.Spec.NodeName, p.Spec.HostNetwork, cmd)
		}
	}

	// The agents, with the ServiceAccount's token: what each pod runs,
	// in its machine.
	tok := strings.TrimSpace(c.must(t, nil, "-n", k8s.DefaultNamespace, "create", "token", k8s.AgentName, "--duration", "2h"))
	agentKC := filepath.Join(c.dir, "agent.kubeconfig")
	writeKubeconfig(t, agentKC, tok)
	records := t.TempDir()
	agents := map[string]*exec.Cmd{}
	runs := 0
	startAgent := func(m string) {
		t.Helper()
		runs++
		logPath := filepath.Join(c.dir, fmt.Sprintf("agent-%s-%d.log", m, runs))
		f, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		// nsenter --net only, as on a machine: the agent's mounts (the
		// instances' mount namespaces) must be the host's.
		cmd := exec.Command("nsenter", "--net="+s.net.Path(m), netemuBin,
			"--kubeconfig", agentKC, "--log-level", "info", "k8s", "agent", "--node-name", m,
			"--record-dir", records, "--resync", "1s")
		cmd.Stdout, cmd.Stderr = f, f
		err = cmd.Start()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		agents[m] = cmd
		t.Cleanup(func() {
			labtest.Stop(cmd, 10*time.Second)
			if t.Failed() {
				b, _ := os.ReadFile(logPath)
				if len(b) > 8000 {
					b = b[len(b)-8000:]
				}
				t.Logf("--- %s (last lines) ---\n%s", filepath.Base(logPath), b)
			}
		})
	}
	for _, m := range s.names {
		startAgent(m)
	}

	// up from m1 (any machine reaching the API): the agents place the
	// lab on the three machines and build it.
	src, err := topo.ExampleSource("aws-ssh-static")
	if err != nil {
		t.Fatal(err)
	}
	// The instances keep sshd only: the mail and database services have
	// their own tests, and this one is about the cluster.
	src = regexp.MustCompile(`(?m)^\s*service "(smtp|mariadb)" \{\}\n`).ReplaceAll(src, nil)
	file := labtest.WriteFile(t, lab+".hcl", labtest.RenameLab(src, lab))
	out, err = s.netemuIn(t, "m1", "--kubeconfig", c.admin, "up", file)
	if err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	if !strings.Contains(out, "lab "+lab+": Ready, 3 machines, 10 nodes, converged 3/3") {
		t.Errorf("up output:\n%s", out)
	}
	got := c.getLab(t, lab)
	for _, m := range s.names {
		if len(got.Status.Placement[m]) == 0 {
			t.Errorf("machine %s holds no node: %v", m, got.Status.Placement)
		}
	}
	if _, ok := got.Status.Placement["elsewhere"]; ok {
		t.Errorf("the unlabelled Node got a share: %v", got.Status.Placement)
	}
	if out := c.must(t, nil, "get", "labs"); !strings.Contains(out, "PHASE") || !regexpFind(`(?m)^`+lab+`\s+Ready\s+3\s+10\s+3/3`, out) {
		t.Errorf("kubectl get labs:\n%s", out)
	}

	// Pings across the machines: both ends of every cut link, and mac to
	// web's public IP.
	model, err := k8s.Model(got.Spec, got.Status.Machines)
	if err != nil {
		t.Fatal(err)
	}
	cuts := vxlan.CrossLinks(model, "")
	if len(cuts) == 0 {
		t.Fatalf("no link crosses machines: %v", got.Status.Placement)
	}
	for _, x := range cuts {
		a, b := x.Local, x.Remote
		if out, err := nsRun(lab, a.Node, "ping", "-c1", "-W5", b.Addr.Addr().String()); err != nil {
			t.Errorf("ping %s → %s (%s) across machines: %v\n%s", a.Node, b.Node, b.Addr.Addr(), err, out)
		}
	}
	webIP := got.Status.PublicIPs["web"]
	if webIP == "" || webIP == "stopped" {
		t.Fatalf("web has no public IP in the status: %v", got.Status.PublicIPs)
	}
	if out, err := nsRun(lab, "mac", "ping", "-c1", "-W5", webIP); err != nil {
		t.Fatalf("ping web's public IP %s from mac: %v\n%s", webIP, err, out)
	}

	// Every machine's own bookkeeping of an instance's public IP.
	publicOn := func(m, inst string) string {
		st, err := fw.LoadState(labpath.StateDir(lab, m))
		if err != nil {
			return "error: " + err.Error()
		}
		if !st.Running(inst) {
			return "stopped"
		}
		return st.PublicIP(inst).String()
	}
	// instance stop, from m3: every machine releases the IP.
	if out, err := s.netemuIn(t, "m3", "--kubeconfig", c.admin, "instance", "stop", "web"); err != nil || !strings.Contains(out, "applied on every machine") {
		t.Fatalf("instance stop web: %v\n%s", err, out)
	}
	for _, m := range s.names {
		if p := publicOn(m, "web"); p != "stopped" {
			t.Errorf("web on %s: %s, want stopped", m, p)
		}
	}
	if _, err := nsRun(lab, "mac", "ping", "-c1", "-W2", webIP); err == nil {
		t.Errorf("web's released public IP %s still answers", webIP)
	}
	out, err = s.netemuIn(t, "m2", "--kubeconfig", c.admin, "instance", "start", "web")
	if err != nil {
		t.Fatalf("instance start web: %v\n%s", err, out)
	}
	newIP := publicOn("m1", "web")
	for _, m := range s.names {
		if p := publicOn(m, "web"); p != newIP || p == webIP || p == "stopped" {
			t.Errorf("web's public IP on %s: %s; want one new IP on all machines (m1: %s, old %s)", m, p, newIP, webIP)
		}
	}
	if !strings.Contains(out, "web public IP: "+newIP) {
		t.Errorf("instance start output lacks the new IP %s:\n%s", newIP, out)
	}
	labtest.Eventually(t, 30*time.Second, labtest.Until("mac reaching web's new public IP", func() bool {
		_, err := nsRun(lab, "mac", "ping", "-c1", "-W2", newIP)
		return err == nil
	}))

	// An agent killed mid-lab: the change made meanwhile waits for it,
	// and it reconciles when it is back, adopting its share (not
	// rebuilding it: its namespaces stay the same).
	victim := "m2"
	held := got.Status.Placement[victim][0]
	inode := func() string {
		fi, err := os.Stat(labpath.NetnsPath(lab, held))
		if err != nil {
			return err.Error()
		}
		return fmt.Sprint(fi.Sys())
	}
	before := inode()
	_ = agents[victim].Process.Kill()
	_ = agents[victim].Wait()
	out, err = s.netemuIn(t, "m1", "--kubeconfig", c.admin, "--k8s-timeout", "20s", "instance", "stop", "web")
	if err == nil || !strings.Contains(out, "machine(s) ["+victim+"] have not applied the change") {
		t.Fatalf("instance stop with %s's agent down: err %v, want it waiting for %s:\n%s", victim, err, victim, out)
	}
	if p := publicOn(victim, "web"); p == "stopped" {
		t.Fatalf("web already stopped on %s with its agent down", victim)
	}
	startAgent(victim)
	labtest.Eventually(t, 90*time.Second, labtest.Until(victim+" reconciling after its restart", func() bool {
		return publicOn(victim, "web") == "stopped"
	}))
	if after := inode(); after != before {
		t.Errorf("%s's share was rebuilt, not adopted (namespace of %s changed)", victim, held)
	}
	out, err = s.netemuIn(t, "m1", "--kubeconfig", c.admin, "instance", "start", "web")
	if err != nil {
		t.Fatalf("instance start web: %v\n%s", err, out)
	}
	ip3 := publicOn("m1", "web")
	for _, m := range s.names {
		if p := publicOn(m, "web"); p != ip3 || p == "stopped" {
			t.Errorf("after the restart, web's public IP on %s is %s, on m1 %s", m, p, ip3)
		}
	}

	// status from anywhere shows the whole lab.
	if out, err := s.netemuIn(t, "m3", "--kubeconfig", c.admin, "status"); err != nil ||
		!strings.Contains(out, "MACHINE") || !strings.Contains(out, "web") || !strings.Contains(out, ip3) {
		t.Errorf("status: %v\n%s", err, out)
	}

	// A Node that disappears degrades the lab, naming what it held; it
	// comes back as its kubelet registers it again.
	c.must(t, nil, "delete", "node", "m3")
	labtest.Eventually(t, 60*time.Second, labtest.Until("the lab Degraded", func() bool {
		l := c.getLab(t, lab)
		return l != nil && l.Status.Phase == k8s.PhaseDegraded && len(l.Status.Lost) == 1 && l.Status.Lost[0].Machine == "m3"
	}))
	if l := c.getLab(t, lab); !strings.Contains(l.Status.Message, "machine m3") || len(l.Status.Lost[0].Nodes) != len(got.Status.Placement["m3"]) {
		t.Errorf("degraded status: %q, lost %v, m3 held %v", l.Status.Message, l.Status.Lost, got.Status.Placement["m3"])
	}
	c.registerNode(t, "m3", s.addr(2), true)
	labtest.Eventually(t, 60*time.Second, labtest.Until("the lab Ready again", func() bool {
		l := c.getLab(t, lab)
		return l != nil && l.Status.Phase == k8s.PhaseReady
	}))

	// A cut link through the spec: both ends lose their carrier, on
	// both machines; then it is repaired.
	cut := cuts[0]
	carrier := func(e topo.Endpoint) string {
		out, _ := exec.Command("ip", "-n", labpath.NetnsName(lab, e.Node), "-br", "link", "show", e.Iface).CombinedOutput()
		return string(out)
	}
	ends := []string{cut.Local.Node + ":" + cut.Local.Iface, cut.Remote.Node + ":" + cut.Remote.Iface}
	if out, err := s.netemuIn(t, "m3", append([]string{"--kubeconfig", c.admin, "link", "down"}, ends...)...); err != nil {
		t.Fatalf("link down %v: %v\n%s", ends, err, out)
	}
	for _, e := range []topo.Endpoint{cut.Local, cut.Remote} {
		if !strings.Contains(carrier(e), "DOWN") {
			t.Errorf("%s:%s after link down: %s", e.Node, e.Iface, carrier(e))
		}
	}
	if out, err := s.netemuIn(t, "m3", append([]string{"--kubeconfig", c.admin, "link", "up"}, ends...)...); err != nil {
		t.Fatalf("link up %v: %v\n%s", ends, err, out)
	}
	for _, e := range []topo.Endpoint{cut.Local, cut.Remote} {
		if strings.Contains(carrier(e), "DOWN") {
			t.Errorf("%s:%s after link up: %s", e.Node, e.Iface, carrier(e))
		}
	}

	// down while one machine's agent is away: the object stays, held by
	// that machine's finalizer, with its share, until the agent is back
	// and removes it; then nothing is left on any machine.
	_ = agents[victim].Process.Kill()
	_ = agents[victim].Wait()
	out, err = s.netemuIn(t, "m1", "--kubeconfig", c.admin, "--k8s-timeout", "20s", "down", lab)
	if err == nil || !strings.Contains(out, "still held by machine(s) ["+victim+"]") {
		t.Fatalf("down with %s's agent away: err %v, want the object held by %s:\n%s", victim, err, victim, out)
	}
	if _, err := os.Stat(labpath.StateDir(lab, victim)); err != nil {
		t.Fatalf("%s's share went without its agent: %v", victim, err)
	}
	for _, m := range s.names {
		if _, err := os.Stat(labpath.StateDir(lab, m)); m != victim && err == nil {
			t.Errorf("%s's share is still there after down", m)
		}
	}
	startAgent(victim)
	labtest.Eventually(t, 90*time.Second, labtest.Until("the lab object gone", func() bool {
		_, err := c.run("get", "lab", lab)
		return err != nil
	}))
	s.assertGone(t)
	for _, m := range s.names {
		if _, err := os.Stat(filepath.Join(records, lab+"@"+m+".json")); err == nil {
			t.Errorf("agent record of %s@%s left", lab, m)
		}
	}
}

func regexpFind(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
