package labtest

import (
	"strings"
	"testing"
)

func TestContainsAll(t *testing.T) {
	out := "BGP.as_path: 65001\nBGP.med: 50\n"
	if err := ContainsAll(out, "BGP.as_path: 65001", "BGP.med: 50"); err != nil {
		t.Errorf("all present: %v", err)
	}
	if err := ContainsAll(out); err != nil {
		t.Errorf("nothing wanted: %v", err)
	}
	err := ContainsAll(out, "BGP.med: 50", "(65001,7)", "absent too")
	if err == nil || !strings.HasPrefix(err.Error(), `no "(65001,7)" in:`) || !strings.Contains(err.Error(), out) {
		t.Errorf("missing: %v; want the first missing string and the output", err)
	}
}
