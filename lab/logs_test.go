package lab

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes"
)

func TestPrintLogs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name+".log")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	st := &nodes.State{Processes: []nodes.ProcessState{
		{Node: "web", Spec: nodes.ProcessSpec{Name: "sshd"}, LogFile: write("sshd", "Server listening on 0.0.0.0 port 22.\n")},
		{Node: "web", Spec: nodes.ProcessSpec{Name: "smtpd"}, LogFile: write("smtpd", "info: OpenSMTPD 6.8.0p2 starting\n")},
		{Node: "db", Spec: nodes.ProcessSpec{Name: "mariadbd"}, LogFile: write("mariadbd", "ready for connections\n")},
	}}
	var b bytes.Buffer
	if _, err := Logs(&b, st, "web", "sshd"); err != nil || b.String() != "Server listening on 0.0.0.0 port 22.\n" {
		t.Fatalf("one process: %q %v", b.String(), err)
	}
	b.Reset()
	procs, err := Logs(&b, st, "web", "")
	if err != nil || len(procs) != 2 {
		t.Fatal(procs, err)
	}
	if !strings.Contains(b.String(), "==> sshd (") || !strings.Contains(b.String(), "==> smtpd (") || strings.Contains(b.String(), "ready for") {
		t.Fatalf("all of web:\n%s", b.String())
	}
	if _, err := Logs(&b, st, "web", "nope"); err == nil || !strings.Contains(err.Error(), "sshd, smtpd") {
		t.Fatalf("unknown process: %v", err)
	}
	if _, err := Logs(&b, st, "mac", ""); err == nil {
		t.Fatal("node without processes: want an error")
	}
}

func TestCopyFrom(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.log")
	if err := os.WriteFile(p, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	off, err := copyFrom(&b, p, 4, true, "sshd")
	if err != nil || off != 8 || b.String() != "[sshd] two\n" {
		t.Fatalf("copyFrom = %d %v %q", off, err, b.String())
	}
	b.Reset()
	// Truncated: start again.
	if err := os.WriteFile(p, []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	off, err = copyFrom(&b, p, off, false, "sshd")
	if err != nil || off != 4 || b.String() != "new\n" {
		t.Fatalf("after truncation: %d %v %q", off, err, b.String())
	}
}

// syncBuffer is a bytes.Buffer safe to read while FollowLogs writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFollowLogs: only what is appended after the start is printed, with
// each process's name when there are several, until the context ends.
func TestFollowLogs(t *testing.T) {
	dir := t.TempDir()
	procs := []nodes.ProcessState{
		{Spec: nodes.ProcessSpec{Name: "sshd"}, LogFile: filepath.Join(dir, "sshd.log")},
		{Spec: nodes.ProcessSpec{Name: "smtpd"}, LogFile: filepath.Join(dir, "smtpd.log")},
	}
	if err := os.WriteFile(procs[0].LogFile, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- FollowLogs(ctx, &out, procs, 5*time.Millisecond) }()
	// FollowLogs takes its offsets when it starts, which this test cannot
	// see: smtpd's log, missing until it is written here, is read from its
	// start whenever that is; once that has shown up, sshd's "old" is
	// behind the offset and only what is appended now may be printed.
	f, err := os.OpenFile(procs[0].LogFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "[smtpd] ready") {
		if time.Now().After(deadline) {
			t.Fatalf("FollowLogs printed %q", out.String())
		}
		if err := os.WriteFile(procs[1].LogFile, []byte("ready\n"), 0o644); err != nil { // same size: read once
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := f.WriteString("accepted\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for !strings.Contains(out.String(), "[sshd] accepted") {
		if time.Now().After(deadline) {
			t.Fatalf("FollowLogs printed %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "old") {
		t.Fatalf("printed what was there before it started: %q", out.String())
	}
}
