package topo

import (
	"encoding/json"
	"os"
	"testing"
)

// noLookPath makes process checks independent of the machine.
func fakeLookPath(file string) (string, error) { return "/usr/bin/" + file, nil }

func TestExamplesValidate(t *testing.T) {
	names := Examples()
	if len(names) < 4 {
		t.Fatalf("Examples() = %v, want at least the seed, its static variant, rip-ring and bgp-chain", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			l, err := LoadExampleWith(name, Options{LookPath: fakeLookPath})
			if err != nil {
				t.Fatalf("LoadExample(%q): %v", name, err)
			}
			if l.Source != "embedded:"+name {
				t.Errorf("Source = %q, want %q", l.Source, "embedded:"+name)
			}
			if os.Getenv("TOPO_DUMP") == name {
				b, _ := json.MarshalIndent(l, "", "  ")
				t.Logf("%s", b)
			}
		})
	}
}
