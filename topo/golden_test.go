package topo

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden diagnostics under testdata/bad")

// testLookPath knows a fixed set of programs so tests do not depend on
// what the machine has installed.
func testLookPath(file string) (string, error) {
	switch file {
	case "python3", "sshd", "bird", "gobgpd":
		return "/usr/bin/" + file, nil
	case "/usr/bin/python3", "/usr/sbin/sshd", "/bin/sh":
		return file, nil
	}
	return "", errors.New("executable file not found")
}

// TestGoldenDiagnostics parses every bad file and compares the rendered
// diagnostics with its .golden file. Run with -update to regenerate.
func TestGoldenDiagnostics(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad files: %v", err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".hcl")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lab, err := ParseWith(src, filepath.ToSlash(path), Options{LookPath: testLookPath})
			if err == nil {
				t.Fatalf("parsed without error: %d nodes", len(lab.Nodes))
			}
			var de *DiagError
			if !errors.As(err, &de) {
				t.Fatalf("error is %T, want *DiagError: %v", err, err)
			}
			for _, d := range de.Diags {
				if d.Subject == nil {
					t.Errorf("diagnostic without subject: %s: %s", d.Summary, d.Detail)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(path, ".hcl") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenDiagnostics -update)", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ from %s (run with -update after checking):\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}
