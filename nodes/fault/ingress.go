package fault

import (
	"fmt"
	"strings"
)

// A silent fault on a tunnel end must also drop what the end receives:
// the far end is on another machine and keeps sending, and a qdisc only
// sees egress. This kernel has no tc classifiers, so the receive side is
// an nftables netdev table with an ingress chain on the device whose
// policy is drop (ARP included, since it hooks before the protocols).
// One table per device, so the repair deletes exactly that one.

// ingressTable is the netdev table that silences iface's receive side.
func ingressTable(iface string) string {
	var b strings.Builder
	b.WriteString("netemu_fault_")
	for _, r := range iface {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// ingressDropScript is the nft script that drops every frame iface
// receives; its counter shows how much (`nft list table netdev …` inside
// the node). It first empties any table of the same name, so applying it
// twice is the same as once.
func ingressDropScript(iface string) string {
	t := ingressTable(iface)
	return fmt.Sprintf("add table netdev %[1]s\ndelete table netdev %[1]s\n"+
		"table netdev %[1]s {\n\tchain ingress {\n\t\ttype filter hook ingress device %[2]q priority -500; policy drop;\n\t\tcounter\n\t}\n}\n", t, iface)
}

// ingressClearScript removes the table; the add first makes it a no-op on
// a device that has none (nft before 1.0.8 has no "destroy").
func ingressClearScript(iface string) string {
	t := ingressTable(iface)
	return fmt.Sprintf("add table netdev %[1]s\ndelete table netdev %[1]s\n", t)
}
