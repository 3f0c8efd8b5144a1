package lab

import (
	"errors"
	"strings"
	"testing"

	"github.com/netemu/netemu/nodes/impair"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

// On a kernel with neither netem nor netemu's path, each impaired link
// is named at its position in the file; a rate alone is always possible.
func TestKernelDiags(t *testing.T) {
	l, err := topo.Parse(labtest.LineHCL("kd", `  delay = "10ms"`, `  rate = "10mbit"`), "kd.hcl")
	if err != nil {
		t.Fatal(err)
	}
	links := localImpaired(l, "")
	if len(links) != 2 {
		t.Fatalf("impaired links: %d", len(links))
	}
	if err := kernelDiags(links, impair.Kernel{Netem: true}); err != nil {
		t.Errorf("with netem: %v", err)
	}
	if err := kernelDiags(links, impair.Kernel{}); err != nil {
		t.Errorf("with netemu's path: %v", err)
	}
	err = kernelDiags(links, impair.Kernel{Fallback: "no /dev/net/tun (TUN/TAP devices) for the delay line"})
	var de *topo.DiagError
	if !errors.As(err, &de) || len(de.Diags) != 1 {
		t.Fatalf("without either: %v", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "kd.hcl:9:1: error: Impairment not possible on this kernel: link h1–r1 (delay 10ms)") || !strings.Contains(msg, "no /dev/net/tun") {
		t.Errorf("diagnostic: %s", msg)
	}
}
