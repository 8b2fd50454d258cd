package main

import (
	"fmt"
	"time"

	"gonum.org/v1/plot"

	"github.com/sim-lecture/sim/protocols/reliable/reliabledriver"
	"github.com/sim-lecture/sim/report"
)

// figure is one teaching figure: a sweep over a scenario (or one run of
// it), and how to draw the result. Everything drawn comes from simulator
// runs of the declared scenario; nothing is a constant.
type figure struct {
	// Name is the file name stem in docs/figures/.
	Name string
	// Title heads the figure; Caption says what to see in it (README).
	Title, Caption string
	// Scenario is a built-in scenario's name; or Build writes the scenario
	// from Params (see workloads.go).
	Scenario string
	Build    func(params) (string, error)
	Params   params
	// Axes are the swept keys, as for `sim sweep --set`: KEY=FROM..TO[:STEP]
	// or KEY=a,b,c. A key of Params varies the built scenario; any other
	// key is a scenario key set with --set.
	Axes []string
	// Seeds is how many seeds each grid point runs with.
	Seeds int
	// Panels are drawn side by side from the sweep.
	Panels []panel
	// Run, for a figure of one run rather than a sweep, draws the run's
	// result and returns the drawn numbers as CSV rows (a header first).
	Run func(res *report.Result) ([]*plot.Plot, [][]string, error)
}

// panel is one plot of a sweep figure.
type panel struct {
	Title   string
	Metrics []string
	Names   map[string]string
	YLabel  string
	LogX    bool
	LogY    bool
}

