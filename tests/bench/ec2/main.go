// Command ec2 is issue 21's benchmark: the seed lab's `netemu up` (which
// returns once routing converged) with instances that boot as EC2 ones
// (init, DHCP, chronyd, sshd, sendmail; the VPC's DHCP, DNS, Time Sync and
// metadata services) against the same lab built by netemu before them,
// in one run; and the time of an instance's stop/start cycle. Needs root;
// run through `make bench`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netemu/netemu/tests/bench/internal/benchkit"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

const what = "ec2 bench"

func main() {
	bin := flag.String("netemu", "", "netemu binary with the EC2 instances (default: build this tree)")
	before := flag.String("before", "", "netemu binary from before them (default: build -before-rev)")
	rev := flag.String("before-rev", "6c25ab0^", "git revision to build the 'before' binary from")
	runs := flag.Int("runs", 1, "up/down runs of each binary")
	cycles := flag.Int("cycles", 5, "instance stop/start cycles")
	flag.Parse()
	tmp, after := benchkit.Prepare(what, "netemu-ec2-bench-", *bin)
	defer os.RemoveAll(tmp)
	if *before == "" {
		b, err := buildRev(tmp, *rev)
		if err != nil {
			// A shallow clone lacks the old revision: measure after only.
			fmt.Fprintf(os.Stderr, "%s: no 'before' binary (%v); pass -before BIN to compare\n", what, err)
		}
		*before = b
	}
	src, err := topo.ExampleSource(topo.Seed)
	if err != nil {
		benchkit.Fail(what, err)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEED LAB\tBINARY\tUP (converged)\tDOWN")
	var upBefore, upAfter []time.Duration
	for i := 0; i < *runs; i++ {
		for _, b := range []struct {
			name, bin string
			ups       *[]time.Duration
		}{{"before (" + *rev + ")", *before, &upBefore}, {"after (EC2 instances)", after, &upAfter}} {
			if b.bin == "" {
				continue
			}
			lab := fmt.Sprintf("bec2%d", len(*b.ups))
			file := filepath.Join(tmp, lab+".hcl")
			if err := os.WriteFile(file, labtest.RenameLab(src, lab), 0o644); err != nil {
				benchkit.Fail(what, err)
			}
			up, err := timed(b.bin, "up", file)
			if err != nil {
				_, _ = timed(b.bin, "down", lab)
				benchkit.Fail(what, err)
			}
			if b.bin == after && i == 0 {
				if err := cycle(tw, after, lab, *cycles); err != nil {
					_, _ = timed(b.bin, "down", lab)
					benchkit.Fail(what, err)
				}
			}
			down, err := timed(b.bin, "down", lab)
			if err != nil {
				benchkit.Fail(what, err)
			}
			*b.ups = append(*b.ups, up)
			fmt.Fprintf(tw, "seed\t%s\t%s\t%s\n", b.name, up.Round(time.Millisecond), down.Round(time.Millisecond))
		}
	}
	if len(upBefore) > 0 {
		mb, ma := median(upBefore), median(upAfter)
		fmt.Fprintf(tw, "\nup after / before\t%.2f× (target ≤ 1.3×)\n", float64(ma)/float64(mb))
	}
	tw.Flush()
}

// cycle times `instance stop web` + `instance start web`.
func cycle(tw *tabwriter.Writer, bin, lab string, n int) error {
	var ds []time.Duration
	for i := 0; i < n; i++ {
		stop, err := timed(bin, "--lab", lab, "instance", "stop", "web")
		if err != nil {
			return err
		}
		start, err := timed(bin, "--lab", lab, "instance", "start", "web")
		if err != nil {
			return err
		}
		ds = append(ds, stop+start)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	fmt.Fprintf(tw, "instance stop+start web\t%d cycles\tmedian %s\tmax %s (target < 2s)\n",
		n, median(ds).Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond))
	return nil
}

func timed(bin string, args ...string) (time.Duration, error) {
	start := time.Now()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w\n%s", bin, strings.Join(args, " "), err, out)
	}
	return time.Since(start), nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// buildRev builds netemu at rev in a temporary git worktree.
func buildRev(tmp, rev string) (string, error) {
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("find the repository: %w", err)
	}
	repo := string(bytes.TrimSpace(top))
	wt := filepath.Join(tmp, "before-src")
	if out, err := exec.Command("git", "-C", repo, "worktree", "add", "--detach", wt, rev).CombinedOutput(); err != nil {
		return "", fmt.Errorf("git worktree add %s: %w\n%s", rev, err, out)
	}
	defer exec.Command("git", "-C", repo, "worktree", "remove", "--force", wt).Run()
	bin := filepath.Join(tmp, "netemu-before")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/netemu")
	cmd.Dir = wt
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", rev, err, out)
	}
	return bin, nil
}
