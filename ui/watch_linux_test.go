package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/topo"
)

func TestTailFollowsRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	tl := &tail{path: path}
	read := func() []string {
		t.Helper()
		evs, err := tl.read()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range evs {
			out = append(out, string(e.Kind))
		}
		return out
	}
	appendLine := func(s string) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	line := func(k routing.EventKind) string {
		return `{"time":"2026-01-01T00:00:00Z","node":"r","daemon":"rip","kind":"` + string(k) + `"}` + "\n"
	}

	if got := read(); len(got) != 0 {
		t.Fatalf("no file: %v", got)
	}
	appendLine(line(routing.EventRouteAdd) + line(routing.EventRouteWithdraw))
	if got := read(); len(got) != 2 || got[1] != "route-withdraw" {
		t.Fatalf("first read: %v", got)
	}
	// A line being written waits for its newline; a corrupt one is skipped.
	half := line(routing.EventBestChange)
	appendLine(half[:10])
	if got := read(); len(got) != 0 {
		t.Fatalf("half a line: %v", got)
	}
	appendLine(half[10:] + "not json\n")
	if got := read(); len(got) != 1 || got[0] != "best-change" {
		t.Fatalf("rest of the line: %v", got)
	}
	// Rotation: the log is renamed and a new one started.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendLine(line(routing.EventFIBInstall))
	if got := read(); len(got) != 1 || got[0] != "fib-install" {
		t.Fatalf("after rotation: %v", got)
	}
}

// TestWatchEndsWhenLabGoesDown: `netemu down` removes the state
// directory; the watcher says so instead of showing a dead lab.
func TestWatchEndsWhenLabGoesDown(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lab")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lab, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Lab: lab, Backend: &fakeBackend{}, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	kw := &KernelWatch{Lab: lab, StateDir: dir, Ready: func() { close(ready) }}
	done := make(chan error, 1)
	go func() { done <- kw.Watch(context.Background(), s) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Watch: %v", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrLabDown) {
			t.Fatalf("Watch returned %v, want ErrLabDown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not notice the state directory going away")
	}
}