// figures are the README's teaching figures (issue 6, part 3).
var figures = []*figure{
	{
		Name:  "a-nfs-calls-vs-attr-timeout",
		Title: "NFS server calls by procedure against the attribute cache timeout",
		Caption: "Three readers re-read a shared file every second for a minute while a writer rewrites it every 30 s. " +
			"With no attribute cache (attr_timeout 0) every read of a cached block costs a GETATTR, and GETATTR is most of the " +
			"server's work (the lecture: \"stat accounted for 90% of server requests\"). Caching attributes for a few seconds " +
			"cuts the GETATTRs; the READs only follow the writer's updates.",
		Build:  fileReaders("nfs"),
		Params: params{"clients": "3", "duration": "60", "write_every": "30"},
		Axes:   []string{"nfs.attr_timeout=0..10s:1s"},
		Seeds:  3,
		Panels: []panel{
			{Title: "server calls by procedure", Metrics: []string{"nfs:calls.GETATTR", "nfs:calls.READ", "nfs:calls.LOOKUP", "nfs:calls.WRITE"},
				Names:  map[string]string{"nfs:calls.GETATTR": "GETATTR", "nfs:calls.READ": "READ", "nfs:calls.LOOKUP": "LOOKUP", "nfs:calls.WRITE": "WRITE"},
				YLabel: "server calls in the run"},
			{Title: "GETATTR's share of the server's calls", Metrics: []string{"nfs:call_share.GETATTR"},
				Names: map[string]string{"nfs:call_share.GETATTR": "GETATTR share"}, YLabel: "fraction of all calls"},
		},
	},
	{
		Name:  "b-nfs-staleness-vs-attr-timeout",
		Title: "How stale NFS reads are against the attribute cache timeout",
		Caption: "The readers of figure a, with the writer rewriting the file every 10 s. A read's staleness is how long the " +
			"server had held newer data than the read returned. The worst grows with attr_timeout and stays below it: the " +
			"lecture's \"could read data that is up to 3 seconds old\" for a 3 s timeout. Most reads are fresh, so the mean " +
			"stays small.",
		Build:  fileReaders("nfs"),
		Params: params{"clients": "3", "duration": "60", "write_every": "10"},
		Axes:   []string{"nfs.attr_timeout=0..10s:1s"},
		Seeds:  3,
		Panels: []panel{
			{Title: "staleness of reads", Metrics: []string{"nfs:staleness.max", "nfs:staleness.mean"},
				Names: map[string]string{"nfs:staleness.max": "worst", "nfs:staleness.mean": "mean"}, YLabel: "staleness (s)"},
		},
	},
	{
		Name:  "c-server-load-vs-clients",
		Title: "Server calls per second against the number of clients, NFS against AFS",
		Caption: "The readers of figure b (NFS with its default 3 s attr_timeout), from 1 to 32 of them. NFS revalidates " +
			"cached blocks with GETATTRs, so its server load grows with every client; AFS clients read their whole-file copy " +
			"under a callback and contact the server only when the writer's STORE breaks their callbacks, so their load grows " +
			"far more slowly: the lecture's AFS \"primary goal: scalability\". Both axes are logarithmic.",
		Build:  fileReaders("nfs, afs"),
		Params: params{"clients": "1", "duration": "60", "write_every": "10"},
		Axes:   []string{"clients=1,2,4,8,16,32"},
		Seeds:  2,
		Panels: []panel{
			{Title: "server load", Metrics: []string{"nfs:calls_per_second", "afs:calls_per_second"},
				Names:  map[string]string{"nfs:calls_per_second": "NFS", "afs:calls_per_second": "AFS"},
				YLabel: "server calls per second", LogX: true, LogY: true},
		},
	},
	{
		Name:  "d-reliable-vs-loss",
		Title: "The reliable transport against the loss rate: the lecture's and the default, with a fixed and an adaptive timeout",
		Caption: "A hands 200 messages at once to the reliable transport (window 8) over a link of 15 to 45 ms each way " +
			"(round trips of 30 to 90 ms). The lecture's transport repairs losses by its timer alone: with the adaptive " +
			"timeout (RFC 6298) every expiry doubles the RTO and Karn's rule leaves it few samples to come back down with, " +
			"so under heavy loss the transfer crawls (goodput is on a log scale); the fixed 60 ms timeout, below the longer " +
			"round trips, keeps resending at its pace. The default transport (timestamps, SACK, RACK-TLP, congestion " +
			"control by TCP Veno: what a modern TCP does) repairs most holes without the timer; its adaptive timeout, collapsed by " +
			"the first timestamp echo after a timeout, stays within a factor of two of the fixed one, which happens to " +
			"suit this link, with fewer resends, and is hundreds of times the lecture's at 30% loss.",
		Build:  reliableBulk,
		Params: params{"count": "200", "transport": "lecture"},
		Axes:   []string{"network.loss=0..0.3:0.05", "transport=lecture,default", "reliable.rto=fixed,adaptive"},
		Seeds:  5,
		Panels: []panel{
			{Title: "goodput", Metrics: []string{"goodput"}, YLabel: "messages delivered per second", LogY: true},
			{Title: "retransmissions", Metrics: []string{"retransmissions"}, YLabel: "retransmitted segments"},
		},
	},
	{
		Name:  "e-adaptive-rto",
		Title: "RTT samples, SRTT and RTO over time (adaptive_rto.yaml)",
		Caption: "The built-in scenario adaptive_rto: the link's delay rises tenfold at 10 s and falls back at 20 s. The first " +
			"messages of the slow phase time out, the RTO backs off, Karn's rule skips the retransmitted segments, and the " +
			"next samples pull SRTT and RTO up; they fall back after 20 s.",
		Scenario: "adaptive_rto",
		Run:      rttPlot,
	},
	{
		Name:  "f-nfs-write-policies",
		Title: "NFS server write policies: write latency against acknowledged data lost in a crash",
		Caption: "A writes a block and closes the file every second; the server crashes halfway through and restarts 2 s " +
			"later. Writing through to disk before replying makes every close wait for the disk; a buffered server replies at " +
			"once but loses the acknowledged writes still in its memory (the lecture's \"server acknowledges write before " +
			"write is pushed to disk\"); NVRAM is both fast and safe. The latency is the median close, which sends the write.",
		Build:  fileWriters,
		Params: params{"duration": "50"},
		Axes:   []string{"nfs.write_policy=write_through,buffered,nvram"},
		Seeds:  3,
		Panels: []panel{
			{Title: "write latency the client sees", Metrics: []string{"nfs:latency_median.close"},
				Names: map[string]string{"nfs:latency_median.close": "close, which sends the write (median)"}, YLabel: "latency (s)"},
			{Title: "acknowledged data lost", Metrics: []string{"nfs:lost_writes"},
				Names: map[string]string{"nfs:lost_writes": "acknowledged blocks lost"}, YLabel: "blocks"},
		},
	},
	{
		Name:  "g-recovery-mechanisms",
		Title: "Each recovery mechanism's contribution against the loss rate",
		Caption: "A hands 200 messages at once to the reliable transport (window 8) over a link of 10 ms each way, losing " +
			"the same share of datagrams in each direction. Each line adds one mechanism to the one below it, as scenario " +
			"heavy_loss's variants do: the lecture's transport (timer only, Karn's rule); timestamps, which let the first " +
			"ACK after a timeout collapse the backoff (RFC 7323); fast retransmit with NewReno (RFC 5681, RFC 6582); SACK " +
			"(RFC 2018, RFC 6675); and the default, with RACK-TLP (RFC 8985) and congestion control by TCP Veno, which " +
			"takes a loss with no queue building as random and cuts its window by a fifth only. Goodput is on a log " +
			"scale: the timer alone loses three orders of magnitude by 20% loss. Timestamps win back one, fast retransmit " +
			"another; SACK alone adds little with a window of 8, which holds few holes at a time, and a lost " +
			"retransmission still waits for the timer; RACK-TLP finds those by time, and the default keeps within a " +
			"factor of eight of the lossless goodput at 30% loss.",
		Build:  reliableMechanisms,
		Params: params{"count": "200", "mechanisms": "default"},
		Axes:   []string{"network.loss=0..0.3:0.05", "mechanisms=timer_only,timestamps,fast_retransmit,sack,default"},
		Seeds:  5,
		Panels: []panel{
			{Title: "goodput", Metrics: []string{"goodput"}, YLabel: "messages delivered per second", LogY: true},
			{Title: "retransmissions", Metrics: []string{"retransmissions"}, YLabel: "retransmitted segments"},
		},
	},
	{
		Name:  "h-congestion-collapse",
		Title: "Congestion collapse and its cure: goodput against offered load through one bottleneck",
		Caption: "N senders each offer 50 messages of 1000 B a second to R through R's access link, 1 Mbit/s (about 120 " +
			"such messages a second) with a 50-datagram drop-tail queue (scenario congestion_collapse has N = 8). Past the " +
			"link's capacity, senders without congestion control and with a fixed 100 ms timeout resend every segment the " +
			"full queue delays beyond the timeout; the copies take the link, and the goodput falls as the offered load " +
			"grows: the lecture's \"resending makes overload worse\". The adaptive RTO's backoff alone only defers the " +
			"collapse: it holds up to 8 senders, then its timeouts grow as fast as the queue stays full. With congestion " +
			"control, the default, the link stays near its full rate whatever the load: TCP Veno sees the full queue in " +
			"its round trips, takes the losses as congestion and halves its window, as RFC 5681's Reno does.",
		Build:  bottleneck,
		Params: params{"senders": "1", "control": "default"},
		Axes:   []string{"senders=1,2,4,8,16", "control=none,backoff,default"},
		Seeds:  3,
		Panels: []panel{
			{Title: "goodput", Metrics: []string{"goodput"}, YLabel: "messages delivered per second", LogX: true},
			{Title: "retransmissions", Metrics: []string{"retransmissions"}, YLabel: "retransmitted segments", LogX: true, LogY: true},
		},
	},
	{
		Name:  "i-afs-paper-server-load",
		Title: "Howard et al. 1988 again: server load against clients for NFS, the AFS prototype and AFS with callbacks",
		Caption: "The built-in scenario afs_paper with 1 to 10,000 clients, each running one program a minute for half an " +
			"hour: open, read and close a shared file (Zipf over 20), then its own home file, written one time in twenty. NFS " +
			"looks up both names of each path at every open; the AFS prototype validates every open with one FETCHSTATUS " +
			"(its TestAuth); with callbacks a client asks only for its first copy of a file, to store its own, and when a " +
			"promise expires (OpenAFS's lifetimes: 7 minutes on a file 64 or more clients hold, 4 hours on its own). All " +
			"three grow linearly, the prototype 3 to 4 times and NFS 6 to 9 times as steeply as callbacks in calls per second, as in " +
			"Howard et al. 1988. Utilisation (1 ms a status call, 4 ms a whole-file or block transfer, no queueing) narrows " +
			"the gap to about 1.6 and 2.7 times: half an hour is short, and callbacks' remaining calls are mostly the " +
			"first opens' FETCHes, which the prototype makes too. At 10,000 clients one NFS server is busy all the time.",
		Build:  afsPaper,
		Params: params{"clients": "5"},
		Axes:   []string{"clients=1,10,100,1000,10000"},
		Seeds:  1,
		Panels: []panel{
			{Title: "server calls per second", Metrics: []string{"nfs:calls_per_second", "afs-prototype:calls_per_second", "afs-callbacks:calls_per_second"},
				Names:  map[string]string{"nfs:calls_per_second": "NFS", "afs-prototype:calls_per_second": "AFS prototype", "afs-callbacks:calls_per_second": "AFS callbacks"},
				YLabel: "server calls per second", LogX: true, LogY: true},
			{Title: "server utilisation (service time per call)", Metrics: []string{"nfs:utilization", "afs-prototype:utilization", "afs-callbacks:utilization"},
				Names:  map[string]string{"nfs:utilization": "NFS", "afs-prototype:utilization": "AFS prototype", "afs-callbacks:utilization": "AFS callbacks"},
				YLabel: "busy fraction of one server", LogX: true, LogY: true},
		},
	},
}

