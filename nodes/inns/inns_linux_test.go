package inns

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/labpath"
)

// scratchNetns makes a named network namespace for one test, removed by
// t.Cleanup.
func scratchNetns(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "innstest" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	return filepath.Join(labpath.NetnsDir, name)
}

// netnsID identifies the network namespace of the calling thread.
func netnsID(t *testing.T) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func fileID(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func TestDoRunsInsideAndComesBack(t *testing.T) {
	path := scratchNetns(t)
	want := fileID(t, path)
	before := netnsID(t)
	var inside uint64
	if err := Do(path, func() error { inside = netnsID(t); return nil }); err != nil {
		t.Fatal(err)
	}
	if inside != want {
		t.Errorf("inside Do: netns %d, want %d", inside, want)
	}
	if after := netnsID(t); after != before {
		t.Errorf("after Do: netns %d, want the test's own %d", after, before)
	}
	sentinel := errors.New("boom")
	if err := Do(path, func() error { return sentinel }); !errors.Is(err, sentinel) {
		t.Errorf("Do = %v, want fn's error", err)
	}
	if err := Do(filepath.Join(t.TempDir(), "missing"), func() error { return nil }); err == nil {
		t.Error("Do on a missing namespace succeeded")
	}
}

func TestOpenBindsTheHandle(t *testing.T) {
	path := scratchNetns(t)
	h, err := Open(path, unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	// A fresh namespace has lo only: what the handle lists is that one.
	links, err := h.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 1 || links[0].Attrs().Name != "lo" {
		var names []string
		for _, l := range links {
			names = append(names, l.Attrs().Name)
		}
		t.Fatalf("links in the new namespace: %v, want [lo]", names)
	}
	if err := h.LinkSetUp(links[0]); err != nil {
		t.Fatal(err)
	}
	// Seen from a thread inside, through the default netlink socket.
	var up bool
	if err := Do(path, func() error {
		lo, err := netlink.LinkByName("lo")
		up = err == nil && lo.Attrs().Flags&net.FlagUp != 0
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !up {
		t.Error("lo set up through the handle is not up inside the namespace")
	}
	if h.Path() != path {
		t.Errorf("Path() = %q, want %q", h.Path(), path)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Open on a missing namespace succeeded")
	}
}

func TestOnRetiredThread(t *testing.T) {
	before := netnsID(t)
	var inside uint64
	err := OnRetiredThread(func() error {
		// What pkg/ns cannot undo: a namespace of its own.
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return err
		}
		inside = netnsID(t)
		return nil
	})
	if errors.Is(err, unix.EPERM) {
		t.Skip("needs root: unshare(CLONE_NEWNET)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if inside == before {
		t.Error("fn did not run in its new namespace")
	}
	if after := netnsID(t); after != before {
		t.Errorf("the caller's thread moved: netns %d, want %d", after, before)
	}
}
