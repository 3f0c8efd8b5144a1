package labtest

import (
	"fmt"
	"strings"
)

// ContainsAll is nil when out holds every string of want, else an error
// naming the first one missing, with out: for conditions polled with
// Eventually against a daemon's show command.
func ContainsAll(out string, want ...string) error {
	for _, s := range want {
		if !strings.Contains(out, s) {
			return fmt.Errorf("no %q in:\n%s", s, out)
		}
	}
	return nil
}