// rttPlot draws each RTT sample with the SRTT and RTO that followed it.
func rttPlot(res *report.Result) ([]*plot.Plot, [][]string, error) {
	var at, sample, srtt, rto []float64
	rows := [][]string{{"system", "at", "from", "to", "sample", "srtt", "rto"}}
	for _, sys := range res.Systems {
		for _, s := range reliabledriver.RTTOf(&sys) {
			x, err1 := time.ParseDuration(s.At)
			a, err2 := time.ParseDuration(s.Sample)
			b, err3 := time.ParseDuration(s.SRTT)
			c, err4 := time.ParseDuration(s.RTO)
			if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
				return nil, nil, fmt.Errorf("rtt sample %+v: a time does not parse", s)
			}
			rows = append(rows, []string{sys.System, s.At, s.From, s.To, s.Sample, s.SRTT, s.RTO})
			at = append(at, x.Seconds())
			sample = append(sample, a.Seconds()*1000)
			srtt = append(srtt, b.Seconds()*1000)
			rto = append(rto, c.Seconds()*1000)
		}
	}
	if len(at) == 0 {
		return nil, nil, fmt.Errorf("the run reported no RTT samples")
	}
	p, err := report.SeriesPlot(fmt.Sprintf("(e) %s: RTT samples, SRTT and RTO (seed %d)", res.Scenario, res.Seed), "time (s)", "milliseconds",
		[]report.Series{
			{Name: "RTT sample", X: at, Y: sample, Points: true},
			{Name: "SRTT", X: at, Y: srtt},
			{Name: "RTO", X: at, Y: rto, Steps: true},
		}, true)
	if err != nil {
		return nil, nil, err
	}
	return []*plot.Plot{p}, rows, nil
}
