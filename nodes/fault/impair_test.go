package fault

import (
	"testing"
	"time"
)

// A link-impair record is history, not a fault: a cut link stays cut, and
// the record names what was set.
func TestImpairRecordKeepsFaults(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &File{}
	f.apply(Record{Time: t0, Kind: KindLinkDown, A: "r1", B: "r2"})
	f.apply(Record{Time: t0.Add(time.Second), Kind: KindLinkImpair, A: "r1", B: "r2", Detail: "delay 40ms loss 1%"})
	if x := f.LinkFault("r2", "r1"); x == nil || x.Kind != KindLinkDown {
		t.Fatalf("link fault after impair = %+v, want link-down", x)
	}
	last, ok := f.LastChange()
	if !ok || last.Kind != KindLinkImpair {
		t.Fatalf("last change = %+v", last)
	}
	if got, want := last.String(), "link-impair r1–r2: delay 40ms loss 1%"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
