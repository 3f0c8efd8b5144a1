package ospf

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// lsaTypeNames titles the database sections as FRR's `show ip ospf
// database` does.
var lsaTypeNames = map[uint8]string{
	LSARouter:      "Router Link States",
	LSANetwork:     "Net Link States",
	LSASummary:     "Summary Link States",
	LSAASBRSummary: "ASBR-Summary Link States",
	LSAExternal:    "AS External Link States",
}

// WriteText prints s as `netemu ospf NODE` shows it: interfaces,
// neighbours (as FRR's `show ip ospf neighbor`), the database summary
// (`show ip ospf database`) and the routing table (`show ip ospf route`).
func (s *Status) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	role := "internal router"
	switch {
	case s.ABR && s.ASBR:
		role = "area border and AS boundary router"
	case s.ABR:
		role = "area border router"
	case s.ASBR:
		role = "AS boundary router"
	}
	fmt.Fprintf(tw, "OSPF router %s, %s, %d SPF runs\n\n", s.RouterID, role, s.SPFRuns)
	fmt.Fprintln(tw, "INTERFACE\tADDRESS\tAREA\tTYPE\tSTATE\tCOST\tDR\tBDR\tNBRS\tADJ")
	for _, i := range s.Interfaces {
		typ := string(i.Type)
		if i.Passive {
			typ = "passive"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%d\n", i.Name, i.Addr, i.Area, typ, i.State, i.Cost,
			orDash(i.DR), orDash(i.BDR), i.Neighbours, i.Adjacent)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "NEIGHBOR ID\tPRI\tSTATE\tDEAD TIME\tADDRESS\tINTERFACE\tRXMTL\tRQSTL")
	for _, n := range s.Neighbours {
		state := n.State
		if n.Role != "" {
			state += "/" + n.Role
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%d\n", n.RouterID, n.Priority, state, n.DeadTime.Round(100*time.Millisecond),
			n.Addr, n.Iface, n.Retransmit, n.Request)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	section := ""
	for _, l := range s.Database {
		title := fmt.Sprintf("%s (Area %s)", lsaTypeNames[l.Type], l.Area)
		if l.Area == "" {
			title = lsaTypeNames[l.Type]
		}
		if title != section {
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(w, "\n%s\n", title)
			fmt.Fprintln(tw, "LINK ID\tADV ROUTER\tAGE\tSEQ#\tCKSUM\tLENGTH")
			section = title
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\n", l.ID, l.Adv, l.Age, l.Seq, l.Checksum, l.Length)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(tw, "PREFIX\tTYPE\tAREA\tCOST\tNEXT HOPS")
	for _, r := range s.Routes {
		cost := fmt.Sprint(r.Cost)
		if r.Kind == KindExt2 {
			cost = fmt.Sprintf("%d/%d", r.Cost, r.Cost2)
		}
		var hops []string
		for _, h := range r.NextHops {
			if h.Addr.IsValid() {
				hops = append(hops, "via "+h.Addr.String()+" "+h.Iface)
			} else {
				hops = append(hops, "directly attached to "+h.Iface)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Prefix, r.Kind, r.Area, cost, orDash(strings.Join(hops, ", ")))
	}
	if len(s.BadPackets) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "DROPPED\tCOUNT")
		for _, k := range sortedReasons(s.BadPackets) {
			fmt.Fprintf(tw, "%s\t%d\n", k, s.BadPackets[k])
		}
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedReasons(m map[Reason]uint64) []Reason {
	return slices.Sorted(maps.Keys(m))
}
