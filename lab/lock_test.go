package lab

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// mutations are the commands that change a running lab outside up/down,
// as the CLI calls them.
var mutations = []struct {
	name string
	run  func(ctx context.Context) error
}{
	{"link down a b", func(ctx context.Context) error {
		_, err := SetLink(ctx, LinkOptions{A: "a", B: "b", Down: true})
		return err
	}},
	{"link down a b --silent", func(ctx context.Context) error {
		_, err := SetLink(ctx, LinkOptions{A: "a", B: "b", Down: true, Silent: true})
		return err
	}},
	{"link up a b", func(ctx context.Context) error { _, err := SetLink(ctx, LinkOptions{A: "a", B: "b"}); return err }},
	{"node stop a", func(ctx context.Context) error { _, err := SetNode(ctx, NodeOptions{Node: "a"}); return err }},
	{"node start a", func(ctx context.Context) error {
		_, err := SetNode(ctx, NodeOptions{Node: "a", Start: true})
		return err
	}},
	{"instance stop i1", func(ctx context.Context) error { _, err := StopInstance(ctx, InstanceOptions{Name: "i1"}); return err }},
	{"instance start i1", func(ctx context.Context) error {
		_, err := StartInstance(ctx, InstanceOptions{Name: "i1"})
		return err
	}},
}

// TestMutatingCommandsTakeTheLabLock proves that commands changing a
// running lab outside up/down wait for the lab lock, and act on the state
// as it is once they hold it.
func TestMutatingCommandsTakeTheLabLock(t *testing.T) {
	t.Setenv("NETEMU_RUN_DIR", t.TempDir())
	lab := &topo.Lab{Name: "lk", Nodes: []*topo.Node{
		{Name: "a", Kind: topo.KindRouter},
		{Name: "b", Kind: topo.KindRouter},
		{Name: "i1", Kind: topo.KindInstance},
	}}
	if err := nodes.SaveState(&nodes.State{Lab: "lk", Dir: labpath.StateDir("lk", ""), Model: lab, Nodes: []string{"a", "b", "i1"}}); err != nil {
		t.Fatal(err)
	}
	unlock, err := nodes.Lock(context.Background(), "lk", "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { unlock() }()

	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			// While another command holds the lock, this one waits and
			// gives up only when its context ends, having done nothing.
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			err := m.run(ctx)
			if err == nil || !strings.Contains(err.Error(), "another netemu command is working on it") {
				t.Fatalf("with the lock held: got %v, want a lock timeout", err)
			}
		})
	}

	unlock()
	unlock = func() {}

	// A command that waits re-reads the state once it has the lock: the
	// holder takes the lab down meanwhile, so the waiter must find it not
	// up rather than act on what it read before. Whether the command read
	// the state before the lab went down is up to the scheduler; when it
	// was too slow (its error is the one from before the lock), the run
	// proves nothing and is repeated with a longer head start.
	for head := 200 * time.Millisecond; ; head *= 2 {
		if head > 10*time.Second {
			t.Fatal("link down never reached the lock in time to test it")
		}
		if err := nodes.SaveState(&nodes.State{Lab: "lk", Dir: labpath.StateDir("lk", ""), Model: lab, Nodes: []string{"a", "b", "i1"}}); err != nil {
			t.Fatal(err)
		}
		unlockHeld, err := nodes.Lock(context.Background(), "lk", "")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- mutations[0].run(context.Background()) }()
		select {
		case err := <-done:
			unlockHeld()
			t.Fatalf("link down returned while the lock was held: %v", err)
		case <-time.After(head):
		}
		if err := os.RemoveAll(labpath.StateDir("lk", "")); err != nil {
			unlockHeld()
			t.Fatal(err)
		}
		unlockHeld()
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("link down never got the lock after it was released")
		}
		if err != nil && strings.Contains(err.Error(), "no lab is up") {
			continue // it looked only after the lab was gone
		}
		if err == nil || !strings.Contains(err.Error(), "went down while this command waited") {
			t.Fatalf("after the lab went down under the lock: got %v, want not up", err)
		}
		return
	}
}
