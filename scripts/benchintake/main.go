// Command benchintake measures the webhook intake of the real claude-gitlab binary side by side
// with a bare Go handler (the "limit": constant-time token check and a JSON decode, nothing
// else), in the same run, loaded the same way by wrk on loopback. scripts/bench-intake.sh runs it.
//
// Cases: an issue hook, a merge request hook and a note hook without a mention (GitLab's real
// payloads), a wrong token, and distinct @claude notes that are durably queued while two workers
// run jobs with the fake Claude CLI. It prints each run and the medians: req/s, ours/limit, p99s
// and the service's peak RSS.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"time"
)

func main() {
	limitAddr := flag.String("serve-limit", "", "internal: run the bare handler on this address")
	secret := flag.String("secret", "bench-webhook-secret-0123456789abcdef", "webhook secret")
	runs := flag.Int("runs", 3, "runs (medians are reported)")
	payloads := flag.String("payloads", "../shared/gitlab-payloads", "GitLab's real payloads")
	ignoredLoad := flag.Duration("d", 8*time.Second, "duration of each ignored/wrong-token case")
	mentionLoad := flag.Duration("mention-d", 5*time.Second, "duration of the mentions case")
	only := flag.String("only", "", "run only the cases whose name contains this (e.g. -only durably)")
	spin := flag.Int("spin", 0, "busy-loop processes beside the run (2 on 2 cores: the machine at about half speed)")
	spinning := flag.Bool("serve-spin", false, "internal: loop forever")
	flag.Parse()
	if *spinning {
		for {
		}
	}
	if *limitAddr != "" {
		if err := serveLimit(*limitAddr, *secret); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	err := measure(*secret, *payloads, *only, *spin, *runs,
		load{threads: 2, conns: 32, duration: *ignoredLoad}, load{threads: 2, conns: 16, duration: *mentionLoad})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-intake:", err)
		os.Exit(1)
	}
}

// measure runs every run and prints each and the medians; whatever it started ends with it.
func measure(secret, payloads, only string, spin, runs int, ignored, mentions load) error {
	b, err := newBench(secret, payloads, only)
	if err != nil {
		return err
	}
	defer b.close()
	stopSpin, err := startSpin(spin)
	if err != nil {
		return err
	}
	defer stopSpin()
	b.ignored, b.mentions = ignored, mentions
	var all []runResult
	for i := 1; i <= runs; i++ {
		r, err := b.run(i)
		if err != nil {
			return err
		}
		r.print(fmt.Sprintf("run %d", i))
		all = append(all, r)
	}
	medians(all).print(fmt.Sprintf("median of %d runs", len(all)))
	return nil
}

// startSpin starts n processes of this program that loop until stop is called.
func startSpin(n int) (stop func(), err error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var cmds []*exec.Cmd
	stop = func() {
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
	}
	for range n {
		c := exec.Command(self, "-serve-spin")
		c.Env = []string{} // it only loops
		if err := c.Start(); err != nil {
			stop()
			return nil, err
		}
		cmds = append(cmds, c)
	}
	return stop, nil
}

// pair is one case measured on both servers in the same run.
type pair struct {
	name        string
	ours, limit wrkResult
	// ratio and p99Ratio are ours/limit; for medians, the median of each run's own ratio.
	ratio, p99Ratio float64
}

func newPair(name string, ours, limit wrkResult) pair {
	return pair{name: name, ours: ours, limit: limit, ratio: ours.reqPerSec / limit.reqPerSec,
		p99Ratio: float64(ours.p99) / float64(limit.p99)}
}

type runResult struct {
	pairs  []pair
	rssMB  float64 // the service's peak RSS (VmHWM) over the run
	queued int     // mentions the service answered 202 in the mentions case
}

func (r runResult) print(title string) {
	fmt.Printf("\n%s (service peak RSS %.1f MB)\n", title, r.rssMB)
	fmt.Printf("| case | ours req/s | limit req/s | ours/limit | ours p99 | limit p99 | p99 ours/limit |\n|---|---|---|---|---|---|---|\n")
	for _, p := range r.pairs {
		fmt.Printf("| %s | %.0f | %.0f | %.2f× | %s | %s | %.2f× |\n", p.name, p.ours.reqPerSec, p.limit.reqPerSec,
			p.ratio, ms(p.ours.p99), ms(p.limit.p99), p.p99Ratio)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// medians takes each figure's median over the runs; ratios are the medians of each run's ratio,
// so that every ratio compares the two servers of the same run.
func medians(runs []runResult) runResult {
	out := runResult{}
	var rss []float64
	for _, r := range runs {
		rss = append(rss, r.rssMB)
	}
	out.rssMB = median(rss)
	for i := range runs[0].pairs {
		var ours, limit, p99o, p99l, ratio, p99r []float64
		for _, r := range runs {
			p := r.pairs[i]
			ours, limit = append(ours, p.ours.reqPerSec), append(limit, p.limit.reqPerSec)
			p99o, p99l = append(p99o, float64(p.ours.p99)), append(p99l, float64(p.limit.p99))
			ratio, p99r = append(ratio, p.ratio), append(p99r, p.p99Ratio)
		}
		out.pairs = append(out.pairs, pair{name: runs[0].pairs[i].name,
			ours:  wrkResult{reqPerSec: median(ours), p99: time.Duration(median(p99o))},
			limit: wrkResult{reqPerSec: median(limit), p99: time.Duration(median(p99l))},
			ratio: median(ratio), p99Ratio: median(p99r)})
	}
	return out
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
