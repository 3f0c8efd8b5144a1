package topo

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One file with a mistake for every stage of the checks (a type error
// gohcl finds, a missing attribute, an invalid name used by links, a pool
// that runs out for several links, one unknown name used twice, a VPC
// error): all reported in one run, each once.
func TestEveryStageAtOnce(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "bad", "every-stage.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseWith(src, "every-stage.hcl", Options{LookPath: testLookPath})
	var de *DiagError
	if !errors.As(err, &de) {
		t.Fatalf("error %v, want diagnostics", err)
	}
	count := map[string]int{}
	for _, d := range de.Diags {
		count[d.Summary]++
	}
	for _, want := range []string{"Unsuitable value type", "Missing asn", "Invalid name", "Link pool exhausted",
		"Unknown node", "Unknown edge router", "Subnet outside its VPC"} {
		if count[want] != 1 {
			t.Errorf("%q reported %d times, want once; all: %v", want, count[want], count)
		}
	}
	if len(de.Diags) != 7 {
		t.Errorf("%d diagnostics, want 7:\n%s", len(de.Diags), err)
	}
	text := err.Error()
	for _, want := range []string{"1 more link found the pool empty", `"r3" is defined (did you mean "r1"?). The same error is at 1 more place (line 17)`} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
}

// A file over MaxFileSize is refused before the parser sees it.
func TestFileTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.hcl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), "a lab file may be at most 16 MiB") {
		t.Fatalf("Load = %v", err)
	}
	if _, err := Parse(make([]byte, MaxFileSize+1), "x.hcl"); err == nil || !strings.Contains(err.Error(), "at most 16 MiB") {
		t.Fatalf("Parse = %v", err)
	}
}

func TestCollapseCascade(t *testing.T) {
	// Many identical pool errors are one (the first link takes the only /30).
	var b strings.Builder
	b.WriteString("lab \"big\" { link_pool = \"100.64.0.0/30\" }\nautonomous_system \"a\" { asn = 1 }\nrouter \"r1\" { as = \"a\" }\nrouter \"r2\" { as = \"a\" }\n")
	for range 50 {
		b.WriteString("link \"r1\" \"r2\" {}\n")
	}
	_, err := Parse([]byte(b.String()), "big.hcl")
	var de *DiagError
	if !errors.As(err, &de) || len(de.Diags) != 1 || !strings.Contains(de.Diags[0].Detail, "48 more links found the pool empty") {
		t.Fatalf("got %v", err)
	}
}
