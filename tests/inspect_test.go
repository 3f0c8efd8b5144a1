package tests

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	labrep "github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/tests/labtest"
)

// TestInspectRoutesCaptureGraph covers the read-only tools a user looks
// through: the kernel table with each route's protocol, a pcap of a link,
// and the drawing of the topology.
func TestInspectRoutesCaptureGraph(t *testing.T) {
	labtest.RequireRoot(t)
	file, _ := labtest.ExampleFile(t, "rip-ring", "insp")
	lab := upLab(t, file)

	// routes: r1 learned r3's side of the ring from RIP, and the table says so.
	var rr labrep.RoutesReport
	decodeStrict(t, "routes", netemu(t, "--lab", lab, "routes", "r1", "-o", "json"), &rr)
	protos := map[string]int{}
	for _, r := range rr.Routes {
		protos[r.Protocol]++
		if r.Protocol == "rip" && (r.Via == "" || r.Iface == "" || r.Metric < 1 || r.Table != "main") {
			t.Errorf("rip route without gateway, device or metric: %+v", r)
		}
	}
	if protos["rip"] == 0 || protos["kernel"] == 0 {
		t.Errorf("r1's table has protocols %v, want kernel and rip routes", protos)
	}
	table := netemu(t, "--lab", lab, "routes", "r1")
	if !strings.Contains(table, "PROTO") || !strings.Contains(table, " rip ") {
		t.Errorf("routes table:\n%s", table)
	}

	// capture: a pcap of left's link to r1 while left pings right.
	right := execIn(t, lab, "right", "ip", "-4", "-o", "addr", "show", "dev", "eth0")
	fields := strings.Fields(right)
	if len(fields) < 4 {
		t.Fatalf("right's address: %q", right)
	}
	rightAddr, _, _ := strings.Cut(fields[3], "/")
	pcap := filepath.Join(t.TempDir(), "left-r1.pcap")
	capture := exec.Command(buildNetemu(t), "--lab", lab, "capture", "left", "r1", "-c", "4", "-w", pcap, "--", "icmp")
	var capErr bytes.Buffer
	capture.Stderr = &capErr
	if err := capture.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- capture.Wait() }()
	deadline := time.After(60 * time.Second)
	for waiting := true; waiting; {
		execErr(t, lab, "left", "ping", "-c", "2", "-i", "0.2", "-W", "1", rightAddr)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("capture: %v\n%s", err, capErr.String())
			}
			waiting = false
		case <-deadline:
			capture.Process.Kill()
			t.Fatalf("capture did not see 4 ICMP packets:\n%s", capErr.String())
		default:
		}
	}
	data, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 24+16 {
		t.Fatalf("pcap is %d bytes", len(data))
	}
	if m := binary.LittleEndian.Uint32(data); m != 0xa1b2c3d4 && m != 0xa1b23c4d {
		t.Errorf("not a pcap file: magic %#x", m)
	}

	// graph: the drawing names every node; html embeds an SVG when
	// Graphviz is installed.
	dot := netemu(t, "graph", file)
	for _, n := range []string{"r1", "r2", "r3", "r4", "left", "right"} {
		if !strings.Contains(dot, `"`+n+`"`) {
			t.Errorf("graph lacks %s", n)
		}
	}
	// Without FILE, --lab draws the running lab, not the seed lab.
	if running := netemu(t, "--lab", lab, "graph"); !strings.Contains(running, `graph "`+lab+`"`) || !strings.Contains(running, `"left"`) {
		t.Errorf("graph --lab %s drew another lab:\n%.200s", lab, running)
	}
	if _, err := exec.LookPath("dot"); err == nil {
		page := netemu(t, "graph", file, "-o", "html")
		if !strings.Contains(page, "<svg") || !strings.Contains(page, "<html>") {
			t.Errorf("graph -o html: %.200s", page)
		}
	}
}
