package bfd

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode: whatever decodes re-encodes to the same bytes (up to the
// Length field) and decodes to the same value; every error is typed.
func FuzzDecode(f *testing.F) {
	for _, p := range samplePackets() {
		f.Add(p.Marshal())
	}
	f.Add([]byte{0x20, 0x44, 3, 26, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		_ = p.Check()
		out := p.Marshal()
		if !bytes.Equal(out, b[:p.Len()]) {
			t.Fatalf("re-encoded\n %x\nfrom\n %x", out, b[:p.Len()])
		}
		q, err := Decode(out)
		if err != nil {
			t.Fatalf("re-encoded packet does not decode: %v", err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("second decode differs:\n%+v\n%+v", p, q)
		}
	})
}
