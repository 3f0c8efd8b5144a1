//go:build !linux

package bgp

import (
	"context"
	"errors"
	"sync"
)

// platformStart: the speaker resolves next hops and watches routes through
// the Linux kernel, so it runs only there. The codecs, FSM, RIB and policy
// build anywhere (tests use runCore with a fake dialer and resolver).
func (d *Daemon) platformStart(context.Context, *sync.WaitGroup) error {
	return errors.New("bgp: the speaker needs Linux (kernel route table and route watching)")
}
