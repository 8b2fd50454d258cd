package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/report/outdir"
)

const mergeSynopsis = `sim merge DIR... --out DIR [--title T] [--workers N] [--max-runs N]

Puts the shards of one sweep back together. Each DIR is the --out of one
'sim sweep ... --shard I/N' (its sweep.csv and sweep-shard.json); give
every part from 1 to N once, in any order. --out gets exactly the files
one 'sim sweep' over the whole grid writes:
  sweep.csv          one row per grid point and seed: byte for byte what
                     the unsharded sweep writes
  sweep-summary.csv  each metric's mean, min and max per grid point,
                     computed again from the runs
  sweep.png, .svg    the plot, drawn from them
Shards of different sweeps (another scenario, --set, seeds, metrics,
title or version of sim), a part missing or given twice, and rows that
are not the runs the shard's manifest promises are refused (exit status
2), naming the file and, inside it, the line and column.

Flags:`

func cmdMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("merge", mergeSynopsis, stderr)
	var out stringFlag
	fs.Var(&out, "out", "the directory to write the merged sweep into (required; replaced whole)")
	title := fs.String("title", "", "the plot's title (default: the shards' --title, or the scenario, the metrics and the key)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "how many plots to draw at once")
	maxRuns := fs.Int("max-runs", report.MaxMergeRuns, "refuse a sweep of more runs (grid points times seeds, every shard together) than this")
	dirs, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "sim merge: "+format+"\n", a...)
		return exitBadInput
	}
	switch {
	case len(dirs) == 0:
		return bad("give the output directories of the shards to merge")
	case strings.TrimSpace(out.value) == "":
		return bad("--out: give the directory to write the merged sweep into")
	case *workers < 1:
		return bad("--workers: expected at least 1, got %d", *workers)
	case *maxRuns < 1:
		return bad("--max-runs: expected at least 1, got %d", *maxRuns)
	}
	target, _ := filepath.Abs(out.value)
	var shards []*report.SweepShard
	for _, dir := range dirs {
		if abs, _ := filepath.Abs(dir); abs == target {
			return bad("--out %s is one of the shards: write the merged sweep into a directory of its own", out.value)
		}
		sh, err := report.ReadShard(dir, *maxRuns)
		if err != nil {
			return mergeError(stderr, err)
		}
		shards = append(shards, sh)
	}
	res, m, err := report.MergeShards(shards)
	if err != nil {
		return bad("%v", err)
	}
	if *title == "" {
		*title = m.Title
	}
	set, err := outdir.Create(out.value)
	if err != nil {
		fmt.Fprintf(stderr, "sim merge: --out: %v\n", err)
		return outError(err)
	}
	defer set.Abort()
	stop := abortOnSignal(set)
	defer stop()
	if err := writeSweep(set, res, *title, *workers); err != nil {
		fmt.Fprintf(stderr, "sim merge: --out: %v\n", err)
		return exitIO
	}
	fmt.Fprintf(stdout, "merged %d shards of %s: %d points x %d seeds = %d runs\n\n", len(shards), m.File, len(res.Points), len(res.Seeds), len(res.Runs))
	printSummary(stdout, res)
	printWrote(stdout, out.value, sweepFiles)
	return exitOK
}

// mergeError reports a shard that cannot be read: an I/O failure (exit
// status 4) when a file is there but cannot be read, bad input (2)
// otherwise.
func mergeError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "sim merge: %v\n", err)
	var pe *fs.PathError
	if errors.As(err, &pe) && !errors.Is(err, fs.ErrNotExist) {
		return exitIO
	}
	return exitBadInput
}
