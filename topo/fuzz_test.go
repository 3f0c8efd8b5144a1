package topo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the parser: it must never panic, and a
// file that parses must parse to the same model every time (allocation and
// ordering are deterministic).
//
// Run it with a short minimisation budget, or the fuzzer spends the default
// 60 s shrinking each multi-kilobyte HCL input and seems to stall:
//
//	go test ./topo -run '^$' -fuzz FuzzParse -fuzztime 15s -fuzzminimizetime 1s
func FuzzParse(f *testing.F) {
	for _, name := range Examples() {
		src, err := ExampleSource(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	bad, _ := filepath.Glob(filepath.Join("testdata", "*", "*.hcl"))
	for _, p := range bad {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		opts := Options{LookPath: testLookPath}
		l1, err1 := ParseWith(src, "fuzz.hcl", opts)
		l2, err2 := ParseWith(src, "fuzz.hcl", opts)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("parse is not deterministic: %v vs %v", err1, err2)
		}
		if err1 != nil {
			// Compare the diagnostics, not their rendering: rendering is
			// hcl's code and slow under coverage instrumentation.
			if d1, d2 := diagKey(t, err1), diagKey(t, err2); d1 != d2 {
				t.Fatalf("diagnostics differ:\n%s\n---\n%s", d1, d2)
			}
			return
		}
		if !reflect.DeepEqual(l1, l2) {
			t.Fatal("parsing twice gave different models")
		}
		checkModel(t, l1)
	})
}

// checkModel asserts invariants every valid model holds.
func checkModel(t *testing.T, l *Lab) {
	t.Helper()
	for idx, k := range l.Links {
		a, b := l.Node(k.A.Node), l.Node(k.B.Node)
		if a == nil || b == nil {
			t.Fatalf("link %d joins unknown nodes %q, %q", idx, k.A.Node, k.B.Node)
		}
		if k.Kind == LinkSwitch {
			// A port: the member has an address on the switch's subnet,
			// the switch none.
			if b.Switch == nil || k.Subnet != b.Switch.Subnet || !k.Subnet.Contains(k.A.Addr.Addr()) || k.B.Addr.IsValid() {
				t.Fatalf("link %d %s–%s: bad switch port %+v", idx, k.A.Node, k.B.Node, k)
			}
		} else if !k.Subnet.IsValid() || !k.A.Addr.IsValid() || !k.B.Addr.IsValid() {
			t.Fatalf("link %d %s–%s is not addressed", idx, k.A.Node, k.B.Node)
		}
		if a.Interface(k.A.Iface) == nil || b.Interface(k.B.Iface) == nil {
			t.Fatalf("link %d: interfaces %s/%s missing", idx, k.A.Iface, k.B.Iface)
		}
	}
	for _, n := range l.Nodes {
		seen := map[string]bool{}
		for _, i := range n.Interfaces {
			if seen[i.Name] || len(i.Name) > MaxIfName {
				t.Fatalf("node %s: bad or duplicate interface %q", n.Name, i.Name)
			}
			seen[i.Name] = true
		}
		if n.Kind == KindRouter && !n.Loopback.IsValid() {
			t.Fatalf("router %s has no loopback", n.Name)
		}
	}
}

func diagKey(t *testing.T, err error) string {
	var de *DiagError
	if !errors.As(err, &de) {
		t.Fatalf("error is %T, want *DiagError: %v", err, err)
	}
	var out string
	for _, d := range de.Diags {
		if d.Subject == nil {
			t.Fatalf("diagnostic without subject: %s: %s", d.Summary, d.Detail)
		}
		out += fmt.Sprintf("%s: %s: %s\n", d.Subject, d.Summary, d.Detail)
	}
	return out
}
