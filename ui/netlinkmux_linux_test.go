package ui

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// linkMsg is an RTM_NEWLINK/DELLINK payload: struct ifinfomsg and an
// IFLA_IFNAME attribute.
func linkMsg(name string, flags uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(b[8:12], flags)
	v := append([]byte(name), 0)
	attr := make([]byte, 4, 4+len(v)+3)
	binary.NativeEndian.PutUint16(attr[0:2], uint16(4+len(v)))
	binary.NativeEndian.PutUint16(attr[2:4], unix.IFLA_IFNAME)
	attr = append(attr, v...)
	for len(attr)%4 != 0 {
		attr = append(attr, 0)
	}
	return append(b, attr...)
}

func TestParseLink(t *testing.T) {
	for _, c := range []struct {
		name  string
		typ   uint16
		data  []byte
		iface string
		up    bool
		ok    bool
	}{
		{"up with carrier", unix.RTM_NEWLINK, linkMsg("eth0", unix.IFF_UP|unix.IFF_LOWER_UP), "eth0", true, true},
		{"admin up, no carrier", unix.RTM_NEWLINK, linkMsg("eth1", unix.IFF_UP), "eth1", false, true},
		{"carrier, admin down", unix.RTM_NEWLINK, linkMsg("eth2", unix.IFF_LOWER_UP), "eth2", false, true},
		{"deleted", unix.RTM_DELLINK, linkMsg("eth3", unix.IFF_UP|unix.IFF_LOWER_UP), "eth3", false, true},
		{"short", unix.RTM_NEWLINK, []byte{1, 2, 3}, "", false, false},
		{"no name", unix.RTM_NEWLINK, make([]byte, unix.SizeofIfInfomsg), "", false, false},
	} {
		iface, up, ok := parseLink(c.typ, c.data)
		if iface != c.iface || up != c.up || ok != c.ok {
			t.Errorf("%s: %q %v %v, want %q %v %v", c.name, iface, up, ok, c.iface, c.up, c.ok)
		}
	}
}

func FuzzParseLink(f *testing.F) {
	f.Add(linkMsg("eth0", unix.IFF_UP|unix.IFF_LOWER_UP))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		name, up, ok := parseLink(unix.RTM_NEWLINK, b)
		if !ok {
			return
		}
		if name == "" {
			t.Fatal("ok without a name")
		}
		// What parses re-encodes to a message that parses the same.
		var flags uint32
		if up {
			flags = unix.IFF_UP | unix.IFF_LOWER_UP
		}
		name2, up2, ok2 := parseLink(unix.RTM_NEWLINK, linkMsg(name, flags))
		if !ok2 || name2 != name || up2 != up {
			t.Fatalf("%q %v re-encoded parses as %q %v %v", name, up, name2, up2, ok2)
		}
	})
}
