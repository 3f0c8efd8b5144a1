package lab

import (
	"fmt"
	"os"
	"time"
)

// Environment variables that bound `up`'s waits: tests of labs that never
// converge, or machines started by hand.
const (
	ConvergeTimeoutEnv = "NETEMU_CONVERGE_TIMEOUT" // default: from the lab's timers
	PeerTimeoutEnv     = "NETEMU_PEER_TIMEOUT"     // default: DefaultPeerTimeout
)

// TimeoutsFromEnv sets o's converge and peer timeouts from the
// environment (ConvergeTimeoutEnv, PeerTimeoutEnv); unset leaves 0, the
// default.
func (o *UpOptions) TimeoutsFromEnv() error {
	var err error
	if o.ConvergeTimeout, err = envDuration(ConvergeTimeoutEnv); err != nil {
		return err
	}
	o.PeerTimeout, err = envDuration(PeerTimeoutEnv)
	return err
}

// envDuration is the duration in $name, 0 when unset.
func envDuration(name string) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %w", name, v, err)
	}
	return d, nil
}
