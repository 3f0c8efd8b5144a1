package bfd

import (
	"net/netip"
	"os"
	"time"
)

func ExampleStatus_WriteText() {
	now := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	s := &Status{
		Sessions: []SessionStatus{
			{Key: Key{Peer: netip.MustParseAddr("100.64.0.18"), Iface: "eth2"}, State: StateUp, RemoteState: StateUp,
				Since: now.Add(-42 * time.Second), TxInterval: 100 * time.Millisecond, DetectTime: 300 * time.Millisecond,
				Multiplier: 3, Downs: 1, LastDownDiag: DiagControlDetectExpired, RxPackets: 812, TxPackets: 815},
			{Key: Key{Peer: netip.MustParseAddr("100.127.0.4"), Local: netip.MustParseAddr("100.127.0.1"), Multihop: true},
				State: StateDown, RemoteState: StateDown, Since: now.Add(-3 * time.Second), TxInterval: time.Second,
				Multiplier: 3, TxPackets: 3, BadPackets: map[Reason]uint64{ReasonTTL: 2}},
		},
		BadPackets: map[Reason]uint64{ReasonTTL: 2, ReasonNoSession: 1},
	}
	_ = s.writeText(os.Stdout, now)
	// Output:
	// PEER         VIA                        STATE  REMOTE  SINCE  TX     DETECT  MULT  DOWNS  LAST DOWN                       RX/TX    BAD
	// 100.64.0.18  eth2                       Up     Up      42s    100ms  300ms   3     1      control detection time expired  812/815  -
	// 100.127.0.4  multihop from 100.127.0.1  Down   Down    3s     1s     0s      3     0      -                               0/3      bad-ttl=2
	//
	// dropped packets (all sessions and strangers): bad-ttl=2,no-session=1
}
