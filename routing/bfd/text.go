package bfd

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the sessions as `netemu bfd NODE` shows them: one line
// each with the state at both ends, the intervals in force, why the
// session last went down, and the packets dropped.
func (s *Status) WriteText(w io.Writer) error {
	return s.writeText(w, time.Now())
}

func (s *Status) writeText(w io.Writer, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PEER\tVIA\tSTATE\tREMOTE\tSINCE\tTX\tDETECT\tMULT\tDOWNS\tLAST DOWN\tRX/TX\tBAD")
	for _, ss := range s.Sessions {
		via := ss.Iface
		if ss.Multihop {
			via = "multihop from " + ss.Local.String()
		}
		last := "-"
		if ss.Downs > 0 {
			last = ss.LastDownDiag.String()
		}
		since := "-"
		if !ss.Since.IsZero() {
			since = now.Sub(ss.Since).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d/%d\t%s\n", ss.Peer, via, ss.State, ss.RemoteState, since,
			ss.TxInterval, ss.DetectTime, ss.Multiplier, ss.Downs, last, ss.RxPackets, ss.TxPackets, reasons(ss.BadPackets))
	}
	if len(s.BadPackets) > 0 {
		fmt.Fprintf(tw, "\ndropped packets (all sessions and strangers): %s\n", reasons(s.BadPackets))
	}
	return tw.Flush()
}

func reasons(m map[Reason]uint64) string {
	if len(m) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
