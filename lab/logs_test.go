package lab

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
