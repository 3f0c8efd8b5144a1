package svc

import (
	"context"
	"os/exec"
	"slices"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
)

// leaseRunner fakes an instance whose dhclient gets its lease only after
// it was restarted `after` times (a far DHCP server that came up late).
type leaseRunner struct {
	ifc   string
	after int

	mu       sync.Mutex
	starts   int
	stops    int
	commands int
}

func (f *leaseRunner) StartProcess(st *nodes.State, node string, spec nodes.ProcessSpec) (nodes.ProcessState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if spec.Name == ProcDhclient {
		f.starts++
	}
	return nodes.ProcessState{Node: node, Spec: spec}, nil
}

func (f *leaseRunner) StopProcess(st *nodes.State, node, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == ProcDhclient {
		f.stops++
	}
	return nil
}

func (f *leaseRunner) StartInit(st *nodes.State, node string) (nodes.ProcessState, error) {
	return nodes.ProcessState{}, nil
}

func (f *leaseRunner) Command(st *nodes.State, node string, argv []string) *exec.Cmd {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commands++
	route := "Iface\tDestination\tGateway\n"
	if f.starts >= f.after {
		route += f.ifc + "\t00000000\t0101000A\n"
	}
	return exec.Command("printf", "%s", route)
}

func TestAwaitLeases(t *testing.T) {
	lab := loadVPCLab(t, "us-east-1")
	router := lab.VPC("prod").Router
	web := lab.Node("web")
	tests := []struct {
		name  string
		share []string
		after int
		// wantRestarts: at least this many dhclient restarts; wantWait:
		// whether web's routes were read at all.
		wantRestarts int
		wantWait     bool
	}{
		{"router here: nothing to wait for", []string{"web", "db", router}, 5, 0, false},
		{"router elsewhere, lease at once", []string{"web"}, 0, 0, true},
		{"router elsewhere, lease after a restart", []string{"web"}, 1, 1, true},
		{"no instance here", []string{router}, 5, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &nodes.State{Lab: lab.Name, Dir: t.TempDir(), Model: lab, Nodes: tc.share}
			f := &leaseRunner{ifc: web.Interfaces[0].Name, after: tc.after}
			if err := AwaitLeases(context.Background(), st, f, hclog.NewNullLogger()); err != nil {
				t.Fatal(err)
			}
			if f.starts < tc.wantRestarts || f.stops != f.starts {
				t.Errorf("dhclient stopped %d and started %d times, want %d restarts", f.stops, f.starts, tc.wantRestarts)
			}
			if got := f.commands > 0; got != tc.wantWait {
				t.Errorf("waited: %v, want %v", got, tc.wantWait)
			}
			if !tc.wantWait && slices.Contains(tc.share, "web") && f.starts > 0 {
				t.Errorf("dhclient restarted with the router on this machine")
			}
		})
	}
}

func TestAwaitLeasesCancelled(t *testing.T) {
	lab := loadVPCLab(t, "us-east-1")
	st := &nodes.State{Lab: lab.Name, Dir: t.TempDir(), Model: lab, Nodes: []string{"web"}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &leaseRunner{ifc: lab.Node("web").Interfaces[0].Name, after: 1 << 30}
	if err := AwaitLeases(ctx, st, f, hclog.NewNullLogger()); err == nil {
		t.Fatal("no lease and a cancelled context, yet no error")
	}
}
